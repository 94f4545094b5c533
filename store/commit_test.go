package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// Concurrent updates share commits; each keeps its own outcome: the ones that succeed are all
// stored, a failing one leaves nothing and gets its own error, a panicking one panics in its
// caller's goroutine and harms nobody else.
func TestConcurrentUpdatesShareCommits(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	errBad := errors.New("bad input")
	const n = 200
	var wg sync.WaitGroup
	var runs atomic.Int64
	errs := make([]error, n)
	panics := make([]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			errs[i] = st.Update(ctx, func(tx entitlement.Tx) error {
				runs.Add(1)
				u := entitlement.User{ID: fmt.Sprintf("0190f000-0000-7000-8000-%012d", i), DisplayName: fmt.Sprint("User ", i),
					Email: fmt.Sprintf("u%d@example.com", i), UserType: entitlement.UserTypeMember}
				if err := tx.Users().Put(u); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errBad // after a write, which must not stay
				case 7:
					if i%20 == 7 {
						panic("boom")
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	if runs.Load() < n {
		t.Fatalf("%d runs for %d updates", runs.Load(), n)
	}
	err = st.View(ctx, func(tx entitlement.Tx) error {
		for i := range n {
			_, err := tx.Users().Get(fmt.Sprintf("0190f000-0000-7000-8000-%012d", i))
			stored := err == nil
			switch {
			case i%10 == 3:
				if !errors.Is(errs[i], errBad) || stored {
					t.Errorf("update %d: err %v, stored %v; want its own error and nothing stored", i, errs[i], stored)
				}
			case i%20 == 7:
				if panics[i] != "boom" || stored {
					t.Errorf("update %d: panic %v, stored %v; want the panic in its caller and nothing stored", i, panics[i], stored)
				}
			default:
				if errs[i] != nil || panics[i] != nil || !stored {
					t.Errorf("update %d: err %v, panic %v, stored %v; want it stored", i, errs[i], panics[i], stored)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An update whose context ends before it commits leaves nothing behind, whoever shares its commit.
func TestUpdateCanceledContextWritesNothing(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	err = st.Update(ctx, func(tx entitlement.Tx) error {
		cancel()
		return tx.Users().Put(entitlement.User{ID: "0190f000-0000-7000-8000-000000000001", DisplayName: "A", Email: "a@example.com", UserType: entitlement.UserTypeMember})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	_ = st.View(context.Background(), func(tx entitlement.Tx) error {
		if _, err := tx.Users().Get("0190f000-0000-7000-8000-000000000001"); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("the canceled update's user is stored (err %v)", err)
		}
		return nil
	})
}

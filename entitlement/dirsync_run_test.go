package entitlement_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// slowSource is a directory whose Read waits until the test releases it (or the run is
// stopped), so that a run can be watched while it is under way.
type slowSource struct {
	entered chan struct{} // receives each time a Read starts
	release chan struct{} // Read returns the snapshot once it is closed
	snap    entitlement.DirectorySnapshot
}

func newSlowSource(people int) *slowSource {
	s := &slowSource{entered: make(chan struct{}, 8), release: make(chan struct{})}
	for i := 1; i <= people; i++ {
		s.snap.People = append(s.snap.People, entitlement.DirectoryPerson{
			ExternalID: fmt.Sprintf("uid=p%04d", i), Email: fmt.Sprintf("p%04d@example.com", i), DisplayName: fmt.Sprintf("Person %d", i),
		})
	}
	return s
}

func (s *slowSource) Read(ctx context.Context, _ entitlement.LDAPSettings, _ string) (entitlement.DirectorySnapshot, error) {
	s.entered <- struct{}{}
	select {
	case <-s.release:
		return s.snap, nil
	case <-ctx.Done():
		return entitlement.DirectorySnapshot{}, ctx.Err()
	}
}

func (s *slowSource) Test(context.Context, entitlement.LDAPSettings, string) (entitlement.DirectoryTest, error) {
	return entitlement.DirectoryTest{}, nil
}

// gatedStore holds one write transaction once armed: the one after `pass` more have gone
// through, so that a run can be watched between two of its batches.
type gatedStore struct {
	entitlement.Store
	mu    sync.Mutex
	armed bool
	pass  int
	held  chan struct{} // receives when a write waits at the gate
	open  chan struct{} // the write goes on once it is closed
}

func (g *gatedStore) arm(pass int) {
	g.mu.Lock()
	g.armed, g.pass = true, pass
	g.mu.Unlock()
}

func (g *gatedStore) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	g.mu.Lock()
	wait := false
	if g.armed {
		if g.pass == 0 {
			g.armed, wait = false, true
		}
		g.pass--
	}
	g.mu.Unlock()
	if wait {
		g.held <- struct{}{}
		<-g.open
	}
	return g.Store.Update(ctx, fn)
}

type runEnv struct {
	*entitlementtest.Env
	src  *slowSource
	gate *gatedStore
}

func newRunEnv(t *testing.T, people int, path string) *runEnv {
	t.Helper()
	e := &runEnv{src: newSlowSource(people)}
	e.Env = entitlementtest.Open(t, entitlementtest.Options{Path: path, Directory: e.src, Wrap: func(st entitlement.Store) entitlement.Store {
		e.gate = &gatedStore{Store: st, held: make(chan struct{}, 1), open: make(chan struct{})}
		return e.gate
	}})
	return e
}

func (e *runEnv) configure(t *testing.T, interval int) {
	t.Helper()
	c := entitlement.DefaultLDAPSettings()
	c.URL, c.PeopleBaseDN, c.IntervalMinutes = "ldap://ldap.example.com", "ou=people,dc=example,dc=com", interval
	if err := e.Svc.SaveLDAPSettings(entitlementtest.RootAdmin, c, "secret"); err != nil {
		t.Fatalf("save settings: %v", err)
	}
}

func (e *runEnv) view(t *testing.T) entitlement.DirectorySyncView {
	t.Helper()
	v, err := e.Svc.DirectorySync(entitlementtest.RootAdmin)
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	return v
}

// waitEnded waits until no run is under way.
func (e *runEnv) waitEnded(t *testing.T, svc *entitlement.Service) entitlement.DirectorySyncView {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		v, err := svc.DirectorySync(entitlementtest.RootAdmin)
		if err != nil {
			t.Fatalf("view: %v", err)
		}
		if v.Running == nil {
			return v
		}
	}
	t.Fatal("the run did not end")
	return entitlement.DirectorySyncView{}
}

func receive(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting: %s", what)
	}
}

func TestStartDirectorySyncRunsInTheBackgroundWithProgress(t *testing.T) {
	e := newRunEnv(t, 600, "")
	e.configure(t, 60)
	t.Cleanup(func() { _ = e.Svc.Shutdown(context.Background()) })

	// Start answers while the directory is still being read, under a context that ends at once
	// (as a request's does when the handler returns).
	ctx, cancel := context.WithCancel(entitlementtest.RootAdmin)
	run, err := e.Svc.StartDirectorySync(ctx, false)
	cancel()
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	receive(t, e.src.entered, "the run reads the directory")
	v := e.view(t)
	if v.Running == nil || v.Running.ID != run.ID || v.Running.Phase != entitlement.PhaseReading || v.Running.StartedBy != "Root Admin" || !v.Running.StartedDateTime.Equal(entitlementtest.T0) {
		t.Fatalf("progress while reading = %+v", v.Running)
	}

	// One run at a time: a second start, a dry run and the scheduled run all wait.
	if _, err := e.Svc.StartDirectorySync(entitlementtest.RootAdmin, true); entitlementtest.ErrCode(err) != "directorySyncRunning" {
		t.Fatalf("second start: %v", err)
	}
	if _, err := e.Svc.RunDirectorySync(entitlementtest.RootAdmin, entitlement.DirectorySyncOptions{DryRun: true}); entitlementtest.ErrCode(err) != "directorySyncRunning" {
		t.Fatalf("dry run during a run: %v", err)
	}
	w := entitlement.NewWorker(e.Svc, entitlement.WorkerOptions{})
	if res, err := w.Tick(context.Background()); err != nil || res.DirectorySyncs != 0 {
		t.Fatalf("scheduled run during a run: %+v, %v", res, err)
	}

	// Between the first batch of 500 and the second: applying 500 of 600.
	e.gate.arm(1)
	close(e.src.release)
	receive(t, e.gate.held, "the second batch")
	v = e.view(t)
	if p := v.Running; p == nil || p.Phase != entitlement.PhaseApplying || p.Done != 500 || p.Total != 600 || p.Created != 600 || p.PeopleRead != 600 {
		t.Fatalf("progress while applying = %+v", v.Running)
	}
	close(e.gate.open)

	v = e.waitEnded(t, e.Svc)
	if len(v.Reports) != 1 || v.Reports[0].ID != run.ID || v.Reports[0].Outcome != entitlement.RunCompleted || v.Reports[0].Created != 600 || v.Reports[0].StartedBy != "Root Admin" {
		t.Fatalf("reports = %+v", v.Reports)
	}
	e.View(func(tx entitlement.Tx) error {
		st, err := tx.DirectorySync()
		if st.Running != nil {
			t.Errorf("the run's marker stays after it ended: %+v", st.Running)
		}
		return err
	})
	if total := e.keptByImport(t); total != 600 {
		t.Fatalf("%d people synced, want 600", total)
	}
}

// keptByImport counts the people the LDAP import keeps.
func (e *runEnv) keptByImport(t *testing.T) int {
	t.Helper()
	var total int
	e.View(func(tx entitlement.Tx) error {
		var err error
		_, total, err = tx.Users().BySource(entitlement.SourceLDAP, 0, 0)
		return err
	})
	return total
}

// TestDirectorySyncCutShortByACrash: a run whose process dies leaves its marker; after a restart
// the marker blocks nothing, and shows as a run cut short.
func TestDirectorySyncCutShortByACrash(t *testing.T) {
	e := newRunEnv(t, 3, "")
	e.configure(t, 0)
	if _, err := e.Svc.StartDirectorySync(entitlementtest.RootAdmin, false); err != nil {
		t.Fatalf("start: %v", err)
	}
	receive(t, e.src.entered, "the run reads the directory")
	crashed := e.Svc
	t.Cleanup(func() { _ = crashed.Shutdown(context.Background()) })

	e.Reopen() // the process is gone while the run reads; a new one opens the file
	v := e.view(t)
	if v.Running != nil || len(v.Reports) != 1 || v.Reports[0].Outcome != entitlement.RunFailed || !strings.Contains(v.Reports[0].Message, "cut short") {
		t.Fatalf("after the restart: running %+v, reports %+v", v.Running, v.Reports)
	}
	close(e.src.release)
	run, err := e.Svc.StartDirectorySync(entitlementtest.RootAdmin, false)
	if err != nil {
		t.Fatalf("start after the restart: %v", err)
	}
	t.Cleanup(func() { _ = e.Svc.Shutdown(context.Background()) })
	v = e.waitEnded(t, e.Svc)
	if len(v.Reports) != 2 || v.Reports[0].ID != run.ID || v.Reports[0].Outcome != entitlement.RunCompleted || v.Reports[0].Created != 3 || v.Reports[1].Outcome != entitlement.RunFailed {
		t.Fatalf("reports = %+v", v.Reports)
	}
}

// TestShutdownStopsADirectorySync: Shutdown stops the run, which keeps its report; no run starts
// after it.
func TestShutdownStopsADirectorySync(t *testing.T) {
	e := newRunEnv(t, 3, "")
	e.configure(t, 0)
	if _, err := e.Svc.StartDirectorySync(entitlementtest.RootAdmin, false); err != nil {
		t.Fatalf("start: %v", err)
	}
	receive(t, e.src.entered, "the run reads the directory")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Svc.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	v := e.view(t)
	if v.Running != nil || len(v.Reports) != 1 || v.Reports[0].Outcome != entitlement.RunFailed || !strings.Contains(v.Reports[0].Message, "stopped while it read") {
		t.Fatalf("after shutdown: running %+v, reports %+v", v.Running, v.Reports)
	}
	if _, err := e.Svc.StartDirectorySync(entitlementtest.RootAdmin, false); entitlementtest.ErrCode(err) != "shuttingDown" {
		t.Fatalf("start after shutdown: %v", err)
	}
}

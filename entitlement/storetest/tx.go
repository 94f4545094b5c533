package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
)

var errAbort = errors.New("storetest: abort the transaction")

// txCases check the transactions themselves: the service writes a change, its indexes, its audit
// event and its outbox message in one Update and relies on all or nothing.
var txCases = []tcase{
	// The configuration cache keeps only what a read-only transaction read: it asks.
	{"Writable tells an Update from a View", func(t *testing.T, st entitlement.Store) {
		ctx := context.Background()
		var inView, inUpdate bool
		if err := st.View(ctx, func(tx entitlement.Tx) error { inView = tx.Writable(); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, func(tx entitlement.Tx) error { inUpdate = tx.Writable(); return nil }); err != nil {
			t.Fatal(err)
		}
		if inView || !inUpdate {
			t.Fatalf("Writable in a View = %v, in an Update = %v", inView, inUpdate)
		}
	}},
	// What may be kept of catalogs, resources, packages and policies between transactions is
	// kept per configuration version: every write to them must move it on, in its transaction,
	// and a failed transaction must not.
	{"ConfigVersion moves on with every write to the configuration, and only then", func(t *testing.T, st entitlement.Store) {
		version := func() uint64 {
			t.Helper()
			return read(t, st, func(tx entitlement.Tx) (uint64, error) { return tx.ConfigVersion() })
		}
		cat := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "Cat", CatalogType: entitlement.CatalogTypeUserManaged, CatalogStatus: entitlement.CatalogStatusPublished}
		res := newResource(cat.ID, "Res", "res-1")
		pkg := newPackage(cat.ID, "Pkg")
		pol := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: pkg.ID, CatalogID: cat.ID, DisplayName: "Pol"}
		steps := []struct {
			name  string
			write func(tx entitlement.Tx) error
			moves bool
		}{
			{"a catalog", func(tx entitlement.Tx) error { return tx.Catalogs().Put(cat) }, true},
			{"a resource", func(tx entitlement.Tx) error { return tx.Resources().Put(res) }, true},
			{"a package", func(tx entitlement.Tx) error { return tx.AccessPackages().Put(pkg) }, true},
			{"a policy", func(tx entitlement.Tx) error { return tx.Policies().Put(pol) }, true},
			{"a policy deleted", func(tx entitlement.Tx) error { return tx.Policies().Delete(pol.ID) }, true},
			{"a package deleted", func(tx entitlement.Tx) error { return tx.AccessPackages().Delete(pkg.ID) }, true},
			{"a user", func(tx entitlement.Tx) error { return tx.Users().Put(newUser("Ann", "ann@example.com")) }, false},
		}
		for _, step := range steps {
			before := version()
			update(t, st, step.write)
			if after := version(); (after != before) != step.moves {
				t.Errorf("%s: version %d → %d; want a move: %v", step.name, before, after, step.moves)
			}
		}
		before := version()
		_ = st.Update(context.Background(), func(tx entitlement.Tx) error {
			if err := tx.Catalogs().Put(cat); err != nil {
				return err
			}
			return errors.New("rolled back")
		})
		if after := version(); after != before {
			t.Errorf("a failed transaction moved the version %d → %d", before, after)
		}
	}},
	{"an Update whose function fails leaves nothing", func(t *testing.T, st entitlement.Store) {
		u := newUser("Ada Lovelace", "ada@example.com")
		g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Ops"}
		c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "Tools", Roles: []entitlement.CatalogRoleMember{
			{Role: entitlement.RoleCatalogOwner, PrincipalID: u.ID, PrincipalType: entitlement.PrincipalUser}}}
		r := entitlement.Request{ID: entitlement.NewID(), TargetID: u.ID, AccessPackageID: entitlement.NewID(),
			RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval, DueDateTime: at(0)}
		m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0}
		err := st.Update(bg, func(tx entitlement.Tx) error {
			for _, put := range []func() error{
				func() error { return tx.Users().Put(u) },
				func() error { return tx.Groups().Put(g) },
				func() error { return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect) },
				func() error { return tx.Catalogs().Put(c) },
				func() error { return tx.Requests().Put(r) },
				func() error { return tx.Outbox().Put(m) },
				func() error { return tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: u.ID, BlockedDateTime: t0}) },
				func() error {
					return tx.Sessions().Put(entitlement.Session{ID: "s1", UserID: u.ID, ExpiresDateTime: t0})
				},
				func() error {
					return tx.PutSettings(entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleNone})
				},
			} {
				if err := put(); err != nil {
					return err
				}
			}
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		for _, l := range []struct {
			name  string
			empty func(tx entitlement.Tx) (bool, error)
		}{
			{"user", func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().Get(u.ID)) }},
			{"user by e-mail", func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().ByEmail(u.Email)) }},
			{"user search", func(tx entitlement.Tx) (bool, error) {
				p, err := tx.Users().List(entitlement.ListOptions{Search: "ada"})
				return p.Total == 0, err
			}},
			{"group", func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Groups().Get(g.ID)) }},
			{"groups of the user", func(tx entitlement.Tx) (bool, error) {
				ids, err := tx.Groups().GroupIDsOf(u.ID)
				return len(ids) == 0, err
			}},
			{"catalog roles", func(tx entitlement.Tx) (bool, error) {
				roles, err := tx.Catalogs().RolesByPrincipal(u.ID)
				return len(roles) == 0, err
			}},
			{"open request", func(tx entitlement.Tx) (bool, error) {
				return isNotFound(tx.Requests().Open(r.TargetID, r.AccessPackageID))
			}},
			{"due requests", func(tx entitlement.Tx) (bool, error) {
				rs, err := tx.Requests().Due(t0, 10)
				return len(rs) == 0, err
			}},
			{"due messages", func(tx entitlement.Tx) (bool, error) {
				ms, err := tx.Outbox().Due(t0, 10)
				return len(ms) == 0, err
			}},
			{"guest block", func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.GuestBlocks().Get(u.ID)) }},
			{"sessions", func(tx entitlement.Tx) (bool, error) {
				ss, err := tx.Sessions().ByUser(u.ID)
				return len(ss) == 0, err
			}},
			{"settings", func(tx entitlement.Tx) (bool, error) {
				s, err := tx.Settings()
				return cmp.Equal(s, entitlement.DefaultSettings()), err
			}},
		} {
			if !read(t, st, l.empty) {
				t.Errorf("%s: the failed Update left it behind", l.name)
			}
		}
	}},
	{"a View returns its function's error", func(t *testing.T, st entitlement.Store) {
		if err := st.View(bg, func(entitlement.Tx) error { return errAbort }); !errors.Is(err, errAbort) {
			t.Errorf("View = %v, want the function's error", err)
		}
	}},
	{"a View cannot write", func(t *testing.T, st entitlement.Store) {
		u := newUser("Ada", "ada@example.com")
		if err := st.View(bg, func(tx entitlement.Tx) error { return tx.Users().Put(u) }); err == nil {
			t.Error("Put in a View succeeded")
		}
		if ok := read(t, st, func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().Get(u.ID)) }); !ok {
			t.Error("a Put in a View was stored")
		}
	}},
	{"a View sees no write of an Update that has not committed", func(t *testing.T, st entitlement.Store) {
		u := newUser("Ada", "ada@example.com")
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
			// Another caller reads while this transaction is open; it waits for the read, never
			// the other way round, so no backend's locking can deadlock here.
			seen := make(chan error, 1)
			go func() {
				seen <- st.View(bg, func(tx entitlement.Tx) error {
					_, err := tx.Users().Get(u.ID)
					return err
				})
			}()
			if err := <-seen; !errors.Is(err, entitlement.ErrNotFound) {
				t.Errorf("a concurrent View read the uncommitted user: %v", err)
			}
			return nil
		})
		if ok := read(t, st, func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().Get(u.ID)) }); ok {
			t.Error("the committed user is not there")
		}
	}},
}

// isNotFound reports whether a lookup found nothing; any other error is returned.
func isNotFound[T any](_ T, err error) (bool, error) {
	if errors.Is(err, entitlement.ErrNotFound) {
		return true, nil
	}
	return false, err
}

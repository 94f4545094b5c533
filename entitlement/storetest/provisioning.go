package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

var provisionTaskCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.ProvisionTasks().Get(entitlement.NewID()); return err }}),
	{"tasks are listed and counted by state, resource, catalog and role, and move with their state", func(t *testing.T, st entitlement.Store) {
		task := func(res, cat, role string, state entitlement.TaskState) entitlement.ProvisionTask {
			return entitlement.ProvisionTask{ID: entitlement.NewID(), ResourceID: res, CatalogID: cat, RoleID: role, State: state, Op: entitlement.ProvisionAdd, Created: t0}
		}
		a := task("r1", "c1", "role1", entitlement.TaskOpen)
		b := task("r2", "c1", "role2", entitlement.TaskOpen)
		c := task("r3", "c2", "role1", entitlement.TaskDone)
		update(t, st, func(tx entitlement.Tx) error {
			for _, x := range []entitlement.ProvisionTask{a, b, c} {
				if err := tx.ProvisionTasks().Put(x); err != nil {
					return err
				}
			}
			return nil
		})
		ids := func(p entitlement.Page[entitlement.ProvisionTask]) []string {
			var out []string
			for _, x := range p.Items {
				out = append(out, x.ID)
			}
			return out
		}
		check := func(what string, got []string, want ...string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s = %v, want %v", what, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s = %v, want %v", what, got, want)
				}
			}
		}
		view(t, st, func(tx entitlement.Tx) error {
			p, _ := tx.ProvisionTasks().ByState(entitlement.TaskOpen, entitlement.ListOptions{})
			check("open", ids(p), a.ID, b.ID)
			p, _ = tx.ProvisionTasks().ByResource("r2", entitlement.TaskOpen, entitlement.ListOptions{})
			check("open of r2", ids(p), b.ID)
			p, _ = tx.ProvisionTasks().ByCatalog("c1", entitlement.TaskOpen, entitlement.ListOptions{})
			check("open of c1", ids(p), a.ID, b.ID)
			rs, _ := tx.ProvisionTasks().ByRole("role1")
			check("of role1", ids(entitlement.Page[entitlement.ProvisionTask]{Items: rs}), a.ID, c.ID)
			if n, err := tx.ProvisionTasks().CountByState(entitlement.TaskOpen); err != nil || n != 2 {
				t.Errorf("CountByState(open) = %d, %v; want 2", n, err)
			}
			if n, err := tx.ProvisionTasks().CountByCatalog("c2", entitlement.TaskOpen); err != nil || n != 0 {
				t.Errorf("CountByCatalog(c2, open) = %d, %v; want 0", n, err)
			}
			return nil
		})
		a.State = entitlement.TaskDone
		update(t, st, func(tx entitlement.Tx) error { return tx.ProvisionTasks().Put(a) })
		view(t, st, func(tx entitlement.Tx) error {
			p, _ := tx.ProvisionTasks().ByCatalog("c1", entitlement.TaskOpen, entitlement.ListOptions{})
			check("open of c1 after closing one", ids(p), b.ID)
			p, _ = tx.ProvisionTasks().ByState(entitlement.TaskDone, entitlement.ListOptions{})
			check("done", ids(p), a.ID, c.ID)
			if n, err := tx.ProvisionTasks().CountByCatalog("c1", entitlement.TaskOpen); err != nil || n != 1 {
				t.Errorf("CountByCatalog(c1, open) = %d, %v; want 1", n, err)
			}
			return nil
		})
	}},
	{"the open count, in all and by catalog, follows tasks through their life and equals the lists' totals", func(t *testing.T, st entitlement.Store) {
		task := func(cat, role string) entitlement.ProvisionTask {
			return entitlement.ProvisionTask{ID: entitlement.NewID(), ResourceID: "r-" + cat, CatalogID: cat, RoleID: role, State: entitlement.TaskOpen, Op: entitlement.ProvisionAdd, Created: t0}
		}
		closed := func(x entitlement.ProvisionTask, s entitlement.TaskState) entitlement.ProvisionTask {
			x.State, x.Closed = s, &t0
			return x
		}
		a, b, c, d := task("c1", "role1"), task("c1", "role2"), task("c2", "role3"), task("c2", "role4")
		retried := task("c1", "role2")
		steps := []struct {
			name           string
			puts           []entitlement.ProvisionTask
			all, in1, in2  int
			done, canceled int
		}{
			{"created", []entitlement.ProvisionTask{a, b, c}, 3, 2, 1, 0, 0},
			{"put again unchanged", []entitlement.ProvisionTask{a, c}, 3, 2, 1, 0, 0},
			{"done", []entitlement.ProvisionTask{closed(a, entitlement.TaskDone)}, 2, 1, 1, 1, 0},
			{"could not be done", []entitlement.ProvisionTask{closed(c, entitlement.TaskFailed)}, 1, 1, 0, 1, 0},
			// A retry cancels the role's open task; the connector failing again opens another.
			{"retried and opened again", []entitlement.ProvisionTask{closed(b, entitlement.TaskCanceled), retried}, 1, 1, 0, 1, 1},
			// The role changed before anyone carried the task out, in the transaction that opened it.
			{"opened and closed itself", []entitlement.ProvisionTask{d, closed(d, entitlement.TaskCanceled)}, 1, 1, 0, 1, 2},
			{"closed itself later", []entitlement.ProvisionTask{closed(retried, entitlement.TaskCanceled)}, 0, 0, 0, 1, 3},
		}
		for _, s := range steps {
			update(t, st, func(tx entitlement.Tx) error {
				for _, x := range s.puts {
					if err := tx.ProvisionTasks().Put(x); err != nil {
						return err
					}
				}
				return nil
			})
			view(t, st, func(tx entitlement.Tx) error {
				pt := tx.ProvisionTasks()
				counts := []struct {
					what  string
					count func() (int, error)
					list  func() (entitlement.Page[entitlement.ProvisionTask], error)
					want  int
				}{
					{"open", func() (int, error) { return pt.CountByState(entitlement.TaskOpen) }, func() (entitlement.Page[entitlement.ProvisionTask], error) {
						return pt.ByState(entitlement.TaskOpen, entitlement.ListOptions{Limit: 1})
					}, s.all},
					{"open in c1", func() (int, error) { return pt.CountByCatalog("c1", entitlement.TaskOpen) }, func() (entitlement.Page[entitlement.ProvisionTask], error) {
						return pt.ByCatalog("c1", entitlement.TaskOpen, entitlement.ListOptions{Limit: 1})
					}, s.in1},
					{"open in c2", func() (int, error) { return pt.CountByCatalog("c2", entitlement.TaskOpen) }, func() (entitlement.Page[entitlement.ProvisionTask], error) {
						return pt.ByCatalog("c2", entitlement.TaskOpen, entitlement.ListOptions{Limit: 1})
					}, s.in2},
					{"done", func() (int, error) { return pt.CountByState(entitlement.TaskDone) }, func() (entitlement.Page[entitlement.ProvisionTask], error) {
						return pt.ByState(entitlement.TaskDone, entitlement.ListOptions{Limit: 1})
					}, s.done},
					{"canceled", func() (int, error) { return pt.CountByState(entitlement.TaskCanceled) }, func() (entitlement.Page[entitlement.ProvisionTask], error) {
						return pt.ByState(entitlement.TaskCanceled, entitlement.ListOptions{Limit: 1})
					}, s.canceled},
				}
				for _, c := range counts {
					n, err := c.count()
					if err != nil || n != c.want {
						t.Errorf("%s: count of %s = %d, %v; want %d", s.name, c.what, n, err, c.want)
					}
					p, err := c.list()
					if err != nil || p.Total != c.want {
						t.Errorf("%s: list of %s totals %d, %v; want %d", s.name, c.what, p.Total, err, c.want)
					}
				}
				return nil
			})
		}
	}},
}

var connectorCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Connectors().Get(entitlement.NewID()); return err }}),
	{"a connector is kept per resource, replaced and deleted", func(t *testing.T, st entitlement.Store) {
		c := entitlement.Connector{ResourceID: "r1", CatalogID: "c1", Kind: entitlement.ConnectorWebhook, Settings: map[string]string{"url": "https://x"}, Secrets: map[string]string{"hmacKey": "sealed"}, Modified: t0}
		update(t, st, func(tx entitlement.Tx) error { return tx.Connectors().Put(c) })
		c.Settings["url"] = "https://y"
		update(t, st, func(tx entitlement.Tx) error { return tx.Connectors().Put(c) })
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Connector, error) { return tx.Connectors().Get("r1") })
		if got.Settings["url"] != "https://y" || got.Secrets["hmacKey"] != "sealed" || got.Kind != entitlement.ConnectorWebhook {
			t.Errorf("Get = %+v", got)
		}
		update(t, st, func(tx entitlement.Tx) error { return tx.Connectors().Delete("r1") })
		view(t, st, func(tx entitlement.Tx) error {
			if _, err := tx.Connectors().Get("r1"); !errors.Is(err, entitlement.ErrNotFound) {
				t.Errorf("Get after Delete: %v, want not found", err)
			}
			return nil
		})
	}},
	{"connectors are listed by their next scheduled comparison, and leave the list when it is off", func(t *testing.T, st entitlement.Store) {
		later, soon := t0.Add(2*time.Hour), t0.Add(time.Hour)
		a := entitlement.Connector{ResourceID: "r1", Kind: entitlement.ConnectorLDAP, ReconcileEvery: entitlement.ReconcileDaily, NextReconcile: &later}
		b := entitlement.Connector{ResourceID: "r2", Kind: entitlement.ConnectorSCIM, ReconcileEvery: entitlement.ReconcileWeekly, NextReconcile: &soon}
		off := entitlement.Connector{ResourceID: "r3", Kind: entitlement.ConnectorSCIM}
		update(t, st, func(tx entitlement.Tx) error {
			for _, c := range []entitlement.Connector{a, b, off} {
				if err := tx.Connectors().Put(c); err != nil {
					return err
				}
			}
			return nil
		})
		due := func(at time.Time) []string {
			cs := read(t, st, func(tx entitlement.Tx) ([]entitlement.Connector, error) { return tx.Connectors().DueReconcile(at, 10) })
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ResourceID)
			}
			return ids
		}
		if got := due(t0); len(got) != 0 {
			t.Errorf("due before either = %v", got)
		}
		if got := due(t0.Add(3 * time.Hour)); !slices.Equal(got, []string{"r2", "r1"}) {
			t.Errorf("due = %v, want r2 then r1", got)
		}
		a.ReconcileEvery, a.NextReconcile = "", nil
		update(t, st, func(tx entitlement.Tx) error { return tx.Connectors().Put(a) })
		if got := due(t0.Add(3 * time.Hour)); !slices.Equal(got, []string{"r2"}) {
			t.Errorf("due after r1 turned off = %v", got)
		}
	}},
}

var connectorCallCases = []tcase{
	{"the log keeps a resource's newest calls, newest first, and leaves other resources' alone", func(t *testing.T, st entitlement.Store) {
		var made []string
		for i := 0; i < 5; i++ {
			id := entitlement.NewID()
			made = append(made, id)
			update(t, st, func(tx entitlement.Tx) error {
				return tx.ConnectorCalls().Append(entitlement.ConnectorCall{ID: id, ResourceID: "r1", At: t0, Op: entitlement.ProvisionAdd}, 3)
			})
		}
		other := entitlement.NewID()
		update(t, st, func(tx entitlement.Tx) error {
			return tx.ConnectorCalls().Append(entitlement.ConnectorCall{ID: other, ResourceID: "r2", At: t0}, 3)
		})
		got := read(t, st, func(tx entitlement.Tx) ([]entitlement.ConnectorCall, error) { return tx.ConnectorCalls().Recent("r1") })
		if len(got) != 3 || got[0].ID != made[4] || got[2].ID != made[2] {
			t.Errorf("Recent(r1) = %+v, want the last three newest first", got)
		}
		if got := read(t, st, func(tx entitlement.Tx) ([]entitlement.ConnectorCall, error) { return tx.ConnectorCalls().Recent("r2") }); len(got) != 1 || got[0].ID != other {
			t.Errorf("Recent(r2) = %+v", got)
		}
	}},
}

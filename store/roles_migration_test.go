package store

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// TestMigration29DropsRolesBySubjectAndPacksRoleIDs turns a data file back into the form it had
// before migration 29 (an index of assignment roles by subject; assignment roles' ids as they
// are in the index keys of tasks by role) and checks that opening
// it drops the index, packs the ids, and that the reads find the same records.
func TestMigration29DropsRolesBySubjectAndPacksRoleIDs(t *testing.T) {
	s := newTestStore(t)
	ada := entitlement.NewID()
	roleIDs := map[string][]string{} // by subject
	var events []string
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		for _, subject := range []string{ada, "scim-7", entitlement.NewID()} {
			for range 3 {
				id := entitlement.AssignmentResourceRoleID(subject, entitlement.RoleScopeID(entitlement.NewID(), entitlement.NewID()))
				if err := tx.AssignmentRoles().Put(entitlement.AssignmentResourceRole{ID: id, SubjectID: subject, Status: entitlement.RoleStatusFulfilled}); err != nil {
					return err
				}
				roleIDs[subject] = append(roleIDs[subject], id)
				task := entitlement.ProvisionTask{ID: entitlement.NewID(), CatalogID: entitlement.NewID(), ResourceID: entitlement.NewID(), RoleID: id, State: entitlement.TaskOpen}
				if err := tx.ProvisionTasks().Put(task); err != nil {
					return err
				}
				// An event of the role, and one of the task (a UUID, packed before too).
				for _, object := range []string{id, task.ID} {
					e := entitlement.AuditEvent{ID: entitlement.NewID(), At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), ActorID: ada, ObjectID: object, Action: "x.y"}
					if err := tx.Audit().Append(e); err != nil {
						return err
					}
					events = append(events, e.ID)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := indexContents(t, s)
	// The audit events by object hold a block's first position after the object's id
	// (auditIndexMigration packed the role ids in them already).
	for name, after := range map[string]int{"provision_tasks_by_role": packedLen, "audit_by_object": 8} {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(want[name])), func(k string) bool { return len(k) == 1+3*packedDigits+len(sep)+after }) {
			t.Fatalf("%s holds no packed role id: %q", name, slices.Collect(maps.Keys(want[name])))
		}
	}
	s = migrateFrom(t, s, rolesMigration-1, rolesMigration, func(tx *bolt.Tx) error {
		if err := putRolesBySubject(tx); err != nil {
			return err
		}
		return unpackRoleIDs(tx, []byte("provision_tasks_by_role"))
	})
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRolesBySubject) != nil {
			return fmt.Errorf("%s is left", bucketRolesBySubject)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := indexContents(t, s)
	for name, keys := range want {
		if !maps.Equal(got[name], keys) {
			t.Errorf("%s after the migration: %q, want %q", name, got[name], keys)
		}
	}
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		for subject, ids := range roleIDs {
			roles, err := tx.AssignmentRoles().BySubject(subject)
			if err != nil {
				return err
			}
			if got := roleIDsOf(roles); !slices.Equal(got, slices.Sorted(slices.Values(ids))) {
				return fmt.Errorf("roles of %s: %v, want %v in id order", subject, got, ids)
			}
			for _, id := range ids {
				tasks, err := tx.ProvisionTasks().ByRole(id)
				if err != nil || len(tasks) != 1 || tasks[0].RoleID != id {
					return fmt.Errorf("tasks of %s: %v, %w", id, tasks, err)
				}
				p, err := tx.Audit().List(entitlement.AuditFilter{ObjectID: id}, entitlement.ListOptions{})
				if err != nil || len(p.Items) != 1 || p.Items[0].ObjectID != id {
					return fmt.Errorf("events of %s: %v, %w", id, p.Items, err)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func roleIDsOf(roles []entitlement.AssignmentResourceRole) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.ID
	}
	return out
}

// putRolesBySubject writes the index that migration 29 drops, as it was: "<subjectId>\x00<id>",
// the subject packed, the role's id as it is.
func putRolesBySubject(tx *bolt.Tx) error {
	b, err := tx.CreateBucket(bucketRolesBySubject)
	if err != nil {
		return err
	}
	return mustBucket(tx, []byte(assignmentRolesTable.name)).ForEach(func(k, _ []byte) error {
		subject, _, _ := strings.Cut(string(k), "_")
		return b.Put([]byte(packID(subject)+sep+string(k)), nil)
	})
}

// unpackRoleIDs turns the values of an index's keys that are packed assignment roles' ids back
// into the ids as they are, and leaves packed UUIDs packed, as before migration 29.
func unpackRoleIDs(tx *bolt.Tx, name []byte) error {
	keys := map[string]bool{}
	if err := tx.Bucket(name).ForEach(func(k, _ []byte) error {
		i := bytes.LastIndex(k, []byte(sep))
		value := string(k[:i])
		if id := unpackID(value); strings.Contains(id, "_") {
			value = id
		}
		keys[value+string(k[i:])] = true
		return nil
	}); err != nil {
		return err
	}
	if err := tx.DeleteBucket(name); err != nil {
		return err
	}
	b, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if err := b.Put([]byte(k), nil); err != nil {
			return err
		}
	}
	return nil
}

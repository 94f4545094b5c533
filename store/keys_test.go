package store

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/storetest"
	bolt "go.etcd.io/bbolt"
)

func TestPackID(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		packed   bool
	}{
		{"UUIDv7", "0192f4a0-7b3c-7d2e-8f10-123456789abc", true},
		{"built-in id", "00000000-0000-7000-8000-000000000001", true},
		{"nil UUID", "00000000-0000-0000-0000-000000000000", true},
		{"max UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff", true},
		{"upper case", "0192F4A0-7B3C-7D2E-8F10-123456789ABC", false},
		{"no dashes", "0192f4a07b3c7d2e8f10123456789abcdefg", false},
		{"dash misplaced", "0192f4a07-b3c-7d2e-8f10-123456789ab", false},
		{"not hex", "0192f4a0-7b3c-7d2e-8f10-123456789abg", false},
		{"composite with text", "0192f4a0-7b3c-7d2e-8f10-123456789abc_rs1", false},
		{"text with a UUID", "Member_0192f4a0-7b3c-7d2e-8f10-123456789abc", false},
		{"UUID and sep", "0192f4a0-7b3c-7d2e-8f10-123456789abc_", false},
		{"composite of another sep", "0192f4a0-7b3c-7d2e-8f10-123456789abc-0192f4a0-7b3c-7d2e-8f10-123456789abd", false},
		{"composite with upper case", "0192f4a0-7b3c-7d2e-8f10-123456789abc_0192F4A0-7B3C-7D2E-8F10-123456789ABD", false},
		{"external", "ldap-user-42", false},
		{"empty", "", false},
		{"22 digits", "abcdefghijklmnopqrstuv", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := packID(tc.id)
			switch {
			case tc.packed && (len(p) != packedLen || p[0] != packedMark):
				t.Errorf("packID(%q) = %q, want a packed form", tc.id, p)
			case !tc.packed && p != tc.id:
				t.Errorf("packID(%q) = %q, want it unchanged", tc.id, p)
			case strings.Contains(p, sep) && !strings.Contains(tc.id, sep):
				t.Errorf("packID(%q) = %q holds the separator", tc.id, p)
			}
			if got := unpackID(p); got != tc.id {
				t.Errorf("unpackID(packID(%q)) = %q", tc.id, got)
			}
		})
	}
}

func TestPackIDPacksCompositesOfUUIDs(t *testing.T) {
	a, b, c := "0192f4a0-7b3c-7d2e-8f10-123456789abc", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"
	for _, id := range []string{a + "_" + b, a + "_" + b + "_" + c, c + "_" + c + "_" + c + "_" + a} {
		p := packID(id)
		parts := strings.Count(id, "_") + 1
		if len(p) != 1+parts*packedDigits || p[0] != packedMark || strings.Contains(p, sep) {
			t.Errorf("packID(%q) = %q, want the mark and %d digits", id, p, parts*packedDigits)
		}
		if got := unpackID(p); got != id {
			t.Errorf("unpackID(packID(%q)) = %q", id, got)
		}
		// Each UUID's digits are its packed form.
		if want := packID(strings.Split(id, "_")[0]); !strings.HasPrefix(p, want) {
			t.Errorf("packID(%q) = %q, want it to start with %q", id, p, want)
		}
	}
}

func TestUnpackIDLeavesWhatPackIDDidNotMake(t *testing.T) {
	for _, s := range []string{
		"", "ldap-user-42", "abcdefghijklmnopqrstuv",
		string(packedMark) + strings.Repeat("z", 22), // more than 128 bits
		string(packedMark) + strings.Repeat("0", 21), // too short
		string(packedMark) + strings.Repeat("0", 21) + "!",
		string(packedMark) + strings.Repeat("0", 43),                           // between one UUID and two
		string(packedMark) + strings.Repeat("0", 22) + strings.Repeat("z", 22), // a composite's second part over 128 bits
		string(packedMark) + strings.Repeat("0", 22) + strings.Repeat("0", 21) + "!",
	} {
		if got := unpackID(s); got != s {
			t.Errorf("unpackID(%q) = %q, want it unchanged", s, got)
		}
	}
}

// randomUUID is a canonical UUID of any 128 bits, so that every digit position is exercised.
func randomUUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func TestPackIDKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, tc := range []struct {
		name string
		next func() string
	}{
		{"UUIDv7", entitlement.NewID},
		{"any bits", func() string { return randomUUID(rng) }},
		{"one prefix", func() string { return "0192f4a0-7b3c-7d2e-8f10-" + randomUUID(rng)[24:] }},
		// Assignment roles' ids: subject, role and scope, sharing their first parts often, and
		// among single UUIDs (one of the parts alone).
		{"composite", func() string {
			parts := []string{entitlement.NewID(), "0192f4a0-7b3c-7d2e-8f10-123456789abc", randomUUID(rng)}
			if rng.IntN(2) == 0 {
				parts[0] = "0192f4a0-7b3c-7d2e-8f10-123456789abc"
			}
			return strings.Join(parts[:rng.IntN(3)+1], "_")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 5000 {
				a, b := tc.next(), tc.next()
				if got, want := strings.Compare(packID(a), packID(b)), strings.Compare(a, b); got != want {
					t.Fatalf("%s vs %s: packed compare %d, want %d", a, b, got, want)
				}
				// Keys of pairs: the first id decides, then the second.
				c := tc.next()
				if got, want := strings.Compare(packID(a)+sep+packID(b), packID(a)+sep+packID(c)), strings.Compare(a+sep+b, a+sep+c); got != want {
					t.Fatalf("%s+%s vs %s+%s: packed compare %d, want %d", a, b, a, c, got, want)
				}
			}
		})
	}
}

func TestIndexValueKeepsTextAndPacksIDs(t *testing.T) {
	id, other := entitlement.NewID(), entitlement.NewID()
	for _, tc := range []struct {
		name    string
		idParts []int
		value   string
		want    string
	}{
		{"text index", nil, id, id},
		{"id value", first, id, packID(id)},
		{"id and time", first, id + sep + "2026-01-02T00:00:00.000000000Z", packID(id) + sep + "2026-01-02T00:00:00.000000000Z"},
		{"pair", both, id + sep + other, packID(id) + sep + packID(other)},
		{"first of a pair", both, id, packID(id)},
		{"external id", first, "scim:42", "scim:42"},
		{"assignment role id", first, id + "_" + other + "_" + id, packID(id + "_" + other + "_" + id)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := index[entitlement.Request]{idParts: tc.idParts}
			if got := ix.keyValue(tc.value); got != tc.want {
				t.Errorf("keyValue(%q) = %q, want %q", tc.value, got, tc.want)
			}
			if got := ix.valueOf(ix.keyValue(tc.value)); got != tc.value {
				t.Errorf("valueOf(keyValue(%q)) = %q", tc.value, got)
			}
		})
	}
}

// TestListsMixPackedAndOtherIDs lists records whose ids, and the ids in their index values, are
// UUIDs for some and not for others: each list pages both ways and finds each record once.
func TestListsMixPackedAndOtherIDs(t *testing.T) {
	s := newTestStore(t)
	targets := []string{entitlement.NewID(), "scim-user-1", "0-first", "zz-last"}
	catalog := entitlement.NewID()
	byTarget := map[string][]string{}
	var all []string
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range 40 {
			id := entitlement.NewID()
			if i%3 == 0 {
				id = fmt.Sprintf("imported-%02d", i)
			}
			target := targets[i%len(targets)]
			r := entitlement.Request{ID: id, TargetID: target, RequestorID: target, AccessPackageID: entitlement.NewID(), CatalogID: catalog, RequestState: entitlement.StateDelivered}
			if err := requestsTable.put(tx, r); err != nil {
				return err
			}
			byTarget[target] = append(byTarget[target], id)
			all = append(all, id)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	key := func(r entitlement.Request) string { return r.ID }
	for _, target := range targets {
		got := storetest.Walk(t, func(opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			var p entitlement.Page[entitlement.Request]
			err := s.View(ctx, func(tx entitlement.Tx) error {
				var err error
				p, err = tx.Requests().ByTarget(target, entitlement.RequestFilter{}, opt)
				return err
			})
			return p, err
		}, key, 3, len(byTarget[target]))
		if !sameSet(got, byTarget[target]) {
			t.Errorf("requests of %s: %v, want %v", target, got, byTarget[target])
		}
	}
	got := storetest.Walk(t, func(opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
		var p entitlement.Page[entitlement.Request]
		err := s.View(ctx, func(tx entitlement.Tx) error {
			var err error
			p, err = tx.Requests().ReadableBy(targets[1], []string{catalog}, entitlement.RequestFilter{}, opt)
			return err
		})
		return p, err
	}, key, 4, len(all))
	if !sameSet(got, all) {
		t.Errorf("requests readable through the catalog: %v, want %v", got, all)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// unpackIndexes turns the keys of every index of the table back into the form they had before
// packKeysMigration: ids as they are.
func unpackIndexes[T any](t *table[T]) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, ix := range t.indexes {
			b := mustBucket(tx, ix.bucket(t.name))
			old := map[string][]byte{}
			if err := b.ForEach(func(k, v []byte) error {
				plain := ix.valueOf(string(k))
				if !ix.unique {
					i := bytes.LastIndex(k, []byte(sep))
					plain = ix.valueOf(string(k[:i])) + sep + unpackID(string(k[i+1:]))
				}
				old[plain] = bytes.Clone(v)
				return nil
			}); err != nil {
				return err
			}
			if err := tx.DeleteBucket(ix.bucket(t.name)); err != nil {
				return err
			}
			nb, err := tx.CreateBucket(ix.bucket(t.name))
			if err != nil {
				return err
			}
			for _, k := range slices.Sorted(maps.Keys(old)) {
				if err := nb.Put([]byte(k), old[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

var unpackAll = []func(*bolt.Tx) error{
	unpackIndexes(usersTable), unpackIndexes(groupsTable), unpackIndexes(catalogsTable), unpackIndexes(resourcesTable),
	unpackIndexes(resourceRequestsTable), unpackIndexes(packagesTable), unpackIndexes(policiesTable), unpackIndexes(orgsTable),
	unpackIndexes(requestsTable), unpackIndexes(assignmentsTable), unpackIndexes(assignmentRolesTable), unpackIndexes(auditTable),
	unpackIndexes(outboxTable), unpackIndexes(guestBlocksTable), unpackIndexes(sessionsTable), unpackIndexes(mailTable),
	unpackIndexes(reviewsTable), unpackIndexes(reviewDecisionsTable), unpackIndexes(reviewSchedulesTable),
	unpackIndexes(apiTokensTable), unpackIndexes(provisionTasksTable), unpackIndexes(connectorsTable), unpackIndexes(connectorCallsTable),
}

// indexContents reads every index bucket and every count bucket, key → value.
func indexContents(t *testing.T, s *Store) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !strings.Contains(string(name), "_by_") {
				return nil
			}
			m := map[string]string{}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// putIndexedTenant writes records that give a key to every index that holds ids of other
// records, with UUIDs and other ids mixed.
func putIndexedTenant(t *testing.T, s *Store) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	later := now.Add(48 * time.Hour)
	err := s.db.Update(func(tx *bolt.Tx) error {
		org := entitlement.NewID()
		manager := entitlement.User{ID: entitlement.NewID(), DisplayName: "Ada Manager", Email: "ada@corp.example"}
		users := []entitlement.User{manager,
			{ID: entitlement.NewID(), DisplayName: "Bob Report", Email: "bob@corp.example", ManagerID: manager.ID, ConnectedOrganizationID: org},
			{ID: "scim-7", DisplayName: "Carol Synced", Email: "carol@corp.example", ManagerID: manager.ID, Source: "scim", ExternalID: "7"},
		}
		for _, u := range users {
			if err := usersTable.put(tx, u); err != nil {
				return err
			}
		}
		catalog := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: "Sales", Roles: []entitlement.CatalogRoleMember{
			{Role: entitlement.RoleCatalogOwner, PrincipalID: manager.ID, PrincipalType: entitlement.PrincipalUser},
			{Role: entitlement.RoleCatalogOwner, PrincipalID: "scim-7", PrincipalType: entitlement.PrincipalUser},
		}}
		if err := catalogsTable.put(tx, catalog); err != nil {
			return err
		}
		pkg := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: catalog.ID, DisplayName: "CRM"}
		if err := packagesTable.put(tx, pkg); err != nil {
			return err
		}
		for i, u := range users[1:] {
			r := entitlement.Request{ID: entitlement.NewID(), TargetID: u.ID, RequestorID: manager.ID, AccessPackageID: pkg.ID, CatalogID: catalog.ID,
				RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval, DueDateTime: &later,
				Stages: []entitlement.StageState{{Approvers: []string{manager.ID, "scim-7"}}, {DecidedBy: manager.ID}}}
			if i == 1 {
				r.Stages = []entitlement.StageState{{DecidedBy: manager.ID}, {Approvers: []string{manager.ID}}}
				r.CurrentStage = 1
			}
			if err := requestsTable.put(tx, r); err != nil {
				return err
			}
			a := entitlement.Assignment{ID: entitlement.NewID(), TargetID: u.ID, AccessPackageID: pkg.ID, CatalogID: catalog.ID, PolicyID: entitlement.NewID(),
				AssignmentState: entitlement.AssignmentDelivered, DueDateTime: &later}
			a.Schedule.Expiration.EndDateTime = &later
			if err := assignmentsTable.put(tx, a); err != nil {
				return err
			}
			role := entitlement.AssignmentResourceRole{ID: u.ID + "_" + entitlement.NewID(), SubjectID: u.ID}
			if err := assignmentRolesTable.put(tx, role); err != nil {
				return err
			}
			task := entitlement.ProvisionTask{ID: entitlement.NewID(), CatalogID: catalog.ID, ResourceID: entitlement.NewID(), RoleID: role.ID, State: entitlement.TaskOpen}
			if err := provisionTasksTable.put(tx, task); err != nil {
				return err
			}
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: now, ActorID: manager.ID, ObjectID: r.ID}
			if err := (auditLog{tx}).Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigration25PacksIndexKeys(t *testing.T) {
	s := newTestStore(t)
	putIndexedTenant(t, s)
	want := indexContents(t, s)
	// Every index whose values hold ids has keys to rewrite.
	for _, name := range []string{
		"users_by_manager", "users_by_org", "catalogs_by_principal", "catalogs_by_principal_role",
		"requests_by_target", "requests_by_package", "requests_by_package_target", "requests_by_target_open",
		"requests_by_waiting", "requests_by_decider", "requests_by_open", "requests_by_requestor", "requests_by_asked",
		"requests_by_catalog", "assignments_by_target", "assignments_by_package", "assignments_by_package_target",
		"assignments_by_live", "assignments_by_live_policy", "assignments_by_live_package", "assignments_by_live_end",
		"assignments_by_catalog",
		"provision_tasks_by_resource_state", "provision_tasks_by_catalog_state", "provision_tasks_by_role",
	} {
		if len(want[name]) == 0 {
			t.Fatalf("%s has no key to rewrite", name)
		}
	}
	s = migrateFrom(t, s, packKeysMigration-1, packKeysMigration, func(tx *bolt.Tx) error {
		for _, unpack := range unpackAll {
			if err := unpack(tx); err != nil {
				return err
			}
		}
		// Nothing packed is left for the migration to find, but in the audit indexes, which
		// migration 27 builds anew from the events.
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, _ []byte) error {
				if strings.Contains(string(name), "_by_") && !strings.HasPrefix(string(name), "audit_by_") && bytes.IndexByte(k, packedMark) >= 0 {
					return fmt.Errorf("%s: %q is packed", name, k)
				}
				return nil
			})
		})
	})
	got := indexContents(t, s)
	for name, keys := range want {
		if !maps.Equal(got[name], keys) {
			t.Errorf("%s after the migration: %q, want %q", name, got[name], keys)
		}
	}
	// The lists read the rewritten keys.
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		u, err := tx.Users().Get("scim-7")
		if err != nil {
			return err
		}
		p, err := tx.Requests().ByTarget(u.ID, entitlement.RequestFilter{}, entitlement.ListOptions{})
		if err != nil || p.Total != 1 {
			return fmt.Errorf("requests of %s: %d, %w", u.ID, p.Total, err)
		}
		roles, err := tx.AssignmentRoles().BySubject(u.ID)
		if err != nil || len(roles) != 1 {
			return fmt.Errorf("roles of %s: %d, %w", u.ID, len(roles), err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

package store

import (
	"path/filepath"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Schema 5 kept memberships as keys without values and could not tell a direct member from one an
// access package made; migration 6 records granted memberships as granted and the rest as direct.
func TestMigration6RecordsMembershipSources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	direct := entitlement.User{ID: entitlement.NewID(), Email: "direct@corp.example"}
	granted := entitlement.User{ID: entitlement.NewID(), Email: "granted@corp.example"}
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Engineering"}
	role := entitlement.AssignmentResourceRole{
		ID: granted.ID + "_scope", SubjectID: granted.ID, OriginSystem: entitlement.OriginGroup, ResourceOriginID: g.ID,
		OriginID: "Member_" + g.ID, RoleName: "Member", AssignmentIDs: []string{entitlement.NewID()}, Status: entitlement.RoleStatusFulfilled,
	}
	must(t, s.Update(ctx, func(tx entitlement.Tx) error {
		for _, u := range []entitlement.User{direct, granted} {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
		}
		if err := tx.Groups().Put(g); err != nil {
			return err
		}
		return tx.AssignmentRoles().Put(role)
	}))
	// Write the memberships as schema 5 did.
	s = migrateFrom(t, s, 5, 6, func(tx *bolt.Tx) error {
		for _, u := range []entitlement.User{direct, granted} {
			if err := tx.Bucket(bucketGroupMembers).Put([]byte(g.ID+sep+u.ID), nil); err != nil {
				return err
			}
			if err := tx.Bucket(bucketUserGroups).Put([]byte(u.ID+sep+g.ID), nil); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		for _, c := range []struct {
			u    entitlement.User
			want entitlement.MemberSources
		}{{direct, entitlement.MemberDirect}, {granted, entitlement.MemberGranted}} {
			got, err := tx.Groups().Membership(g.ID, c.u.ID)
			if err != nil || got != c.want {
				t.Errorf("%s: sources %b, %v; want %b", c.u.Email, got, err, c.want)
			}
		}
		return nil
	}))
}

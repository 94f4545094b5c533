package store

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

func TestMembershipSources(t *testing.T) {
	s := newTestStore(t)
	u := entitlement.User{ID: entitlement.NewID(), Email: "riley@corp.example", AccountEnabled: true}
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Engineering"}
	must(t, s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Users().Put(u); err != nil {
			return err
		}
		return tx.Groups().Put(g)
	}))
	steps := []struct {
		name   string
		op     func(tx entitlement.Tx) (entitlement.MemberSources, error)
		want   entitlement.MemberSources
		member bool
	}{
		{"add direct", func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return 0, tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect)
		}, entitlement.MemberDirect, true},
		{"add granted", func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return 0, tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberGranted)
		}, entitlement.MemberDirect | entitlement.MemberGranted, true},
		{"remove direct", func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return tx.Groups().RemoveMember(g.ID, u.ID, entitlement.MemberDirect)
		}, entitlement.MemberGranted, true},
		{"remove direct again", func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return tx.Groups().RemoveMember(g.ID, u.ID, entitlement.MemberDirect)
		}, entitlement.MemberGranted, true},
		{"remove granted", func(tx entitlement.Tx) (entitlement.MemberSources, error) {
			return tx.Groups().RemoveMember(g.ID, u.ID, entitlement.MemberGranted)
		}, 0, false},
	}
	for _, st := range steps {
		must(t, s.Update(ctx, func(tx entitlement.Tx) error {
			left, err := st.op(tx)
			if err != nil {
				return err
			}
			if strings.HasPrefix(st.name, "remove") && left != st.want {
				t.Errorf("%s: left %b, want %b", st.name, left, st.want)
			}
			got, err := tx.Groups().Membership(g.ID, u.ID)
			if err != nil {
				return err
			}
			member, _ := tx.Groups().IsMember(g.ID, u.ID)
			groups, _ := tx.Groups().GroupIDsOf(u.ID)
			if got != st.want || member != st.member || (len(groups) == 1) != st.member {
				t.Errorf("%s: sources %b, member %v, groups %v; want %b, %v", st.name, got, member, groups, st.want, st.member)
			}
			return nil
		}))
	}
}

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
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for _, u := range []entitlement.User{direct, granted} {
			if err := tx.Bucket(bucketGroupMembers).Put([]byte(g.ID+sep+u.ID), nil); err != nil {
				return err
			}
			if err := tx.Bucket(bucketUserGroups).Put([]byte(u.ID+sep+g.ID), nil); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("5"))
	}))
	must(t, s.Close())
	s, err = Open(path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
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

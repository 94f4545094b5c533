package entitlement_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// membershipFixture: Riley is in Engineering, whose Member role the package "Engineering access"
// grants through a 30-day policy without approval.
type membershipFixture struct {
	*entitlementtest.Env
	admin, riley entitlement.User
	eng          entitlement.Group
	pol          entitlement.AssignmentPolicy
}

func newMembershipFixture(t *testing.T) membershipFixture {
	f := membershipFixture{Env: entitlementtest.New(t)}
	f.admin = f.User("Ada Admin")
	f.riley = f.User("Riley Reyes")
	f.eng = f.Group("Engineering")
	c := f.Catalog("Engineering catalog")
	f.pol = f.Policy(f.Package(c, "Engineering access", entitlementtest.Member(f.GroupResource(c, f.eng))))
	return f
}

func (f membershipFixture) sources(u entitlement.User) entitlement.MemberSources {
	f.T.Helper()
	var s entitlement.MemberSources
	f.View(func(tx entitlement.Tx) error {
		var err error
		s, err = tx.Groups().Membership(f.eng.ID, u.ID)
		return err
	})
	return s
}

// grant delivers the package to Riley and returns the assignment id.
func (f membershipFixture) grant() string {
	f.T.Helper()
	r := f.RequestAccess(f.riley, f.pol)
	if r.RequestState != entitlement.StateDelivered {
		f.T.Fatalf("request state = %s, want Delivered", r.RequestState)
	}
	return r.AssignmentID
}

// The ways a grant ends: each must leave a direct membership in place.
var grantEnds = []struct {
	name string
	end  func(f membershipFixture, assignmentID string)
}{
	{"given back (UserRemove)", func(f membershipFixture, id string) {
		f.Submit(entitlementtest.As(f.riley), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: id})
	}},
	{"removed by an administrator (AdminRemove)", func(f membershipFixture, id string) {
		f.Submit(entitlementtest.AsAdmin(f.admin), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: id})
	}},
	{"expired (SystemRemove)", func(f membershipFixture, id string) {
		f.Clock.Advance(31 * 24 * time.Hour)
		f.Drain(f.Worker(entitlement.WorkerOptions{}))
		if a := f.Assignment(id); a.IsLive() {
			f.T.Fatalf("assignment still live after its end: %s", a.AssignmentState)
		}
	}},
}

func TestEndingAGrantKeepsADirectMembership(t *testing.T) {
	for _, tc := range grantEnds {
		t.Run(tc.name, func(t *testing.T) {
			f := newMembershipFixture(t)
			if err := f.Svc.AddGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID); err != nil {
				t.Fatal(err)
			}
			id := f.grant()
			if got := f.sources(f.riley); got != entitlement.MemberDirect|entitlement.MemberGranted {
				t.Fatalf("sources while granted = %b, want direct and granted", got)
			}
			tc.end(f, id)
			if got := f.sources(f.riley); got != entitlement.MemberDirect {
				t.Errorf("sources after the grant ended = %b, want direct only (still a member)", got)
			}
		})
	}
}

func TestEndingAGrantRemovesAGrantedOnlyMembership(t *testing.T) {
	for _, tc := range grantEnds {
		t.Run(tc.name, func(t *testing.T) {
			f := newMembershipFixture(t)
			tc.end(f, f.grant())
			if f.IsMember(f.eng, f.riley) {
				t.Error("still a member after the only grant ended")
			}
		})
	}
}

func TestDirectMembershipAddedWhileGrantedOutlastsTheGrant(t *testing.T) {
	f := newMembershipFixture(t)
	id := f.grant()
	if err := f.Svc.AddGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID); err != nil {
		t.Fatalf("adding a member through a package as a direct member: %v", err)
	}
	err := f.Svc.AddGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID)
	var re *entitlement.RuleError
	if !errors.As(err, &re) || re.Code != entitlement.CodeAlreadyMember {
		t.Errorf("second direct add = %v, want %s", err, entitlement.CodeAlreadyMember)
	}
	grantEnds[0].end(f, id)
	if got := f.sources(f.riley); got != entitlement.MemberDirect {
		t.Errorf("sources = %b, want direct", got)
	}
}

func TestRemovingAGrantedMembershipSaysWhy(t *testing.T) {
	f := newMembershipFixture(t)
	f.grant()
	_, err := f.Svc.RemoveGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID)
	var re *entitlement.RuleError
	if !errors.As(err, &re) || re.Code != entitlement.CodeMembershipGranted || !errors.Is(err, entitlement.ErrConflict) {
		t.Fatalf("removing a granted-only member = %v, want a %s conflict", err, entitlement.CodeMembershipGranted)
	}
	if !strings.Contains(re.Message, "Engineering access") {
		t.Errorf("message %q does not name the package that grants the membership", re.Message)
	}
	if !f.IsMember(f.eng, f.riley) {
		t.Error("the refused removal took the membership away")
	}
}

func TestRemovingADirectMembershipWhileGrantedKeepsTheGrant(t *testing.T) {
	f := newMembershipFixture(t)
	if err := f.Svc.AddGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID); err != nil {
		t.Fatal(err)
	}
	id := f.grant()
	left, err := f.Svc.RemoveGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, f.riley.ID)
	if err != nil {
		t.Fatal(err)
	}
	if left.Sources != entitlement.MemberGranted || len(left.Grants) != 1 || left.Grants[0].AssignmentID != id || left.Grants[0].AccessPackageName != "Engineering access" {
		t.Errorf("left = %+v, want the grant through Engineering access", left)
	}
	if !f.IsMember(f.eng, f.riley) {
		t.Fatal("removing the direct membership took away the granted one")
	}
	grantEnds[0].end(f, id)
	if f.IsMember(f.eng, f.riley) {
		t.Error("still a member after both sources ended")
	}
}

func TestGroupMembersShowBothKinds(t *testing.T) {
	f := newMembershipFixture(t)
	sam := f.User("Sam Direct")
	for _, u := range []entitlement.User{sam, f.riley} {
		if err := f.Svc.AddGroupMember(entitlementtest.AsAdmin(f.admin), f.eng.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	id := f.grant()
	page, err := f.Svc.GroupMembers(entitlementtest.AsAdmin(f.admin), f.eng.ID, entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]entitlement.GroupMember{}
	for _, m := range page.Items {
		got[m.User.ID] = m
	}
	if m := got[sam.ID]; m.Sources != entitlement.MemberDirect || len(m.Grants) != 0 {
		t.Errorf("Sam = %+v, want direct only", m)
	}
	if m := got[f.riley.ID]; m.Sources != entitlement.MemberDirect|entitlement.MemberGranted || len(m.Grants) != 1 || m.Grants[0].AssignmentID != id {
		t.Errorf("Riley = %+v, want direct and granted by %s", m, id)
	}
}

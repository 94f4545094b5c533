package entitlement_test

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// A role added to a package reaches its current holders, and a role removed from it leaves them,
// except where another of their assignments still grants it.
func TestPackageRoleChangesReachCurrentHolders(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Ada Admin")
	ann, ben := e.User("Ann"), e.User("Ben")
	cat := e.Catalog("Engineering")
	wiki := e.AppResource(cat, "Wiki", "Editor")
	team := e.Group("Team")
	teamRes := e.GroupResource(cat, team)
	pkg := e.Package(cat, "Writers", entitlementtest.Role(wiki, "Editor"))
	pol := e.Policy(pkg)
	other := e.Policy(e.Package(cat, "Team members", entitlementtest.Member(teamRes)))
	e.RequestAccess(ann, pol)
	e.RequestAccess(ben, pol)
	e.RequestAccess(ben, other) // Ben is in Team through another package too
	wk := e.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected})
	e.Drain(wk)

	member, _ := teamRes.Role(teamRes.Roles[0].ID)
	rs, err := e.Svc.AddRoleScope(entitlementtest.AsAdmin(admin), pkg.ID, teamRes.ID, member.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	e.Drain(wk)
	if !e.IsMember(team, ann) || !e.IsMember(team, ben) {
		t.Fatalf("after adding the membership to the package: Ann %v, Ben %v", e.IsMember(team, ann), e.IsMember(team, ben))
	}
	a, err := e.Svc.UserResourceRoles(entitlementtest.AsAdmin(admin), ann.ID)
	if err != nil || !slices.ContainsFunc(a, func(r entitlement.AssignmentResourceRole) bool { return r.ResourceID == teamRes.ID }) {
		t.Fatalf("Ann's roles %+v %v", a, err)
	}

	if err := e.Svc.RemoveRoleScope(entitlementtest.AsAdmin(admin), pkg.ID, rs.ID); err != nil {
		t.Fatal(err)
	}
	e.Drain(wk)
	if e.IsMember(team, ann) {
		t.Error("Ann kept the membership the package no longer grants")
	}
	if !e.IsMember(team, ben) {
		t.Error("Ben lost the membership his other package still grants")
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

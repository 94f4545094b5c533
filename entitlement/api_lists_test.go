package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestAPILists checks the lists across catalogs that the API serves: administrators see every
// record, readers of a catalog its records, everyone their own, and nobody what they may not
// read, whether listed or asked for by id.
func TestAPILists(t *testing.T) {
	env := entitlementtest.New(t)
	admin := entitlementtest.RootAdmin
	reader, alice, bob := env.User("Rita Reader"), env.User("Alice"), env.User("Bob")
	catA := env.Catalog("A", entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, reader))
	catB := env.Catalog("B")
	pkgA := env.Package(catA, "A access", entitlementtest.Member(env.GroupResource(catA, env.Group("A team"))))
	pkgB := env.Package(catB, "B access", entitlementtest.Member(env.GroupResource(catB, env.Group("B team"))))
	reqA := env.RequestAccess(alice, env.Policy(pkgA))
	reqB := env.RequestAccess(bob, env.Policy(pkgB))
	asgA, asgB := env.Request(reqA.ID).AssignmentID, env.Request(reqB.ID).AssignmentID

	reqIDs := func(ctx context.Context) []string {
		t.Helper()
		page, err := env.Svc.ListRequests(ctx, entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range page.Items {
			out = append(out, r.ID)
		}
		return out
	}
	asgIDs := func(ctx context.Context) []string {
		t.Helper()
		page, err := env.Svc.ListAssignments(ctx, entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range page.Items {
			out = append(out, a.ID)
		}
		return out
	}
	roleSubjects := func(ctx context.Context) []string {
		t.Helper()
		page, err := env.Svc.ListAssignmentRoles(ctx, entitlement.ListOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range page.Items {
			out = append(out, r.SubjectID)
		}
		return out
	}
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s = %v, want %v", what, got, want)
				return
			}
		}
	}
	same("requests the administrator lists", reqIDs(admin), reqA.ID, reqB.ID)
	same("requests the reader of A lists", reqIDs(entitlementtest.As(reader)), reqA.ID)
	same("requests Bob lists", reqIDs(entitlementtest.As(bob)), reqB.ID)
	same("assignments the administrator lists", asgIDs(admin), asgA, asgB)
	same("assignments the reader of A lists", asgIDs(entitlementtest.As(reader)), asgA)
	same("assignments Alice lists", asgIDs(entitlementtest.As(alice)), asgA)
	same("resource roles the administrator lists", roleSubjects(admin), alice.ID, bob.ID)
	same("resource roles the reader of A lists", roleSubjects(entitlementtest.As(reader)), alice.ID)
	same("resource roles Bob lists", roleSubjects(entitlementtest.As(bob)), bob.ID)

	// By person: one's own, or anyone's for administrators; others are refused.
	if page, err := env.Svc.AssignmentsOfUser(entitlementtest.As(alice), alice.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); err != nil || len(page.Items) != 1 {
		t.Errorf("Alice's own assignments: %v, %v", page.Items, err)
	}
	if page, err := env.Svc.AssignmentsOfUser(admin, bob.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); err != nil || len(page.Items) != 1 {
		t.Errorf("Bob's assignments for the administrator: %v, %v", page.Items, err)
	}
	if _, err := env.Svc.AssignmentsOfUser(entitlementtest.As(reader), bob.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("the reader lists Bob's assignments: %v", err)
	}

	// Resource roles of a subject, and by id.
	roles, err := env.Svc.AssignmentRolesOfSubject(entitlementtest.As(reader), bob.ID)
	if err != nil || len(roles) != 0 {
		t.Errorf("the reader of A sees Bob's roles in B: %v, %v", roles, err)
	}
	roles, err = env.Svc.AssignmentRolesOfSubject(admin, bob.ID)
	if err != nil || len(roles) != 1 {
		t.Fatalf("Bob's roles: %v, %v", roles, err)
	}
	if _, err := env.Svc.AssignmentRoleByID(entitlementtest.As(bob), roles[0].ID); err != nil {
		t.Errorf("Bob reads his own role: %v", err)
	}
	if _, err := env.Svc.AssignmentRoleByID(entitlementtest.As(alice), roles[0].ID); entitlementtest.ErrCode(err) != "assignmentRoleNotFound" || !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("Alice reads Bob's role: %v", err)
	}
	if _, err := env.Svc.AssignmentRoleByID(admin, "nosuch"); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("a missing role: %v", err)
	}

	// Without a principal, nothing.
	if _, err := env.Svc.ListAssignments(bg, entitlement.AssignmentFilter{}, entitlement.ListOptions{}); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Errorf("anonymous list: %v", err)
	}
}

// TestAPIListsOwnAssignments checks that a person without a catalog role, served from the index
// of their own assignments, gets what the walk over every assignment gave them: the
// administrator's list with everyone else's left out, in the same order, page by page, both ways
// and filtered.
func TestAPIListsOwnAssignments(t *testing.T) {
	env := entitlementtest.New(t)
	alice, bob, reader := env.User("Alice"), env.User("Bob"), env.User("Rita Reader")
	cat := env.Catalog("A", entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, reader))
	for i, who := range []entitlement.User{alice, bob, alice, bob, alice, reader} {
		pkg := env.Package(cat, fmt.Sprintf("Access %d", i), entitlementtest.Member(env.GroupResource(cat, env.Group(fmt.Sprintf("Team %d", i)))))
		env.RequestAccess(who, env.Policy(pkg))
	}
	walk := func(ctx context.Context, f entitlement.AssignmentFilter, desc bool) []string {
		t.Helper()
		var out []string
		opt := entitlement.ListOptions{Limit: 1, Desc: desc}
		for range 20 {
			page, err := env.Svc.ListAssignments(ctx, f, opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Items {
				out = append(out, a.ID)
			}
			if page.Next == "" {
				return out
			}
			opt.After = page.Next
		}
		t.Fatal("the pages do not end")
		return nil
	}
	// The old answer: every assignment, keeping those the person may read.
	old := func(who entitlement.User, f entitlement.AssignmentFilter, desc bool, catalogToo bool) []string {
		t.Helper()
		page, err := env.Svc.ListAssignments(entitlementtest.RootAdmin, f, entitlement.ListOptions{Limit: 100, Desc: desc})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range page.Items {
			if a.TargetID == who.ID || catalogToo {
				out = append(out, a.ID)
			}
		}
		return out
	}
	live := entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered, entitlement.AssignmentDelivering}}
	expired := entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentExpired}}
	for _, c := range []struct {
		name       string
		who        entitlement.User
		catalogToo bool
	}{{"Alice", alice, false}, {"Bob", bob, false}, {"the reader", reader, true}} {
		for _, f := range []entitlement.AssignmentFilter{{}, live, expired} {
			for _, desc := range []bool{false, true} {
				want := old(c.who, f, desc, c.catalogToo)
				if f.States == nil && len(want) == 0 {
					t.Fatalf("%s holds nothing to list", c.name)
				}
				if got := walk(entitlementtest.As(c.who), f, desc); !slices.Equal(got, want) {
					t.Errorf("%s lists %v (states %v, desc %v), want %v", c.name, got, f.States, desc, want)
				}
			}
		}
	}
}

package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/entitlement/storetest"
)

// TestPackageListsSearchByPerson searches a package's assignments and requests by a person's
// name or e-mail: only their rows, paged like any list, and still only for readers of the
// package's catalog.
func TestPackageListsSearchByPerson(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Ada Admin")
	outsider := e.User("Oscar Outsider")
	cat := e.Catalog("Tools")
	pkg := e.Package(cat, "Wiki")
	pol := e.Policy(pkg)
	other := e.Package(cat, "Chat")
	otherPol := e.Policy(other)
	riley := e.User("Riley Lovelace")
	grace := e.User("Grace Hopper")
	for _, u := range []entitlement.User{riley, grace, e.User("Alan Turing"), e.User("Edsger Dijkstra")} {
		e.RequestAccess(u, pol)
		e.RequestAccess(u, otherPol)
	}
	e.Drain(e.Worker(entitlement.WorkerOptions{}))

	ctx := entitlementtest.AsAdmin(admin)
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"lovelace", []string{riley.ID}},
		{"GRACE", []string{grace.ID}},
		{grace.Email, []string{grace.ID}},
		{"nobody", nil},
	} {
		as := storetest.Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
			o.Search = tc.search
			return e.Svc.PackageAssignments(ctx, pkg.ID, entitlement.AssignmentFilter{}, o)
		}, func(a entitlement.Assignment) string { return a.TargetID }, 1, len(tc.want))
		rs := storetest.Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			o.Search = tc.search
			return e.Svc.PackageRequests(ctx, pkg.ID, entitlement.RequestFilter{}, o)
		}, func(r entitlement.Request) string { return r.TargetID }, 1, len(tc.want))
		for i, id := range tc.want {
			if as[i] != id || rs[i] != id {
				t.Errorf("search %q: assignments of %v, requests of %v, want %v", tc.search, as, rs, tc.want)
			}
		}
	}
	// A search that finds several people lists their assignments oldest first, across pages.
	everyone := []string{riley.ID, grace.ID}
	got := storetest.Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
		o.Search = "corp"
		return e.Svc.PackageAssignments(ctx, pkg.ID, entitlement.AssignmentFilter{}, o)
	}, func(a entitlement.Assignment) string { return a.TargetID }, 1, 4)
	if got[0] != everyone[0] || got[1] != everyone[1] {
		t.Errorf("search corp = %v, want %v first", got, everyone)
	}

	_, err := e.Svc.PackageAssignments(entitlementtest.As(outsider), pkg.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{Search: "riley"})
	if !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("an outsider's search = %v, want ErrForbidden", err)
	}
}

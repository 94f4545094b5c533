package entitlement_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestScopeTypes checks every scopeType value (the seven current ones and the old spelling of
// the configured-organizations scope) against members and guests, through both RequestablePackages
// and a validation-only request.
func TestScopeTypes(t *testing.T) {
	f := entitlementtest.New(t)
	configured := f.Org("Configured", entitlement.OrgConfigured, nil, nil)
	proposed := f.Org("Proposed", entitlement.OrgProposed, nil, nil)
	users := map[string]entitlement.User{
		"member in group":  f.User("Member In Group"),
		"named member":     f.User("Named Member"),
		"guest configured": f.User("Guest Configured", entitlementtest.GuestOf(configured.ID)),
		"guest proposed":   f.User("Guest Proposed", entitlementtest.GuestOf(proposed.ID)),
		"guest no org":     f.User("Guest Without Org", entitlementtest.GuestOf("")),
	}
	g := f.Group("Requestors", users["member in group"])
	cat := f.Catalog("Open")
	all := []string{"member in group", "named member", "guest configured", "guest proposed", "guest no org"}
	tests := []struct {
		scope string
		sets  []entitlement.UserSet
		want  []string
	}{
		{entitlement.ScopeNoSubjects, nil, nil},
		{entitlement.ScopeSpecificDirectorySubjects, []entitlement.UserSet{entitlementtest.Single(users["named member"])}, []string{"named member"}},
		{entitlement.ScopeSpecificDirectorySubjects, []entitlement.UserSet{entitlementtest.GroupSet(g)}, []string{"member in group"}},
		{entitlement.ScopeAllExistingDirectoryMembers, nil, []string{"member in group", "named member"}},
		{entitlement.ScopeAllExistingDirectorySubjects, nil, all},
		{entitlement.ScopeSpecificConnectedOrgSubjects, []entitlement.UserSet{entitlementtest.OrgSet(configured)}, []string{"guest configured"}},
		{entitlement.ScopeSpecificConnectedOrgSubjects, []entitlement.UserSet{entitlementtest.OrgSet(proposed)}, []string{"guest proposed"}},
		{entitlement.ScopeAllConfiguredConnectedOrgs, nil, []string{"guest configured"}},
		{"AllExistingConnectedOrganizationSubjects", nil, []string{"guest configured"}},
		{entitlement.ScopeAllExternalSubjects, nil, []string{"guest configured", "guest proposed", "guest no org"}},
	}
	type pp struct {
		pkg entitlement.AccessPackage
		pol entitlement.AssignmentPolicy
	}
	var made []pp
	for i, tc := range tests {
		pkg := f.Package(cat, tc.scope+" "+string(rune('A'+i)))
		made = append(made, pp{pkg, f.Policy(pkg, entitlementtest.Scope(tc.scope, tc.sets...))})
	}
	for i, tc := range tests {
		for _, who := range all {
			u := users[who]
			want := slices.Contains(tc.want, who)
			_, err := f.Svc.SubmitRequest(entitlementtest.As(u), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: made[i].pkg.ID, PolicyID: made[i].pol.ID, IsValidationOnly: true})
			if want && err != nil {
				t.Errorf("%s (%v) for %s: refused: %v", tc.scope, tc.sets, who, err)
			}
			if !want && entitlementtest.ErrCode(err) != "notInScope" {
				t.Errorf("%s (%v) for %s: err %v; want notInScope", tc.scope, tc.sets, who, err)
			}
			eligible, err := f.Svc.EligiblePolicies(entitlementtest.As(u), made[i].pkg.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (len(eligible) == 1) != want {
				t.Errorf("%s for %s: eligible policies %d; want %v", tc.scope, who, len(eligible), want)
			}
		}
	}
	for _, who := range all {
		page, err := f.Svc.RequestablePackages(entitlementtest.As(users[who]), entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, rp := range page.Items {
			got = append(got, rp.Package.ID)
		}
		for i, tc := range tests {
			if slices.Contains(tc.want, who) {
				want = append(want, made[i].pkg.ID)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("requestable for %s: %d packages; want %d", who, len(got), len(want))
		}
	}
}

func TestRequestablePackages(t *testing.T) {
	f := entitlementtest.New(t)
	ada := f.User("Ada")
	guest := f.User("Gus", entitlementtest.GuestOf(f.Org("Partner", entitlement.OrgConfigured, nil, nil).ID))
	team := f.Group("Team")
	open := f.Catalog("Open")
	res := f.GroupResource(open, team)
	internal := f.Catalog("Internal", func(c *entitlement.Catalog) { c.IsExternallyVisible = false })
	draft := f.Catalog("Draft", func(c *entitlement.Catalog) { c.CatalogStatus = entitlement.CatalogStatusUnpublished })
	everyone := func(p *entitlement.AccessPackage) {}
	mk := func(c entitlement.Catalog, name string, opt func(*entitlement.AccessPackage), scopeType string, grants ...entitlementtest.Grant) entitlement.AccessPackage {
		p := f.PackageWith(c, name, opt, grants...)
		f.Policy(p, entitlementtest.Scope(scopeType))
		return p
	}
	charlie := mk(open, "charlie tools", func(p *entitlement.AccessPackage) { p.IsRoleScopesVisible = true }, entitlement.ScopeAllExistingDirectorySubjects, entitlementtest.Member(res))
	alpha := mk(open, "Alpha", everyone, entitlement.ScopeAllExistingDirectorySubjects, entitlementtest.Member(res))
	bravo := mk(internal, "Bravo", func(p *entitlement.AccessPackage) { p.Description = "finance reports" }, entitlement.ScopeAllExistingDirectorySubjects)
	hidden := mk(open, "Delta hidden", func(p *entitlement.AccessPackage) { p.IsHidden = true }, entitlement.ScopeAllExistingDirectorySubjects)
	mk(draft, "Echo draft", everyone, entitlement.ScopeAllExistingDirectorySubjects)
	closed := f.Package(open, "Foxtrot closed")
	f.Policy(closed, func(p *entitlement.AssignmentPolicy) {
		p.RequestorSettings.AcceptRequests = false
		p.RequestorSettings.ScopeType = entitlement.ScopeAllExistingDirectorySubjects
	})
	twoPolicies := mk(open, "Golf", everyone, entitlement.ScopeAllExistingDirectorySubjects)
	f.Policy(twoPolicies, entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.Single(ada)))

	list := func(u entitlement.User, flt entitlement.RequestableFilter, opt entitlement.ListOptions) entitlement.Page[entitlement.RequestablePackage] {
		t.Helper()
		page, err := f.Svc.RequestablePackages(entitlementtest.As(u), flt, opt)
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	idsOf := func(page entitlement.Page[entitlement.RequestablePackage]) []string {
		var out []string
		for _, rp := range page.Items {
			out = append(out, rp.Package.ID)
		}
		return out
	}
	page := list(ada, entitlement.RequestableFilter{}, entitlement.ListOptions{})
	if got, want := idsOf(page), []string{alpha.ID, bravo.ID, charlie.ID, twoPolicies.ID}; !slices.Equal(got, want) {
		t.Fatalf("ada's packages (sorted by name, no hidden, no draft, no closed): %v; want %v", got, want)
	}
	if page.Total != 4 {
		t.Fatalf("total %d", page.Total)
	}
	for _, rp := range page.Items {
		switch rp.Package.ID {
		case twoPolicies.ID:
			if len(rp.Policies) != 2 {
				t.Errorf("Golf offers %d policies; want 2", len(rp.Policies))
			}
		case charlie.ID:
			if len(rp.Roles) != 1 || rp.Roles[0].ResourceName != "Team" || rp.Roles[0].RoleName != "Member" || rp.Catalog.ID != open.ID {
				t.Errorf("charlie's roles %+v", rp.Roles)
			}
		case alpha.ID:
			if len(rp.Roles) != 0 {
				t.Errorf("alpha shows roles although isRoleScopesVisible is false")
			}
		}
	}
	// The guest does not see the internal catalog's package.
	if got := idsOf(list(guest, entitlement.RequestableFilter{}, entitlement.ListOptions{})); slices.Contains(got, bravo.ID) || len(got) != 3 {
		t.Fatalf("guest's packages %v", got)
	}
	// Search in names and descriptions, and a catalog filter.
	if got := idsOf(list(ada, entitlement.RequestableFilter{Search: "FINANCE"}, entitlement.ListOptions{})); !slices.Equal(got, []string{bravo.ID}) {
		t.Fatalf("search: %v", got)
	}
	if got := idsOf(list(ada, entitlement.RequestableFilter{CatalogID: internal.ID}, entitlement.ListOptions{})); !slices.Equal(got, []string{bravo.ID}) {
		t.Fatalf("catalog filter: %v", got)
	}
	// Pages of two, forward and back.
	p1 := list(ada, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: 2})
	p2 := list(ada, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: 2, After: p1.Next})
	if !slices.Equal(idsOf(p1), []string{alpha.ID, bravo.ID}) || !slices.Equal(idsOf(p2), []string{charlie.ID, twoPolicies.ID}) || p2.Next != "" || p2.Prev == "" {
		t.Fatalf("pages %v / %v (next %q prev %q)", idsOf(p1), idsOf(p2), p2.Next, p2.Prev)
	}
	back := list(ada, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: 2, Before: p2.Prev})
	if !slices.Equal(idsOf(back), idsOf(p1)) {
		t.Fatalf("back to page 1: %v", idsOf(back))
	}
	if _, err := f.Svc.RequestablePackages(entitlementtest.As(ada), entitlement.RequestableFilter{}, entitlement.ListOptions{After: "!!"}); entitlementtest.ErrCode(err) != "invalidCursor" {
		t.Fatalf("damaged cursor: %v", err)
	}
	// A hidden package is not listed but can be requested by id.
	pols, err := f.Svc.EligiblePolicies(entitlementtest.As(ada), hidden.ID)
	if err != nil || len(pols) != 1 {
		t.Fatalf("eligible policies of the hidden package: %v %v", pols, err)
	}
	if r := f.RequestAccess(ada, pols[0]); r.RequestState != entitlement.StateDelivered {
		t.Fatalf("hidden package request: %s", r.RequestState)
	}
	if _, err := f.Svc.EligiblePolicies(entitlementtest.As(ada), entitlement.NewID()); !errors.Is(err, entitlement.ErrNotFound) {
		t.Fatalf("eligible policies of a missing package: %v", err)
	}
}

// TestRequestableSearchStopsCounting: a search of what a person may request counts its matches
// up to SearchCountLimit and says so, while its pages still reach every match; a list without a
// search, or a search with fewer matches, counts exactly.
func TestRequestableSearchStopsCounting(t *testing.T) {
	f := entitlementtest.New(t)
	ada := f.User("Ada")
	cat := f.Catalog("Open")
	const n = entitlement.SearchCountLimit + 5
	for i := range n {
		f.Policy(f.Package(cat, fmt.Sprintf("Access %03d", i)), entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects))
	}
	// One offered to Ada by name, which the walk counts apart from the class's.
	f.Policy(f.Package(cat, "Access named"), entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.Single(ada)))
	for _, tc := range []struct {
		search  string
		total   int
		atLeast bool
		all     int
	}{
		{"", n + 1, false, n + 1},
		{"ACCESS", entitlement.SearchCountLimit, true, n + 1},
		{"access 01", 10, false, 10},
		{"named", 1, false, 1},
	} {
		flt := entitlement.RequestableFilter{Search: tc.search}
		opt := entitlement.ListOptions{Limit: 25}
		seen := map[string]bool{}
		for pages := 0; ; pages++ {
			page, err := f.Svc.RequestablePackages(entitlementtest.As(ada), flt, opt)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != tc.total || page.TotalAtLeast != tc.atLeast {
				t.Fatalf("search %q, page %d: total %d (at least %v), want %d (%v)", tc.search, pages+1, page.Total, page.TotalAtLeast, tc.total, tc.atLeast)
			}
			for _, rp := range page.Items {
				seen[rp.Package.ID] = true
			}
			if page.Next == "" || pages > n {
				break
			}
			opt.After = page.Next
		}
		if len(seen) != tc.all {
			t.Errorf("search %q: pages reached %d packages, want %d", tc.search, len(seen), tc.all)
		}
	}
}

func TestReadsAreAuthorized(t *testing.T) {
	w := newWorld(t)
	stranger := w.User("Stranger")
	r := w.RequestAccess(*w.ada, w.approved)
	d := w.RequestAccess(*w.bob, w.open)

	for _, tc := range []struct {
		name string
		as   entitlement.User
		ok   bool
	}{
		{"the requestor", *w.ada, true},
		{"the approver", *w.bob, true},
		{"a catalog reader", *w.dan, true},
		{"an assignment manager", *w.carol, true},
		{"a stranger", stranger, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.Svc.RequestByID(entitlementtest.As(tc.as), r.ID)
			if tc.ok && (err != nil || got.ID != r.ID) {
				t.Fatalf("RequestByID: %v", err)
			}
			if !tc.ok && !errors.Is(err, entitlement.ErrNotFound) {
				t.Fatalf("RequestByID by %s: %v; want ErrNotFound", tc.name, err)
			}
			_, err = w.Svc.PackageRequests(entitlementtest.As(tc.as), w.teamPkg.ID, entitlement.RequestFilter{}, entitlement.ListOptions{})
			canRead := tc.as.ID == w.dan.ID || tc.as.ID == w.carol.ID
			if canRead != (err == nil) {
				t.Fatalf("PackageRequests by %s: %v", tc.name, err)
			}
			_, err = w.Svc.PackageAssignments(entitlementtest.As(tc.as), w.teamPkg.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{})
			if canRead != (err == nil) || (!canRead && !errors.Is(err, entitlement.ErrForbidden)) {
				t.Fatalf("PackageAssignments by %s: %v", tc.name, err)
			}
			_, err = w.Svc.AssignmentByID(entitlementtest.As(tc.as), d.AssignmentID)
			if (canRead || tc.as.ID == w.bob.ID) != (err == nil) {
				t.Fatalf("AssignmentByID by %s: %v", tc.name, err)
			}
			_, err = w.Svc.AssignmentRolesOf(entitlementtest.As(tc.as), d.AssignmentID)
			if (canRead || tc.as.ID == w.bob.ID) != (err == nil) {
				t.Fatalf("AssignmentRolesOf by %s: %v", tc.name, err)
			}
		})
	}
	// Lists of one's own things.
	mine, err := w.Svc.MyRequests(entitlementtest.As(*w.ada), entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StatePendingApproval}}, entitlement.ListOptions{})
	if err != nil || mine.Total != 1 || mine.Items[0].ID != r.ID {
		t.Fatalf("MyRequests: %+v %v", mine, err)
	}
	asg, err := w.Svc.MyAssignments(entitlementtest.As(*w.bob), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	if err != nil || asg.Total != 1 || asg.Items[0].ID != d.AssignmentID {
		t.Fatalf("MyAssignments: %+v %v", asg, err)
	}
	if n, err := w.Svc.PendingApprovalCount(entitlementtest.As(*w.bob)); err != nil || n != 1 {
		t.Fatalf("PendingApprovalCount %d %v", n, err)
	}
	waiting, err := w.Svc.WaitingForMe(entitlementtest.As(*w.bob), entitlement.ListOptions{})
	if err != nil || len(waiting.Items) != 1 || waiting.Items[0].ID != r.ID {
		t.Fatalf("WaitingForMe %+v %v", waiting, err)
	}
	w.Decide(*w.bob, r, true)
	if n, _ := w.Svc.PendingApprovalCount(entitlementtest.As(*w.bob)); n != 0 {
		t.Fatalf("still waiting after the decision: %d", n)
	}
	if dec, err := w.Svc.DescribeMyDecisions(entitlementtest.As(*w.bob), entitlement.ListOptions{}); err != nil || dec.Total != 1 {
		t.Fatalf("DescribeMyDecisions %+v %v", dec, err)
	}
	// Past approvers can still read the request they decided.
	if _, err := w.Svc.RequestByID(entitlementtest.As(*w.bob), r.ID); err != nil {
		t.Fatalf("past approver: %v", err)
	}
	prev, err := w.Svc.PreviewApprovers(entitlementtest.As(*w.ada), w.open.ID)
	if err != nil || len(prev) != 0 {
		t.Fatalf("preview of a policy without approval: %v %v", prev, err)
	}
	if _, err := w.Svc.PreviewApprovers(entitlementtest.As(*w.ada), entitlement.NewID()); entitlementtest.ErrCode(err) != "policyNotFound" {
		t.Fatalf("preview of a missing policy: %v", err)
	}
}

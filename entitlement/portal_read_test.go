package entitlement_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestPackageOffer(t *testing.T) {
	f := entitlementtest.New(t)
	riley := f.User("Riley")
	outsider := f.User("Olly")
	reader := f.User("Rita Reader")
	finance := f.Group("Finance", riley)
	c := f.Catalog("Corporate", entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, reader))
	res := f.GroupResource(c, f.Group("Finance readers"))
	hidden := f.PackageWith(c, "Hidden reports", func(p *entitlement.AccessPackage) { p.IsHidden = true; p.IsRoleScopesVisible = true }, entitlementtest.Member(res))
	pol := f.Policy(hidden, entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(finance)), entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(reader))))

	// Riley may request the hidden package by its link, and sees what it grants and whom the
	// policy is for, by name.
	offer, err := f.Svc.PackageOffer(entitlementtest.As(riley), hidden.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(offer.Policies) != 1 || offer.Policies[0].ID != pol.ID || offer.Names[finance.ID] != "Finance" {
		t.Errorf("offer policies %+v names %v", offer.Policies, offer.Names)
	}
	if len(offer.Roles) != 1 || offer.Roles[0].ResourceName != "Finance readers" || offer.Roles[0].RoleName != "Member" {
		t.Errorf("offer roles %+v", offer.Roles)
	}
	if offer.OpenRequest != nil || offer.LiveAssignment != nil {
		t.Errorf("nothing should stand in the way yet")
	}

	// Someone outside the policy does not learn that the hidden package exists; a catalog
	// reader sees it, with no policy to request through.
	if _, err := f.Svc.PackageOffer(entitlementtest.As(outsider), hidden.ID); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("outsider: %v, want not found", err)
	}
	if offer, err := f.Svc.PackageOffer(entitlementtest.As(reader), hidden.ID); err != nil || len(offer.Policies) != 0 {
		t.Errorf("reader: %v, %d policies", err, len(offer.Policies))
	}

	// Once Riley asked, the offer says so, and then that Riley holds it.
	r := f.RequestAccess(riley, pol)
	offer, err = f.Svc.PackageOffer(entitlementtest.As(riley), hidden.ID)
	if err != nil || offer.OpenRequest == nil || offer.OpenRequest.ID != r.ID {
		t.Fatalf("open request not in the offer: %v %+v", err, offer.OpenRequest)
	}
	f.Decide(reader, r, true)
	f.Drain(f.Worker(entitlement.WorkerOptions{}))
	offer, err = f.Svc.PackageOffer(entitlementtest.As(riley), hidden.ID)
	if err != nil || offer.LiveAssignment == nil || offer.OpenRequest != nil {
		t.Fatalf("live assignment not in the offer: %v %+v", err, offer)
	}
	if _, err := f.Svc.PackageOffer(entitlementtest.As(riley), "no-such-package"); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("unknown package: %v", err)
	}
}

func TestDescribeRequests(t *testing.T) {
	f := entitlementtest.New(t)
	mgr := f.User("Manny Manager")
	riley := f.User("Riley", entitlementtest.ManagedBy(mgr))
	backupUser := f.User("Dana Backup")
	outsider := f.User("Olly")
	c := f.Catalog("Corporate")
	p := f.Package(c, "Finance reports", entitlementtest.Member(f.GroupResource(c, f.Group("Finance readers"))))
	pol := f.Policy(p, func(x *entitlement.AssignmentPolicy) { x.DisplayName = "Employees"; x.DurationInDays = 90 },
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1), func() entitlement.UserSet { u := entitlementtest.Single(backupUser); u.IsBackup = true; return u }())))
	r := f.RequestAccess(riley, pol)

	for _, who := range []entitlement.User{riley, mgr} {
		vs, err := f.Svc.DescribeRequests(entitlementtest.As(who), []entitlement.Request{r})
		if err != nil {
			t.Fatalf("%s: %v", who.DisplayName, err)
		}
		v := vs[0]
		if v.PackageName != "Finance reports" || v.CatalogName != "Corporate" || v.PolicyName != "Employees" || v.PolicyDurationInDays != 90 {
			t.Errorf("%s sees %+v", who.DisplayName, v)
		}
		if v.Person(riley.ID).Name != "Riley" || v.Person(mgr.ID).Name != "Manny Manager" {
			t.Errorf("%s sees people %v", who.DisplayName, v.People)
		}
		if v.Person("gone").Name != "A former user" {
			t.Errorf("unknown person: %+v", v.Person("gone"))
		}
	}
	// Someone with nothing to do with the request may not read it.
	if _, err := f.Svc.DescribeRequests(entitlementtest.As(outsider), []entitlement.Request{r}); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("outsider: %v, want not found", err)
	}
}

// TestDescribeWaitingForMe checks that the approvals page's one read gives what WaitingForMe and
// DescribeRequests give together, page by page, and nothing to someone not asked.
func TestDescribeWaitingForMe(t *testing.T) {
	f := entitlementtest.New(t)
	mgr := f.User("Manny Manager")
	outsider := f.User("Olly")
	c := f.Catalog("Corporate")
	p := f.Package(c, "Finance reports", entitlementtest.Member(f.GroupResource(c, f.Group("Finance readers"))))
	pol := f.Policy(p, func(x *entitlement.AssignmentPolicy) { x.DisplayName = "Employees" },
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1))))
	for _, name := range []string{"Riley", "Sam", "Tess"} {
		f.RequestAccess(f.User(name, entitlementtest.ManagedBy(mgr)), pol)
	}
	as := entitlementtest.As(mgr)
	checkDescribedPages(t, f, as, entitlement.ListOptions{Limit: 2}, 3, "requests",
		func(opt entitlement.ListOptions) (entitlement.Page[entitlement.RequestView], error) {
			return f.Svc.DescribeWaitingForMe(as, opt)
		},
		func(opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			return f.Svc.WaitingForMe(as, opt)
		})
	if n, err := f.Svc.PendingApprovalCount(as); err != nil || n != 3 {
		t.Errorf("PendingApprovalCount = %d, %v; want 3", n, err)
	}
	if got, err := f.Svc.DescribeWaitingForMe(entitlementtest.As(outsider), entitlement.ListOptions{}); err != nil || len(got.Items) != 0 || got.Total != 0 {
		t.Errorf("outsider: %+v, %v; want nothing", got, err)
	}
}

// TestDescribeMyDecisions checks that the approvals history's one read gives what MyDecisions and
// DescribeRequests give together, page by page newest first, and nothing to someone who decided
// nothing.
func TestDescribeMyDecisions(t *testing.T) {
	f := entitlementtest.New(t)
	mgr := f.User("Manny Manager")
	outsider := f.User("Olly")
	c := f.Catalog("Corporate")
	p := f.Package(c, "Finance reports", entitlementtest.Member(f.GroupResource(c, f.Group("Finance readers"))))
	pol := f.Policy(p, func(x *entitlement.AssignmentPolicy) { x.DisplayName = "Employees" },
		entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1))))
	for i, name := range []string{"Riley", "Sam", "Tess"} {
		r := f.RequestAccess(f.User(name, entitlementtest.ManagedBy(mgr)), pol)
		f.Decide(mgr, r, i != 1)
	}
	f.RequestAccess(f.User("Uma", entitlementtest.ManagedBy(mgr)), pol) // waiting: not a decision
	f.Drain(f.Worker(entitlement.WorkerOptions{}))
	as := entitlementtest.As(mgr)
	checkDescribedPages(t, f, as, entitlement.ListOptions{Limit: 2, Desc: true}, 3, "decisions",
		func(opt entitlement.ListOptions) (entitlement.Page[entitlement.RequestView], error) {
			return f.Svc.DescribeMyDecisions(as, opt)
		},
		func(opt entitlement.ListOptions) (listed entitlement.Page[entitlement.Request], err error) {
			err = f.Store.View(context.Background(), func(tx entitlement.Tx) error {
				listed, err = tx.Requests().DecidedBy(mgr.ID, opt)
				return err
			})
			return listed, err
		})
	if got, err := f.Svc.DescribeMyDecisions(entitlementtest.As(outsider), entitlement.ListOptions{}); err != nil || len(got.Items) != 0 || got.Total != 0 {
		t.Errorf("outsider: %+v, %v; want nothing", got, err)
	}
}

func TestDescribeAssignments(t *testing.T) {
	f := entitlementtest.New(t)
	riley := f.User("Riley")
	outsider := f.User("Olly")
	c := f.Catalog("Corporate")
	p := f.Package(c, "GitHub", entitlementtest.Member(f.AppResource(c, "GitHub", "Member")))
	pol := f.Policy(p, func(x *entitlement.AssignmentPolicy) {
		x.CanExtend = true
		x.DurationInDays = 30
	})
	f.RequestAccess(riley, pol)
	f.Drain(f.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}))
	page, err := f.Svc.MyAssignments(entitlementtest.As(riley), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("assignments: %v %d", err, len(page.Items))
	}
	vs, err := f.Svc.DescribeAssignments(entitlementtest.As(riley), page.Items)
	if err != nil {
		t.Fatal(err)
	}
	v := vs[0]
	end := *v.EndDateTime()
	// Extending opens two weeks before the end, and adds the policy's 30 days to it.
	if v.PackageName != "GitHub" || v.CatalogName != "Corporate" || v.CanExtend || v.ExtensionOpensAt == nil || !v.ExtensionOpensAt.Equal(end.Add(-entitlement.ExtensionWindow)) ||
		v.ExtensionNeedsApproval || v.MaxExtendedEnd == nil || !v.MaxExtendedEnd.Equal(end.AddDate(0, 0, 30)) || v.ExtensionDays != 30 {
		t.Errorf("view %+v", v)
	}
	f.Clock.Set(end.Add(-entitlement.ExtensionWindow))
	if vs, err = f.Svc.DescribeAssignments(entitlementtest.As(riley), page.Items); err != nil || !vs[0].CanExtend || vs[0].ExtensionOpensAt != nil {
		t.Errorf("in the last two weeks: %+v, %v", vs, err)
	}
	if len(v.Roles) != 1 || v.Roles[0].RoleName != "Member" {
		t.Errorf("roles %+v", v.Roles)
	}
	if _, err := f.Svc.DescribeAssignments(entitlementtest.As(outsider), page.Items); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("outsider: %v, want not found", err)
	}
}

// checkDescribedPages pages through describe two at a time and checks each page against list's
// page of the same options, described by DescribeRequests: the same views, total (want), and
// cursors, over two pages.
func checkDescribedPages(t *testing.T, f *entitlementtest.Env, as context.Context, opt entitlement.ListOptions, want int, what string,
	describe func(entitlement.ListOptions) (entitlement.Page[entitlement.RequestView], error),
	list func(entitlement.ListOptions) (entitlement.Page[entitlement.Request], error)) {
	t.Helper()
	for page := 1; ; page++ {
		got, err := describe(opt)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := list(opt)
		if err != nil {
			t.Fatal(err)
		}
		views, err := f.Svc.DescribeRequests(as, listed.Items)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Items, views) || got.Total != want || got.Total != listed.Total || got.Next != listed.Next || got.Prev != listed.Prev {
			t.Fatalf("page %d: %+v\nwant %+v (total %d, next %q, prev %q)", page, got, views, listed.Total, listed.Next, listed.Prev)
		}
		if got.Next == "" {
			if page != 2 {
				t.Errorf("%d pages of 2 for %d %s", page, want, what)
			}
			return
		}
		opt.After = got.Next
	}
}

package entitlement_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// myAccessTheLongWay is what the home page read before MyAccess: each list through its own
// Service call, then described by Describe*.
func myAccessTheLongWay(ctx context.Context, svc *entitlement.Service, limit int) (entitlement.MyAccess, error) {
	var out entitlement.MyAccess
	live, err := svc.MyLiveAssignmentsEndingFirst(ctx, entitlement.ListOptions{Limit: limit})
	if err != nil {
		return out, err
	}
	out.Live = entitlement.Page[entitlement.AssignmentView]{Next: live.Next, Prev: live.Prev, Total: live.Total}
	if out.Live.Items, err = svc.DescribeAssignments(ctx, live.Items); err != nil {
		return out, err
	}
	requests := func(f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.RequestView], error) {
		p, err := svc.MyRequests(ctx, f, opt)
		if err != nil {
			return entitlement.Page[entitlement.RequestView]{}, err
		}
		out := entitlement.Page[entitlement.RequestView]{Next: p.Next, Prev: p.Prev, Total: p.Total}
		out.Items, err = svc.DescribeRequests(ctx, p.Items)
		return out, err
	}
	if out.Scheduled, err = requests(entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateScheduled}}, entitlement.ListOptions{Limit: limit}); err != nil {
		return out, err
	}
	out.Open, err = requests(entitlement.RequestFilter{States: entitlement.OpenRequestStates()}, entitlement.ListOptions{Limit: limit, Desc: true})
	return out, err
}

// TestMyAccessIsTheListsDescribed checks MyAccess against the lists it replaces, each read and
// described on its own, for a person with live access (one with an extension waiting), scheduled,
// pending and finished requests, and lists longer and shorter than a page.
func TestMyAccessIsTheListsDescribed(t *testing.T) {
	w := newWorld(t)
	ada := *w.ada
	extendable := w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(*w.bob))), func(p *entitlement.AssignmentPolicy) {
		p.CanExtend = true
		p.RequestApprovalSettings.IsApprovalRequiredForExtension = true
	})
	w.Decide(*w.bob, w.RequestAccess(ada, extendable), true)
	w.Clock.Advance(20 * 24 * time.Hour)
	for i := range 12 {
		pkg := w.Package(w.cat, fmt.Sprintf("Package %02d", i), entitlementtest.Member(w.GroupResource(w.cat, w.Group(fmt.Sprintf("Group %02d", i)))))
		switch i % 4 {
		case 0: // live, ending at different times
			w.RequestAccess(ada, w.Policy(pkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 10 + i }))
		case 1: // waiting for its start
			start := w.Clock.Now().Add(time.Duration(48-i) * time.Hour)
			w.Submit(entitlementtest.As(ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID,
				PolicyID: w.Policy(pkg).ID, Schedule: entitlement.Schedule{StartDateTime: &start}})
		case 2: // waiting for Bob
			w.RequestAccess(ada, w.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(*w.bob)))))
		case 3: // denied
			w.Decide(*w.bob, w.RequestAccess(ada, w.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(*w.bob))))), false)
		}
		w.Clock.Advance(time.Minute)
	}
	live := w.Assignment(w.Request(firstRequest(t, w, ada)).AssignmentID)
	if _, err := w.Svc.ExtendAssignment(entitlementtest.As(ada), live.ID, "still needed", entitlement.Schedule{}); err != nil {
		t.Fatal(err)
	}
	w.RequestAccess(*w.carol, w.open) // someone else's
	for _, limit := range []int{2, 5, 20} {
		want, err := myAccessTheLongWay(entitlementtest.As(ada), w.Svc, limit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Svc.MyAccess(entitlementtest.As(ada), limit)
		if err != nil {
			t.Fatal(err)
		}
		if want.Live.Total != 4 || want.Scheduled.Total != 3 || want.Open.Total != 7 {
			t.Fatalf("the fixture: %d live, %d scheduled, %d open; want 4, 3 and 7", want.Live.Total, want.Scheduled.Total, want.Open.Total)
		}
		if limit == 20 && !slices.ContainsFunc(got.Live.Items, func(v entitlement.AssignmentView) bool { return v.OpenRequest != nil }) {
			t.Error("no live assignment shows the extension waiting for approval")
		}
		// MyAccess leaves out the assignment a request delivered.
		for _, p := range []entitlement.Page[entitlement.RequestView]{want.Scheduled, want.Open} {
			for i := range p.Items {
				p.Items[i].Access = nil
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("limit %d: MyAccess =\n%+v\nwant\n%+v", limit, got, want)
		}
	}
	if _, err := w.Svc.MyAccess(bg, 5); err == nil {
		t.Error("read without a principal")
	}
}

// firstRequest returns the id of the person's first request.
func firstRequest(t *testing.T, w *world, ada entitlement.User) string {
	t.Helper()
	mine, err := w.Svc.MyRequests(entitlementtest.As(ada), entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 1})
	if err != nil || len(mine.Items) != 1 {
		t.Fatalf("the first request of %s: %v", ada.DisplayName, err)
	}
	return mine.Items[0].ID
}

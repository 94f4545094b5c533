package entitlement_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkApprovalsPage measures the service calls behind /approvals for a busy approver: 1,000
// requests wait for them among 10,000 waiting in all, each asked by one of 2,000 people (some of
// them guests of a connected organization), for one of five packages, and in its second stage, the first decided by someone
// else, as the page shows them. The fixture is written straight through the store.
func BenchmarkApprovalsPage(b *testing.B) {
	const total, busyShare, people = 10_000, 10, 2_000
	f := entitlementtest.New(b)
	cat := f.Catalog("Cat")
	// One open request per person and package: five packages for 2,000 people's 10,000.
	var pkgs []entitlement.AccessPackage
	var pols []entitlement.AssignmentPolicy
	for i := range total / people {
		pkgs = append(pkgs, f.Package(cat, fmt.Sprintf("Package %d", i)))
		pols = append(pols, f.Policy(pkgs[i], entitlementtest.Approval(entitlementtest.ApprovalStage(14), entitlementtest.ApprovalStage(14))))
	}
	busy := f.User("Busy Approver")
	first := f.User("First Stage")
	org := f.Org("Partner", entitlement.OrgConfigured, nil, nil)
	now := f.Clock.Now()
	earlier, timeout := now.Add(-24*time.Hour), now.Add(14*24*time.Hour)
	var requesters []string
	f.Update(func(tx entitlement.Tx) error {
		for i := range people {
			u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Person %04d", i), Email: fmt.Sprintf("p%04d@corp.example", i),
				UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if i%5 == 0 {
				u.UserType, u.ConnectedOrganizationID = entitlement.UserTypeGuest, org.ID
			}
			requesters = append(requesters, u.ID)
			if err := tx.Users().Put(u); err != nil {
				return err
			}
		}
		for i := range total {
			approver := fmt.Sprintf("approver-%02d", i%busyShare)
			if i%busyShare == 0 {
				approver = busy.ID
			}
			who, pol := requesters[i%people], pols[i/people]
			r := entitlement.Request{
				ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
				RequestStatus: entitlement.RequestStatusPendingApproval, Justification: "needed for the quarter close",
				CatalogID: cat.ID, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, TargetID: who, RequestorID: who,
				Stages: []entitlement.StageState{
					{Index: 1, Status: entitlement.StageApproved, StartedDateTime: &earlier, Approvers: []string{first.ID},
						DecidedBy: first.ID, DecidedByName: "First Stage", Decision: entitlement.DecisionApprove, DecidedDateTime: &now, DecisionJustification: "fine by me"},
					{Index: 2, Status: entitlement.StagePending, StartedDateTime: &now, TimeoutDateTime: &timeout, Approvers: []string{approver}},
				},
				CurrentStage: 1, PolicyStages: pol.RequestApprovalSettings.ApprovalStages,
				Events: []entitlement.RequestEvent{
					{Kind: entitlement.EventSubmitted, At: earlier, ActorID: who, ActorName: "Someone"},
					{Kind: entitlement.EventStageStarted, At: earlier, Stage: 1, Detail: "asked First Stage"},
					{Kind: entitlement.EventApproved, At: now, Stage: 1, ActorID: first.ID, ActorName: "First Stage", Detail: "fine by me"},
					{Kind: entitlement.EventStageStarted, At: now, Stage: 2, Detail: "asked an approver"},
				},
				CreatedDateTime: earlier, DueDateTime: &timeout,
			}
			if err := tx.Requests().Put(r); err != nil {
				return err
			}
		}
		return nil
	})
	as := entitlementtest.As(busy)
	const pageSize = 25
	b.Run("DescribeWaitingForMe, page of 25 of 1k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Svc.DescribeWaitingForMe(as, entitlement.ListOptions{Limit: pageSize})
			if err != nil || len(p.Items) != pageSize || p.Total != total/busyShare {
				b.Fatalf("page %d items, total %d, %v", len(p.Items), p.Total, err)
			}
		}
	})
	// What the page read before: the list, then each request again to name what it refers to.
	b.Run("WaitingForMe then DescribeRequests", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Svc.WaitingForMe(as, entitlement.ListOptions{Limit: pageSize})
			if err != nil {
				b.Fatal(err)
			}
			if vs, err := f.Svc.DescribeRequests(as, p.Items); err != nil || len(vs) != pageSize {
				b.Fatalf("%d described, %v", len(vs), err)
			}
		}
	})
	// The navigation's badge, on every page.
	b.Run("PendingApprovalCount of 1k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n, err := f.Svc.PendingApprovalCount(as); err != nil || n != total/busyShare {
				b.Fatalf("count %d, %v", n, err)
			}
		}
	})
}

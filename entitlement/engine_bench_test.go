package entitlement_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkSubmitDeliver measures a UserAdd through a no-approval policy, delivered in the same
// transaction: validation, the assignment, its group-membership role, audit and outbox writes.
func BenchmarkSubmitDeliver(b *testing.B) {
	f := entitlementtest.New(b)
	team := f.Group("Team")
	cat := f.Catalog("Cat")
	res := f.GroupResource(cat, team)
	pkg := f.Package(cat, "Team", entitlementtest.Member(res))
	pol := f.Policy(pkg)
	users := make([]entitlement.User, b.N)
	f.Update(func(tx entitlement.Tx) error {
		for i := range users {
			users[i] = entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@corp.example", i),
				UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if err := tx.Users().Put(users[i]); err != nil {
				return err
			}
		}
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r, err := f.Svc.SubmitRequest(entitlementtest.As(users[i]), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID})
		if err != nil || r.RequestState != entitlement.StateDelivered {
			b.Fatalf("submit: %v %s", err, r.RequestState)
		}
	}
}

// BenchmarkWaitingForMe lists "waiting for me" in a store holding 100,000 pending requests, for an
// approver with 1,000 of them and for one with all of them. The fixture is written straight
// through the store in large transactions.
func BenchmarkWaitingForMe(b *testing.B) {
	const total, approvers = 100_000, 100
	f := entitlementtest.New(b)
	cat := f.Catalog("Cat")
	pkg := f.Package(cat, "Pkg")
	pol := f.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(14)))
	everyone := f.User("Busy Approver")
	var approverIDs []string
	for i := range approvers {
		approverIDs = append(approverIDs, fmt.Sprintf("approver-%03d", i))
	}
	now := f.Clock.Now()
	timeout := now.Add(14 * 24 * time.Hour)
	start := time.Now()
	const perTx = 10_000
	for done := 0; done < total; done += perTx {
		f.Update(func(tx entitlement.Tx) error {
			for i := done; i < done+perTx; i++ {
				id := entitlement.NewID()
				r := entitlement.Request{
					ID: id, RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
					RequestStatus: entitlement.RequestStatusPendingApproval, Justification: "needed for the quarter close",
					CatalogID: cat.ID, AccessPackageID: pkg.ID, PolicyID: pol.ID,
					TargetID: fmt.Sprintf("user-%06d", i), RequestorID: fmt.Sprintf("user-%06d", i),
					Stages: []entitlement.StageState{{Index: 1, Status: entitlement.StagePending, StartedDateTime: &now, TimeoutDateTime: &timeout,
						Approvers: []string{approverIDs[i%approvers], everyone.ID}}},
					PolicyStages: pol.RequestApprovalSettings.ApprovalStages,
					Events: []entitlement.RequestEvent{
						{Kind: entitlement.EventSubmitted, At: now, ActorID: fmt.Sprintf("user-%06d", i), ActorName: "Someone"},
						{Kind: entitlement.EventStageStarted, At: now, Stage: 1, Detail: "asked Approver, Busy Approver"},
					},
					CreatedDateTime: now, DueDateTime: &timeout,
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.Logf("wrote %d requests in %v", total, time.Since(start).Round(time.Millisecond))
	one := entitlementtest.As(entitlement.User{ID: approverIDs[7], DisplayName: "Approver 7"})
	all := entitlementtest.As(everyone)

	b.Run("1k of 100k, first page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Svc.WaitingForMe(one, entitlement.ListOptions{Limit: 25})
			if err != nil || len(p.Items) != 25 || p.Total != total/approvers {
				b.Fatalf("page %d items, total %d, %v", len(p.Items), p.Total, err)
			}
		}
	})
	b.Run("100k of 100k, first page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Svc.WaitingForMe(all, entitlement.ListOptions{Limit: 25})
			if err != nil || len(p.Items) != 25 || p.Total != total {
				b.Fatalf("page %d items, total %d, %v", len(p.Items), p.Total, err)
			}
		}
	})
	b.Run("pending count, 1k of 100k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, err := f.Svc.PendingApprovalCount(one)
			if err != nil || n != total/approvers {
				b.Fatalf("count %d, %v", n, err)
			}
		}
	})
}

package entitlement_test

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkMyAccess reads the home page's lists for a person with 10 live assignments and 8 open
// requests (3 being delivered, 3 waiting for approval, 2 scheduled), whose history of finished
// requests and ended assignments is short or long, next to 10,000 requests of other people: once
// through MyAccess, and once the long way (each list through its own call, then Describe*), as
// the home page read them before. The time should not grow with the history.
func BenchmarkMyAccess(b *testing.B) {
	for _, history := range []int{10, 10_000} {
		f := entitlementtest.New(b)
		ada, bob := f.User("Ada Requester"), f.User("Bob Approver")
		cat := f.Catalog("Cat")
		var pols []entitlement.AssignmentPolicy
		for i := range 20 {
			pols = append(pols, f.Policy(f.Package(cat, fmt.Sprintf("Package %02d", i))))
		}
		now := f.Clock.Now()
		request := func(target string, pol entitlement.AssignmentPolicy, state entitlement.RequestState) entitlement.Request {
			return entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: state,
				Justification: "needed for the quarter close", CatalogID: cat.ID, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID,
				TargetID: target, RequestorID: target, CreatedDateTime: now,
				Stages: []entitlement.StageState{{Index: 1, Status: entitlement.StagePending, StartedDateTime: &now, Approvers: []string{bob.ID}}},
				Events: []entitlement.RequestEvent{
					{Kind: entitlement.EventSubmitted, At: now, ActorID: target, ActorName: "Someone"},
					{Kind: entitlement.EventStageStarted, At: now, Stage: 1, Detail: "asked Bob Approver"},
				}}
		}
		assignment := func(pol entitlement.AssignmentPolicy, state entitlement.AssignmentState, days int) entitlement.Assignment {
			end := now.AddDate(0, 0, days)
			return entitlement.Assignment{ID: entitlement.NewID(), CatalogID: cat.ID, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID,
				TargetID: ada.ID, AssignmentState: state, AssignmentStatus: string(state), CreatedDateTime: now,
				Schedule: entitlement.Schedule{StartDateTime: &now, Expiration: entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: &end}}}
		}
		f.Update(func(tx entitlement.Tx) error {
			for i := range 10 {
				state := entitlement.AssignmentDelivered
				if i < 3 {
					state = entitlement.AssignmentDelivering
				}
				a := assignment(pols[i], state, 10+i)
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
				if i < 3 {
					r := request(ada.ID, pols[i], entitlement.StateDelivering)
					r.AssignmentID = a.ID
					if err := tx.Requests().Put(r); err != nil {
						return err
					}
				}
			}
			for i := 10; i < 15; i++ {
				r := request(ada.ID, pols[i], entitlement.StatePendingApproval)
				if i >= 13 {
					start := now.AddDate(0, 0, i)
					r.RequestState, r.Stages, r.Schedule.StartDateTime = entitlement.StateScheduled, nil, &start
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
			}
			return nil
		})
		for done := 0; done < history; done += 1000 {
			f.Update(func(tx entitlement.Tx) error {
				for i := done; i < min(done+1000, history); i++ {
					if err := tx.Requests().Put(request(ada.ID, pols[i%20], entitlement.StateDenied)); err != nil {
						return err
					}
					if i%2 == 0 {
						if err := tx.Assignments().Put(assignment(pols[i%20], entitlement.AssignmentExpired, -1)); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		for done := 0; done < 10_000; done += 1000 {
			f.Update(func(tx entitlement.Tx) error {
				for i := done; i < done+1000; i++ {
					if err := tx.Requests().Put(request(fmt.Sprintf("user-%05d", i), pols[i%20], entitlement.StatePendingApproval)); err != nil {
						return err
					}
				}
				return nil
			})
		}
		as := entitlementtest.As(ada)
		check := func(b *testing.B, got entitlement.MyAccess, err error) {
			if err != nil || len(got.Live.Items) != 5 || got.Live.Total != 10 || got.Scheduled.Total != 2 || got.Open.Total != 8 {
				b.Fatalf("%d live of %d, %d scheduled, %d open: %v", len(got.Live.Items), got.Live.Total, got.Scheduled.Total, got.Open.Total, err)
			}
		}
		b.Run(fmt.Sprintf("MyAccess, history %d", history), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := f.Svc.MyAccess(as, 5)
				check(b, got, err)
			}
		})
		b.Run(fmt.Sprintf("the long way, history %d", history), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := myAccessTheLongWay(as, f.Svc, 5)
				check(b, got, err)
			}
		})
	}
}

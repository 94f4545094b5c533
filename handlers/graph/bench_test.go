package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// BenchmarkPackageAssignmentsFirstPage compares the first page of a package with 100,000
// assignments through the API ($filter=accessPackage/id eq '…'&$top=100, served by the package's
// index, JSON included) with the portal's Service call for the same page.
func BenchmarkPackageAssignmentsFirstPage(b *testing.B) {
	s := newAPI(b)
	cat := s.env.Catalog("Big")
	pkg := s.env.Package(cat, "Big package")
	pol := s.env.Policy(pkg)
	const n = 100_000
	for start := 0; start < n; start += 10_000 {
		s.env.Update(func(tx entitlement.Tx) error {
			for range 10_000 {
				a := entitlement.Assignment{
					ID: entitlement.NewID(), CatalogID: cat.ID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: entitlement.NewID(),
					AssignmentState: entitlement.AssignmentDelivered, AssignmentStatus: entitlement.StatusDelivered, CreatedDateTime: s.env.Clock.Now(),
				}
				if err := tx.Assignments().Put(a); err != nil {
					return err
				}
			}
			return nil
		})
	}
	path := "/beta" + em + "/accessPackageAssignments?$filter=" + url.QueryEscape("accessPackage/id eq '"+pkg.ID+"'") + "&$top=100"
	b.Run("api", func(b *testing.B) {
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+s.admin.ID)
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("service", func(b *testing.B) {
		p, err := s.env.Svc.PrincipalFor(context.Background(), s.admin.ID)
		if err != nil {
			b.Fatal(err)
		}
		ctx := entitlement.WithPrincipal(context.Background(), p)
		for b.Loop() {
			page, err := s.env.Svc.PackageAssignments(ctx, pkg.ID, entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: 100})
			if err != nil || len(page.Items) != 100 {
				b.Fatalf("%d items, %v", len(page.Items), err)
			}
		}
	})
}

// get serves one GET through the API's Echo as the user and fails the benchmark unless it is 200.
func (s *apiServer) get(b *testing.B, as entitlement.User, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/beta"+path, nil)
	req.Header.Set("Authorization", "Bearer "+as.ID)
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkApprovalsWaiting is the first page of 100 of a busy approver's approvals
// (accessPackageAssignmentApprovals?$top=100), 1,000 requests waiting for them among 10,000,
// each in its second stage after someone else approved the first, with the events and policy
// stages a real request carries; and the same page with $expand=request.
func BenchmarkApprovalsWaiting(b *testing.B) {
	const total, busyShare = 10_000, 10
	s := newAPI(b)
	cat := s.env.Catalog("Cat")
	pkg := s.env.Package(cat, "Package")
	pol := s.env.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(14, entitlementtest.ManagerOf(1)), entitlementtest.ApprovalStage(14, entitlementtest.ManagerOf(2))))
	busy, first := s.env.User("Busy Approver"), s.env.User("First Stage")
	now := s.env.Clock.Now()
	earlier, timeout := now.Add(-24*time.Hour), now.Add(14*24*time.Hour)
	s.env.Update(func(tx entitlement.Tx) error {
		for i := range total {
			approver := fmt.Sprintf("approver-%02d", i%busyShare)
			if i%busyShare == 0 {
				approver = busy.ID
			}
			who := entitlement.NewID()
			r := entitlement.Request{
				ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
				RequestStatus: entitlement.RequestStatusPendingApproval, Justification: "Needed for my work on the project.",
				CatalogID: cat.ID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: who, RequestorID: who,
				Stages: []entitlement.StageState{
					{Index: 1, Status: entitlement.StageApproved, StartedDateTime: &earlier, TimeoutDateTime: &timeout, Approvers: []string{first.ID},
						DecidedBy: first.ID, DecidedByName: "First Stage", Decision: entitlement.DecisionApprove, DecidedDateTime: &now, DecisionJustification: "fine by me"},
					{Index: 2, Status: entitlement.StagePending, StartedDateTime: &now, TimeoutDateTime: &timeout, Approvers: []string{approver}},
				},
				CurrentStage: 1, PolicyStages: pol.RequestApprovalSettings.ApprovalStages,
				Events: []entitlement.RequestEvent{
					{Kind: entitlement.EventSubmitted, At: earlier, ActorID: who, ActorName: "Someone", Detail: "Needed for my work on the project."},
					{Kind: entitlement.EventStageStarted, At: earlier, Stage: 1, ActorID: who, ActorName: "Someone", Detail: "asked First Stage"},
					{Kind: entitlement.EventApproved, At: now, Stage: 1, ActorID: first.ID, ActorName: "First Stage", Detail: "fine by me"},
					{Kind: entitlement.EventStageStarted, At: now, Stage: 2, ActorName: "Steward", Detail: "asked an approver"},
				},
				CreatedDateTime: earlier, DueDateTime: &timeout,
			}
			if err := tx.Requests().Put(r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, bc := range []struct{ name, query string }{
		{"top 100", "?$top=100"},
		{"top 100, expand request", "?$top=100&$expand=request"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.get(b, busy, em+"/accessPackageAssignmentApprovals"+bc.query)
			}
		})
	}
}

// BenchmarkUsers is the first page of 100 of the directory (users?$top=100) as an administrator,
// over 5,000 and 50,000 people: the page should cost the same for both.
func BenchmarkUsers(b *testing.B) {
	s := newAPI(b)
	have := 1
	for _, n := range []int{5_000, 50_000} {
		for have < n {
			s.env.Update(func(tx entitlement.Tx) error {
				for range min(10_000, n-have) {
					id := entitlement.NewID()
					u := entitlement.User{
						ID: id, DisplayName: fmt.Sprintf("Person %06d", have), Email: fmt.Sprintf("person%06d@corp.example", have),
						UserPrincipalName: fmt.Sprintf("person%06d@corp.example", have), UserType: entitlement.UserTypeMember, AccountEnabled: true,
						Department: "Finance", JobTitle: "Analyst", CreatedDateTime: s.env.Clock.Now(),
					}
					if err := tx.Users().Put(u); err != nil {
						return err
					}
					have++
				}
				return nil
			})
		}
		b.Run(fmt.Sprintf("top 100 of %d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.get(b, s.admin, "/users?$top=100")
			}
		})
	}
}

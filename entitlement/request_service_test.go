package entitlement_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func ptr[T any](v T) *T { return &v }

// world is a small tenant most request tests share.
type world struct {
	*entitlementtest.Env
	ada, bob, carol, dan, eve *entitlement.User // ada requests; bob approves; carol manages assignments; dan reads; eve is a guest
	partner                   entitlement.ConnectedOrganization
	cat                       entitlement.Catalog
	team                      entitlement.Group
	teamRes                   entitlement.Resource
	app                       entitlement.Resource
	teamPkg                   entitlement.AccessPackage // grants team membership
	open                      entitlement.AssignmentPolicy
	approved                  entitlement.AssignmentPolicy
	direct                    entitlement.AssignmentPolicy
}

func newWorld(t testing.TB) *world {
	w := &world{Env: entitlementtest.New(t)}
	bob := w.User("Bob Approver")
	ada := w.User("Ada Lovelace", entitlementtest.ManagedBy(bob))
	carol := w.User("Carol Manager")
	dan := w.User("Dan Reader")
	w.partner = w.org0()
	eve := w.User("Eve Guest", entitlementtest.GuestOf(w.partner.ID))
	w.ada, w.bob, w.carol, w.dan, w.eve = &ada, &bob, &carol, &dan, &eve
	w.cat = w.Catalog("Engineering", entitlementtest.WithCatalogRole(entitlement.RoleAssignmentManager, carol), entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, dan))
	w.team = w.Group("Team")
	w.teamRes = w.GroupResource(w.cat, w.team)
	w.app = w.AppResource(w.cat, "Ledger", "User", "Admin")
	w.teamPkg = w.Package(w.cat, "Team access", entitlementtest.Member(w.teamRes))
	w.open = w.Policy(w.teamPkg)
	w.approved = w.Policy(w.teamPkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(bob))))
	w.direct = w.Policy(w.teamPkg, entitlementtest.Scope(entitlement.ScopeNoSubjects))
	return w
}

func (w *world) org0() entitlement.ConnectedOrganization {
	return w.Org("Partner", entitlement.OrgConfigured, nil, nil)
}

func TestSubmitValidationFailures(t *testing.T) {
	w := newWorld(t)
	other := w.Package(w.cat, "Other")
	otherPol := w.Policy(other)
	closed := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) { p.RequestorSettings.AcceptRequests = false })
	justify := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) {
		p.RequestApprovalSettings.IsRequestorJustificationRequired = true
	})
	hiddenCat := w.Catalog("Internal only", func(c *entitlement.Catalog) { c.IsExternallyVisible = false })
	internalPkg := w.Package(hiddenCat, "Internal")
	internalPol := w.Policy(internalPkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectorySubjects))
	draftCat := w.Catalog("Draft", func(c *entitlement.Catalog) { c.CatalogStatus = entitlement.CatalogStatusUnpublished })
	draftPkg := w.Package(draftCat, "Draft package")
	draftPol := w.Policy(draftPkg)
	fixedEnd := w.Policy(w.teamPkg, func(p *entitlement.AssignmentPolicy) {
		p.DurationInDays = 0
		p.ExpirationDateTime = ptr(t0.Add(48 * time.Hour))
	})
	blocked := w.User("Blocked Person", entitlementtest.Disabled)
	held := w.User("Holder")
	w.RequestAccess(held, w.open)
	pending := w.User("Pending Person", entitlementtest.ManagedBy(*w.bob))
	w.RequestAccess(pending, w.approved)
	// An assignment that has ended, for the remove cases.
	gone := w.User("Gone")
	ended := w.RequestAccess(gone, w.open)
	if _, err := w.Svc.SubmitRequest(entitlementtest.As(gone), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: ended.AssignmentID}); err != nil {
		t.Fatal(err)
	}

	add := func(pol entitlement.AssignmentPolicy) entitlement.RequestInput {
		return entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID}
	}
	with := func(in entitlement.RequestInput, fn func(*entitlement.RequestInput)) entitlement.RequestInput {
		fn(&in)
		return in
	}
	var heldA string
	w.View(func(tx entitlement.Tx) error {
		a, err := tx.Assignments().Live(held.ID, w.teamPkg.ID)
		heldA = a.ID
		return err
	})

	tests := []struct {
		name  string
		as    entitlement.User
		admin bool
		in    entitlement.RequestInput
		code  string
		kind  error // nil for a *ValidationError
		field string
	}{
		{"unknown request type", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.RequestType = "UserGrab" }), "invalidRequestType", nil, "requestType"},
		{"system remove from outside", *w.ada, false, entitlement.RequestInput{RequestType: entitlement.RequestSystemRemove}, "invalidRequestType", nil, "requestType"},
		{"no package", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.AccessPackageID = "" }), "invalidRequest", nil, "accessPackageId"},
		{"no policy", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.PolicyID = "" }), "invalidRequest", nil, "assignmentPolicyId"},
		{"admin add without target", *w.carol, false, with(add(w.direct), func(in *entitlement.RequestInput) { in.RequestType = entitlement.RequestAdminAdd }), "invalidRequest", nil, "targetId"},
		{"missing package", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.AccessPackageID = entitlement.NewID() }), "accessPackageNotFound", entitlement.ErrNotFound, ""},
		{"missing policy", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.PolicyID = entitlement.NewID() }), "policyNotFound", entitlement.ErrNotFound, ""},
		{"policy of another package", *w.ada, false, with(add(otherPol), func(in *entitlement.RequestInput) { in.AccessPackageID = w.teamPkg.ID }), "policyMismatch", entitlement.ErrConflict, ""},
		{"unpublished catalog", *w.ada, false, add(draftPol), "catalogNotPublished", entitlement.ErrConflict, ""},
		{"policy closed", *w.ada, false, add(closed), "notAcceptingRequests", entitlement.ErrConflict, ""},
		{"not in scope", *w.ada, false, add(w.direct), "notInScope", entitlement.ErrForbidden, ""},
		{"guest on internal catalog", *w.eve, false, add(internalPol), "externalNotAllowed", entitlement.ErrForbidden, ""},
		{"justification missing", *w.ada, false, add(justify), "justificationRequired", nil, "justification"},
		{"justification too long", *w.ada, false, with(add(justify), func(in *entitlement.RequestInput) { in.Justification = strings.Repeat("x", 2001) }), "justificationTooLong", nil, "justification"},
		{"start in the past", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.Schedule.StartDateTime = ptr(t0.Add(-time.Hour)) }), "scheduleStartInPast", nil, "schedule.startDateTime"},
		{"end before start", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.StartDateTime = ptr(t0.Add(48 * time.Hour))
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: ptr(t0.Add(24 * time.Hour))}
		}), "scheduleEndBeforeStart", nil, "schedule.expiration.endDateTime"},
		{"end beyond policy duration", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: ptr(t0.AddDate(0, 0, 31))}
		}), "scheduleBeyondPolicy", nil, "schedule.expiration.endDateTime"},
		{"duration beyond policy", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "P60D"}
		}), "scheduleBeyondPolicy", nil, "schedule.expiration.endDateTime"},
		{"no end on a limited policy", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationNone}
		}), "scheduleBeyondPolicy", nil, "schedule.expiration.type"},
		{"start after the policy's fixed end", *w.ada, false, with(add(fixedEnd), func(in *entitlement.RequestInput) { in.Schedule.StartDateTime = ptr(t0.Add(72 * time.Hour)) }), "scheduleBeyondPolicy", nil, "schedule.startDateTime"},
		{"bad duration", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDuration, Duration: "30 days"}
		}), "invalidDuration", nil, "schedule.expiration.duration"},
		{"bad expiration type", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.Schedule.Expiration.Type = "whenever" }), "invalidExpirationType", nil, "schedule.expiration.type"},
		{"end date missing", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) {
			in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime}
		}), "endDateRequired", nil, "schedule.expiration.endDateTime"},
		{"open request exists", pending, false, add(w.approved), "duplicateRequest", entitlement.ErrConflict, ""},
		{"already assigned", held, false, add(w.open), "alreadyAssigned", entitlement.ErrConflict, ""},
		{"request for someone else", *w.ada, false, with(add(w.open), func(in *entitlement.RequestInput) { in.TargetID = w.bob.ID }), "requestForOthers", entitlement.ErrForbidden, ""},
		{"admin add by a requestor", *w.ada, false, with(add(w.direct), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = w.bob.ID
		}), "notAssignmentManager", entitlement.ErrForbidden, ""},
		{"admin add by a catalog reader", *w.dan, false, with(add(w.direct), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = w.bob.ID
		}), "notAssignmentManager", entitlement.ErrForbidden, ""},
		{"admin add of nobody", *w.carol, false, with(add(w.direct), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = entitlement.NewID()
		}), "targetNotFound", entitlement.ErrNotFound, ""},
		{"admin add of a blocked user", *w.carol, false, with(add(w.direct), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = blocked.ID
		}), "targetBlocked", entitlement.ErrConflict, ""},
		{"admin add through a closed policy", *w.carol, false, with(add(closed), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = w.bob.ID
		}), "notAcceptingRequests", entitlement.ErrConflict, ""},
		{"admin add of a holder", *w.carol, false, with(add(w.direct), func(in *entitlement.RequestInput) {
			in.RequestType = entitlement.RequestAdminAdd
			in.TargetID = held.ID
		}), "alreadyAssigned", entitlement.ErrConflict, ""},
		{"remove without assignment", *w.ada, false, entitlement.RequestInput{RequestType: entitlement.RequestUserRemove}, "invalidRequest", nil, "assignmentId"},
		{"remove a missing assignment", *w.ada, false, entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: entitlement.NewID()}, "assignmentNotFound", entitlement.ErrNotFound, ""},
		{"remove someone else's", *w.ada, false, entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: heldA}, "notYourAssignment", entitlement.ErrForbidden, ""},
		{"admin remove by a reader", *w.dan, false, entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: heldA}, "notAssignmentManager", entitlement.ErrForbidden, ""},
		{"remove ended access", gone, false, entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: ended.AssignmentID}, "assignmentNotLive", entitlement.ErrConflict, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := w.CountRequests()
			ctx := entitlementtest.As(tc.as)
			if tc.admin {
				ctx = entitlementtest.AsAdmin(tc.as)
			}
			_, err := w.Svc.SubmitRequest(ctx, tc.in)
			if err == nil {
				t.Fatalf("SubmitRequest succeeded; want %s", tc.code)
			}
			if got := entitlementtest.ErrCode(err); got != tc.code {
				t.Fatalf("code = %q (%v); want %q", got, err, tc.code)
			}
			if tc.kind == nil {
				var ve *entitlement.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("error %v is not a ValidationError", err)
				}
				if _, ok := ve.Fields[tc.field]; !ok {
					t.Fatalf("fields %v lack %q", ve.Fields, tc.field)
				}
			} else if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v is not %v", err, tc.kind)
			}
			if after := w.CountRequests(); after != before {
				t.Fatalf("a refused request wrote %d requests", after-before)
			}
		})
	}
	entitlementtest.CheckInvariants(t, w.Store)
}

func TestSubmitRequiresSignIn(t *testing.T) {
	w := newWorld(t)
	_, err := w.Svc.SubmitRequest(context.Background(), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.open.ID})
	if !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Fatalf("err = %v; want ErrUnauthorized", err)
	}
}

func TestValidationOnlyChecksWithoutWriting(t *testing.T) {
	w := newWorld(t)
	before := len(w.OutboxMessages())
	r, err := w.Svc.SubmitRequest(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.approved.ID, IsValidationOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsValidationOnly || r.ID != "" || r.RequestState != entitlement.StateSubmitted || r.RequestStatus != entitlement.RequestStatusAccepted {
		t.Fatalf("validation-only result = %+v", r)
	}
	if n := w.CountRequests(); n != 0 {
		t.Fatalf("%d requests stored", n)
	}
	if n := len(w.OutboxMessages()); n != before {
		t.Fatalf("outbox grew by %d", n-before)
	}
	// It still refuses what a real request would be refused for.
	_, err = w.Svc.SubmitRequest(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.teamPkg.ID, PolicyID: w.direct.ID, IsValidationOnly: true})
	if entitlementtest.ErrCode(err) != "notInScope" {
		t.Fatalf("validation-only of an out-of-scope request: %v", err)
	}
	// A real request afterwards goes through: the dry run held nothing.
	w.RequestAccess(*w.ada, w.open)
	// And a validation-only removal leaves the assignment alone.
	var a entitlement.Assignment
	w.View(func(tx entitlement.Tx) error { a, err = tx.Assignments().Live(w.ada.ID, w.teamPkg.ID); return err })
	if _, err := w.Svc.SubmitRequest(entitlementtest.As(*w.ada), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: a.ID, IsValidationOnly: true}); err != nil {
		t.Fatal(err)
	}
	if !w.Assignment(a.ID).IsLive() || !w.IsMember(w.team, *w.ada) {
		t.Fatal("validation-only removal ended the access")
	}
}

func TestRequestTransitions(t *testing.T) {
	type step func(w *world, r entitlement.Request) entitlement.Request
	approve := func(w *world, r entitlement.Request) entitlement.Request { return w.Decide(*w.bob, r, true) }
	deny := func(w *world, r entitlement.Request) entitlement.Request { return w.Decide(*w.bob, r, false) }
	tick := func(d time.Duration) step {
		return func(w *world, r entitlement.Request) entitlement.Request {
			w.Clock.Advance(d)
			w.Drain(w.Worker(entitlement.WorkerOptions{}))
			return w.Request(r.ID)
		}
	}
	cancel := func(w *world, r entitlement.Request) entitlement.Request {
		if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), r.ID); err != nil {
			w.T.Fatalf("cancel: %v", err)
		}
		return w.Request(r.ID)
	}
	tomorrow := t0.Add(24 * time.Hour)
	tests := []struct {
		name      string
		policy    func(w *world) entitlement.AssignmentPolicy
		in        func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput
		as        func(w *world) entitlement.User
		first     entitlement.RequestState // state right after submission
		steps     []step
		final     entitlement.RequestState
		status    string
		events    []string
		member    bool // ada is in the team group afterwards
		assigned  entitlement.AssignmentState
		completed bool
	}{
		{
			name: "no approval delivers at once", policy: func(w *world) entitlement.AssignmentPolicy { return w.open },
			first: entitlement.StateDelivered, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
		{
			name: "approval then delivery", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			first: entitlement.StatePendingApproval, steps: []step{approve}, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "StageStarted", "Approved", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
		{
			name: "denied", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			first: entitlement.StatePendingApproval, steps: []step{deny}, final: entitlement.StateDenied, status: entitlement.RequestStatusDenied,
			events: []string{"Submitted", "StageStarted", "Denied"}, completed: true,
		},
		{
			name: "canceled while pending", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			first: entitlement.StatePendingApproval, steps: []step{cancel}, final: entitlement.StateCanceled, status: entitlement.RequestStatusCanceled,
			events: []string{"Submitted", "StageStarted", "Canceled"}, completed: true,
		},
		{
			name: "timed out", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			first: entitlement.StatePendingApproval, steps: []step{tick(7*24*time.Hour + time.Second)}, final: entitlement.StateDenied, status: entitlement.RequestStatusTimedOut,
			events: []string{"Submitted", "StageStarted", "TimedOut", "Denied"}, completed: true,
		},
		{
			name: "future start waits, then delivers", policy: func(w *world) entitlement.AssignmentPolicy { return w.open },
			in: func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput {
				return entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, Schedule: entitlement.Schedule{StartDateTime: &tomorrow}}
			},
			first: entitlement.StateScheduled, steps: []step{tick(23 * time.Hour), tick(time.Hour)}, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "Scheduled", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
		{
			name: "canceled while scheduled", policy: func(w *world) entitlement.AssignmentPolicy { return w.open },
			in: func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput {
				return entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, Schedule: entitlement.Schedule{StartDateTime: &tomorrow}}
			},
			first: entitlement.StateScheduled, steps: []step{cancel, tick(48 * time.Hour)}, final: entitlement.StateCanceled, status: entitlement.RequestStatusCanceled,
			events: []string{"Submitted", "Scheduled", "Canceled"}, completed: true,
		},
		{
			name: "approval with a future start is scheduled", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			in: func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput {
				return entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, Schedule: entitlement.Schedule{StartDateTime: &tomorrow}}
			},
			first: entitlement.StatePendingApproval, steps: []step{approve, tick(25 * time.Hour)}, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "StageStarted", "Approved", "Scheduled", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
		{
			name: "admin add through a direct policy", policy: func(w *world) entitlement.AssignmentPolicy { return w.direct },
			in: func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput {
				return entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, TargetID: w.ada.ID}
			},
			as:    func(w *world) entitlement.User { return *w.carol },
			first: entitlement.StateDelivered, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
		{
			name: "admin add skips the policy's approval", policy: func(w *world) entitlement.AssignmentPolicy { return w.approved },
			in: func(w *world, pol entitlement.AssignmentPolicy) entitlement.RequestInput {
				return entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, TargetID: w.ada.ID}
			},
			as:    func(w *world) entitlement.User { return *w.carol },
			first: entitlement.StateDelivered, final: entitlement.StateDelivered, status: entitlement.RequestStatusFulfilled,
			events: []string{"Submitted", "Delivering", "Delivered"}, member: true, assigned: entitlement.AssignmentDelivered, completed: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			pol := tc.policy(w)
			in := entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID}
			if tc.in != nil {
				in = tc.in(w, pol)
			}
			as := *w.ada
			if tc.as != nil {
				as = tc.as(w)
			}
			r := w.Submit(entitlementtest.As(as), in)
			if r.RequestState != tc.first {
				t.Fatalf("after submit: state %s; want %s", r.RequestState, tc.first)
			}
			if got := w.Request(r.ID); !cmp.Equal(got, r) {
				t.Fatalf("returned request differs from the stored one: %s", cmp.Diff(got, r))
			}
			for _, s := range tc.steps {
				r = s(w, r)
			}
			r = w.Request(r.ID)
			if r.RequestState != tc.final || r.RequestStatus != tc.status {
				t.Fatalf("final: %s/%s; want %s/%s (%s)", r.RequestState, r.RequestStatus, tc.final, tc.status, r.StatusDetail)
			}
			if got := entitlementtest.EventKinds(r); !slices.Equal(got, tc.events) {
				t.Errorf("events %v; want %v", got, tc.events)
			}
			for _, e := range r.Events {
				if e.At.IsZero() || (e.ActorName == "") {
					t.Errorf("event %+v lacks when or who", e)
				}
			}
			if (r.CompletedDate != nil) != tc.completed {
				t.Errorf("completedDate = %v; want set = %v", r.CompletedDate, tc.completed)
			}
			if r.DueDateTime != nil && !r.IsOpen() {
				t.Errorf("final request still due at %v", r.DueDateTime)
			}
			if got := w.IsMember(w.team, *w.ada); got != tc.member {
				t.Errorf("member of team = %v; want %v", got, tc.member)
			}
			if tc.assigned != "" {
				a := w.Assignment(r.AssignmentID)
				if a.AssignmentState != tc.assigned || a.TargetID != w.ada.ID || a.ID != r.ID || a.PolicyID != pol.ID {
					t.Errorf("assignment %+v", a)
				}
				// 30 days from the start asked for, or else from delivery.
				start := a.Schedule.StartDateTime
				if asked := r.Schedule.StartDateTime; asked != nil {
					start = asked
				}
				if end := a.EndDateTime(); end == nil || !end.Equal(start.AddDate(0, 0, 30)) {
					t.Errorf("assignment ends %v; want 30 days after %v", end, start)
				}
			} else if r.AssignmentID != "" {
				t.Errorf("undelivered request has assignment %s", r.AssignmentID)
			}
			entitlementtest.CheckInvariants(t, w.Store)
		})
	}
}

func TestRemoveRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  string
		as   func(w *world) entitlement.User
	}{
		{"user gives back access", entitlement.RequestUserRemove, func(w *world) entitlement.User { return *w.ada }},
		{"assignment manager removes it", entitlement.RequestAdminRemove, func(w *world) entitlement.User { return *w.carol }},
		{"administrator removes it", entitlement.RequestAdminRemove, func(w *world) entitlement.User { return *w.dan }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			add := w.RequestAccess(*w.ada, w.open)
			w.Clock.Advance(time.Hour)
			ctx := entitlementtest.As(tc.as(w))
			if tc.name == "administrator removes it" {
				ctx = entitlementtest.AsAdmin(tc.as(w))
			}
			r, err := w.Svc.SubmitRequest(ctx, entitlement.RequestInput{RequestType: tc.typ, AssignmentID: add.AssignmentID, Justification: "done"})
			if err != nil {
				t.Fatal(err)
			}
			if r.RequestType != tc.typ || r.RequestState != entitlement.StateDelivered || r.AssignmentID != add.AssignmentID || r.CompletedDate == nil {
				t.Fatalf("remove request %+v", r)
			}
			if got := entitlementtest.EventKinds(r); !slices.Equal(got, []string{"Submitted", "Removed", "Delivered"}) {
				t.Errorf("events %v", got)
			}
			a := w.Assignment(add.AssignmentID)
			if a.IsLive() || a.AssignmentStatus != entitlement.StatusRemoved || a.EndedDateTime == nil || !a.EndedDateTime.Equal(w.Clock.Now()) {
				t.Fatalf("assignment after removal %+v", a)
			}
			if w.IsMember(w.team, *w.ada) {
				t.Fatal("still a member of the team")
			}
			if len(w.Notifications(entitlement.NotifyAssignmentRemoved)) != 1 {
				t.Error("no removal notification")
			}
			// Access can be requested again afterwards.
			again := w.RequestAccess(*w.ada, w.open)
			if again.RequestState != entitlement.StateDelivered || again.AssignmentID == add.AssignmentID {
				t.Fatalf("request after removal: %+v", again)
			}
			entitlementtest.CheckInvariants(t, w.Store)
		})
	}
}

func TestCancelRules(t *testing.T) {
	w := newWorld(t)
	r := w.RequestAccess(*w.ada, w.approved)
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.bob), r.ID); entitlementtest.ErrCode(err) != "notYourRequest" || !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("cancel by the approver: %v", err)
	}
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), entitlement.NewID()); entitlementtest.ErrCode(err) != "requestNotFound" {
		t.Fatalf("cancel of a missing request: %v", err)
	}
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), r.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), r.ID); entitlementtest.ErrCode(err) != "notCancelable" || !errors.Is(err, entitlement.ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	got := w.Request(r.ID)
	if got.Stages[0].Status != entitlement.StageCanceled || len(got.PendingApprovers()) != 0 {
		t.Fatalf("canceled request stages %+v", got.Stages)
	}
	if page, _ := w.Svc.WaitingForMe(entitlementtest.As(*w.bob), entitlement.ListOptions{}); page.Total != 0 {
		t.Fatalf("canceled request still waits for the approver: %d", page.Total)
	}
	d := w.RequestAccess(*w.ada, w.open)
	if err := w.Svc.CancelRequest(entitlementtest.As(*w.ada), d.ID); entitlementtest.ErrCode(err) != "notCancelable" {
		t.Fatalf("cancel of a delivered request: %v", err)
	}
}

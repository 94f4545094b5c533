package entitlement_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestSchedulesBeyondYear9999AreRefused checks that a schedule or policy naming a time Steward
// cannot store (JSON and RFC 3339 end at year 9999) is refused with a field error, instead of a
// 500 that leaks an encoder message, and that a duration cannot overflow by repeating a unit.
func TestSchedulesBeyondYear9999AreRefused(t *testing.T) {
	f := entitlementtest.New(t)
	requestor := f.User("Requestor")
	cat := f.Catalog("Catalog")
	far := time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	nearEnd := time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		schedule entitlement.Schedule
		days     int // the policy's duration
		field    string
	}{
		{"end after year 9999", entitlement.Schedule{Expiration: entitlement.Expiration{EndDateTime: &far}}, 0, "schedule.expiration.endDateTime"},
		{"start after year 9999", entitlement.Schedule{StartDateTime: &far}, 0, "schedule.startDateTime"},
		{"duration past year 9999", entitlement.Schedule{Expiration: entitlement.Expiration{Duration: "P99999Y"}}, 0, "schedule.expiration.duration"},
		{"policy duration past year 9999", entitlement.Schedule{StartDateTime: &nearEnd}, 90, "schedule.expiration.endDateTime"},
		{"a unit named twice", entitlement.Schedule{Expiration: entitlement.Expiration{Duration: "PT" + strings.Repeat("100000H", 30)}}, 0, "schedule.expiration.duration"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkg := f.Package(cat, "Package "+string(rune('A'+i)))
			pol := f.Policy(pkg, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = tc.days })
			r, err := f.Svc.SubmitRequest(entitlementtest.As(requestor), entitlement.RequestInput{
				RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID, Schedule: tc.schedule,
			})
			var ve *entitlement.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("submit: %s, %v; want a field error on %s", r.RequestState, err, tc.field)
			}
		})
	}

	t.Run("extension past year 9999", func(t *testing.T) {
		pkg := f.Package(cat, "Extensible")
		pol := f.Policy(pkg, func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
		r := f.RequestAccess(requestor, pol)
		pol.DurationInDays = 0
		pol.CanExtend = true
		pol.ExpirationDateTime = nil
		f.Update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
		f.Clock.Advance(20 * 24 * time.Hour) // extending opens 14 days before the end
		_, err := f.Svc.ExtendAssignment(entitlementtest.As(requestor), r.AssignmentID, "", entitlement.Schedule{Expiration: entitlement.Expiration{Duration: "P99999Y"}})
		var ve *entitlement.ValidationError
		if !errors.As(err, &ve) || ve.Fields["schedule.expiration.duration"] == "" {
			t.Fatalf("extend: %v; want a field error on the duration", err)
		}
	})

	t.Run("policy", func(t *testing.T) {
		pf := newFixture(t)
		for _, tc := range []struct {
			name, field string
			edit        func(*entitlement.PolicyInput)
		}{
			{"expiration after year 9999", "expirationDateTime", func(in *entitlement.PolicyInput) { in.DurationInDays = 0; in.ExpirationDateTime = &far }},
			{"first review after year 9999", "accessReviewSettings.startDateTime", func(in *entitlement.PolicyInput) {
				in.AccessReviewSettings = &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerSelf, DurationInDays: 14, StartDateTime: &far}
			}},
		} {
			in := entitlement.PolicyInput{
				AccessPackageID: pf.pkgA.ID, DisplayName: "Far " + tc.name, DurationInDays: 30,
				RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
				RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
			}
			tc.edit(&in)
			_, err := pf.Svc.CreatePolicy(rootAdmin, in)
			var ve *entitlement.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Errorf("%s: %v; want a field error on %s", tc.name, err, tc.field)
			}
		}
	})
}

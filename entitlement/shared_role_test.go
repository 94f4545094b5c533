package entitlement_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// originSystem is a fake target system: it keeps which roles each subject holds, and fails the
// first removal it is asked for.
type originSystem struct {
	mu          sync.Mutex
	held        map[string]bool
	failRemoval bool
}

func (o *originSystem) Provision(_ context.Context, a entitlement.ProvisionAction) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := a.SubjectID + "|" + a.OriginSystem + "|" + a.OriginID + "|" + a.RoleOriginID
	if a.Op == entitlement.ProvisionRemove {
		if o.failRemoval {
			o.failRemoval = false
			return errors.New("connector unavailable")
		}
		delete(o.held, key)
		return nil
	}
	o.held[key] = true
	return nil
}

func (o *originSystem) holds(n int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.held) == n
}

// TestSharedOriginRoleSurvivesALateRemoval checks the ref-count across catalogs that onboard the
// same application: when one catalog's grant ends and another catalog grants the same role to
// the same person before the (retried) removal goes out, the removal must not take the role away
// in the origin system while Steward shows it fulfilled.
func TestSharedOriginRoleSurvivesALateRemoval(t *testing.T) {
	f := entitlementtest.New(t)
	ada := f.User("Ada")
	one, two := f.Catalog("One"), f.Catalog("Two")
	pkg1 := f.Package(one, "Ledger via one", entitlementtest.Role(f.AppResource(one, "Ledger", "User"), "User"))
	pkg2 := f.Package(two, "Ledger via two", entitlementtest.Role(f.AppResource(two, "Ledger", "User"), "User"))
	pol1, pol2 := f.Policy(pkg1), f.Policy(pkg2)
	origin := &originSystem{held: map[string]bool{}}
	wk := f.Worker(entitlement.WorkerOptions{Provisioner: origin, RetryBase: time.Minute})

	r1 := f.RequestAccess(ada, pol1)
	f.Drain(wk)
	if !origin.holds(1) {
		t.Fatalf("the role was not provisioned: %v", origin.held)
	}
	origin.failRemoval = true
	if _, err := f.Svc.SubmitRequest(entitlementtest.As(ada), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: r1.AssignmentID}); err != nil {
		t.Fatal(err)
	}
	if _, err := wk.Tick(bg); err != nil { // the removal fails and waits for its retry
		t.Fatal(err)
	}
	r2 := f.RequestAccess(ada, pol2)
	f.Drain(wk)
	f.Clock.Advance(time.Hour) // past the removal's backoff
	f.Drain(wk)

	if !origin.holds(1) {
		t.Fatalf("the origin system no longer grants the role, though assignment %s still holds it", r2.AssignmentID)
	}
	roles, err := f.Svc.AssignmentRolesOf(entitlementtest.As(ada), r2.AssignmentID)
	if err != nil || len(roles) != 1 || roles[0].Status != entitlement.RoleStatusFulfilled {
		t.Fatalf("roles of the second assignment: %+v, %v", roles, err)
	}
	entitlementtest.CheckInvariants(t, f.Store)
}

package entitlement_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
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
	f := newEngineFixture(t)
	ada := f.user("Ada")
	one, two := f.catalog("One"), f.catalog("Two")
	pkg1 := f.pkg(one, "Ledger via one", grant{f.appResource(one, "Ledger", "User"), "User"})
	pkg2 := f.pkg(two, "Ledger via two", grant{f.appResource(two, "Ledger", "User"), "User"})
	pol1, pol2 := f.policy(pkg1), f.policy(pkg2)
	origin := &originSystem{held: map[string]bool{}}
	wk := f.worker(entitlement.WorkerOptions{Provisioner: origin, RetryBase: time.Minute})

	r1 := f.requestAccess(ada, pol1)
	f.drain(wk)
	if !origin.holds(1) {
		t.Fatalf("the role was not provisioned: %v", origin.held)
	}
	origin.failRemoval = true
	if _, err := f.svc.SubmitRequest(f.as(ada), entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: r1.AssignmentID}); err != nil {
		t.Fatal(err)
	}
	if _, err := wk.Tick(ctxBG); err != nil { // the removal fails and waits for its retry
		t.Fatal(err)
	}
	r2 := f.requestAccess(ada, pol2)
	f.drain(wk)
	f.clock.Advance(time.Hour) // past the removal's backoff
	f.drain(wk)

	if !origin.holds(1) {
		t.Fatalf("the origin system no longer grants the role, though assignment %s still holds it", r2.AssignmentID)
	}
	roles, err := f.svc.AssignmentRolesOf(f.as(ada), r2.AssignmentID)
	if err != nil || len(roles) != 1 || roles[0].Status != entitlement.RoleStatusFulfilled {
		t.Fatalf("roles of the second assignment: %+v, %v", roles, err)
	}
	checkInvariants(t, f.st)
}

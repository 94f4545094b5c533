package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestDescribeDecidesOnStoredRecords checks that DescribeRequests and DescribeAssignments judge
// (and show) the stored request or assignment, not the copy handed in: a copy edited to name the
// caller must not reveal whom someone else's request went to.
func TestDescribeDecidesOnStoredRecords(t *testing.T) {
	w := newWorld(t)
	stranger := w.User("Stranger")
	r := w.RequestAccess(*w.ada, w.approved) // waits for Bob
	other := w.Package(w.cat, "Other", entitlementtest.Member(w.teamRes))
	d := w.RequestAccess(*w.ada, w.Policy(other)) // delivered at once

	forged := r
	forged.RequestorID, forged.TargetID = stranger.ID, stranger.ID
	views, err := w.Svc.DescribeRequests(entitlementtest.As(stranger), []entitlement.Request{forged})
	if !errors.Is(err, entitlement.ErrNotFound) {
		t.Fatalf("forged request: %d views, %v; want ErrNotFound", len(views), err)
	}
	if _, err := w.Svc.DescribeRequests(entitlementtest.As(stranger), []entitlement.Request{{ID: entitlement.NewID(), TargetID: stranger.ID}}); !errors.Is(err, entitlement.ErrNotFound) {
		t.Fatalf("made-up request: %v; want ErrNotFound", err)
	}
	// The rightful reader gets the stored state, whatever the copy says.
	stale := r
	stale.RequestState = entitlement.StateDelivered
	views, err = w.Svc.DescribeRequests(entitlementtest.As(*w.ada), []entitlement.Request{stale})
	if err != nil || len(views) != 1 || views[0].RequestState != entitlement.StatePendingApproval || views[0].Person(w.bob.ID).Name != w.bob.DisplayName {
		t.Fatalf("own request: %+v, %v", views, err)
	}

	a := w.Assignment(d.AssignmentID)
	edited := a
	edited.AssignmentState = entitlement.AssignmentExpired
	av, err := w.Svc.DescribeAssignments(entitlementtest.As(*w.ada), []entitlement.Assignment{edited})
	if err != nil || len(av) != 1 || av[0].AssignmentState != entitlement.AssignmentDelivered || len(av[0].Roles) != 1 {
		t.Fatalf("own assignment: %+v, %v", av, err)
	}
	if _, err := w.Svc.DescribeAssignments(entitlementtest.As(stranger), []entitlement.Assignment{a}); !errors.Is(err, entitlement.ErrNotFound) {
		t.Fatalf("someone else's assignment: %v; want ErrNotFound", err)
	}
}

// TestRequestorsSeeOnlyPublicCatalogFields checks that the self-service reads (RequestablePackages,
// PackageOffer) do not hand requestors, guests included, the catalog's role members or the
// e-mail addresses of who created and changed it.
func TestRequestorsSeeOnlyPublicCatalogFields(t *testing.T) {
	w := newWorld(t) // the catalog names Carol (assignment manager) and Dan (reader)
	w.Policy(w.Package(w.cat, "Partner desk"), entitlementtest.Scope(entitlement.ScopeAllExternalSubjects))
	w.Update(func(tx entitlement.Tx) error {
		c, err := tx.Catalogs().Get(w.cat.ID)
		if err != nil {
			return err
		}
		c.CreatedBy, c.ModifiedBy = "owner@corp.example", "owner@corp.example"
		return tx.Catalogs().Put(c)
	})
	check := func(who string, c entitlement.Catalog) {
		t.Helper()
		if len(c.Roles) != 0 || c.CreatedBy != "" || c.ModifiedBy != "" {
			t.Errorf("%s sees roles %+v, createdBy %q, modifiedBy %q", who, c.Roles, c.CreatedBy, c.ModifiedBy)
		}
		if c.ID != w.cat.ID || c.DisplayName != w.cat.DisplayName {
			t.Errorf("%s sees catalog %q %q", who, c.ID, c.DisplayName)
		}
	}
	for _, u := range []entitlement.User{*w.ada, *w.eve} {
		page, err := w.Svc.RequestablePackages(entitlementtest.As(u), entitlement.RequestableFilter{}, entitlement.ListOptions{})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("requestable packages of %s: %+v, %v", u.DisplayName, page, err)
		}
		for _, rp := range page.Items {
			check(u.DisplayName+" in the package list", rp.Catalog)
		}
	}
	offer, err := w.Svc.PackageOffer(entitlementtest.As(*w.ada), w.teamPkg.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("Ada on the package page", offer.Catalog)
}

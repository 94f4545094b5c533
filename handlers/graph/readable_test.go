package graph_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// readers is a tenant with one of each kind of reader of requests and the requests each may
// read, written straight to the store so that every kind comes several times, interleaved.
type readers struct {
	s                                    *apiServer
	rita, gina, alice, olga, avery, otto entitlement.User
	alpha, beta, gamma                   entitlement.Catalog
	pkgAlpha, pkgBeta, pkgGamma          entitlement.AccessPackage
	all                                  []entitlement.Request
	sees                                 map[string][]string // reader id → request ids, oldest first
	seesAssignments                      map[string][]string
	delivered, aliceBeta                 []string // Alice's delivered requests; hers of Beta's package
}

func newReaders(t *testing.T) *readers {
	s := newAPI(t)
	env := s.env
	rd := &readers{s: s, sees: map[string][]string{}, seesAssignments: map[string][]string{}}
	rd.rita, rd.gina = env.User("Rita Reader"), env.User("Gina Group")
	rd.alice, rd.olga, rd.avery, rd.otto = env.User("Alice"), env.User("Olga On-behalf"), env.User("Avery Approver"), env.User("Otto Outsider")
	managers := env.Group("Beta managers", rd.gina)
	rd.alpha = env.Catalog("Alpha", entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, rd.rita))
	rd.beta = env.Catalog("Beta", func(c *entitlement.Catalog) {
		c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: entitlement.RoleAccessPackageManager, PrincipalID: managers.ID, PrincipalType: entitlement.PrincipalGroup})
	})
	rd.gamma = env.Catalog("Gamma")
	rd.pkgAlpha, rd.pkgBeta, rd.pkgGamma = env.Package(rd.alpha, "Alpha access"), env.Package(rd.beta, "Beta access"), env.Package(rd.gamma, "Gamma access")
	stranger := env.User("Sam Stranger")

	type kind struct {
		pkg     entitlement.AccessPackage
		target  entitlement.User
		by      entitlement.User // requestor
		stage   *entitlement.StageState
		state   entitlement.RequestState
		readers []entitlement.User // besides administrators
	}
	kinds := []kind{
		{pkg: rd.pkgGamma, target: rd.alice, by: rd.alice, state: entitlement.StateDelivered, readers: []entitlement.User{rd.alice}},
		{pkg: rd.pkgAlpha, target: stranger, by: stranger, state: entitlement.StateDenied, readers: []entitlement.User{rd.rita}},
		{pkg: rd.pkgGamma, target: stranger, by: rd.olga, state: entitlement.StateDelivered, readers: []entitlement.User{rd.olga}},
		{pkg: rd.pkgBeta, target: rd.alice, by: rd.alice, state: entitlement.StatePendingApproval, stage: &entitlement.StageState{Approvers: []string{rd.avery.ID}},
			readers: []entitlement.User{rd.alice, rd.avery, rd.gina}},
		{pkg: rd.pkgGamma, target: stranger, by: stranger, state: entitlement.StatePendingApproval,
			stage: &entitlement.StageState{Approvers: []string{rd.otto.ID}, EscalationApprovers: []string{rd.avery.ID}, Escalated: true}, readers: []entitlement.User{rd.avery, rd.otto}},
		{pkg: rd.pkgGamma, target: stranger, by: stranger, state: entitlement.StateDenied,
			stage: &entitlement.StageState{Approvers: []string{rd.otto.ID}, DecidedBy: rd.avery.ID}, readers: []entitlement.User{rd.avery, rd.otto}},
		// Asked to escalate a stage that did not escalate: not yet theirs to read.
		{pkg: rd.pkgGamma, target: stranger, by: stranger, state: entitlement.StatePendingApproval,
			stage: &entitlement.StageState{Approvers: []string{}, EscalationApprovers: []string{rd.avery.ID}}},
		{pkg: rd.pkgGamma, target: stranger, by: stranger, state: entitlement.StateDelivered},
		{pkg: rd.pkgAlpha, target: rd.alice, by: rd.olga, state: entitlement.StateDelivered, readers: []entitlement.User{rd.alice, rd.olga, rd.rita}},
	}
	s.env.Update(func(tx entitlement.Tx) error {
		for range 4 {
			for _, k := range kinds {
				r := entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestAdminAdd, RequestState: k.state, CatalogID: k.pkg.CatalogID,
					AccessPackageID: k.pkg.ID, TargetID: k.target.ID, RequestorID: k.by.ID, IsValidationOnly: true, CreatedDateTime: s.env.Clock.Now()}
				if k.stage != nil {
					r.Stages = []entitlement.StageState{*k.stage}
				}
				if err := tx.Requests().Put(r); err != nil {
					return err
				}
				rd.all = append(rd.all, r)
				for _, u := range k.readers {
					rd.sees[u.ID] = append(rd.sees[u.ID], r.ID)
				}
				if k.state == entitlement.StateDelivered && k.target.ID == rd.alice.ID {
					rd.delivered = append(rd.delivered, r.ID)
				}
				if k.pkg.ID == rd.pkgBeta.ID && k.target.ID == rd.alice.ID {
					rd.aliceBeta = append(rd.aliceBeta, r.ID)
				}
			}
			for _, a := range []struct {
				pkg     entitlement.AccessPackage
				target  entitlement.User
				readers []entitlement.User
			}{
				{rd.pkgAlpha, stranger, []entitlement.User{rd.rita}},
				{rd.pkgGamma, rd.alice, []entitlement.User{rd.alice}},
				{rd.pkgGamma, stranger, nil},
				{rd.pkgBeta, rd.alice, []entitlement.User{rd.alice, rd.gina}},
			} {
				as := entitlement.Assignment{ID: entitlement.NewID(), CatalogID: a.pkg.CatalogID, AccessPackageID: a.pkg.ID, TargetID: a.target.ID,
					AssignmentState: entitlement.AssignmentExpired, CreatedDateTime: s.env.Clock.Now()}
				if err := tx.Assignments().Put(as); err != nil {
					return err
				}
				for _, u := range a.readers {
					rd.seesAssignments[u.ID] = append(rd.seesAssignments[u.ID], as.ID)
				}
			}
		}
		return nil
	})
	return rd
}

// TestRequestsEachReaderReads checks that every kind of reader who is not an administrator
// pages through exactly the requests they may read (as target, as requestor, as approver asked
// or deciding, as reader of a catalog directly or through a group), in order, both ways, with a
// count, and that nobody reads more; the administrator reads everything.
func TestRequestsEachReaderReads(t *testing.T) {
	rd := newReaders(t)
	s := rd.s
	var everything []string
	for _, r := range rd.all {
		everything = append(everything, r.ID)
	}
	cases := []struct {
		who  entitlement.User
		want []string
	}{
		{rd.rita, rd.sees[rd.rita.ID]},
		{rd.gina, rd.sees[rd.gina.ID]},
		{rd.alice, rd.sees[rd.alice.ID]},
		{rd.olga, rd.sees[rd.olga.ID]},
		{rd.avery, rd.sees[rd.avery.ID]},
		{rd.otto, rd.sees[rd.otto.ID]},
		{s.admin, everything},
		{s.env.User("Nobody"), nil},
	}
	for _, c := range cases {
		for _, top := range []string{"1", "3", "999"} {
			got, _ := walk(t, s, c.who, em+"/accessPackageAssignmentRequests?$top="+top)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s, $top=%s: %d requests %v, want %d %v", c.who.DisplayName, top, len(got), got, len(c.want), c.want)
			}
		}
		got, _ := walk(t, s, c.who, em+"/accessPackageAssignmentRequests?$top=2&$orderby="+url.QueryEscape("createdDateTime desc"))
		newest := slices.Clone(c.want)
		slices.Reverse(newest)
		if !slices.Equal(got, newest) {
			t.Errorf("%s, newest first: %v, want %v", c.who.DisplayName, got, newest)
		}
		r := s.do(c.who, "GET", em+"/accessPackageAssignmentRequests?$top=2&$count=true", nil).want(t, http.StatusOK)
		if r.Body["@odata.count"] != float64(len(c.want)) {
			t.Errorf("%s: @odata.count = %v, want %d", c.who.DisplayName, r.Body["@odata.count"], len(c.want))
		}
		// What they may not read is not there by id either.
		for _, req := range rd.all {
			r := s.do(c.who, "GET", em+"/accessPackageAssignmentRequests/"+req.ID, nil)
			if (r.Status == http.StatusOK) != slices.Contains(c.want, req.ID) {
				t.Errorf("%s reads request %s by id: %d", c.who.DisplayName, req.ID, r.Status)
			}
		}
	}
}

// TestRequestsReadableFilteredAndCounted combines filters with the readable lists: a filter on
// what the indexes hold, a package the caller cannot list whole, and an unknown package, with
// @odata.count where the answer is known.
func TestRequestsReadableFilteredAndCounted(t *testing.T) {
	rd := newReaders(t)
	s := rd.s
	list := em + "/accessPackageAssignmentRequests?$count=true&$filter="
	for _, c := range []struct {
		name   string
		who    entitlement.User
		filter string
		want   []string
	}{
		{"Alice's delivered requests", rd.alice, "requestState eq 'Delivered'", rd.delivered},
		{"Alice's requests of a package she cannot list", rd.alice, "accessPackage/id eq '" + rd.pkgBeta.ID + "'", rd.aliceBeta},
		{"a package Otto cannot list, none his", rd.otto, "accessPackage/id eq '" + rd.pkgAlpha.ID + "'", nil},
		{"an unknown package, for the administrator", s.admin, "accessPackage/id eq '" + entitlement.NewID() + "'", nil},
		{"an unknown package, for Alice", rd.alice, "accessPackage/id eq '" + entitlement.NewID() + "'", nil},
		{"Gina's requests of a package of her catalog", rd.gina, "accessPackage/id eq '" + rd.pkgBeta.ID + "'", rd.sees[rd.gina.ID]},
		{"Alice's own, by target", rd.alice, "target/objectId eq '" + rd.alice.ID + "'", rd.aliceTargets()},
		{"an unknown id", rd.alice, "id eq '" + entitlement.NewID() + "'", nil},
	} {
		r := s.do(c.who, "GET", list+url.QueryEscape(c.filter), nil).want(t, http.StatusOK)
		if r.Body["@odata.count"] != float64(len(c.want)) {
			t.Errorf("%s: @odata.count = %v, want %d", c.name, r.Body["@odata.count"], len(c.want))
		}
		got, _ := walk(t, s, c.who, em+"/accessPackageAssignmentRequests?$top=2&$filter="+url.QueryEscape(c.filter))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func (rd *readers) aliceTargets() []string {
	var out []string
	for _, r := range rd.all {
		if r.TargetID == rd.alice.ID {
			out = append(out, r.ID)
		}
	}
	return out
}

// TestRequestsReadableNextLinkAfterNewRequests follows a reader's nextLink after requests were
// added: the pages go on where they stopped, every request once, the new one at the end.
func TestRequestsReadableNextLinkAfterNewRequests(t *testing.T) {
	rd := newReaders(t)
	s := rd.s
	first := s.do(rd.avery, "GET", em+"/accessPackageAssignmentRequests?$top=5", nil).want(t, http.StatusOK)
	var got []string
	for _, v := range first.values(t) {
		got = append(got, str(t, v, "id"))
	}
	added := entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StatePendingApproval,
		CatalogID: rd.gamma.ID, AccessPackageID: rd.pkgGamma.ID, TargetID: rd.otto.ID, RequestorID: rd.otto.ID, CreatedDateTime: s.env.Clock.Now(),
		Stages: []entitlement.StageState{{Approvers: []string{rd.avery.ID}}}}
	s.env.Update(func(tx entitlement.Tx) error { return tx.Requests().Put(added) })
	rest, _ := walk(t, s, rd.avery, first.Body["@odata.nextLink"].(string))
	got = append(got, rest...)
	if want := append(slices.Clone(rd.sees[rd.avery.ID]), added.ID); !slices.Equal(got, want) {
		t.Errorf("pages across a new request: %v, want %v", got, want)
	}
}

// TestAssignmentsEachReaderReads checks the assignments collection the same way: a reader of a
// catalog (directly or through a group) and a holder page through what they may read, counted.
func TestAssignmentsEachReaderReads(t *testing.T) {
	rd := newReaders(t)
	s := rd.s
	for _, who := range []entitlement.User{rd.rita, rd.gina, rd.alice, rd.otto} {
		want := rd.seesAssignments[who.ID]
		got, _ := walk(t, s, who, em+"/accessPackageAssignments?$top=3")
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", who.DisplayName, got, want)
		}
		r := s.do(who, "GET", em+"/accessPackageAssignments?$top=1&$count=true", nil).want(t, http.StatusOK)
		if r.Body["@odata.count"] != float64(len(want)) {
			t.Errorf("%s: @odata.count = %v, want %d", who.DisplayName, r.Body["@odata.count"], len(want))
		}
	}
	r := s.do(s.admin, "GET", em+"/accessPackageAssignments?$count=true&$filter="+url.QueryEscape("accessPackage/id eq '"+entitlement.NewID()+"'"), nil).want(t, http.StatusOK)
	if r.Body["@odata.count"] != float64(0) || len(r.values(t)) != 0 {
		t.Errorf("assignments of an unknown package: %s", r.Raw)
	}
}

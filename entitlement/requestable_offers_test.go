package entitlement_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestRequestableMatchesRules builds a varied tenant at random (every scope type, named users,
// groups and organizations, hidden packages, unpublished and internal catalogs, policies that do
// not accept requests, policies found through both indexes, policies naming a catalog other than
// their package's) and checks that RequestablePackages and FindRequestableCatalogs give, for every
// kind of person, exactly what the rules say when applied to every package and policy one by
// one: the same packages in name order, with the same policies, under each filter, page by page
// forward and back with the cursors Window gives; and again after configuration changes, which
// the per-version offers must follow.
func TestRequestableMatchesRules(t *testing.T) {
	f := entitlementtest.New(t)
	rnd := rand.New(rand.NewSource(7))
	configured := f.Org("Configured", entitlement.OrgConfigured, nil, nil)
	proposed := f.Org("Proposed", entitlement.OrgProposed, nil, nil)
	orgs := []entitlement.ConnectedOrganization{configured, proposed}
	people := []entitlement.User{
		f.User("Ada"), f.User("Ben"), f.User("Cy"),
		f.User("Gus", entitlementtest.GuestOf(configured.ID)),
		f.User("Gil", entitlementtest.GuestOf(proposed.ID)),
		f.User("Gia", entitlementtest.GuestOf("")),
		f.User("Bot", func(u *entitlement.User) { u.Kind = entitlement.KindServiceAccount }),
	}
	groups := []entitlement.Group{
		f.Group("One", people[0], people[3]),
		f.Group("Two", people[1], people[4], people[6]),
	}
	var catalogs []entitlement.Catalog
	for i := range 4 {
		catalogs = append(catalogs, f.Catalog(fmt.Sprintf("Catalog %d", i), func(c *entitlement.Catalog) {
			c.IsExternallyVisible = i != 1
			if i == 2 {
				c.CatalogStatus = entitlement.CatalogStatusUnpublished
			}
		}))
	}
	scopes := []string{
		entitlement.ScopeNoSubjects, entitlement.ScopeSpecificDirectorySubjects, entitlement.ScopeAllExistingDirectoryMembers,
		entitlement.ScopeAllExistingDirectorySubjects, entitlement.ScopeSpecificConnectedOrgSubjects,
		entitlement.ScopeAllConfiguredConnectedOrgs, "AllExistingConnectedOrganizationSubjects", entitlement.ScopeAllExternalSubjects,
	}
	someSets := func() []entitlement.UserSet {
		var sets []entitlement.UserSet
		for range rnd.Intn(3) {
			switch rnd.Intn(3) {
			case 0:
				sets = append(sets, entitlementtest.Single(people[rnd.Intn(len(people))]))
			case 1:
				sets = append(sets, entitlementtest.GroupSet(groups[rnd.Intn(len(groups))]))
			default:
				sets = append(sets, entitlementtest.OrgSet(orgs[rnd.Intn(len(orgs))]))
			}
		}
		return sets
	}
	words := []string{"alpha", "Beta", "gamma", "delta", "Alpha"}
	var pkgs []entitlement.AccessPackage
	for i := range 60 {
		c := catalogs[rnd.Intn(len(catalogs))]
		hidden := rnd.Intn(8) == 0
		// Names repeat in places, so that the order falls back on ids.
		name := fmt.Sprintf("%s %d", words[rnd.Intn(len(words))], i%25)
		pkgs = append(pkgs, f.PackageWith(c, name, func(p *entitlement.AccessPackage) {
			p.IsHidden = hidden
			p.Description = words[rnd.Intn(len(words))] + " access"
		}))
	}
	var policies []entitlement.AssignmentPolicy
	for _, p := range pkgs {
		for range rnd.Intn(4) {
			// Scope-type policies also name requestors at times: they are then in both indexes.
			pol := f.Policy(p, entitlementtest.Scope(scopes[rnd.Intn(len(scopes))], someSets()...), func(pol *entitlement.AssignmentPolicy) {
				pol.RequestorSettings.AcceptRequests = rnd.Intn(6) != 0
				pol.DisplayName = "Policy " + words[rnd.Intn(len(words))]
				// A few name a catalog other than their package's: the catalog filter leaves
				// them out.
				if rnd.Intn(6) == 0 {
					pol.CatalogID = catalogs[rnd.Intn(len(catalogs))].ID
				}
			})
			policies = append(policies, pol)
		}
	}

	check := func(stage string) {
		t.Helper()
		var pols []entitlement.AssignmentPolicy
		var packages []entitlement.AccessPackage
		cats := map[string]entitlement.Catalog{}
		memberships := map[string][]string{}
		f.View(func(tx entitlement.Tx) error {
			for _, p := range pkgs {
				pkg, err := tx.AccessPackages().Get(p.ID)
				if err != nil {
					return err
				}
				packages = append(packages, pkg)
			}
			for _, p := range policies {
				pol, err := tx.Policies().Get(p.ID)
				if err != nil {
					return err
				}
				pols = append(pols, pol)
			}
			for _, c := range catalogs {
				cat, err := tx.Catalogs().Get(c.ID)
				if err != nil {
					return err
				}
				cats[c.ID] = cat
			}
			for _, u := range people {
				ids, err := tx.Groups().GroupIDsOf(u.ID)
				if err != nil {
					return err
				}
				memberships[u.ID] = ids
			}
			return nil
		})
		for _, u := range people {
			want := wantRequestable(u, memberships[u.ID], orgs, packages, pols, cats)
			for _, flt := range []entitlement.RequestableFilter{
				{}, {Search: "alpha"}, {Search: " ACCESS "}, {Search: "eta 1"}, {CatalogID: catalogs[0].ID}, {CatalogID: catalogs[1].ID, Search: "a"}, {CatalogID: "nowhere"},
			} {
				var w []offered
				for _, rp := range want {
					if flt.CatalogID != "" && rp.pkg.CatalogID != flt.CatalogID {
						continue
					}
					s := strings.ToLower(strings.TrimSpace(flt.Search))
					if s != "" && !strings.Contains(strings.ToLower(rp.pkg.DisplayName), s) && !strings.Contains(strings.ToLower(rp.pkg.Description), s) {
						continue
					}
					if flt.CatalogID != "" {
						rp.pols = slices.DeleteFunc(slices.Clone(rp.pols), func(p entitlement.AssignmentPolicy) bool { return p.CatalogID != flt.CatalogID })
						if len(rp.pols) == 0 {
							continue
						}
					}
					w = append(w, rp)
				}
				checkRequestablePages(t, fmt.Sprintf("%s: %s %+v", stage, u.DisplayName, flt), f.Svc, entitlementtest.As(u), flt, w)
			}
			var wantCats []string
			for _, rp := range want {
				if c := cats[rp.pkg.CatalogID].DisplayName; !slices.Contains(wantCats, c) {
					wantCats = append(wantCats, c)
				}
			}
			slices.Sort(wantCats)
			gotCats, _, err := f.Svc.FindRequestableCatalogs(entitlementtest.As(u), entitlement.CatalogQuery{Limit: math.MaxInt})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range gotCats {
				names = append(names, c.DisplayName)
			}
			if !slices.Equal(names, wantCats) {
				t.Errorf("%s: %s: catalogs %q; want %q", stage, u.DisplayName, names, wantCats)
			}
			checkFindCatalogs(t, stage+": "+u.DisplayName, f.Svc, entitlementtest.As(u), gotCats)
		}
	}
	check("as built")

	// Every kind of configuration write: the next pages must follow it.
	f.Update(func(tx entitlement.Tx) error {
		c := catalogs[2]
		c.CatalogStatus = entitlement.CatalogStatusPublished
		if err := tx.Catalogs().Put(c); err != nil {
			return err
		}
		c = catalogs[0]
		c.IsExternallyVisible = false
		if err := tx.Catalogs().Put(c); err != nil {
			return err
		}
		for i, p := range pkgs {
			if i%5 == 0 {
				p.IsHidden = !p.IsHidden
				if err := tx.AccessPackages().Put(p); err != nil {
					return err
				}
			}
		}
		for i, pol := range policies {
			if i%3 == 0 {
				pol.RequestorSettings.AcceptRequests = !pol.RequestorSettings.AcceptRequests
				pol.RequestorSettings.ScopeType = scopes[(i/3)%len(scopes)]
				if err := tx.Policies().Put(pol); err != nil {
					return err
				}
			}
		}
		return nil
	})
	check("after changes")
}

// checkRequestablePages pages through RequestablePackages forward from the first page, then
// backward from the last, four at a time, and from cursors before the first and past the last
// offer, and checks every page against Window over the whole
// expected list: its offers, total and both cursors.
func checkRequestablePages(t *testing.T, what string, svc *entitlement.Service, as context.Context, flt entitlement.RequestableFilter, want []offered) {
	t.Helper()
	key := func(i int) string { return strings.ToLower(want[i].pkg.DisplayName) + "\x00" + want[i].pkg.ID }
	page := func(opt entitlement.ListOptions) entitlement.Page[entitlement.RequestablePackage] {
		t.Helper()
		got, err := svc.RequestablePackages(as, flt, opt)
		if err != nil {
			t.Fatalf("%s %+v: %v", what, opt, err)
		}
		var prev, next string
		from, to, err := entitlement.Window(len(want), key, opt, &prev, &next)
		if err != nil {
			t.Fatal(err)
		}
		var gotLines, wantLines []string
		for _, rp := range got.Items {
			if rp.Catalog.Roles != nil || rp.Catalog.CreatedBy != "" {
				t.Errorf("%s: sees more than the public fields of catalog %s", what, rp.Catalog.DisplayName)
			}
			gotLines = append(gotLines, offered{rp.Package, rp.Policies}.line())
		}
		for _, o := range want[from:to] {
			wantLines = append(wantLines, o.line())
		}
		if !slices.Equal(gotLines, wantLines) || got.Total != len(want) || got.Prev != prev || got.Next != next {
			t.Errorf("%s %+v:\n got %q (total %d, prev %q, next %q)\nwant %q (total %d, prev %q, next %q)",
				what, opt, gotLines, got.Total, got.Prev, got.Next, wantLines, len(want), prev, next)
		}
		return got
	}
	// Cursors at either end, as a link to a package since removed may carry.
	page(entitlement.ListOptions{Limit: 4, After: entitlement.EncodeCursor("\x01")})
	page(entitlement.ListOptions{Limit: 4, Before: entitlement.EncodeCursor("\xff")})
	opt := entitlement.ListOptions{Limit: 4}
	for n := 0; n <= len(want)/4; n++ {
		got := page(opt)
		if got.Next == "" {
			opt = entitlement.ListOptions{Limit: 4, Before: got.Prev}
			break
		}
		opt.After = got.Next
	}
	for n := 0; opt.Before != "" && n <= len(want)/4; n++ {
		opt.Before = page(opt).Prev
	}
}

// offered is one expected package with its policies.
type offered struct {
	pkg  entitlement.AccessPackage
	pols []entitlement.AssignmentPolicy
}

// line describes an offer for comparison: the package and its policy ids, as a set.
func (o offered) line() string {
	var ids []string
	for _, p := range o.pols {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return o.pkg.DisplayName + " " + o.pkg.ID + ": " + strings.Join(ids, ",")
}

// wantRequestable applies the rules of requesting to every package and policy, without any
// index, in name order (then id).
func wantRequestable(u entitlement.User, groups []string, orgs []entitlement.ConnectedOrganization, pkgs []entitlement.AccessPackage, pols []entitlement.AssignmentPolicy, cats map[string]entitlement.Catalog) []offered {
	var org *entitlement.ConnectedOrganization
	for i := range orgs {
		if orgs[i].ID == u.ConnectedOrganizationID {
			org = &orgs[i]
		}
	}
	named := func(sets []entitlement.UserSet) bool {
		for _, s := range sets {
			switch {
			case s.Type == entitlement.UserSetSingleUser && s.ID == u.ID,
				s.Type == entitlement.UserSetGroupMembers && slices.Contains(groups, s.ID):
				return true
			}
		}
		return false
	}
	inScope := func(p entitlement.AssignmentPolicy) bool {
		rs := p.RequestorSettings
		switch rs.ScopeType {
		case entitlement.ScopeSpecificDirectorySubjects:
			return named(rs.AllowedRequestors)
		case entitlement.ScopeAllExistingDirectoryMembers:
			return u.UserType == entitlement.UserTypeMember
		case entitlement.ScopeAllExistingDirectorySubjects:
			return true
		case entitlement.ScopeSpecificConnectedOrgSubjects:
			for _, s := range rs.AllowedRequestors {
				if org != nil && s.Type == entitlement.UserSetConnectedOrgMembers && s.ID == org.ID {
					return true
				}
			}
		case entitlement.ScopeAllConfiguredConnectedOrgs, "AllExistingConnectedOrganizationSubjects":
			return org != nil && org.State == entitlement.OrgConfigured
		case entitlement.ScopeAllExternalSubjects:
			return u.UserType == entitlement.UserTypeGuest
		}
		return false
	}
	var out []offered
	for _, pkg := range pkgs {
		c := cats[pkg.CatalogID]
		if pkg.IsHidden || u.IsServiceAccount() || !c.IsPublished() || (u.IsGuest() && !c.IsExternallyVisible) {
			continue
		}
		o := offered{pkg: pkg}
		for _, p := range pols {
			if p.AccessPackageID == pkg.ID && p.RequestorSettings.AcceptRequests && inScope(p) {
				o.pols = append(o.pols, p)
			}
		}
		if len(o.pols) > 0 {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b offered) int {
		return strings.Compare(strings.ToLower(a.pkg.DisplayName)+"\x00"+a.pkg.ID, strings.ToLower(b.pkg.DisplayName)+"\x00"+b.pkg.ID)
	})
	return out
}

// checkFindCatalogs checks FindRequestableCatalogs against the whole list of requestable
// catalogs: the count, each catalog by id and by name (in any case), a search by the first word
// of each name, the limit, and an id or a name outside the list.
func checkFindCatalogs(t *testing.T, what string, svc *entitlement.Service, ctx context.Context, all []entitlement.Catalog) {
	t.Helper()
	find := func(q entitlement.CatalogQuery) []entitlement.Catalog {
		t.Helper()
		got, total, err := svc.FindRequestableCatalogs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(all) {
			t.Errorf("%s: %+v: total %d; want %d", what, q, total, len(all))
		}
		return got
	}
	ids := func(cs []entitlement.Catalog) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	if got := find(entitlement.CatalogQuery{}); len(got) != 0 {
		t.Errorf("%s: no limit gave %d catalogs", what, len(got))
	}
	if got := find(entitlement.CatalogQuery{Limit: len(all) + 1}); !slices.Equal(ids(got), ids(all)) {
		t.Errorf("%s: all: %q; want %q", what, ids(got), ids(all))
	}
	if len(all) > 1 {
		if got := find(entitlement.CatalogQuery{Limit: 1}); !slices.Equal(ids(got), ids(all[:1])) {
			t.Errorf("%s: limit 1: %q; want %q", what, ids(got), ids(all[:1]))
		}
	}
	for _, c := range all {
		if got := find(entitlement.CatalogQuery{ID: c.ID, Limit: 10}); !slices.Equal(ids(got), []string{c.ID}) {
			t.Errorf("%s: by id %s: %q", what, c.ID, ids(got))
		}
		var same, matching []entitlement.Catalog
		word := entitlement.SearchWords(c.DisplayName)[0]
		for _, o := range all {
			if strings.EqualFold(o.DisplayName, c.DisplayName) {
				same = append(same, o)
			}
			if entitlement.MatchesSearch(word, o.DisplayName) {
				matching = append(matching, o)
			}
		}
		if got := find(entitlement.CatalogQuery{Name: " " + strings.ToUpper(c.DisplayName) + " ", Limit: 10}); !slices.Equal(ids(got), ids(same)) {
			t.Errorf("%s: by name %q: %q; want %q", what, c.DisplayName, ids(got), ids(same))
		}
		if got := find(entitlement.CatalogQuery{Search: word, Limit: len(all)}); !slices.Equal(ids(got), ids(matching)) {
			t.Errorf("%s: search %q: %q; want %q", what, word, ids(got), ids(matching))
		}
	}
	if got := find(entitlement.CatalogQuery{ID: "no-such-catalog", Limit: 10}); len(got) != 0 {
		t.Errorf("%s: unknown id: %q", what, ids(got))
	}
	if got := find(entitlement.CatalogQuery{Name: "no such catalog", Limit: 10}); len(got) != 0 {
		t.Errorf("%s: unknown name: %q", what, ids(got))
	}
}

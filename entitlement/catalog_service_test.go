package entitlement_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestCatalogValidation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, field, hint string
		in                entitlement.CatalogInput
	}{
		{"no name", "displayName", "enter a name for the catalog", entitlement.CatalogInput{DisplayName: "  "}},
		{"long name", "displayName", "at most 200", entitlement.CatalogInput{DisplayName: strings.Repeat("n", 201)}},
		{"long description", "description", "at most 2000", entitlement.CatalogInput{DisplayName: "X", Description: strings.Repeat("d", 2001)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Svc.CreateCatalog(rootAdmin, tc.in)
			wantField(t, err, tc.field, tc.hint)
			_, err = f.Svc.UpdateCatalog(rootAdmin, f.catA.ID, tc.in)
			wantField(t, err, tc.field, tc.hint)
		})
	}
	for _, tc := range []struct {
		name, field, hint string
		m                 entitlement.CatalogRoleMember
	}{
		{"unknown role", "role", "choose Owner", entitlement.CatalogRoleMember{Role: "Boss", PrincipalID: f.plain.ID}},
		{"unknown principal type", "principalType", "a user or a group", entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: f.plain.ID, PrincipalType: "robot"}},
		{"malformed id", "principalId", "choose a person or a group", entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: "pete"}},
		{"unknown user", "principalId", "not in the directory", entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: entitlement.NewID()}},
		{"unknown group", "principalId", "group is not in the directory", entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: f.plain.ID, PrincipalType: entitlement.PrincipalGroup}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantField(t, f.Svc.AddCatalogRoleMember(rootAdmin, f.catA.ID, tc.m), tc.field, tc.hint)
		})
	}
}

func TestDefaultCatalog(t *testing.T) {
	env := entitlementtest.New(t)
	svc, clock := env.Svc, env.Clock
	c, err := svc.EnsureDefaultCatalog(bg)
	if err != nil {
		t.Fatal(err)
	}
	want := entitlement.Catalog{
		ID: entitlement.DefaultCatalogID, DisplayName: "General", Description: "Built-in catalog.",
		CatalogType: entitlement.CatalogTypeServiceDefault, CatalogStatus: entitlement.CatalogStatusPublished, IsExternallyVisible: true,
		CreatedBy: "Steward", CreatedDateTime: t0, ModifiedBy: "Steward", ModifiedDateTime: t0, Version: 1,
	}
	if !cmpEqual(t, want, c) {
		return
	}
	clock.Advance(1e9)
	again, err := svc.EnsureDefaultCatalog(bg)
	if err != nil || !again.CreatedDateTime.Equal(t0) {
		t.Errorf("second EnsureDefaultCatalog = %+v, %v", again, err)
	}
	if n := auditCount(t, svc, c.ID); n != 1 {
		t.Errorf("audit events = %d, want 1", n)
	}
	err = svc.DeleteCatalog(rootAdmin, c.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), "built-in") {
		t.Errorf("err = %v", err)
	}
	// Renaming keeps it the built-in catalog.
	upd, err := svc.UpdateCatalog(rootAdmin, c.ID, entitlement.CatalogInput{DisplayName: "Everything else", Published: true, IsExternallyVisible: true})
	if err != nil || upd.CatalogType != entitlement.CatalogTypeServiceDefault {
		t.Errorf("rename = %+v, %v", upd, err)
	}
}

func TestCatalogLifecycle(t *testing.T) {
	f := newFixture(t)
	c, err := f.Svc.CreateCatalog(entitlementtest.As(f.creator), entitlement.CatalogInput{DisplayName: " Research ", Description: "Labs", Published: false})
	if err != nil {
		t.Fatal(err)
	}
	if c.CatalogType != entitlement.CatalogTypeUserManaged || c.CatalogStatus != entitlement.CatalogStatusUnpublished || c.DisplayName != "Research" || c.CreatedBy != f.creator.Email {
		t.Errorf("created catalog = %+v", c)
	}
	want := []entitlement.CatalogRoleMember{{Role: entitlement.RoleCatalogOwner, PrincipalID: f.creator.ID, PrincipalType: entitlement.PrincipalUser}}
	if !slices.Equal(c.Roles, want) {
		t.Errorf("roles = %+v, want the creator as owner", c.Roles)
	}
	ctx := entitlementtest.As(f.creator)
	// The creator owns it: they may add a co-owner and step down, but not leave it without owner.
	last := entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: f.creator.ID}
	err = f.Svc.RemoveCatalogRoleMember(ctx, c.ID, last)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), "needs at least one owner") {
		t.Errorf("last owner err = %v", err)
	}
	co := entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: f.plain.ID, PrincipalType: entitlement.PrincipalUser}
	if err := f.Svc.AddCatalogRoleMember(ctx, c.ID, co); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.Svc.AddCatalogRoleMember(ctx, c.ID, co), entitlement.ErrConflict)
	if err := f.Svc.RemoveCatalogRoleMember(ctx, c.ID, last); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.Svc.RemoveCatalogRoleMember(rootAdmin, c.ID, last), entitlement.ErrNotFound)
	// The role index follows: the creator no longer reaches the catalog, the co-owner does.
	_, err = f.Svc.CatalogByID(ctx, c.ID)
	wantErr(t, err, entitlement.ErrForbidden)
	if _, err := f.Svc.UpdateCatalog(entitlementtest.As(f.plain), c.ID, entitlement.CatalogInput{DisplayName: "Research", Description: "Labs", Published: true}); err != nil {
		t.Errorf("new owner updates: %v", err)
	}
	err = f.Store.View(bg, func(tx entitlement.Tx) error {
		ids, _ := tx.Catalogs().IDsByPrincipal(f.creator.ID)
		if slices.Contains(ids, c.ID) {
			t.Errorf("catalogs_by_principal still lists the catalog for the removed owner")
		}
		ids, _ = tx.Catalogs().IDsByPrincipal(f.plain.ID)
		if !slices.Contains(ids, c.ID) {
			t.Errorf("catalogs_by_principal misses the new owner")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An administrator may remove the last owner.
	if err := f.Svc.RemoveCatalogRoleMember(rootAdmin, c.ID, co); err != nil {
		t.Errorf("admin removes last owner: %v", err)
	}

	stats, err := f.Svc.CatalogStats(rootAdmin, f.catA.ID)
	if err != nil || stats != (entitlement.CatalogStats{Resources: 1, Packages: 1}) {
		t.Errorf("stats of A = %+v, %v", stats, err)
	}
	err = f.Svc.DeleteCatalog(rootAdmin, f.catA.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), `1 access package(s) ("Engineering access")`) {
		t.Errorf("delete conflict = %v", err)
	}
	// Emptied of packages, the catalog goes, and its resources with it.
	if err := f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.RemoveRoleScope(rootAdmin, f.pkgA.ID, f.pkgA.RoleScopes[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteAccessPackage(rootAdmin, f.pkgA.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteCatalog(rootAdmin, f.catA.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.ResourceByID(rootAdmin, f.resA.ID)
	wantErr(t, err, entitlement.ErrNotFound)
	reqs, err := f.Svc.ListResourceRequests(rootAdmin, entitlement.ListOptions{})
	if err != nil || reqs.Total != 2 || reqs.Items[1].RequestType != entitlement.RequestTypeAdminRemove {
		t.Errorf("resource requests = %+v, %v", reqs, err)
	}
	// The group is no longer held by a catalog and may be deleted.
	if err := f.Svc.DeleteGroup(rootAdmin, f.eng.ID, 0); err != nil {
		t.Errorf("delete group: %v", err)
	}
}

func TestResources(t *testing.T) {
	f := newFixture(t)
	r := f.resA
	if r.DisplayName != "Engineering" || r.ResourceType != entitlement.ResourceTypeGroup || r.OriginSystem != entitlement.OriginGroup || r.OriginID != f.eng.ID {
		t.Errorf("group resource = %+v", r)
	}
	if len(r.Roles) != 2 || r.Roles[0].DisplayName != "Member" || r.Roles[0].OriginID != "Member_"+f.eng.ID || r.Roles[1].OriginID != "Owner_"+f.eng.ID {
		t.Errorf("group roles = %+v", r.Roles)
	}
	if len(r.Scopes) != 1 || !r.Scopes[0].IsRootScope || r.Scopes[0].OriginID != f.eng.ID {
		t.Errorf("scopes = %+v", r.Scopes)
	}
	_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: f.eng.ID})
	wantErr(t, err, entitlement.ErrConflict)
	// The same group may be a resource of another catalog.
	if _, err := f.Svc.AddResource(rootAdmin, f.catB.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: f.eng.ID}); err != nil {
		t.Errorf("same group in catalog B: %v", err)
	}
	err = f.Svc.DeleteGroup(rootAdmin, f.eng.ID, 0)
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), `"Catalog A" and "Catalog B"`) {
		t.Errorf("delete group conflict = %v", err)
	}

	for _, tc := range []struct {
		name, field, hint string
		in                entitlement.ResourceInput
	}{
		{"no origin", "originSystem", "choose a group, an application or a site", entitlement.ResourceInput{}},
		{"group id", "originId", "choose a group", entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: "eng"}},
		{"unknown group", "originId", "not in the directory", entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: entitlement.NewID()}},
		{"application without name", "displayName", "enter the name of the application", entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, Roles: []string{"User"}}},
		{"application without roles", "roles", "name at least one role", entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "App", Roles: []string{" "}}},
		{"role twice", "roles", `role "user" is listed twice`, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "App", Roles: []string{"User", "user"}}},
		{"site without address", "url", "enter the site's web address", entitlement.ResourceInput{OriginSystem: entitlement.OriginSite, DisplayName: "Site", Roles: []string{"Read"}}},
		{"bad address", "url", "starting with https://", entitlement.ResourceInput{OriginSystem: entitlement.OriginSite, DisplayName: "Site", URL: "ftp://x", Roles: []string{"Read"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, tc.in)
			wantField(t, err, tc.field, tc.hint)
		})
	}

	rr, err := f.Svc.AddResource(entitlementtest.As(f.ownerA), f.catA.ID, entitlement.ResourceInput{
		OriginSystem: entitlement.OriginSite, DisplayName: "Team site", URL: "https://sites.example/team", Roles: []string{"Read", "Contribute"}, Justification: "docs",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rr.RequestType != entitlement.RequestTypeAdminAdd || rr.RequestState != "Delivered" || rr.RequestStatus != "Fulfilled" || rr.Justification != "docs" || rr.RequestorID != f.ownerA.ID {
		t.Errorf("resource request = %+v", rr)
	}
	site := rr.Resource
	if site.ResourceType != entitlement.ResourceTypeSite || site.OriginID != "https://sites.example/team" || len(site.Roles) != 2 || site.Roles[1].DisplayName != "Contribute" {
		t.Errorf("site = %+v", site)
	}
	// A resource of another catalog cannot go into the package; roles and scopes must exist.
	other, err := f.Svc.AddResource(rootAdmin, f.catB.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "B app", Roles: []string{"User"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.AddRoleScope(rootAdmin, f.pkgA.ID, other.ResourceID, other.Resource.Roles[0].ID, "")
	wantField(t, err, "resourceId", "not a resource of this package's catalog")
	_, err = f.Svc.AddRoleScope(rootAdmin, f.pkgA.ID, site.ID, f.resA.Roles[0].ID, "")
	wantField(t, err, "roleId", "has no such role")
	_, err = f.Svc.AddRoleScope(rootAdmin, f.pkgA.ID, site.ID, site.Roles[0].ID, entitlement.NewID())
	wantField(t, err, "scopeId", "has no such scope")
	_, err = f.Svc.AddRoleScope(rootAdmin, f.pkgA.ID, f.resA.ID, f.resA.Roles[0].ID, "")
	wantErr(t, err, entitlement.ErrConflict)
	rs, err := f.Svc.AddRoleScope(rootAdmin, f.pkgA.ID, site.ID, site.Roles[0].ID, site.Scopes[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rs.ID != site.Roles[0].ID+"_"+site.Scopes[0].ID {
		t.Errorf("role scope id = %q", rs.ID)
	}
	_, err = f.Svc.RemoveResource(rootAdmin, f.catA.ID, site.ID, "")
	wantErr(t, err, entitlement.ErrConflict)
	if !strings.Contains(err.Error(), `access package(s) "Engineering access"`) {
		t.Errorf("remove conflict does not name the package: %v", err)
	}
	if err := f.Svc.RemoveRoleScope(rootAdmin, f.pkgA.ID, rs.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.Svc.RemoveRoleScope(rootAdmin, f.pkgA.ID, rs.ID), entitlement.ErrNotFound)
	_, err = f.Svc.RemoveResource(rootAdmin, f.catB.ID, site.ID, "")
	wantErr(t, err, entitlement.ErrNotFound)
	if _, err := f.Svc.RemoveResource(entitlementtest.As(f.ownerA), f.catA.ID, site.ID, "done"); err != nil {
		t.Fatal(err)
	}
	// The owner of A sees the requests of A only; a plain user sees none.
	mine, err := f.Svc.ListResourceRequests(entitlementtest.As(f.ownerA), entitlement.ListOptions{})
	if err != nil || mine.Total != 3 {
		t.Errorf("owner's resource requests = %d, %v; want 3 (group, site add, site remove)", mine.Total, err)
	}
	none, err := f.Svc.ListResourceRequests(entitlementtest.As(f.plain), entitlement.ListOptions{})
	if err != nil || none.Total != 0 {
		t.Errorf("plain user's resource requests = %+v, %v", none, err)
	}
	list, err := f.Svc.ListResources(entitlementtest.As(f.readerA), f.catA.ID, entitlement.ListOptions{Search: "eng"})
	if err != nil || list.Total != 1 {
		t.Errorf("resource search = %+v, %v", list, err)
	}
}

func TestAccessPackages(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, field, hint string
		in                entitlement.AccessPackageInput
	}{
		{"no catalog", "catalogId", "choose a catalog", entitlement.AccessPackageInput{DisplayName: "P"}},
		{"unknown catalog", "catalogId", "does not exist", entitlement.AccessPackageInput{CatalogID: entitlement.NewID(), DisplayName: "P"}},
		{"no name", "displayName", "enter a name for the access package", entitlement.AccessPackageInput{CatalogID: f.catA.ID}},
		{"long name", "displayName", "at most 200", entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: strings.Repeat("p", 201)}},
		{"long description", "description", "at most 2000", entitlement.AccessPackageInput{CatalogID: f.catA.ID, DisplayName: "P", Description: strings.Repeat("p", 2001)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Svc.CreateAccessPackage(rootAdmin, tc.in)
			wantField(t, err, tc.field, tc.hint)
		})
	}
	_, err := f.Svc.UpdateAccessPackage(rootAdmin, f.pkgA.ID, entitlement.AccessPackageInput{CatalogID: f.catB.ID, DisplayName: "Moved"})
	wantField(t, err, "catalogId", "stays in the catalog it was created in")

	// Renaming moves the name, search and catalog index keys.
	upd, err := f.Svc.UpdateAccessPackage(entitlementtest.As(f.pkgMgrA), f.pkgA.ID, entitlement.AccessPackageInput{DisplayName: "Platform tools", IsHidden: true})
	if err != nil {
		t.Fatal(err)
	}
	if !upd.IsHidden || upd.ModifiedBy != f.pkgMgrA.Email || upd.CatalogID != f.catA.ID || len(upd.RoleScopes) != 1 {
		t.Errorf("updated package = %+v", upd)
	}
	for q, want := range map[string]int{"platform": 1, "tools": 1, "engineering": 0} {
		all, err := f.Svc.ListAccessPackages(rootAdmin, entitlement.ListOptions{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		inCat, err := f.Svc.ListCatalogPackages(rootAdmin, f.catA.ID, entitlement.ListOptions{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != want || inCat.Total != want {
			t.Errorf("search %q: all %d, in catalog %d, want %d", q, all.Total, inCat.Total, want)
		}
	}
	if n := auditCount(t, f.Svc, f.pkgA.ID); n != 3 {
		t.Errorf("package audit events = %d, want create, role scope, update", n)
	}
}

func TestConnectedOrganizations(t *testing.T) {
	f := newFixture(t)
	domain := func(d string) []entitlement.IdentitySource {
		return []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: d}}
	}
	for _, tc := range []struct {
		name, field, hint string
		in                entitlement.ConnectedOrganizationInput
	}{
		{"no name", "displayName", "enter the organization's name", entitlement.ConnectedOrganizationInput{IdentitySources: domain("a.example")}},
		{"bad state", "state", "configured or proposed", entitlement.ConnectedOrganizationInput{DisplayName: "A", State: "active", IdentitySources: domain("a.example")}},
		{"no source", "identitySources", "an e-mail domain, a tenant id or a federation issuer", entitlement.ConnectedOrganizationInput{DisplayName: "A"}},
		{"bad domain", "identitySources", "such as partner.example", entitlement.ConnectedOrganizationInput{DisplayName: "A", IdentitySources: domain("localhost")}},
		{"no tenant", "identitySources", "enter the tenant id", entitlement.ConnectedOrganizationInput{DisplayName: "A", IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceTenant}}}},
		{"http issuer", "identitySources", "https://", entitlement.ConnectedOrganizationInput{DisplayName: "A", IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceFederation, DomainName: "a.example", IssuerURI: "http://idp.a.example"}}}},
		{"unknown source", "identitySources", "choose a domain, a tenant or a federation", entitlement.ConnectedOrganizationInput{DisplayName: "A", IdentitySources: []entitlement.IdentitySource{{Type: "ldap"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Svc.CreateConnectedOrganization(rootAdmin, tc.in)
			wantField(t, err, tc.field, tc.hint)
		})
	}
	org, err := f.Svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Partner Co", IdentitySources: domain("Partner.Example")})
	if err != nil {
		t.Fatal(err)
	}
	if org.State != entitlement.OrgConfigured || org.IdentitySources[0].DomainName != "partner.example" || org.IdentitySources[0].DisplayName != "Partner Co" {
		t.Errorf("org = %+v", org)
	}
	_, err = f.Svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Copycat", IdentitySources: domain("partner.example")})
	wantField(t, err, "identitySources", `partner.example already identifies the connected organization "Partner Co"`)
	other, err := f.Svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Other", State: entitlement.OrgProposed,
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceTenant, TenantID: "T-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Svc.UpdateConnectedOrganization(rootAdmin, other.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Other", IdentitySources: domain("partner.example")})
	wantField(t, err, "identitySources", "already identifies")
	// An update without sources keeps them; a moved domain frees the old one.
	upd, err := f.Svc.UpdateConnectedOrganization(rootAdmin, org.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Partner Company", State: entitlement.OrgProposed})
	if err != nil || upd.IdentitySources[0].DomainName != "partner.example" || upd.State != entitlement.OrgProposed {
		t.Errorf("update = %+v, %v", upd, err)
	}
	if _, err := f.Svc.UpdateConnectedOrganization(rootAdmin, org.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Partner Company", IdentitySources: domain("partner2.example")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.UpdateConnectedOrganization(rootAdmin, other.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Other", IdentitySources: domain("partner.example")}); err != nil {
		t.Errorf("the freed domain is still taken: %v", err)
	}

	// Sponsors: internal ones are members, external ones are guests of the organization.
	guest, err := f.Svc.CreateUser(rootAdmin, entitlement.UserInput{DisplayName: "Pat Partner", Email: "pat@partner2.example", UserType: entitlement.UserTypeGuest, ConnectedOrganizationID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	wantField(t, f.Svc.AddSponsor(rootAdmin, org.ID, true, entitlement.Sponsor{ID: f.ownerA.ID}), "id", "is not a guest from")
	wantField(t, f.Svc.AddSponsor(rootAdmin, org.ID, false, entitlement.Sponsor{ID: guest.ID}), "id", "is a guest")
	wantField(t, f.Svc.AddSponsor(rootAdmin, org.ID, false, entitlement.Sponsor{ID: "x"}), "id", "choose a person or a group")
	if err := f.Svc.AddSponsor(rootAdmin, org.ID, true, entitlement.Sponsor{ID: guest.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.AddSponsor(rootAdmin, org.ID, false, entitlement.Sponsor{ID: f.eng.ID, Type: entitlement.PrincipalGroup}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.Svc.AddSponsor(rootAdmin, org.ID, false, entitlement.Sponsor{ID: f.eng.ID, Type: entitlement.PrincipalGroup}), entitlement.ErrConflict)
	wantErr(t, f.Svc.AddSponsor(entitlementtest.As(f.ownerA), org.ID, false, entitlement.Sponsor{ID: f.ownerA.ID}), entitlement.ErrForbidden)
	got, err := f.Svc.ConnectedOrganizationByID(entitlementtest.As(f.readerA), org.ID)
	if err != nil || len(got.ExternalSponsors) != 1 || len(got.InternalSponsors) != 1 {
		t.Errorf("sponsors = %+v, %v", got, err)
	}
	wantErr(t, f.Svc.RemoveSponsor(rootAdmin, org.ID, true, f.eng.ID), entitlement.ErrNotFound)
	if err := f.Svc.RemoveSponsor(rootAdmin, org.ID, true, guest.ID); err != nil {
		t.Fatal(err)
	}
	// A deleted group stops being a sponsor.
	if err := f.Svc.DeletePolicy(rootAdmin, f.polA.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.RemoveRoleScope(rootAdmin, f.pkgA.ID, f.pkgA.RoleScopes[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.RemoveResource(rootAdmin, f.catA.ID, f.resA.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.DeleteGroup(rootAdmin, f.eng.ID, 0); err != nil {
		t.Fatal(err)
	}
	got, _ = f.Svc.ConnectedOrganizationByID(rootAdmin, org.ID)
	if len(got.InternalSponsors) != 0 {
		t.Errorf("deleted group is still a sponsor: %+v", got.InternalSponsors)
	}
	_, err = f.Svc.ListConnectedOrganizations(entitlementtest.As(f.plain), entitlement.ListOptions{})
	wantErr(t, err, entitlement.ErrForbidden)
	list, err := f.Svc.ListConnectedOrganizations(entitlementtest.As(f.ownerA), entitlement.ListOptions{Search: "partner"})
	if err != nil || list.Total != 1 {
		t.Errorf("org search = %+v, %v", list, err)
	}
	if err := f.Svc.DeleteConnectedOrganization(rootAdmin, org.ID, 0); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, f.Svc, org.ID); n != 8 {
		t.Errorf("org audit events = %d, want 8 (create, 2 updates, 2 sponsor adds, 2 sponsor removals, delete)", n)
	}
}

func TestSettings(t *testing.T) {
	f := newFixture(t)
	got, err := f.Svc.Settings(entitlementtest.As(f.readerA))
	if err != nil || got.ExternalUserLifecycleAction != entitlement.LifecycleBlockSignInAndDelete || len(got.CatalogCreators) != 1 {
		t.Errorf("settings = %+v, %v", got, err)
	}
	_, err = f.Svc.Settings(entitlementtest.As(f.plain))
	wantErr(t, err, entitlement.ErrForbidden)
	_, err = f.Svc.UpdateSettings(rootAdmin, entitlement.Settings{ExternalUserLifecycleAction: "Delete"})
	wantField(t, err, "externalUserLifecycleAction", "choose what happens")
	_, err = f.Svc.UpdateSettings(rootAdmin, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleNone, DaysUntilExternalUserDeletedAfterBlocked: 400})
	wantField(t, err, "daysUntilExternalUserDeletedAfterBlocked", "from 0 to 365")
	// The creators in the input are ignored.
	upd, err := f.Svc.UpdateSettings(rootAdmin, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleBlockSignIn, DaysUntilExternalUserDeletedAfterBlocked: 7})
	if err != nil || upd.ExternalUserLifecycleAction != entitlement.LifecycleBlockSignIn || len(upd.CatalogCreators) != 1 {
		t.Errorf("updated settings = %+v, %v", upd, err)
	}
	wantErr(t, f.Svc.AddCatalogCreator(rootAdmin, entitlement.Sponsor{ID: f.creator.ID}), entitlement.ErrConflict)
	wantField(t, f.Svc.AddCatalogCreator(rootAdmin, entitlement.Sponsor{ID: f.eng.ID, Type: "team"}), "type", "a user or a group")
	if err := f.Svc.AddCatalogCreator(rootAdmin, entitlement.Sponsor{ID: f.eng.ID, Type: entitlement.PrincipalGroup}); err != nil {
		t.Fatal(err)
	}
	// Members of a creator group may create catalogs.
	if _, err := f.Svc.CreateCatalog(entitlementtest.As(f.plain), entitlement.CatalogInput{DisplayName: "Via group"}); err != nil {
		t.Errorf("member of a creator group: %v", err)
	}
	if err := f.Svc.RemoveCatalogCreator(rootAdmin, f.eng.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, f.Svc.RemoveCatalogCreator(rootAdmin, f.eng.ID), entitlement.ErrNotFound)
	_, err = f.Svc.CreateCatalog(entitlementtest.As(f.plain), entitlement.CatalogInput{DisplayName: "No longer"})
	wantErr(t, err, entitlement.ErrForbidden)
	ev, err := f.Svc.ListAudit(rootAdmin, entitlement.AuditFilter{ObjectType: "settings"}, entitlement.ListOptions{})
	if err != nil || ev.Total != 4 || ev.Items[0].Action != "settings.catalogCreator.remove" {
		t.Errorf("settings audit = %d events, newest %+v, %v", ev.Total, ev.Items, err)
	}
}

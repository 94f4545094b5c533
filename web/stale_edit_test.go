package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

var (
	versionFieldRe = regexp.MustCompile(`name="version" value="(\d+)"`)
	draftFieldRe   = regexp.MustCompile(`name="draft" value="([^"]*)"`)
)

// staleCurrent returns the current values a stale-save notice lists.
func staleCurrent(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `data-testid="stale-current"`)
	if !ok {
		t.Fatal("the notice lists no current values")
	}
	list, _, _ := strings.Cut(rest, "</dl>")
	return list
}

// formVersion returns the version an edit form carries, failing the test when it has none.
func formVersion(t *testing.T, what, page string) string {
	t.Helper()
	m := versionFieldRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s has no version field", what)
	}
	return m[1]
}

// TestTwoPeopleEditTheSameCatalog: Owen and Ada open the catalog's edit form; Owen saves first.
// Ada's save is refused with 409: the form comes back with her input, who changed the catalog
// and when, and the current values; nothing of Owen's is lost. Saving again after checking
// writes hers on purpose, and Owen sending his form a second time (a double click) is no conflict.
func TestTwoPeopleEditTheSameCatalog(t *testing.T) {
	f := startAdmin(t)
	owen, owenCSRF := f.signIn(t, "owner@example.com")
	ada, adaCSRF := f.signIn(t, "admin@example.com")
	edit := "/admin/catalogs/" + f.finance.ID + "/edit"
	_, owenForm := f.env.Get(t, owen, edit)
	_, adaForm := f.env.Get(t, ada, edit)
	owenVersion, adaVersion := formVersion(t, "Owen's form", owenForm), formVersion(t, "Ada's form", adaForm)
	if owenVersion != adaVersion {
		t.Fatalf("the same catalog shows versions %s and %s", owenVersion, adaVersion)
	}

	owenSave := url.Values{"displayName": {"Finance"}, "description": {"Owen's new description"}, "published": {"on"}, "version": {owenVersion}}
	res, _ := f.env.PostForm(t, owen, edit, owenCSRF, owenSave)
	has(t, "after Owen's save", f.follow(t, owen, res), "Catalog &#34;Finance&#34; saved.")
	// Owen's form sent again after the save (a double click, or Back and send): no conflict.
	if res, page := f.env.PostForm(t, owen, edit, owenCSRF, owenSave); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Owen's form sent twice: %d\n%s", res.StatusCode, page)
	}

	adaSave := url.Values{"displayName": {"Finance and Treasury"}, "description": {f.finance.Description}, "published": {"on"}, "version": {adaVersion}}
	res, page := f.env.PostForm(t, ada, edit, adaCSRF, adaSave)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("Ada's stale save: %d, want 409", res.StatusCode)
	}
	has(t, "Ada's refused form", page, `data-testid="stale-notice"`, "Owen Owner changed this catalog at ", "after you opened it.",
		"Your changes are below and were not saved: check them against the current values and save again.",
		`value="Finance and Treasury"`) // her input, kept
	has(t, "the current values", staleCurrent(t, page), "Owen&#39;s new description")
	cat, err := f.env.Svc.CatalogByID(f.ctxAs("admin@example.com"), f.finance.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cat.DisplayName != "Finance" || cat.Description != "Owen's new description" {
		t.Fatalf("after the refused save the catalog is %q, %q: Owen's change was lost", cat.DisplayName, cat.Description)
	}

	// The form came back with the current version: saving it again is Ada's choice, and works.
	adaSave.Set("version", formVersion(t, "the refused form", page))
	adaSave.Set("description", "Owen's new description")
	res, _ = f.env.PostForm(t, ada, edit, adaCSRF, adaSave)
	has(t, "after Ada saves again", f.follow(t, ada, res), "Catalog &#34;Finance and Treasury&#34; saved.")
	if cat, _ = f.env.Svc.CatalogByID(f.ctxAs("admin@example.com"), f.finance.ID); cat.DisplayName != "Finance and Treasury" || cat.Description != "Owen's new description" {
		t.Fatalf("after both saves: %q, %q", cat.DisplayName, cat.Description)
	}

	// Deleting from a page shown before a change is refused with who made it.
	_, show := f.env.Get(t, ada, "/admin/catalogs/"+f.marketing.ID)
	stale := formVersion(t, "the delete dialog", show)
	if _, err := f.env.Svc.UpdateCatalog(f.ctxAs("admin@example.com"), f.marketing.ID, entitlement.CatalogInput{DisplayName: "Marketing", Description: "Changed meanwhile", Published: true}); err != nil {
		t.Fatal(err)
	}
	res, _ = f.env.PostForm(t, ada, "/admin/catalogs/"+f.marketing.ID+"/delete", adaCSRF, url.Values{"version": {stale}})
	has(t, "after a stale delete", f.follow(t, ada, res), "The catalog was not deleted: ", "changed this catalog at ", "delete it again if you still mean to.")
	if _, err := f.env.Svc.CatalogByID(f.ctxAs("admin@example.com"), f.marketing.ID); err != nil {
		t.Fatalf("the stale delete deleted the catalog: %v", err)
	}
}

// TestEveryEditFormRefusesAStaleSave runs the two-sessions case over the other edit forms: the
// second save is refused with the notice and the person's input, and the first is kept.
func TestEveryEditFormRefusesAStaleSave(t *testing.T) {
	f := startAdmin(t)
	actx := f.ctxAs("admin@example.com")
	org, err := f.env.Svc.CreateConnectedOrganization(actx, entitlement.ConnectedOrganizationInput{DisplayName: "Partner", State: entitlement.OrgConfigured,
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "partner.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	riley := f.users["requester@example.com"]
	for _, tc := range []struct {
		name, path    string
		first, second url.Values
		mine          string // the second person's input, shown again
		current       string // the first person's value, among the current values
		kept          func() string
		want          string
	}{
		{"access package", "/admin/packages/" + f.financePkg.ID + "/edit",
			url.Values{"displayName": {"Finance reports"}, "description": {"First words"}, "rolesVisible": {"on"}},
			url.Values{"displayName": {"Reports of finance"}, "description": {"Read the monthly reports"}, "rolesVisible": {"on"}},
			`value="Reports of finance"`, "First words",
			func() string {
				p, _ := f.env.Svc.AccessPackageByID(actx, f.financePkg.ID)
				return p.DisplayName + "|" + p.Description
			},
			"Finance reports|First words"},
		{"group", "/admin/directory/groups/" + f.engineering.ID + "/edit",
			url.Values{"displayName": {"Engineering"}, "description": {"First words"}},
			url.Values{"displayName": {"Builders"}, "description": {"Everyone who builds the product"}},
			`value="Builders"`, "First words",
			func() string {
				g, _ := f.env.Svc.GroupByID(actx, f.engineering.ID)
				return g.DisplayName + "|" + g.Description
			},
			"Engineering|First words"},
		{"user", "/admin/directory/users/" + riley.ID + "/edit",
			url.Values{"displayName": {riley.DisplayName}, "mail": {riley.Email}, "userType": {riley.UserType}, "department": {"Finance"}, "managerMail": {"manager@example.com"}},
			url.Values{"displayName": {riley.DisplayName}, "mail": {riley.Email}, "userType": {riley.UserType}, "department": {"Engineering"}, "jobTitle": {"Lead"}, "managerMail": {"manager@example.com"}},
			`value="Lead"`, "Finance",
			func() string { u, _ := f.env.Svc.UserByID(actx, riley.ID); return u.Department + "|" + u.JobTitle },
			"Finance|"},
		{"connected organization", "/admin/connected-organizations/" + org.ID + "/edit",
			url.Values{"displayName": {"Partner"}, "description": {"First words"}, "state": {entitlement.OrgConfigured}, "domains": {"partner.example"}},
			url.Values{"displayName": {"Partner Inc"}, "description": {""}, "state": {entitlement.OrgConfigured}, "domains": {"partner.example"}},
			`value="Partner Inc"`, "First words",
			func() string {
				o, _ := f.env.Svc.ConnectedOrganizationByID(actx, org.ID)
				return o.DisplayName + "|" + o.Description
			},
			"Partner|First words"},
		{"settings", "/admin/settings",
			url.Values{"externalUserLifecycleAction": {entitlement.LifecycleBlockSignIn}, "days": {"30"}},
			url.Values{"externalUserLifecycleAction": {entitlement.LifecycleBlockSignInAndDelete}, "days": {"45"}},
			`value="45"`, "Block sign-in",
			func() string {
				s, _ := f.env.Svc.Settings(actx)
				return s.ExternalUserLifecycleAction + "|" + strconv.Itoa(s.DaysUntilExternalUserDeletedAfterBlocked)
			},
			entitlement.LifecycleBlockSignIn + "|30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one, oneCSRF := f.signIn(t, "admin@example.com")
			two, twoCSRF := f.signIn(t, "admin@example.com")
			form := tc.path
			_, page := f.env.Get(t, one, form)
			tc.first.Set("version", formVersion(t, "the first form", page))
			_, page = f.env.Get(t, two, form)
			tc.second.Set("version", formVersion(t, "the second form", page))
			res, _ := f.env.PostForm(t, one, tc.path, oneCSRF, tc.first)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("first save: %d", res.StatusCode)
			}
			res, page = f.env.PostForm(t, two, tc.path, twoCSRF, tc.second)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("second, stale save: %d, want 409", res.StatusCode)
			}
			has(t, "the refused form", page, `data-testid="stale-notice"`, "Ada Admin changed ", "after you opened it.", tc.mine)
			has(t, "the current values", staleCurrent(t, page), tc.current)
			if got := tc.kept(); got != tc.want {
				t.Errorf("after the refused save: %q, want %q (the first save)", got, tc.want)
			}
			// Saving the refused form again is a choice made after seeing the current values.
			tc.second.Set("version", formVersion(t, "the refused form", page))
			if res, page := f.env.PostForm(t, two, tc.path, twoCSRF, tc.second); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving again: %d\n%s", res.StatusCode, page)
			}
		})
	}
}

// TestTwoPeopleEditTheSamePolicy: the wizard carries the policy's version in its draft through
// every step; a stale save comes back on the summary with the current policy, and the draft.
func TestTwoPeopleEditTheSamePolicy(t *testing.T) {
	f := startAdmin(t)
	actx := f.ctxAs("admin@example.com")
	pol, err := f.env.Svc.CreatePolicy(actx, entitlement.PolicyInput{AccessPackageID: f.financePkg.ID, DisplayName: "Employees", DurationInDays: 30,
		RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}})
	if err != nil {
		t.Fatal(err)
	}
	owen, owenCSRF := f.signIn(t, "owner@example.com")
	ada, adaCSRF := f.signIn(t, "admin@example.com")
	edit := "/admin/policies/" + pol.ID + "/edit"
	draftOf := func(c *http.Client) map[string]any {
		_, page := f.env.Get(t, c, edit)
		m := draftFieldRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the wizard has no draft")
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &d); err != nil {
			t.Fatal(err)
		}
		if d["version"] == nil {
			t.Fatalf("the draft carries no version: %v", d)
		}
		return d
	}
	save := func(c *http.Client, csrf string, d map[string]any) (*http.Response, string) {
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return f.env.PostForm(t, c, edit, csrf, url.Values{"draft": {string(raw)}, "step": {"summary"}, "reached": {"5"}, "nav": {"save"}})
	}
	owenDraft, adaDraft := draftOf(owen), draftOf(ada)
	owenDraft["description"] = "Owen's rules"
	if res, page := save(owen, owenCSRF, owenDraft); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("Owen's save: %d\n%s", res.StatusCode, page)
	}
	adaDraft["name"] = "Everyone at work"
	res, page := save(ada, adaCSRF, adaDraft)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("Ada's stale save: %d, want 409", res.StatusCode)
	}
	has(t, "Ada's refused wizard", page, `data-testid="stale-notice"`, "Owen Owner changed this policy at ", `data-step="summary"`, "Everyone at work")
	has(t, "the current policy", staleCurrent(t, page), "Owen&#39;s rules", "Employees", "can request")
	if cur, _ := f.env.Svc.PolicyByID(actx, pol.ID); cur.Description != "Owen's rules" || cur.DisplayName != "Employees" {
		t.Fatalf("after the refused save: %q, %q", cur.DisplayName, cur.Description)
	}
}

package web_test

import (
	"github.com/stewardhq/steward/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPagesDoNotOfferWhatThePersonCannotDo opens forms and admin-only pages as people whose roles
// do not allow what the page is for: a catalog reader and an assignment manager get a 403 for the
// catalog's edit form (whose save would be refused), and people with catalog roles get a 403 for
// the connected organizations, which only administrators manage, instead of a list that offers
// "New connected organization".
func TestPagesDoNotOfferWhatThePersonCannotDo(t *testing.T) {
	env := startAdminDemo(t)
	finance := idsOfCatalogNoActivity(t, env, "Finance")
	engineering := idsOfCatalogNoActivity(t, env, "Engineering")
	for _, tc := range []struct {
		who, path string
		want      int
	}{
		{"approver@example.com", "/admin/catalogs/" + finance.catalog + "/edit", http.StatusForbidden},    // reader
		{"manager@example.com", "/admin/catalogs/" + engineering.catalog + "/edit", http.StatusForbidden}, // assignment manager
		{"owner@example.com", "/admin/catalogs/" + engineering.catalog + "/edit", http.StatusOK},          // owner
		{"approver@example.com", "/admin/connected-organizations", http.StatusForbidden},
		{"owner@example.com", "/admin/connected-organizations", http.StatusForbidden},
		{"admin@example.com", "/admin/connected-organizations", http.StatusOK},
	} {
		c := env.Client(t)
		env.SignIn(t, c, tc.who)
		res, body := env.Get(t, c, tc.path)
		if res.StatusCode != tc.want {
			t.Errorf("%s GET %s: %d, want %d", tc.who, tc.path, res.StatusCode, tc.want)
		}
		if tc.want == http.StatusForbidden && (strings.Contains(body, `action="/admin/catalogs/`+finance.catalog+`/edit"`) ||
			strings.Contains(body, `action="/admin/catalogs/`+engineering.catalog+`/edit"`) || strings.Contains(body, `href="/admin/connected-organizations/new"`)) {
			t.Errorf("%s GET %s still offers the action", tc.who, tc.path)
		}
	}
}

// TestPolicyWizardStepsNeedTheRightToChangePolicies posts the wizard's steps as a reader of the
// catalog: like opening the wizard, moving through it is refused (403) before any step is shown.
func TestPolicyWizardStepsNeedTheRightToChangePolicies(t *testing.T) {
	env := startAdminDemo(t)
	finance := idsOfCatalogNoActivity(t, env, "Finance")
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "approver@example.com")) // reads Finance
	for _, path := range []string{"/admin/policies/" + finance.policy + "/edit", "/admin/packages/" + finance.pkg + "/policies/new"} {
		res, _ := env.Get(t, c, path)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a reader: %d", path, res.StatusCode)
		}
		for _, form := range []url.Values{
			{"step": {"basics"}, "nav": {"next"}, "name": {"Mine"}},
			{"step": {"requestors"}, "op": {"search:requestors"}, "q_requestors": {"a"}},
			{"step": {"summary"}, "nav": {"step:basics"}, "reached": {"5"}},
		} {
			res, body := env.PostForm(t, c, path, csrf, form)
			if res.StatusCode != http.StatusForbidden || strings.Contains(body, `data-testid="policy-wizard"`) {
				t.Errorf("POST %s %v as a reader: %d", path, form, res.StatusCode)
			}
		}
	}
}

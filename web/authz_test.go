package web_test

import (
	"net/http"
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

package web_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestEmptyStatesSuggestOnlyWhatTheViewerCanDo: a catalog reader is not told to add resources,
// create packages, add roles, create policies or assign directly; the page says who does.
func TestEmptyStatesSuggestOnlyWhatTheViewerCanDo(t *testing.T) {
	f := startAdmin(t)
	reader := f.users["approver@example.com"]
	for _, cat := range []entitlement.Catalog{f.finance, f.marketing} {
		if err := f.env.Svc.AddCatalogRoleMember(f.ctxAs("admin@example.com"), cat.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: reader.ID, PrincipalType: entitlement.PrincipalUser}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ path, owner, reader string }{
		{"/admin/catalogs/" + f.marketing.ID + "/resources", "Add a directory group", "An owner of the catalog adds them."},
		{"/admin/catalogs/" + f.marketing.ID + "/packages", "Create one once the catalog holds", "creates them."},
		{"/admin/packages/" + f.financePkg.ID, "Add a role of one of the catalog", "Someone who manages the package adds them."},
		{"/admin/packages/" + f.financePkg.ID + "/policies", "Create one to say who can request it", "Someone who manages the package creates one."},
		{"/admin/packages/" + f.financePkg.ID + "/assignments", "or when you assign it directly", "People get the package when a request is approved."},
	} {
		for _, as := range []string{"admin@example.com", "approver@example.com"} {
			c, _ := f.signIn(t, as)
			_, body := f.env.Get(t, c, tc.path)
			page := text(body)
			canDo := as == "admin@example.com"
			if strings.Contains(page, tc.owner) != canDo {
				t.Errorf("%s as %s: suggests %q: %v", tc.path, as, tc.owner, !canDo)
			}
			if !canDo && !strings.Contains(page, tc.reader) {
				t.Errorf("%s as a reader: no %q", tc.path, tc.reader)
			}
		}
	}
}

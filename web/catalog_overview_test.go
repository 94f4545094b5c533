package web_test

import (
	"strings"
	"testing"
)

// TestCatalogNextStepsOnlyWhileEmpty: the overview suggests first steps to a catalog with no
// resources and no packages, and no longer once it holds something.
func TestCatalogNextStepsOnlyWhileEmpty(t *testing.T) {
	f := startAdmin(t)
	c, _ := f.signIn(t, "admin@example.com")
	_, empty := f.env.Get(t, c, "/admin/catalogs/"+f.marketing.ID)
	if !strings.Contains(empty, "Next steps") {
		t.Errorf("an empty catalog has no next steps")
	}
	_, used := f.env.Get(t, c, "/admin/catalogs/"+f.finance.ID)
	if strings.Contains(used, "Next steps") {
		t.Errorf("a catalog that holds a package still shows next steps")
	}
}

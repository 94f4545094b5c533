package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// evil is text a person can type into a name, a description or a justification, built to break
// out of element content, of a quoted attribute and of a JSON string, and to be read as a formula
// by a spreadsheet.
const evil = `=HYPERLINK("x")"'><x-evil onmouseover="alert(1)">\u2028</x-evil>`

// TestUserTextIsEscapedEverywhere gives the records the pages show names, descriptions and a
// justification made of evil, then opens every page and the audit exports: the text must never
// come out as markup, and no CSV cell may start a formula.
func TestUserTextIsEscapedEverywhere(t *testing.T) {
	env := startAdminDemo(t)
	deliver(t, env)
	ids := idsOfCatalog(t, env, "Engineering")
	ctx := demoAdminCtx(t, env)
	name := func(prefix string) string { return (prefix + " " + evil)[:min(200, len(prefix)+1+len(evil))] }
	cat, err := env.Svc.CatalogByID(ctx, ids.catalog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateCatalog(ctx, cat.ID, entitlement.CatalogInput{DisplayName: name("Catalog"), Description: evil, Published: true}); err != nil {
		t.Fatal(err)
	}
	pkg, err := env.Svc.AccessPackageByID(ctx, ids.pkg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateAccessPackage(ctx, pkg.ID, entitlement.AccessPackageInput{CatalogID: pkg.CatalogID, DisplayName: name("Package"), Description: evil, IsRoleScopesVisible: true}); err != nil {
		t.Fatal(err)
	}
	g, err := env.Svc.GroupByID(ctx, ids.group)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateGroup(ctx, g.ID, entitlement.GroupInput{DisplayName: name("Group"), Description: evil}); err != nil {
		t.Fatal(err)
	}
	u, err := env.Svc.UserByID(ctx, ids.user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateUser(ctx, u.ID, entitlement.UserInput{DisplayName: name("Person"), Email: u.Email, UserType: u.UserType, ManagerID: u.ManagerID,
		Department: evil, JobTitle: evil, AccountEnabled: true}); err != nil {
		t.Fatal(err)
	}
	o, err := env.Svc.ConnectedOrganizationByID(ctx, ids.org)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateConnectedOrganization(ctx, o.ID, entitlement.ConnectedOrganizationInput{DisplayName: name("Org"), Description: evil, State: o.State, IdentitySources: o.IdentitySources}); err != nil {
		t.Fatal(err)
	}
	// A request with an evil justification, waiting for the requester's manager.
	riley := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
	offered, err := env.Svc.RequestablePackages(riley, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, rp := range offered.Items {
		if _, err := env.Svc.SubmitRequest(riley, entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: rp.Package.ID,
			PolicyID: rp.Policies[0].ID, Justification: evil}); err == nil {
			break
		}
	}

	shown := 0
	check := func(who, path, body string) {
		t.Helper()
		if strings.Contains(body, "&lt;x-evil") {
			shown++
		}
		for _, bad := range []string{"<x-evil", `onmouseover="alert`} {
			if strings.Contains(body, bad) {
				i := strings.Index(body, bad)
				t.Errorf("%s GET %s: %q unescaped: …%s…", who, path, bad, body[max(0, i-120):min(len(body), i+60)])
			}
		}
	}
	for _, who := range []string{"admin@example.com", "requester@example.com", "manager@example.com"} {
		c := env.Client(t)
		env.SignIn(t, c, who)
		for _, r := range env.Server.Routes() {
			if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/idp") || strings.HasPrefix(r.Path, "/static") || strings.HasPrefix(r.Path, "/beta") ||
				r.Path == "/login" || r.Path == "/auth/callback" || strings.HasSuffix(r.Path, ".csv") || strings.HasSuffix(r.Path, ".json") {
				continue
			}
			for _, q := range []string{"", "?q=Person&kinds=user,group,org&show=all&state=all"} {
				path := ids.fill(r.Path) + q
				_, body := env.Get(t, c, path)
				check(who, path, body)
			}
		}
	}

	if shown < 30 {
		t.Errorf("only %d pages show the evil text (escaped); the test did not reach the pages", shown)
	}

	// The exports.
	c := env.Client(t)
	env.SignIn(t, c, "admin@example.com")
	_, body := env.Get(t, c, "/admin/audit/export.json")
	var events []map[string]any
	if err := json.Unmarshal([]byte(body), &events); err != nil {
		t.Fatalf("JSON export: %v", err)
	}
	if strings.Contains(body, "<x-evil") {
		t.Errorf("the JSON export carries raw markup")
	}
	_, body = env.Get(t, c, "/admin/audit/export.csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV export: %v", err)
	}
	found := false
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell starts a formula: %.80q", cell)
			}
			found = found || strings.Contains(cell, "HYPERLINK")
		}
	}
	if !found {
		t.Errorf("the CSV export does not show the changes made")
	}
}

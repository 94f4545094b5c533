package web_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/browsertest"
	"github.com/stewardhq/steward/web/webtest"
)

// startAdminDemo boots the server on the demo organisation (demo.Seed) with some activity: Riley and
// Pat request what they may, and one assignment ends within two weeks. Some of what people typed
// is as long as it may be, with no space to wrap at (seedLongText).
func startAdminDemo(t *testing.T) *webtest.Env {
	t.Helper()
	return webtest.Start(t, webtest.Options{
		Users: adminUsers, Admins: []string{"admin@example.com"},
		Seed: func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
			if err := demo.Seed(ctx, svc, st); err != nil {
				return err
			}
			var admin entitlement.User
			err := st.View(ctx, func(tx entitlement.Tx) error {
				var err error
				admin, err = tx.Users().ByEmail("admin@example.com")
				return err
			})
			if err != nil {
				return err
			}
			actx := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: admin.ID, Name: admin.DisplayName, Email: admin.Email, IsAdmin: true})
			if err := seedLongText(actx, svc); err != nil {
				return err
			}
			for _, email := range []string{"requester@example.com", "jordan.kim@example.com", "casey.brooks@example.com"} {
				page, err := svc.ListUsers(actx, entitlement.ListOptions{Search: email, Limit: 1})
				if err != nil || len(page.Items) == 0 {
					return err
				}
				u := page.Items[0]
				uctx := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
				pkgs, err := svc.RequestablePackages(uctx, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: 3})
				if err != nil {
					return err
				}
				for _, rp := range pkgs.Items {
					_, _ = svc.SubmitRequest(uctx, entitlement.RequestInput{
						RequestType: entitlement.RequestUserAdd, AccessPackageID: rp.Package.ID, PolicyID: rp.Policies[0].ID,
						Justification: "Needed for the Q3 platform migration: " + browsertest.LongURL,
					})
				}
			}
			return nil
		},
	})
}

// seedLongText adds, as an administrator, a person, a group, a catalog, a package in Engineering
// and a partner organization whose names, addresses and descriptions are long words and links.
func seedLongText(ctx context.Context, svc *entitlement.Service) error {
	u, err := svc.CreateUser(ctx, entitlement.UserInput{DisplayName: browsertest.LongName, Email: browsertest.LongEmail,
		UserType: entitlement.UserTypeMember, Department: browsertest.LongName, JobTitle: browsertest.LongName, AccountEnabled: true})
	if err != nil {
		return err
	}
	groups, err := svc.ListGroups(ctx, entitlement.ListOptions{Search: "Engineering"})
	if err != nil {
		return err
	}
	if len(groups.Items) == 0 {
		return errors.New("no Engineering group")
	}
	if err := svc.AddGroupMember(ctx, groups.Items[0].ID, u.ID); err != nil {
		return err
	}
	if _, err := svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: browsertest.LongName, Description: browsertest.LongURL}); err != nil {
		return err
	}
	if _, err := svc.CreateCatalog(ctx, entitlement.CatalogInput{DisplayName: browsertest.LongName, Description: browsertest.LongURL, Published: true}); err != nil {
		return err
	}
	cats, err := svc.ListCatalogs(ctx, entitlement.ListOptions{Search: "Engineering"})
	if err != nil {
		return err
	}
	if len(cats.Items) == 0 {
		return errors.New("no Engineering catalog")
	}
	if _, err := svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: cats.Items[0].ID, DisplayName: browsertest.LongName, Description: browsertest.LongWord}); err != nil {
		return err
	}
	_, err = svc.CreateConnectedOrganization(ctx, entitlement.ConnectedOrganizationInput{DisplayName: browsertest.LongName, Description: browsertest.LongURL,
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "pneumonoultramicroscopicsilicovolcanoconiosis.example.com"}}})
	return err
}

// TestAdminScreenshots visits every admin page of the demo organisation, at desktop width and at
// 360 px, and keeps a screenshot of each (set STEWARD_SCREENSHOTS to keep them). Every page must
// render without an error page and without a layout problem (browsertest.CheckLayout): long
// words and links (seedLongText) wrap, wide tables say that they scroll, and every navigation
// item is in sight.
func TestAdminScreenshots(t *testing.T) {
	env := startAdminDemo(t)
	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")
	actx := demoAdminCtx(t, env)

	cats, err := env.Svc.ListCatalogs(actx, entitlement.ListOptions{Search: "Engineering"})
	if err != nil || len(cats.Items) == 0 {
		t.Fatalf("catalogs: %v", err)
	}
	cat := cats.Items[0]
	pkgs, err := env.Svc.ListCatalogPackages(actx, cat.ID, entitlement.ListOptions{})
	if err != nil || len(pkgs.Items) == 0 {
		t.Fatalf("packages: %v", err)
	}
	pkg := pkgs.Items[0]
	for _, p := range pkgs.Items {
		if pols, _ := env.Svc.PoliciesOfPackage(actx, p.ID); len(pols) > 0 && len(pols[0].RequestApprovalSettings.ApprovalStages) > 0 {
			pkg = p
		}
	}
	pols, err := env.Svc.PoliciesOfPackage(actx, pkg.ID)
	if err != nil || len(pols) == 0 {
		t.Fatalf("policies: %v", err)
	}
	orgs, err := env.Svc.ListConnectedOrganizations(actx, entitlement.ListOptions{})
	if err != nil || len(orgs.Items) == 0 {
		t.Fatalf("orgs: %v", err)
	}
	riley := userIDByEmailEnv(t, env, actx, "requester@example.com")
	groups, err := env.Svc.ListGroups(actx, entitlement.ListOptions{Search: "Engineering"})
	if err != nil || len(groups.Items) == 0 {
		t.Fatalf("groups: %v", err)
	}
	// The person with the long name and address gets the package, for its assignments and requests.
	longUser := userIDByEmailEnv(t, env, actx, browsertest.LongEmail)
	if _, err := env.Svc.SubmitRequest(actx, entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: pkg.ID,
		PolicyID: pols[0].ID, TargetID: longUser, Justification: browsertest.LongWord}); err != nil {
		t.Fatalf("assign: %v", err)
	}
	deliver(t, env)
	// The pages of what seedLongText added, for their headers and breadcrumbs.
	longCats, err := env.Svc.ListCatalogs(actx, entitlement.ListOptions{Search: browsertest.LongName})
	if err != nil || len(longCats.Items) == 0 {
		t.Fatalf("long catalog: %v", err)
	}
	longPkg := ""
	for _, p := range pkgs.Items {
		if p.DisplayName == browsertest.LongName {
			longPkg = p.ID
		}
	}
	longGroups, err := env.Svc.ListGroups(actx, entitlement.ListOptions{Search: browsertest.LongName})
	if err != nil || len(longGroups.Items) == 0 || longPkg == "" {
		t.Fatalf("long group or package (%q): %v", longPkg, err)
	}
	longOrgs, err := env.Svc.ListConnectedOrganizations(actx, entitlement.ListOptions{Search: browsertest.LongName})
	if err != nil || len(longOrgs.Items) == 0 {
		t.Fatalf("long organization: %v", err)
	}

	// A grant no connector reaches, for the tasks page; the GitHub resource's page with its
	// connector form and recent calls.
	avery := userIDByEmailEnv(t, env, actx, "approver@example.com")
	var kit entitlement.AccessPackage
	for _, p := range pkgs.Items {
		if p.DisplayName == "Engineering starter kit" {
			kit = p
		}
	}
	kitPols, err := env.Svc.PoliciesOfPackage(actx, kit.ID)
	if err != nil || len(kitPols) == 0 {
		t.Fatalf("starter kit: %v", err)
	}
	if _, err := env.Svc.SubmitRequest(actx, entitlement.RequestInput{RequestType: entitlement.RequestAdminAdd, AccessPackageID: kit.ID, PolicyID: kitPols[0].ID, TargetID: avery}); err != nil {
		t.Fatalf("assign the starter kit: %v", err)
	}
	for range 3 {
		if _, err := env.Worker(t).Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	resources, err := env.Svc.ListResources(actx, cat.ID, entitlement.ListOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	github := ""
	for _, r := range resources.Items {
		if r.DisplayName == "GitHub Enterprise" {
			github = r.ID
		}
	}

	// A failed call with a long address in its message, for the connector's recent calls.
	if err := env.Svc.RecordConnectorCall(actx, entitlement.ConnectorCall{ResourceID: github, Op: "test", Subject: browsertest.LongEmail,
		Error: "could not reach " + browsertest.LongURL + ": nothing answers at that address and port", Duration: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}

	// A service account whose name is as long as it may be, for its page and for the message that
	// names it when a second one is made with the same name.
	longAccount := browsertest.LongName[:100]
	sa, err := env.Svc.CreateServiceAccount(actx, entitlement.ServiceAccountInput{DisplayName: longAccount, Description: browsertest.LongURL})
	if err != nil {
		t.Fatalf("service account: %v", err)
	}

	// Tokens with long names, for the tables of tokens.
	if _, _, err := env.Svc.CreateServiceAccountToken(actx, sa.ID, entitlement.APITokenInput{Name: longAccount}); err != nil {
		t.Fatalf("service account token: %v", err)
	}
	if _, _, err := env.Svc.CreateAPIToken(actx, entitlement.APITokenInput{Name: longAccount}); err != nil {
		t.Fatalf("API token: %v", err)
	}

	pages := []struct{ name, path, ready string }{
		{"service-accounts", "/admin/service-accounts", `[data-testid="service-account-row"]`},
		{"service-account", "/admin/service-accounts/" + sa.ID, `[data-testid="service-account-roles"]`},
		{"directory-sync", "/admin/directory-sync", `[data-testid="ldap-form"]`},
		{"api-tokens", "/profile/tokens", `[data-testid="token-row"]`},
		{"tasks", "/admin/tasks", `[data-testid="task"]`},
		{"resource", "/admin/resources/" + github + "?kind=scim", `[data-testid="connector-calls"]`},
		{"dashboard", "/admin", `[data-testid="dashboard-counts"]`},
		{"catalogs", "/admin/catalogs", `[data-testid="catalog-row"]`},
		{"catalog-new", "/admin/catalogs/new", `[data-testid="catalog-form"]`},
		{"catalog-overview", "/admin/catalogs/" + cat.ID, `[data-testid="stat-resources"]`},
		{"catalog-resources", "/admin/catalogs/" + cat.ID + "/resources", `[data-testid="resource-row"]`},
		{"resource-new-group", "/admin/catalogs/" + cat.ID + "/resources/new?type=group", `[data-testid="resource-form"]`},
		{"resource-new-application", "/admin/catalogs/" + cat.ID + "/resources/new?type=application", `[data-testid="resource-form"]`},
		{"catalog-packages", "/admin/catalogs/" + cat.ID + "/packages", `[data-testid="package-row"]`},
		{"catalog-roles", "/admin/catalogs/" + cat.ID + "/roles", `[data-testid="catalog-roles"]`},
		{"package-new", "/admin/catalogs/" + cat.ID + "/packages/new", `[data-testid="package-form"]`},
		{"package-roles", "/admin/packages/" + pkg.ID, `[data-testid="add-role-scope"]`},
		{"package-policies", "/admin/packages/" + pkg.ID + "/policies", `[data-testid="policy-card"]`},
		{"package-assignments", "/admin/packages/" + pkg.ID + "/assignments?state=all", `[data-testid="assignments"]`},
		{"package-requests", "/admin/packages/" + pkg.ID + "/requests", `[data-testid="requests"]`},
		{"assign-form", "/admin/packages/" + pkg.ID + "/assignments/new", `[data-testid="assign-form"]`},
		{"policy-edit", "/admin/policies/" + pols[0].ID + "/edit", `[data-testid="policy-wizard"]`},
		{"orgs", "/admin/connected-organizations", `[data-testid="org-row"]`},
		{"org", "/admin/connected-organizations/" + orgs.Items[0].ID, `[data-testid="identity-sources"]`},
		{"org-edit", "/admin/connected-organizations/" + orgs.Items[0].ID + "/edit", `[data-testid="org-form"]`},
		{"users", "/admin/directory/users", `[data-testid="user-row"]`},
		{"user", "/admin/directory/users/" + riley, `[data-testid="user-assignments"]`},
		{"user-edit", "/admin/directory/users/" + riley + "/edit", `[data-testid="user-form"]`},
		{"groups", "/admin/directory/groups", `[data-testid="group-row"]`},
		{"group", "/admin/directory/groups/" + groups.Items[0].ID, `[data-testid="member-row"]`},
		{"users-import", "/admin/directory/users/import", `[data-testid="import-form"]`},
		{"settings", "/admin/settings", `[data-testid="settings-form"]`},
		{"audit", "/admin/audit", `[data-testid="audit-row"]`},
		{"long-catalog", "/admin/catalogs/" + longCats.Items[0].ID, `[data-testid="stat-resources"]`},
		{"long-package", "/admin/packages/" + longPkg, `[data-testid="add-role-scope"]`},
		{"long-user", "/admin/directory/users/" + longUser, `[data-testid="user-assignments"]`},
		{"long-group", "/admin/directory/groups/" + longGroups.Items[0].ID, `main h1`},
		{"long-org", "/admin/connected-organizations/" + longOrgs.Items[0].ID, `[data-testid="identity-sources"]`},
	}
	visit := func(prefix string) {
		for _, p := range pages {
			step(t, b, prefix+p.name, chromedp.Navigate(env.URL+p.path), waitFor(p.ready))
			b.CheckLayout(prefix + p.name)
			// At desktop width a table of tokens fits, Revoke in sight, however long their names.
			if prefix == "" && (p.name == "api-tokens" || p.name == "service-account") {
				if wide, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="tokens"] [data-scroll-box]').hasAttribute('data-overflowing')`)); wide {
					t.Errorf("%s: the tokens table scrolls sideways at desktop width", p.name)
				}
			}
			b.Screenshot(prefix + p.name)
		}
	}
	visit("")

	// The wizard's steps, and a step that comes back with messages.
	step(t, b, "wizard", chromedp.Navigate(env.URL+"/admin/policies/"+pols[0].ID+"/edit"), wizardAt("basics"))
	for _, s := range []string{"requestors", "approval", "lifecycle", "reviews", "summary"} {
		step(t, b, "wizard "+s, click(`button[value="step:`+s+`"]`), wizardAt(s))
		b.Screenshot("policy-edit-" + s)
	}
	step(t, b, "wizard-new", chromedp.Navigate(env.URL+"/admin/packages/"+pkg.ID+"/policies/new"), wizardAt("basics"))
	step(t, b, "wizard-invalid", click(`[data-testid="wizard-next"]`), waitFor(`[data-testid="form-errors"]`))
	b.Screenshot("policy-new-invalid")

	// An import with problems shows them by line.
	csvPath := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csvPath, []byte("displayName,mail,managerMail\nNew Person,not-an-address,\n,second@example.com,nobody@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step(t, b, "import", chromedp.Navigate(env.URL+"/admin/directory/users/import"), waitFor(`[data-testid="import-form"]`),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{csvPath}), click(`[data-testid="import"]`), waitFor(`[data-testid="import-error"]`))
	if got := b.Text(`[data-testid="import-report"]`); !strings.Contains(got, "Nothing was imported") {
		t.Errorf("import report shows %q", got)
	}
	b.Screenshot("users-import-report")

	// Narrow screens.
	step(t, b, "narrow", chromedp.EmulateViewport(360, 780))
	visit("360-")
	step(t, b, "wizard narrow", chromedp.Navigate(env.URL+"/admin/policies/"+pols[0].ID+"/edit"), wizardAt("basics"),
		click(`button[value="step:approval"]`), wizardAt("approval"))
	b.Screenshot("360-policy-edit-approval")

	// A field's message that repeats a long name wraps on a phone.
	step(t, b, "duplicate service account", chromedp.Navigate(env.URL+"/admin/service-accounts/new"), waitFor(`[data-testid="service-account-form"]`),
		typeInto(`#displayName`, longAccount), click(`[data-testid="service-account-form"] [data-testid="save"]`), waitFor(`#displayName-error`))
	b.CheckLayout("360-service-account-duplicate")
	b.Screenshot("360-service-account-duplicate")
}

func demoAdminCtx(t *testing.T, env *webtest.Env) context.Context {
	t.Helper()
	var admin entitlement.User
	err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		var err error
		admin, err = tx.Users().ByEmail("admin@example.com")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: admin.ID, Name: admin.DisplayName, Email: admin.Email, IsAdmin: true})
}

func userIDByEmailEnv(t *testing.T, env *webtest.Env, ctx context.Context, email string) string {
	t.Helper()
	page, err := env.Svc.ListUsers(ctx, entitlement.ListOptions{Search: email})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range page.Items {
		if u.Email == email {
			return u.ID
		}
	}
	t.Fatalf("no user %s", email)
	return ""
}

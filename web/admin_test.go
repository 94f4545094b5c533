package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// adminUsers are the demo organisation's people (package demo) as the demo provider offers them:
// an administrator, a catalog owner (the seed gives Owen the Finance catalog), an approver, a
// manager, a requester reporting to the manager, and a partner from outside.
var adminUsers = func() []demoidp.User {
	out := make([]demoidp.User, 0, len(demo.Users))
	for _, u := range demo.Users {
		out = append(out, demoidp.User{Subject: u.Subject, Email: u.Email, Name: u.Name, Description: u.Description})
	}
	return out
}()

// adminFixture is what the seed made.
type adminFixture struct {
	env                *webtest.Env
	users              map[string]entitlement.User // by e-mail
	finance, marketing entitlement.Catalog
	engineering        entitlement.Group
	financeReaders     entitlement.Group
	financePkg         entitlement.AccessPackage
}

// startAdmin boots the server with a small organisation: the directory users (created as if they
// had signed in), Riley reporting to Max, two groups, and two catalogs of which Owen owns Finance.
func startAdmin(t *testing.T) *adminFixture {
	t.Helper()
	f := &adminFixture{users: map[string]entitlement.User{}}
	f.env = webtest.Start(t, webtest.Options{
		Users: adminUsers, Admins: []string{"admin@example.com"},
		Seed: func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
			for _, u := range adminUsers {
				if u.Email == "partner@partner.example" {
					continue // the partner signs in for the first time in a journey, to become a guest
				}
				x, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "seed", Subject: "seed-" + u.Subject, Email: u.Email, Name: u.Name})
				if err != nil {
					return err
				}
				f.users[u.Email] = x
			}
			admin := f.users["admin@example.com"]
			actx := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: admin.ID, Name: admin.DisplayName, Email: admin.Email, IsAdmin: true})
			riley := f.users["requester@example.com"]
			in := entitlement.UserInput{DisplayName: riley.DisplayName, Email: riley.Email, UserType: riley.UserType, ManagerID: f.users["manager@example.com"].ID, Department: "Engineering"}
			var err error
			if f.users[riley.Email], err = svc.UpdateUser(actx, riley.ID, in); err != nil {
				return err
			}
			if f.engineering, err = svc.CreateGroup(actx, entitlement.GroupInput{DisplayName: "Engineering", Description: "Everyone who builds the product"}); err != nil {
				return err
			}
			if f.financeReaders, err = svc.CreateGroup(actx, entitlement.GroupInput{DisplayName: "Finance readers", Description: "Read access to finance reports"}); err != nil {
				return err
			}
			if err := svc.AddGroupMember(actx, f.engineering.ID, riley.ID); err != nil {
				return err
			}
			if f.finance, err = svc.CreateCatalog(actx, entitlement.CatalogInput{DisplayName: "Finance", Description: "Reports and tools of the finance team", Published: true}); err != nil {
				return err
			}
			if f.marketing, err = svc.CreateCatalog(actx, entitlement.CatalogInput{DisplayName: "Marketing", Description: "Campaign tools", Published: true}); err != nil {
				return err
			}
			owen := f.users["owner@example.com"]
			if err := svc.AddCatalogRoleMember(actx, f.finance.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogOwner, PrincipalID: owen.ID, PrincipalType: entitlement.PrincipalUser}); err != nil {
				return err
			}
			if f.financePkg, err = svc.CreateAccessPackage(actx, entitlement.AccessPackageInput{CatalogID: f.finance.ID, DisplayName: "Finance reports", Description: "Read the monthly reports"}); err != nil {
				return err
			}
			return nil
		},
	})
	return f
}

// signIn returns a client signed in as the demo user and the CSRF token of its first page.
func (f *adminFixture) signIn(t *testing.T, email string) (*http.Client, string) {
	t.Helper()
	c := f.env.Client(t)
	page := f.env.SignIn(t, c, email)
	return c, webtest.CSRF(t, page)
}

var flashRe = regexp.MustCompile(`data-flash="(\w+)"[^>]*>\s*<span[^>]*>.*?</span>\s*<p[^>]*>([^<]*)</p>`)

// follow GETs the Location of a 303 and returns the page.
func (f *adminFixture) follow(t *testing.T, c *http.Client, res *http.Response) string {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	_, body := f.env.Get(t, c, res.Header.Get("Location"))
	return body
}

func TestAdminPagesRefusePlainUsers(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "requester@example.com")
	for _, path := range []string{"/admin", "/admin/catalogs", "/admin/catalogs/" + f.finance.ID, "/admin/packages/" + f.financePkg.ID, "/admin/catalogs/new", "/admin/people?kinds=user&q=a"} {
		res, body := f.env.Get(t, c, path)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-testid="error-page"`) {
			t.Errorf("GET %s as a plain user: %d", path, res.StatusCode)
		}
	}
	res, _ := f.env.PostForm(t, c, "/admin/catalogs", csrf, url.Values{"displayName": {"Mine"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /admin/catalogs as a plain user: %d", res.StatusCode)
	}
	_, home := f.env.Get(t, c, "/")
	if strings.Contains(home, `href="/admin"`) {
		t.Errorf("a plain user is offered the Admin navigation")
	}
}

func TestAdminCatalogFormKeepsInputAndExplainsConflicts(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "admin@example.com")

	// Invalid input: 422, the message beside the field, what was typed kept.
	res, body := f.env.PostForm(t, c, "/admin/catalogs", csrf, url.Values{"displayName": {"  "}, "description": {"Kept description"}, "externallyVisible": {"true"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty name: %d", res.StatusCode)
	}
	for _, want := range []string{"Enter a name for the catalog.", "Kept description", `aria-invalid="true"`, `id="displayName-error"`} {
		if !strings.Contains(body, want) {
			t.Errorf("422 page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`name="externallyVisible"[^>]*checked`).MatchString(body) {
		t.Errorf("the checked box was not kept")
	}

	// Valid input: 303 and a flash on the next page.
	res, _ = f.env.PostForm(t, c, "/admin/catalogs", csrf, url.Values{"displayName": {"Sales"}, "published": {"true"}})
	page := f.follow(t, c, res)
	if !strings.Contains(page, `Catalog &#34;Sales&#34; created.`) && !strings.Contains(page, `Catalog "Sales" created.`) {
		t.Errorf("no success flash after creating a catalog")
	}

	// Deleting a catalog that holds a package: refused with the reason.
	res, _ = f.env.PostForm(t, c, "/admin/catalogs/"+f.finance.ID+"/delete", csrf, nil)
	page = f.follow(t, c, res)
	if !strings.Contains(page, "The catalog was not deleted") || !strings.Contains(page, "Finance reports") {
		t.Errorf("conflict not explained: %s", flashText(page))
	}
	if _, err := f.env.Svc.CatalogByID(f.ctxAs("admin@example.com"), f.finance.ID); err != nil {
		t.Errorf("catalog gone after refused delete: %v", err)
	}
}

// ctxAs is a service context acting as the user.
func (f *adminFixture) ctxAs(email string) context.Context {
	u := f.users[email]
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email, IsAdmin: email == "admin@example.com"})
}

func flashText(page string) string {
	var out []string
	for _, m := range flashRe.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1]+": "+m[2])
	}
	return strings.Join(out, " | ")
}

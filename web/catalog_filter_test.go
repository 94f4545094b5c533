package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/browsertest"
	"github.com/stewardhq/steward/web/webtest"
)

// catalogWords name the numbered catalogs of the catalog-filter fixtures: "Finance 1",
// "Engineering 1", … "Finance 2", …
var catalogWords = []string{
	"Finance", "Engineering", "Marketing", "Sales", "Legal", "Support", "Design", "Research", "Security", "Facilities",
	"Payroll", "Recruiting", "Logistics", "Procurement", "Analytics", "Operations", "Training", "Compliance", "Platform", "Travel",
}

// longCatalogName has no space to break at: it must not widen the page.
var longCatalogName = "Quarterly" + strings.Repeat("ReportingAndForecasting", 5)

// catalogWorld is what seedCatalogs made: the catalogs by name (the first of a shared name).
type catalogWorld struct {
	catalogs map[string]entitlement.Catalog
	shared   []entitlement.Catalog // the two catalogs named "Shared tools"
}

// seedCatalogs makes the requester and n published catalogs, each with one package any member
// may request without approval ("<catalog> basics"; with more packages, the others are named
// "<catalog> kit 2", …); with extras, also two catalogs that share a name, one whose name is
// markup, one with a long unbroken name, and an unpublished one (which offers nothing).
func seedCatalogs(w *catalogWorld, n, packages int, extras bool) func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
	return func(_ context.Context, svc *entitlement.Service, _ *store.Store) error {
		ctx := adminCtx()
		w.catalogs = map[string]entitlement.Catalog{}
		for _, u := range [][2]string{{"Riley Requester", "requester@example.com"}, {"Ada Admin", "admin@example.com"}} {
			if _, err := svc.CreateUser(ctx, entitlement.UserInput{DisplayName: u[0], Email: u[1], UserType: entitlement.UserTypeMember, AccountEnabled: true}); err != nil {
				return fmt.Errorf("user %s: %w", u[1], err)
			}
		}
		add := func(name, desc string, published bool) (entitlement.Catalog, error) {
			cat, err := svc.CreateCatalog(ctx, entitlement.CatalogInput{DisplayName: name, Description: desc, Published: published})
			if err != nil {
				return cat, fmt.Errorf("catalog %s: %w", name, err)
			}
			for i := range max(packages, 1) {
				pkgName := name + " basics"
				if i > 0 {
					pkgName = fmt.Sprintf("%s kit %d", name, i+1)
				}
				p, err := svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: pkgName, Description: "Everyday access of " + name + "."})
				if err != nil {
					return cat, fmt.Errorf("package of %s: %w", name, err)
				}
				if _, err := svc.CreatePolicy(ctx, entitlement.PolicyInput{
					AccessPackageID: p.ID, DisplayName: "Everyone", DurationInDays: 30,
					RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
					RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
				}); err != nil {
					return cat, fmt.Errorf("policy of %s: %w", pkgName, err)
				}
			}
			if _, seen := w.catalogs[name]; !seen {
				w.catalogs[name] = cat
			}
			return cat, nil
		}
		for i := range n {
			if _, err := add(fmt.Sprintf("%s %d", catalogWords[i%len(catalogWords)], i/len(catalogWords)+1), "", true); err != nil {
				return err
			}
		}
		if !extras {
			return nil
		}
		for _, desc := range []string{"Tools of the support desk.", "Tools of the design studio."} {
			cat, err := add("Shared tools", desc, true)
			if err != nil {
				return err
			}
			w.shared = append(w.shared, cat)
		}
		for _, name := range []string{`<b>Fish & "Chips"</b>`, longCatalogName} {
			if _, err := add(name, "", true); err != nil {
				return err
			}
		}
		_, err := add("Finance archive", "Not published yet.", false)
		return err
	}
}

// startCatalogs starts a server with seedCatalogs' catalogs.
func startCatalogs(t testing.TB, n, packages int, extras bool) (*webtest.Env, *catalogWorld) {
	t.Helper()
	w := &catalogWorld{}
	env := webtest.Start(t, webtest.Options{Users: portalUsers, Admins: []string{"admin@example.com"}, Seed: seedCatalogs(w, n, packages, extras),
		Start: time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)})
	return env, w
}

var packageNameRe = regexp.MustCompile(`data-testid="package-item"[\s\S]*?<a href="/access/packages/[^"]+"[^>]*>([^<]+)</a>`)

// packageNames lists the names of the packages a find-access page shows.
func packageNames(page string) []string {
	var out []string
	for _, m := range packageNameRe.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestCatalogFilterFewIsASelect: with up to a dozen catalogs the filter lists them in a select.
func TestCatalogFilterFewIsASelect(t *testing.T) {
	env, w := startCatalogs(t, 3, 1, false)
	c, _ := signedIn(t, env, "requester@example.com")
	res, page := env.Get(t, c, "/access/packages")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if !strings.Contains(page, `<select id="package-catalog" name="catalog"`) || strings.Contains(page, `data-testid="catalog-field"`) {
		t.Fatalf("want the select and no field:\n%s", page)
	}
	for name, cat := range w.catalogs {
		if !strings.Contains(page, `<option value="`+cat.ID+`">`+name+`</option>`) {
			t.Errorf("no option for %s", name)
		}
	}
	_, page = env.Get(t, c, "/access/packages?catalog="+w.catalogs["Marketing 1"].ID)
	if got := packageNames(page); len(got) != 1 || got[0] != "Marketing 1 basics" {
		t.Errorf("by catalog id: %q", got)
	}
}

// TestCatalogFilterManyIsAField: with more catalogs the filter is a text field, the page lists
// none of them, and the name typed there (in any case), or a ?catalog=<id> link, filters.
func TestCatalogFilterManyIsAField(t *testing.T) {
	env, w := startCatalogs(t, 30, 1, true)
	c, _ := signedIn(t, env, "requester@example.com")
	_, page := env.Get(t, c, "/access/packages")
	if !strings.Contains(page, `data-testid="catalog-field"`) || strings.Contains(page, "<select") {
		t.Fatalf("want the field and no select")
	}
	if strings.Contains(page, "<option") {
		t.Errorf("the page lists catalogs")
	}

	for _, path := range []string{
		"/access/packages?catalogName=" + url.QueryEscape("  marketing 1 "),
		"/access/packages?catalog=" + w.catalogs["Marketing 1"].ID,
		"/access/packages?catalog=" + w.catalogs["Finance 1"].ID + "&catalogName=Marketing+1",
	} {
		res, page := env.Get(t, c, path)
		if got := packageNames(page); res.StatusCode != http.StatusOK || len(got) != 1 || got[0] != "Marketing 1 basics" {
			t.Errorf("%s: status %d, packages %q", path, res.StatusCode, got)
		}
		if !strings.Contains(page, `value="Marketing 1"`) && !strings.Contains(page, `value="marketing 1"`) {
			t.Errorf("%s: the field does not show the catalog's name", path)
		}
	}

	// The search is kept with the catalog; an empty name is every catalog.
	_, page = env.Get(t, c, "/access/packages?q=basics&catalogName=Legal+2")
	if got := packageNames(page); len(got) != 1 || got[0] != "Legal 2 basics" {
		t.Errorf("search in a catalog: %q", got)
	}
	_, page = env.Get(t, c, "/access/packages?catalogName=")
	if got := packageNames(page); len(got) < 10 {
		t.Errorf("no catalog: %q", got)
	}

	// htmx asks for the results region only, resolved the same way.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/access/packages?catalogName=Sales+1", nil)
	req.Header.Set("HX-Request", "true")
	_, frag := env.Follow(t, c, req)
	if got := packageNames(frag); len(got) != 1 || got[0] != "Sales 1 basics" || strings.Contains(frag, "<html") {
		t.Errorf("htmx: %q\n%s", got, frag)
	}
}

// TestCatalogFilterNameProblems: a name no requestable catalog has (an unpublished catalog's
// included) says so and how to clear it; a name two catalogs share lists both to choose from.
func TestCatalogFilterNameProblems(t *testing.T) {
	env, w := startCatalogs(t, 30, 1, true)
	c, _ := signedIn(t, env, "requester@example.com")
	for _, name := range []string{"Nowhere", "Finance archive"} {
		res, page := env.Get(t, c, "/access/packages?q=basics&catalogName="+url.QueryEscape(name))
		got := text(page)
		if res.StatusCode != http.StatusOK || !strings.Contains(got, "No catalog you can request from is named \u201c"+name+"\u201d.") {
			t.Errorf("%s: status %d: %s", name, res.StatusCode, got)
		}
		if !strings.Contains(page, `href="/access/packages?q=basics"`) || len(packageNames(page)) != 0 {
			t.Errorf("%s: no way to clear the catalog, or packages shown:\n%s", name, page)
		}
	}

	_, page := env.Get(t, c, "/access/packages?catalogName=shared+TOOLS")
	got := text(page)
	if !strings.Contains(got, "2 catalogs you can request from are named \u201cshared TOOLS\u201d") || len(packageNames(page)) != 0 {
		t.Fatalf("same name: %s", got)
	}
	for _, cat := range w.shared {
		if !strings.Contains(page, `href="/access/packages?catalog=`+cat.ID+`"`) || !strings.Contains(got, cat.Description) {
			t.Errorf("same name: no link to %s (%s)", cat.ID, cat.Description)
		}
	}
	// One of them chosen by its link stays chosen while its name is searched with, and the
	// field keeps its id; another name typed instead wins over the id.
	_, page = env.Get(t, c, "/access/packages?catalog="+w.shared[1].ID)
	if names := packageNames(page); len(names) != 1 || !strings.Contains(page, `value="Shared tools"`) ||
		!strings.Contains(page, `<input type="hidden" name="catalog" value="`+w.shared[1].ID+`">`) {
		t.Errorf("a shared name's catalog by id: %q", names)
	}
	_, page = env.Get(t, c, "/access/packages?q=basics&catalog="+w.shared[1].ID+"&catalogName=Shared+Tools")
	if names := packageNames(page); len(names) != 1 || !strings.Contains(page, `value="`+w.shared[1].ID+`"`) {
		t.Errorf("a shared name's catalog by id and name: %q", names)
	}
	_, page = env.Get(t, c, "/access/packages?catalog="+w.shared[1].ID+"&catalogName=Legal+1")
	if names := packageNames(page); len(names) != 1 || names[0] != "Legal 1 basics" {
		t.Errorf("another name typed over a chosen catalog: %q", names)
	}
}

var optionRe = regexp.MustCompile(`<option value="([^"]*)">`)

// TestCatalogSuggestions: the field's suggestions are at most ten escaped names of catalogs the
// person can request from, each once, matched by the words typed; signed-out people get none.
func TestCatalogSuggestions(t *testing.T) {
	env, _ := startCatalogs(t, 30, 1, true)
	c, _ := signedIn(t, env, "requester@example.com")
	suggest := func(q string) []string {
		t.Helper()
		res, body := env.Get(t, c, "/access/catalogs?catalogName="+url.QueryEscape(q))
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<datalist id="package-catalog-suggestions">`) {
			t.Fatalf("%q: status %d: %s", q, res.StatusCode, body)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%q: Cache-Control %q", q, cc)
		}
		if strings.Contains(body, "<b>") {
			t.Errorf("%q: unescaped: %s", q, body)
		}
		var out []string
		for _, m := range optionRe.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	if got := suggest(""); len(got) != 10 {
		t.Errorf("empty: %d suggestions: %q", len(got), got)
	}
	if got := suggest("fin"); strings.Join(got, "|") != "Finance 1|Finance 2" {
		t.Errorf("fin: %q (the unpublished archive must not be there)", got)
	}
	if got := suggest("1 mark"); strings.Join(got, "|") != "Marketing 1" {
		t.Errorf("1 mark: %q", got)
	}
	if got := suggest("shared"); strings.Join(got, "|") != "Shared tools" {
		t.Errorf("shared: %q", got)
	}
	if got := suggest("<b>fish"); strings.Join(got, "|") != "&lt;b&gt;Fish &amp; &#34;Chips&#34;&lt;/b&gt;" {
		t.Errorf("<b>fish: %q", got)
	}

	anon := env.Client(t)
	res, err := anon.Get(env.URL + "/access/catalogs?catalogName=fin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode == http.StatusOK || strings.Contains(string(body), "Finance 1") {
		t.Errorf("signed out: status %d: %s", res.StatusCode, body)
	}
}

// TestJourneyCatalogField: with many catalogs, a person types part of a catalog's name, sees it
// suggested, chooses it, and the results narrow to it in place; at phone width the page, a long
// catalog name and a name that matches nothing keep within the screen.
func TestJourneyCatalogField(t *testing.T) {
	env, _ := startCatalogs(t, 30, 1, true)
	b := browsertest.New(t)
	b.SignIn(env.URL, "demo-requester", "Riley Requester")
	b.Do(chromedp.Navigate(env.URL+"/access/packages"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="catalog-field"]`)))
	if n := countItems(t, b); n < 20 {
		t.Fatalf("%d packages before filtering", n)
	}

	b.Do(chromedp.SendKeys(chromedp.CSS(`#package-catalog`), "mark", chromedp.NodeVisible),
		chromedp.WaitReady(chromedp.CSS(`#package-catalog-suggestions option[value="Marketing 1"]`)))
	got, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#package-catalog-suggestions option"), o => o.value)`))
	if err != nil || strings.Join(got, "|") != "Marketing 1|Marketing 2" {
		t.Fatalf("suggestions for mark: %q, %v", got, err)
	}
	// Choosing a suggestion puts its value in the field and fires input, as Chromium does.
	b.Do(chromedp.Evaluate[chromedp.Void](`(() => { const f = document.getElementById("package-catalog"); f.value = "Marketing 2"; f.dispatchEvent(new Event("input", {bubbles: true})); })()`),
		waitUntil(`document.querySelectorAll('[data-testid="package-item"]').length === 1`), settled())
	if got := b.Text(`[data-testid="package-list"]`); !strings.Contains(got, "Marketing 2 basics") {
		t.Errorf("after choosing Marketing 2: %s", got)
	}
	if loc, _ := url.Parse(b.Location()); loc == nil || loc.Query().Get("catalogName") != "Marketing 2" {
		t.Errorf("location %s does not keep the catalog", loc)
	}

	// The keyboard reaches the field, and its focus shows.
	b.Do(chromedp.Focus(chromedp.CSS(`#package-q`)), chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.activeElement.id + " " + getComputedStyle(document.activeElement).boxShadow`))
	if err != nil || !strings.HasPrefix(focused, "package-catalog ") || strings.HasSuffix(focused, " none") {
		t.Errorf("tab from the search: %q, %v", focused, err)
	}

	b.Viewport(375, 780)
	for _, name := range []string{longCatalogName, "Nowhere" + strings.Repeat("ToBeFound", 8)} {
		b.Do(chromedp.Navigate(env.URL+"/access/packages?catalogName="+url.QueryEscape(name)), chromedp.WaitVisible(chromedp.CSS("main")), settled())
		b.CheckLayout("find access in " + name[:12])
		b.Screenshot("phone, " + name[:12])
	}
	b.Screenshot("phone, a catalog that matches nothing")
	b.Do(chromedp.Navigate(env.URL+"/access/packages?catalogName=shared+tools"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="catalog-same-name"]`)))
	b.CheckLayout("two catalogs of one name")
	b.Screenshot("phone, two catalogs of one name")
}

// waitUntil waits until the JavaScript expression is true.
func waitUntil(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// countItems counts the packages the page shows.
func countItems(t *testing.T, b *browsertest.Browser) int {
	t.Helper()
	n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="package-item"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkFindAccessPage serves the find-access page, browsing and searching, to a person who
// may request from 20 and from 200 catalogs (with 2 packages each, so that both fill a page),
// through the server's handler; B/page is the size of the page, and cpu-ns/op the process's CPU
// time per page, steadier than ns/op on a busy machine.
func BenchmarkFindAccessPage(b *testing.B) {
	for _, n := range []int{20, 200} {
		env, _ := startCatalogs(b, n, 2, false)
		c := env.Client(b)
		env.SignIn(b, c, "requester@example.com")
		base, _ := url.Parse(env.URL)
		cookies := c.Jar.Cookies(base)
		for _, page := range []struct{ name, path string }{{"browse", "/access/packages"}, {"search", "/access/packages?q=access"}} {
			b.Run(fmt.Sprintf("catalogs=%d/%s", n, page.name), func(b *testing.B) {
				size := 0
				b.ReportAllocs()
				cpu := entitlementtest.ProcessCPU()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, page.path, nil)
					for _, ck := range cookies {
						req.AddCookie(ck)
					}
					rec := httptest.NewRecorder()
					env.Server.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d", rec.Code)
					}
					size = rec.Body.Len()
				}
				b.ReportMetric(float64(size), "B/page")
				b.ReportMetric(float64(entitlementtest.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

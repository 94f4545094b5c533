package views_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/google/go-cmp/cmp"

	"github.com/stewardhq/steward/static"
	"github.com/stewardhq/steward/views"
)

func render(t *testing.T, comp templ.Component) (*goquery.Document, string) {
	t.Helper()
	var b bytes.Buffer
	if err := comp.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc, b.String()
}

// layout renders Layout(p) around a marker paragraph.
func layout(t *testing.T, p views.Page) (*goquery.Document, string) {
	t.Helper()
	content := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<p data-testid="content">Hello</p>`)
		return err
	})
	return render(t, templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return views.Layout(p).Render(templ.WithChildren(ctx, content), w)
	}))
}

func signedIn() views.Page {
	return views.Page{
		Title:            "Approvals",
		Section:          views.SectionApprovals,
		User:             &views.PageUser{Name: "Ada Lovelace", Email: "ada@example.com"},
		CSRFToken:        `t0k"en</script>`,
		PendingApprovals: 4,
	}
}

func TestLayoutHead(t *testing.T) {
	doc, _ := layout(t, signedIn())
	if got := doc.Find("title").Text(); got != "Approvals · Steward" {
		t.Errorf("title %q", got)
	}
	if got := doc.Find(`link[rel=stylesheet]`).AttrOr("href", ""); got != static.Path("app.css") {
		t.Errorf("stylesheet %q, want %q", got, static.Path("app.css"))
	}
	var scripts []string
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if _, ok := s.Attr("defer"); !ok {
			t.Errorf("script %s is not deferred", s.AttrOr("src", "(inline)"))
		}
		if strings.TrimSpace(s.Text()) != "" {
			t.Error("an inline script: the CSP forbids it")
		}
		scripts = append(scripts, s.AttrOr("src", ""))
	})
	if diff := cmp.Diff([]string{static.Path("htmx.min.js"), static.Path("app.js")}, scripts); diff != "" {
		t.Errorf("scripts (-want +got):\n%s", diff)
	}
	if got := doc.Find(`meta[name=csrf-token]`).AttrOr("content", ""); got != `t0k"en</script>` {
		t.Errorf("csrf meta %q", got)
	}
	if doc.Find(`meta[name=viewport]`).Length() != 1 || doc.Find(`meta[charset]`).Length() != 1 {
		t.Error("missing charset or viewport")
	}
	if doc.Find("style").Length() != 0 || doc.Find("[style]").Length() != 0 {
		t.Error("an inline style: the CSP forbids it")
	}
}

func TestLayoutCSRFHeaderForHTMX(t *testing.T) {
	doc, _ := layout(t, signedIn())
	raw, ok := doc.Find("body").Attr("hx-headers")
	if !ok {
		t.Fatal("body has no hx-headers")
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(raw), &headers); err != nil {
		t.Fatalf("hx-headers is not JSON: %v (%q)", err, raw)
	}
	if diff := cmp.Diff(map[string]string{"X-CSRF-Token": `t0k"en</script>`}, headers); diff != "" {
		t.Errorf("hx-headers (-want +got):\n%s", diff)
	}
}

func TestLayoutNavigation(t *testing.T) {
	tests := []struct {
		name        string
		page        func() views.Page
		wantNav     []string // labels of the top navigation
		wantCurrent string
		signedIn    bool
	}{
		{"member", signedIn, []string{"My access", "Approvals 4 waiting for you", "Reviews"}, "Approvals 4 waiting for you", true},
		{"administrator", func() views.Page {
			p := signedIn()
			p.Section = views.SectionAdmin
			p.User.CanAdminister = true
			return p
		}, []string{"My access", "Approvals 4 waiting for you", "Reviews", "Admin"}, "Admin", true},
		{"signed out", func() views.Page { return views.Page{Title: "Welcome"} }, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := layout(t, tt.page())
			// The desktop bar and the narrow-screen menu carry the same navigation.
			navs := doc.Find(`header nav[aria-label=Main]`)
			if tt.signedIn && navs.Length() != 2 {
				t.Fatalf("want the main navigation twice (bar and menu), got %d", navs.Length())
			}
			navs.Each(func(_ int, nav *goquery.Selection) {
				var labels []string
				nav.Find("a").Each(func(_ int, a *goquery.Selection) {
					labels = append(labels, strings.Join(strings.Fields(a.Text()), " "))
				})
				if diff := cmp.Diff(tt.wantNav, labels); diff != "" {
					t.Errorf("nav (-want +got):\n%s", diff)
				}
				cur := nav.Find(`a[aria-current=page]`)
				if got := strings.Join(strings.Fields(cur.Text()), " "); got != tt.wantCurrent {
					t.Errorf("current %q, want %q", got, tt.wantCurrent)
				}
			})
			if tt.signedIn {
				if doc.Find(`header details summary`).Length() != 1 {
					t.Error("no <details> menu for narrow screens")
				}
				forms := doc.Find(`form[method=post][action="/logout"]`)
				if forms.Length() == 0 {
					t.Fatal("no sign-out form")
				}
				forms.Each(func(_ int, f *goquery.Selection) {
					if f.Find(`input[type=hidden][name=_csrf]`).AttrOr("value", "") != `t0k"en</script>` {
						t.Error("the sign-out form has no CSRF field")
					}
				})
				if !strings.Contains(doc.Find("header").Text(), "Ada Lovelace") {
					t.Error("the signed-in person is not shown")
				}
				if doc.Find(`header a[href="/login"]`).Length() != 0 {
					t.Error("a signed-in person is offered Sign in")
				}
			} else {
				if got := doc.Find(`header a[href="/login"]`).Text(); !strings.Contains(got, "Sign in") {
					t.Errorf("no Sign in link: %q", got)
				}
				if doc.Find(`form[action="/logout"]`).Length() != 0 {
					t.Error("a visitor is offered Sign out")
				}
			}
		})
	}
}

func TestLayoutBody(t *testing.T) {
	p := signedIn()
	p.Flashes = []views.Flash{{Kind: "success", Message: "Request sent."}, {Kind: "error", Message: "<b>nope</b>"}}
	p.Breadcrumbs = []views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: "Finance"}}
	p.AdminNav = []views.NavItem{{Label: "Dashboard", URL: "/admin"}, {Label: "Catalogs", URL: "/admin/catalogs", Current: true}}
	doc, _ := layout(t, p)

	if got := doc.Find(`a[href="#main"]`).First().Text(); got != "Skip to content" {
		t.Errorf("skip link %q", got)
	}
	if doc.Find(`main#main [data-testid=content]`).Length() != 1 {
		t.Error("the children are not inside <main id=main>")
	}
	if got := doc.Find(`[data-flash]`).Length(); got != 2 {
		t.Errorf("%d flashes, want 2", got)
	}
	if doc.Find("main b").Length() != 0 {
		t.Error("a flash message became markup")
	}
	if got := doc.Find(`nav[aria-label=Breadcrumb] [aria-current=page]`).Text(); got != "Finance" {
		t.Errorf("breadcrumb %q", got)
	}
	if got := doc.Find(`nav[aria-label=Admin] a[aria-current=page]`).Text(); got != "Catalogs" {
		t.Errorf("admin nav current %q", got)
	}
	if doc.Find("footer").Length() != 1 {
		t.Error("no footer")
	}

	doc, _ = layout(t, signedIn())
	if doc.Find(`nav[aria-label=Admin]`).Length() != 0 || doc.Find(`nav[aria-label=Breadcrumb]`).Length() != 0 {
		t.Error("empty admin nav or breadcrumbs rendered")
	}
}

func TestErrorPage(t *testing.T) {
	tests := []struct {
		status        int
		title, msg    string
		requestID     string
		wantTitle     string
		wantRequestID bool
	}{
		{403, "", "", "", "You don't have access to this page", false},
		{404, "", "", "r-1", "We couldn't find that page", false},
		{409, "", "", "", "That could not be done now", false},
		{500, "", "", "01J9ZK3T8Q7R", "Something went wrong on our side", true},
		{404, "No such catalog", "It may have been deleted.", "", "No such catalog", false},
	}
	for _, tt := range tests {
		t.Run(tt.wantTitle, func(t *testing.T) {
			doc, _ := render(t, views.ErrorPage(signedIn(), tt.status, tt.title, tt.msg, tt.requestID))
			if got := doc.Find("main h1").Text(); got != tt.wantTitle {
				t.Errorf("h1 %q, want %q", got, tt.wantTitle)
			}
			if tt.msg != "" && !strings.Contains(doc.Find("main").Text(), tt.msg) {
				t.Errorf("message %q missing", tt.msg)
			}
			id := doc.Find(`[data-testid=request-id]`)
			if tt.wantRequestID {
				if id.Text() != tt.requestID {
					t.Errorf("request id %q, want %q", id.Text(), tt.requestID)
				}
			} else if id.Length() != 0 {
				t.Error("request id shown for a client error")
			}
			if doc.Find(`main a[href="/"]`).Length() != 1 {
				t.Error("no link home")
			}
		})
	}
}

func TestSignedOutAndLandingPages(t *testing.T) {
	doc, _ := render(t, views.SignedOutPage(views.Page{Title: "Signed out"}))
	if got := doc.Find(`main a[href="/login"]`).Text(); !strings.Contains(got, "Sign in") {
		t.Errorf("signed-out page sign-in link %q", got)
	}

	doc, _ = render(t, views.LandingPage(views.Page{Title: "Welcome"}, "/login?next=%2Fapprovals"))
	if got := doc.Find(`main [data-testid=sign-in]`).AttrOr("href", ""); got != "/login?next=%2Fapprovals" {
		t.Errorf("landing sign-in href %q", got)
	}
	if !strings.Contains(doc.Find("main").Text(), "Steward") {
		t.Error("the landing page does not say what Steward is")
	}
}

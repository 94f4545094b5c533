package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// scaleAdmin is the administrator of BenchmarkAdminPagesScale, who creates (and so owns) every
// catalog, as bench gen's administrator does.
var scaleAdmin = demoidp.User{Subject: "scale-admin", Email: "admin@scale.example", Name: "Scale Admin"}

// scaleTenant is a tenant built through the service, as bench gen builds it, at one of its sizes:
// people named user<i>@bench.example (so that "user12" matches 111 of 5,000 and 1,111 of
// 50,000), and catalogs of 25 packages and 3 resources each.
type scaleTenant struct {
	env      *webtest.Env
	admin    context.Context
	users    int
	catalogs int
	cookies  []*http.Cookie
}

func (s *scaleTenant) growUsers(b *testing.B, n int) {
	first := []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam"}
	last := []string{"Adams", "Berg", "Costa", "Diaz", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski"}
	for s.users < n {
		var csv strings.Builder
		csv.WriteString("displayName,mail,department,jobTitle\n")
		for range min(10_000, n-s.users) {
			s.users++
			fmt.Fprintf(&csv, "%s %s,user%d@bench.example,Finance,Analyst\n", first[s.users%len(first)], last[s.users%len(last)], s.users)
		}
		if _, err := s.env.Svc.ImportUsers(s.admin, strings.NewReader(csv.String())); err != nil {
			b.Fatalf("import people: %v", err)
		}
	}
}

func (s *scaleTenant) growCatalogs(b *testing.B, n int) {
	for ; s.catalogs < n; s.catalogs++ {
		i := s.catalogs
		c, err := s.env.Svc.CreateCatalog(s.admin, entitlement.CatalogInput{DisplayName: fmt.Sprintf("Catalog %03d", i),
			Description: "Tools and teams of one part of the organisation.", Published: true, IsExternallyVisible: i%10 == 0})
		if err != nil {
			b.Fatal(err)
		}
		for _, kind := range []string{"app", "site", "tool"} {
			u := fmt.Sprintf("https://%s%d.bench.example", kind, i)
			in := entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, OriginID: u, DisplayName: fmt.Sprintf("%s %d", kind, i),
				URL: u, Roles: []string{"Reader", "Writer"}, Justification: "bench"}
			if _, err := s.env.Svc.AddResource(s.admin, c.ID, in); err != nil {
				b.Fatal(err)
			}
		}
		for k := range 25 {
			in := entitlement.AccessPackageInput{CatalogID: c.ID, DisplayName: fmt.Sprintf("Access %d.%d", i, k), Description: "Access for load tests."}
			if _, err := s.env.Svc.CreateAccessPackage(s.admin, in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// get serves one GET through the server's router as the signed-in administrator, without the
// loopback connection, and fails the benchmark unless it is a 200 with want in it.
func (s *scaleTenant) get(b *testing.B, path, want string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, c := range s.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.env.Server.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("GET %s = %d, lacks %q: %.300s", path, rec.Code, want, rec.Body)
	}
}

// startScaleTenant boots a server with a tenant of the given size and signs its administrator in.
func startScaleTenant(b *testing.B, users, catalogs int) *scaleTenant {
	s := &scaleTenant{}
	s.env = webtest.Start(b, webtest.Options{Users: []demoidp.User{scaleAdmin}, Admins: []string{scaleAdmin.Email},
		Seed: func(ctx context.Context, svc *entitlement.Service, _ *store.Store) error {
			u, err := svc.SignIn(ctx, entitlement.Claims{Issuer: "seed", Subject: "seed-" + scaleAdmin.Subject, Email: scaleAdmin.Email, Name: scaleAdmin.Name})
			s.admin = entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email, IsAdmin: true})
			return err
		}})
	s.growUsers(b, users)
	s.growCatalogs(b, catalogs)
	c := s.env.Client(b)
	s.env.SignIn(b, c, scaleAdmin.Email)
	base, err := url.Parse(s.env.URL)
	if err != nil {
		b.Fatal(err)
	}
	s.cookies = c.Jar.Cookies(base)
	return s
}

// BenchmarkAdminPagesScale serves the admin pages of issue 16 that grew with the tenant, as the
// administrator who owns every catalog, from two tenants in one process: bench gen's tenth
// (5,000 people, 20 catalogs, 500 packages) and full scale (50,000, 200, 5,000). Each round asks
// each tenant for the page in turn, so that the load other work puts on the machine falls on both
// alike, and reports each one's median time (issue 16 compares p50s) and their ratio, which
// should be at most 1.2. The catalogs page shows 20 rows at a tenth and 25 (a page) at full scale,
// so it is also asked of the tenth with 25 catalogs ("tenth25"), to tell its growth with the
// tenant from its 5 more rows.
func BenchmarkAdminPagesScale(b *testing.B) {
	tenth, tenth25, full := startScaleTenant(b, 5_000, 20), startScaleTenant(b, 5_000, 25), startScaleTenant(b, 50_000, 200)
	type at struct {
		name   string
		tenant *scaleTenant
	}
	for _, p := range []struct {
		name, path, want string
		at               []at
	}{
		{"catalogs", "/admin/catalogs", "Catalog 000", []at{{"tenth", tenth}, {"tenth25", tenth25}, {"full", full}}},
		{"users", "/admin/directory/users", "bench.example", []at{{"tenth", tenth}, {"full", full}}},
		{"users search", "/admin/directory/users?q=user12", "user12", []at{{"tenth", tenth}, {"full", full}}},
	} {
		b.Run(p.name, func(b *testing.B) {
			took := make([][]time.Duration, len(p.at))
			for b.Loop() {
				for i, a := range p.at {
					start := time.Now()
					// Labelled, so that -tagfocus=tenant=full picks one tenant's requests out of a profile.
					pprof.Do(context.Background(), pprof.Labels("tenant", a.name), func(context.Context) { a.tenant.get(b, p.path, p.want) })
					took[i] = append(took[i], time.Since(start))
				}
			}
			for i, a := range p.at {
				b.ReportMetric(float64(median(took[i]))/1e3, a.name+"-µs")
			}
			b.ReportMetric(float64(median(took[len(took)-1]))/float64(median(took[0])), "full/tenth")
		})
	}
}

// median is the middle of the durations, which it sorts.
func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

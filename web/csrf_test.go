package web_test

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/web/webtest"
)

// storeHash is a digest of the whole store: it changes with any write.
func storeHash(t *testing.T, env *webtest.Env) [32]byte {
	t.Helper()
	h := sha256.New()
	if _, err := env.Store.Backup(h); err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// TestReadsChangeNothingAndWritesNeedCSRF checks the route table's promise: a GET changes nothing
// (every GET route, as an administrator and as a requester, with the usual query parameters),
// and every POST route refuses a request without the CSRF token, or with a forged one, before it
// changes anything, also when it comes as htmx or as a GET.
func TestReadsChangeNothingAndWritesNeedCSRF(t *testing.T) {
	env := startAdminDemo(t)
	deliver(t, env)
	ids := idsOfCatalog(t, env, "Engineering")
	var before [32]byte
	query := "?q=a&show=all&state=all&type=application&kinds=user,group,org&policyId=x&after=&from=25"
	var posts []string
	gets := map[string]bool{}
	for _, r := range env.Server.Routes() {
		if r.Method == http.MethodGet {
			gets[r.Path] = true
		}
	}
	for _, who := range []string{"admin@example.com", "requester@example.com"} {
		c := env.Client(t)
		env.SignIn(t, c, who)
		before = storeHash(t, env) // signing in records the sign-in
		for _, r := range env.Server.Routes() {
			path := ids.fill(r.Path)
			switch {
			case strings.HasPrefix(r.Path, "/idp"), strings.HasPrefix(r.Path, "/static"), strings.HasPrefix(r.Path, "/scim/") /* SCIM has its own tests: bearer tokens, no cookies */, strings.HasPrefix(r.Path, "/beta"), /* so has the API */
				strings.HasPrefix(r.Path, "/callbacks/") /* webhook receivers' confirmations: a one-time token, no cookies (provision tests) */, r.Path == "/login", r.Path == "/auth/callback":
				continue
			case r.Method == http.MethodPost:
				if who == "admin@example.com" {
					posts = append(posts, path)
				}
				if !gets[r.Path] {
					// The same address as a GET is not a way around the form.
					res, _ := env.Get(t, c, path)
					if res.StatusCode < 400 {
						t.Errorf("GET %s (a POST route): %d", r.Path, res.StatusCode)
					}
				}
				continue
			case r.Method != http.MethodGet:
				continue
			}
			env.Get(t, c, path)
			env.Get(t, c, path+query)
			if after := storeHash(t, env); after != before {
				t.Errorf("GET %s as %s changed the store", r.Path, who)
				before = after
			}
		}
	}
	c := env.Client(t)
	page := env.SignIn(t, c, "admin@example.com")
	csrf := webtest.CSRF(t, page)
	before = storeHash(t, env)
	form := url.Values{"displayName": {"Changed"}, "decision": {"approve"}, "published": {"false"}, "blocked": {"true"}, "days": {"5"}}
	for _, path := range posts {
		for _, tc := range []struct {
			name   string
			token  string
			header bool
		}{{"no token", "", false}, {"a forged token", strings.Repeat("A", len(csrf)), false}, {"a forged htmx header", "forged", true}} {
			req, err := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(withToken(form, tc.token, tc.header).Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.header {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("X-CSRF-Token", tc.token)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %s: %d, want 403", path, tc.name, res.StatusCode)
			}
		}
	}
	if storeHash(t, env) != before {
		t.Errorf("a POST without a valid CSRF token changed the store")
	}
}

func withToken(form url.Values, token string, header bool) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	if token != "" && !header {
		out.Set("_csrf", token)
	}
	return out
}

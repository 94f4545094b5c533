package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/web/webtest"
)

// signInVia starts sign-in at loginPath (a /login URL with its next parameter), signs in as Riley
// and returns where Steward sends the browser after the callback.
func signInVia(t *testing.T, env *webtest.Env, loginPath string) string {
	t.Helper()
	c := env.Client(t)
	if _, _, err := env.StartSignIn(c); err != nil { // learns where the provider is
		t.Fatal(err)
	}
	res, err := c.Get(env.URL + loginPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET %.80s (%d bytes): %d", loginPath, len(loginPath), res.StatusCode)
		return ""
	}
	res, page := env.Follow(t, c, mustGet(t, res.Header.Get("Location")))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("provider page: %d", res.StatusCode)
	}
	cb, err := env.PickUserUntilCallback(c, page, "demo-riley")
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("Location")
}

// TestSignInFromALongLink follows a long link (a search of a few kilobytes) while signed out:
// sign-in must start, and end on the home page when the link is too long to remember, instead of
// failing because the session cookie cannot hold it. A short link is remembered.
func TestSignInFromALongLink(t *testing.T) {
	env := start(t)
	for _, tc := range []struct {
		query    string
		remember bool
	}{{"short", true}, {strings.Repeat("a", 3000), false}, {strings.Repeat("b", 6000), false}} {
		c := env.Client(t)
		res, err := c.Get(env.URL + "/access/packages?q=" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		login := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(login, "/login") {
			t.Fatalf("signed out: %d to %q", res.StatusCode, login)
		}
		want := "/"
		if tc.remember {
			want = "/access/packages?q=" + tc.query
		}
		if got := signInVia(t, env, login); got != want {
			t.Errorf("after sign-in from a link of %d bytes: to %.80q, want %.80q", len(login), got, want)
		}
	}
}

// TestSignInNextStaysOnSteward forges the next parameter of /login: after sign-in the browser
// goes to a path of Steward, never to another site.
func TestSignInNextStaysOnSteward(t *testing.T) {
	env := start(t)
	for _, next := range []string{
		"https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/", "/\t/evil.example/",
		"javascript:alert(1)", "http:evil.example", "/%2F%2Fevil.example", " //evil.example", "/access/requests",
	} {
		got := signInVia(t, env, "/login?next="+url.QueryEscape(next))
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t") {
			t.Errorf("next %q: sent to %q", next, got)
		}
	}
}

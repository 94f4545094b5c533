package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/handlers/graph"
)

// adminEmail is the configured administrator of every test tenant.
const adminEmail = "admin@corp.example"

// apiServer is the API on a temp store behind a real HTTP server. The package's tests are about
// the API's shapes and rules, so a test middleware reads "Authorization: Bearer <user id>" and
// puts that user's real principal (PrincipalFor: enabled, administrator by configuration) in the
// context; web's tests drive the same routes with real API and access tokens (TestScriptJourney).
type apiServer struct {
	t     testing.TB
	env   *entitlementtest.Env
	srv   *httptest.Server
	e     *echo.Echo
	admin entitlement.User
}

func newAPI(t testing.TB) *apiServer {
	t.Helper()
	env := entitlementtest.Open(t, entitlementtest.Options{Admins: entitlement.AdminRule{Emails: []string{adminEmail}}})
	admin := env.User("Ada Admin", func(u *entitlement.User) { u.Email, u.UserPrincipalName = adminEmail, adminEmail })
	e := echo.New()
	e.HTTPErrorHandler = graph.HandleError
	g := e.Group("/beta", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer "); ok {
				p, err := env.Svc.PrincipalFor(c.Request().Context(), tok)
				if err != nil {
					return err
				}
				c.SetRequest(c.Request().WithContext(entitlement.WithPrincipal(c.Request().Context(), p)))
			}
			return next(c)
		}
	})
	graph.Register(g, env.Svc)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &apiServer{t: t, env: env, srv: srv, e: e, admin: admin}
}

// response is one API answer, its body decoded as JSON.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// do sends a request as the user (nobody when as is empty) with a JSON body (nil for none).
func (s *apiServer) do(as entitlement.User, method, path string, body any) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = s.srv.URL + "/beta" + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as.ID != "" {
		req.Header.Set("Authorization", "Bearer "+as.ID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			s.t.Fatalf("%s %s: the body is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// want fails the test unless the response has the status.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Raw)
	}
	return r
}

// str returns a string property, failing the test when it is missing or not a string.
func (r response) str(t testing.TB, key string) string {
	t.Helper()
	return str(t, r.Body, key)
}

func str(t testing.TB, m map[string]any, key string) string {
	t.Helper()
	v, ok := m[key].(string)
	if !ok {
		t.Fatalf("property %q is %T (%v), want a string, in %v", key, m[key], m[key], m)
	}
	return v
}

// values returns the value array of a collection, checking its @odata.context.
func (r response) values(t testing.TB) []map[string]any {
	t.Helper()
	if _, ok := r.Body["@odata.context"].(string); !ok {
		t.Fatalf("collection without @odata.context: %s", r.Raw)
	}
	raw, ok := r.Body["value"].([]any)
	if !ok {
		t.Fatalf("collection without a value array: %s", r.Raw)
	}
	out := make([]map[string]any, len(raw))
	for i, v := range raw {
		out[i] = v.(map[string]any)
	}
	return out
}

// hasTypes checks that each named property is present with the JSON type given: "string",
// "bool", "number", "null", "object", "array", "time" (an ISO-8601 UTC string).
func hasTypes(t testing.TB, m map[string]any, types map[string]string) {
	t.Helper()
	for k, want := range types {
		v, ok := m[k]
		if !ok {
			t.Errorf("property %q is missing in %v", k, m)
			continue
		}
		got := "object"
		switch x := v.(type) {
		case nil:
			got = "null"
		case string:
			got = "string"
			if want == "time" && len(x) >= 20 && strings.HasSuffix(x, "Z") && x[10] == 'T' {
				got = "time"
			}
		case bool:
			got = "bool"
		case float64:
			got = "number"
		case []any:
			got = "array"
		}
		if got != want {
			t.Errorf("property %q is %s (%v), want %s", k, got, v, want)
		}
	}
}

// graphError checks Graph's error shape and returns the code.
func (r response) graphError(t testing.TB, status int) string {
	t.Helper()
	r.want(t, status)
	e, ok := r.Body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.Raw)
	}
	hasTypes(t, e, map[string]string{"code": "string", "message": "string", "innerError": "object"})
	inner := e["innerError"].(map[string]any)
	hasTypes(t, inner, map[string]string{"request-id": "string", "date": "string"})
	if str(t, e, "message") == "" {
		t.Errorf("empty error message: %s", r.Raw)
	}
	return str(t, e, "code")
}

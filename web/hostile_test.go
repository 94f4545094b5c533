package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/web/webtest"
)

// This file throws malformed and forged input at every route of the route table and checks that
// the server answers with a clear refusal (4xx) or a page, never a 5xx, and that nothing already
// saved is lost on the way.

// hostileIDs names one real record of each kind, for the routes' path parameters.
type hostileIDs struct {
	catalog, resource, pkg, policy, request, assignment, user, group, org string
}

// idsOfCatalog picks records of the demo catalog with the name (a package with a policy, its
// requests and assignments) and of the directory.
func idsOfCatalog(t *testing.T, env *webtest.Env, name string) hostileIDs {
	t.Helper()
	ctx := demoAdminCtx(t, env)
	var ids hostileIDs
	cats, err := env.Svc.ListCatalogs(ctx, entitlement.ListOptions{Search: name})
	if err != nil || len(cats.Items) == 0 {
		t.Fatalf("catalog %s: %v", name, err)
	}
	ids.catalog = cats.Items[0].ID
	res, err := env.Svc.ListResources(ctx, ids.catalog, entitlement.ListOptions{})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("resources: %v", err)
	}
	ids.resource = res.Items[0].ID
	pkgs, err := env.Svc.ListCatalogPackages(ctx, ids.catalog, entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inCatalog := map[string]bool{}
	for _, p := range pkgs.Items {
		inCatalog[p.ID] = true
		pols, err := env.Svc.PoliciesOfPackage(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pols) > 0 {
			ids.pkg, ids.policy = p.ID, pols[0].ID
		}
	}
	err = env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		rs, err := tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			return err
		}
		for _, r := range rs.Items {
			if inCatalog[r.AccessPackageID] {
				ids.request = r.ID
			}
		}
		as, err := tx.Assignments().List(entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			return err
		}
		for _, a := range as.Items {
			if inCatalog[a.AccessPackageID] {
				ids.assignment = a.ID
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids.pkg == "" || ids.request == "" || ids.assignment == "" {
		t.Fatalf("the demo catalog %s lacks a package with a policy, a request or an assignment: %+v", name, ids)
	}
	ids.user = userIDByEmailEnv(t, env, ctx, "requester@example.com")
	groups, err := env.Svc.ListGroups(ctx, entitlement.ListOptions{})
	if err != nil || len(groups.Items) == 0 {
		t.Fatalf("groups: %v", err)
	}
	ids.group = groups.Items[0].ID
	orgs, err := env.Svc.ListConnectedOrganizations(ctx, entitlement.ListOptions{})
	if err != nil || len(orgs.Items) == 0 {
		t.Fatalf("orgs: %v", err)
	}
	ids.org = orgs.Items[0].ID
	return ids
}

// fill puts the ids into a route's path.
func (ids hostileIDs) fill(path string) string {
	var id string
	switch {
	case strings.HasPrefix(path, "/access/packages/"), strings.HasPrefix(path, "/admin/packages/"):
		id = ids.pkg
	case strings.HasPrefix(path, "/access/requests/"), strings.HasPrefix(path, "/approvals/"), strings.HasPrefix(path, "/admin/requests/"):
		id = ids.request
	case strings.HasPrefix(path, "/access/assignments/"):
		id = ids.assignment
	case strings.HasPrefix(path, "/admin/catalogs/"):
		id = ids.catalog
	case strings.HasPrefix(path, "/admin/policies/"):
		id = ids.policy
	case strings.HasPrefix(path, "/admin/directory/users/"):
		id = ids.user
	case strings.HasPrefix(path, "/admin/directory/groups/"):
		id = ids.group
	case strings.HasPrefix(path, "/admin/connected-organizations/"):
		id = ids.org
	}
	return strings.NewReplacer(":id", id, ":rid", ids.resource, ":aid", ids.assignment).Replace(path)
}

// hostileValues are what a careless or hostile person types or forges into any field.
var hostileValues = []string{
	"",
	"abc",
	"-1",
	"99999999999999999999999",
	"2026-13-45T99:99",
	"!!!", // not a cursor
	base64.RawURLEncoding.EncodeToString([]byte("\xff\x00not a key")),
	`"><script>alert(1)</script>`,
	"\x00\xff\xfe",
	"user:",
	strings.Repeat("x", 70000),
}

// hostileFields are the names the handlers read from queries and forms.
var hostileFields = []string{
	"after", "before", "from", "to", "show", "state", "q", "catalog", "type", "kinds", "policyId", "start", "end",
	"justification", "actor", "object", "action", "name", "prefix", "qname", "next",
	"displayName", "description", "pick", "role", "published", "kind", "id", "userType", "userId", "url", "tenants",
	"stage", "selectable", "rolesVisible", "roles", "roleScopeId", "remove", "principalId", "policy", "managerMail",
	"mail", "jobTitle", "issuer", "hidden", "federationDomain", "externallyVisible", "externalUserLifecycleAction",
	"domains", "department", "decision", "days", "connectedOrganizationId", "blocked", "assign", "users", "reason",
	"step", "draft", "op", "nav", "reached", "search", "scope", "accept", "stages", "lifecycle", "end_date",
	"s0_timeout", "s0_escalation", "s0_escalation_after", "s0_escalation_unit", "review_enabled", "review_start",
	"review_days", "q_requestors",
}

// fieldErrorRe finds the message by a field.
var fieldErrorRe = regexp.MustCompile(`id="[^"]*-error"`)

// badIDs stand in for path parameters that name nothing.
var badIDs = []string{"nope", "00000000-0000-0000-0000-000000000000", strings.Repeat("9", 3000), "%25", "%2F%2Fevil.example"}

// prober sends requests as a signed-in browser would: after a redirect it shows the next page,
// which takes the flash messages out of the session.
type prober struct {
	t    *testing.T
	env  *webtest.Env
	c    *http.Client
	csrf string
}

func (p *prober) do(method, path string, form url.Values, hx bool) (int, string) {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("_csrf", p.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, p.env.URL+path, body)
	if err != nil {
		p.t.Fatalf("%s %.100s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if hx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", p.csrf)
	}
	res, err := p.c.Do(req)
	if err != nil {
		// Also a Location the client cannot read.
		p.t.Errorf("%s %.100s: %v", method, path, err)
		return 0, ""
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if method == http.MethodPost && (res.StatusCode == http.StatusSeeOther || res.Header.Get("HX-Redirect") != "") {
		p.env.Get(p.t, p.c, "/")
	}
	return res.StatusCode, string(b)
}

// upload posts a file as the import form does.
func (p *prober) upload(path, name string, data []byte) (int, string) {
	p.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("_csrf", p.csrf); err != nil {
		p.t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		p.t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		p.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, p.env.URL+path, &body)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := p.c.Do(req)
	if err != nil {
		p.t.Fatalf("POST %s: %v", path, err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	return res.StatusCode, string(b)
}

// savedIDs lists the ids of everything the store holds, by kind.
func savedIDs(t *testing.T, env *webtest.Env) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	all := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
	err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		add := func(kind string, ids ...string) { out[kind] = append(out[kind], ids...) }
		cats, err := tx.Catalogs().List(all)
		if err != nil {
			return err
		}
		for _, x := range cats.Items {
			add("catalog", x.ID)
			res, err := tx.Resources().ByCatalog(x.ID, all)
			if err != nil {
				return err
			}
			for _, r := range res.Items {
				add("resource", r.ID)
			}
		}
		pkgs, err := tx.AccessPackages().List(all)
		if err != nil {
			return err
		}
		for _, x := range pkgs.Items {
			add("package", x.ID)
		}
		pols, err := tx.Policies().List(all)
		if err != nil {
			return err
		}
		for _, x := range pols.Items {
			add("policy", x.ID)
		}
		users, err := tx.Users().List(all)
		if err != nil {
			return err
		}
		for _, x := range users.Items {
			add("user", x.ID)
		}
		groups, err := tx.Groups().List(all)
		if err != nil {
			return err
		}
		for _, x := range groups.Items {
			add("group", x.ID)
		}
		orgs, err := tx.ConnectedOrganizations().List(all)
		if err != nil {
			return err
		}
		for _, x := range orgs.Items {
			add("org", x.ID)
		}
		rs, err := tx.Requests().List(entitlement.RequestFilter{}, all)
		if err != nil {
			return err
		}
		for _, x := range rs.Items {
			add("request", x.ID)
		}
		as, err := tx.Assignments().List(entitlement.AssignmentFilter{}, all)
		if err != nil {
			return err
		}
		for _, x := range as.Items {
			add("assignment", x.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNothingLost fails when a record saved before is gone.
func checkNothingLost(t *testing.T, env *webtest.Env, before map[string][]string) {
	t.Helper()
	after := savedIDs(t, env)
	for kind, ids := range before {
		have := map[string]bool{}
		for _, id := range after[kind] {
			have[id] = true
		}
		for _, id := range ids {
			if !have[id] {
				t.Errorf("the %s %s was lost", kind, id)
			}
		}
	}
}

// TestHostileInputOnEveryRoute sends every route of the route table, with real ids and with ids
// that name nothing, every field the handlers read set to malformed, forged or huge values, as a
// plain form and as htmx. Nothing may answer 5xx, every redirect must be readable, and no record
// may be lost (the routes that delete are sent only ids that name nothing).
func TestHostileInputOnEveryRoute(t *testing.T) {
	env := startAdminDemo(t)
	deliver(t, env)
	ids := idsOfCatalog(t, env, "Engineering")
	own := ownIDs(t, env, "requester@example.com")
	before := savedIDs(t, env)
	routes := 0
	// The portal's routes as the requester, with their own request and access, and as their
	// manager, who approves (first, while the demo data is as seeded).
	t.Run("portal", func(t *testing.T) {
		for _, r := range env.Server.Routes() {
			if r.Method != http.MethodGet && r.Method != http.MethodPost || !strings.HasPrefix(r.Path, "/access") && !strings.HasPrefix(r.Path, "/approvals") && r.Path != "/" {
				continue
			}
			for _, who := range []string{"requester@example.com", "manager@example.com"} {
				t.Run(who+" "+r.Method+" "+r.Path, func(t *testing.T) {
					t.Parallel()
					c := env.Client(t)
					p := &prober{t: t, env: env, c: c, csrf: webtest.CSRF(t, env.SignIn(t, c, who))}
					hostileRoute(t, p, own, r.Method, r.Path)
				})
			}
		}
	})
	// One subtest per route, in parallel, each as its own signed-in administrator.
	t.Run("routes", func(t *testing.T) {
		for _, r := range env.Server.Routes() {
			switch {
			case r.Method != http.MethodGet && r.Method != http.MethodPost,
				strings.HasPrefix(r.Path, "/idp"), strings.HasPrefix(r.Path, "/static"), strings.HasPrefix(r.Path, "/scim/"), strings.HasPrefix(r.Path, "/beta"), /* SCIM and the API have their own tests: bearer tokens, no cookies */
				r.Path == "/logout", r.Path == "/admin/backup":
				continue
			}
			routes++
			t.Run(r.Method+" "+r.Path, func(t *testing.T) {
				t.Parallel()
				c := env.Client(t)
				p := &prober{t: t, env: env, c: c, csrf: webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))}
				hostileRoute(t, p, ids, r.Method, r.Path)
			})
		}
	})
	if routes < 90 {
		t.Errorf("probed %d routes; the route table has more", routes)
	}
	// A damaged query string is dropped, not an error.
	c := env.Client(t)
	p := &prober{t: t, env: env, c: c, csrf: webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))}
	for _, q := range []string{"after=%%%", "before=%zz", "from=%", "q=%ff%fe"} {
		for _, path := range []string{"/access/packages", "/access/requests", "/approvals/history", "/admin/catalogs", "/admin/audit", "/admin/directory/users"} {
			if code, body := p.do(http.MethodGet, path+"?"+q, nil, false); code >= 500 {
				t.Errorf("GET %s?%s: %d %.200s", path, q, code, body)
			}
		}
	}
	checkNothingLost(t, env, before)
}

// ownIDs are idsOfCatalog's for the portal: a package the person may request, and a request and
// an assignment of theirs.
func ownIDs(t *testing.T, env *webtest.Env, email string) hostileIDs {
	t.Helper()
	ctx := demoAdminCtx(t, env)
	u, err := env.Svc.UserByID(ctx, userIDByEmailEnv(t, env, ctx, email))
	if err != nil {
		t.Fatal(err)
	}
	as := entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
	var ids hostileIDs
	offered, err := env.Svc.RequestablePackages(as, entitlement.RequestableFilter{}, entitlement.ListOptions{})
	if err != nil || len(offered.Items) == 0 {
		t.Fatalf("requestable: %v", err)
	}
	ids.pkg = offered.Items[0].Package.ID
	rs, err := env.Svc.MyRequests(as, entitlement.RequestFilter{}, entitlement.ListOptions{})
	if err != nil || len(rs.Items) == 0 {
		t.Fatalf("requests: %v", err)
	}
	ids.request = rs.Items[0].ID
	a, err := env.Svc.MyAssignments(as, entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	if err != nil || len(a.Items) == 0 {
		t.Fatalf("assignments: %v", err)
	}
	ids.assignment = a.Items[0].ID
	return ids
}

// hostileRoute sends one route every hostile value in every field, with real ids and with ids
// that name nothing.
func hostileRoute(t *testing.T, p *prober, ids hostileIDs, method, route string) {
	destroys := strings.HasSuffix(route, "/delete") || strings.HasSuffix(route, "/remove") ||
		strings.HasSuffix(route, "/block") || strings.HasSuffix(route, "/cancel")
	var paths []string
	if !destroys || !strings.Contains(route, ":") {
		paths = append(paths, ids.fill(route))
	}
	if strings.Contains(route, ":") {
		for _, bad := range badIDs {
			paths = append(paths, strings.NewReplacer(":id", bad, ":rid", bad, ":aid", bad).Replace(route))
		}
	}
	for i, path := range paths {
		bad := i > 0 || destroys && strings.Contains(route, ":") // the path names nothing
		for _, v := range hostileValues {
			for _, hx := range []bool{false, true} {
				form := url.Values{}
				for _, f := range hostileFields {
					form.Set(f, v)
					if hx {
						form.Add(f, v+"2") // and every field twice
					}
				}
				var code int
				var body string
				if method == http.MethodGet {
					code, body = p.do(method, path+"?"+form.Encode(), nil, hx)
				} else {
					code, body = p.do(method, path, form, hx)
				}
				if code >= 500 {
					t.Errorf("%s %.120s with %.40q (htmx %v): %d %.200s", method, path, v, hx, code, body)
				}
				if code == http.StatusUnprocessableEntity && !hx && !strings.Contains(body, `aria-invalid="true"`) && !fieldErrorRe.MatchString(body) &&
					!strings.Contains(body, `role="alert"`) && !strings.Contains(body, `data-testid="error-page"`) && !strings.Contains(body, `data-testid="request-blocked"`) {
					t.Errorf("%s %.120s with %.40q: 422 without a message in sight", method, path, v)
				}
				if bad && code < 400 {
					t.Errorf("%s %.120s names nothing but answered %d", method, path, code)
				}
			}
		}
	}
}

// TestHostileWizardDrafts tampers with the policy wizard's hidden draft and its buttons: invalid
// JSON, wrong types, out-of-range stage counts and indexes, huge drafts, unknown operations.
func TestHostileWizardDrafts(t *testing.T) {
	env := startAdminDemo(t)
	ids := idsOfCatalogNoActivity(t, env, "Engineering")
	before := savedIDs(t, env)
	c := env.Client(t)
	p := &prober{t: t, env: env, c: c, csrf: webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))}
	good, err := json.Marshal(views.NewPolicyDraft())
	if err != nil {
		t.Fatal(err)
	}
	user := `{"type":"singleUser","id":"` + ids.user + `"}`
	drafts := []string{
		"{", "[]", "null", `"x"`, `{"stageCount":"three"}`, `{"stageCount":1e99}`, `{"stageCount":-9999999999}`, `{"stageCount":99}`,
		`{"stages":null,"stageCount":3}`,
		`{"name":"x","stageCount":3,"stages":[` + strings.Repeat(`{"timeoutDays":"7"},`, 2000) + `{"timeoutDays":"7"}]}`,
		`{"scope":"specificDirectorySubjects","requestors":[{"type":"singleUser","id":""},{"type":"nonsense","id":"x"}]}`,
		`{"review":{"enabled":true,"reviewerType":"Reviewers","reviewers":[{"type":"groupMembers","id":"\u0000"}],"start":"2026-99-99","days":"-1"}}`,
		`{"lifecycle":"date","endDate":"0000-00-00"}`, `{"lifecycle":"days","days":"99999999999"}`, `{"lifecycle":"nonsense"}`,
		`{"name":"x","stageCount":1,"stages":[{"timeoutDays":"7","escalation":true,"escalationAfter":"12810238940076078","escalationUnit":"days","approvers":[` + user + `],"escalationApprovers":[` + user + `]}]}`,
		string(good),
		strings.Repeat(" ", 1<<20) + string(good),
	}
	forms := []url.Values{}
	for _, op := range []string{"add:s2.primary:user:x", "add:s99.primary:user:x", "add:s-1.primary:user:x", "remove:s0.approvers:99",
		"remove:requestors:-1", "addrel:s0.primary:requestorManager:9", "addrel:requestors:nonsense", "search:s0.primary", "search:nonsense", "refresh", "add:", "remove:reviewers:0"} {
		forms = append(forms, url.Values{"op": {op}, "q_s0.primary": {"a"}})
	}
	for _, nav := range []string{"next", "back", "save", "step:summary", "step:nonsense", "step:"} {
		for _, step := range []string{"", "basics", "approval", "lifecycle", "reviews", "summary", "nonsense"} {
			forms = append(forms, url.Values{"nav": {nav}, "step": {step}, "reached": {"99"}, "stages": {"3"}, "s0_timeout": {"abc"}, "s2_timeout": {"-4"}, "days": {"-1"}, "lifecycle": {"days"}})
		}
	}
	for _, path := range []string{"/admin/policies/" + ids.policy + "/edit", "/admin/packages/" + ids.pkg + "/policies/new"} {
		for _, d := range drafts {
			for _, f := range forms {
				form := url.Values{"draft": {d}}
				for k, v := range f {
					form[k] = v
				}
				if code, body := p.do(http.MethodPost, path, form, false); code >= 500 {
					t.Errorf("POST %s draft %.60q %v: %d %.200s", path, d, f, code, body)
				}
			}
		}
	}
	checkNothingLost(t, env, before)
}

// idsOfCatalogNoActivity is idsOfCatalog for a store without requests and assignments.
func idsOfCatalogNoActivity(t *testing.T, env *webtest.Env, name string) hostileIDs {
	t.Helper()
	ctx := demoAdminCtx(t, env)
	var ids hostileIDs
	cats, err := env.Svc.ListCatalogs(ctx, entitlement.ListOptions{Search: name})
	if err != nil || len(cats.Items) == 0 {
		t.Fatalf("catalog %s: %v", name, err)
	}
	pkgs, err := env.Svc.ListCatalogPackages(ctx, cats.Items[0].ID, entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs.Items {
		if pols, err := env.Svc.PoliciesOfPackage(ctx, p.ID); err == nil && len(pols) > 0 {
			ids.pkg, ids.policy = p.ID, pols[0].ID
		}
	}
	ids.catalog = cats.Items[0].ID
	ids.user = userIDByEmailEnv(t, env, ctx, "requester@example.com")
	return ids
}

// TestHostileImports uploads files a CSV import must refuse or read calmly: empty, binary, odd
// quoting, too wide, too long, too many rows, a BOM, NUL bytes, invalid UTF-8.
func TestHostileImports(t *testing.T) {
	env := startAdminDemo(t)
	before := savedIDs(t, env)
	c := env.Client(t)
	p := &prober{t: t, env: env, c: c, csrf: webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))}
	binary := make([]byte, 4096)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	files := map[string][]byte{
		"empty":       {},
		"binary":      binary,
		"header only": []byte("displayName,mail\n"),
		"bom":         []byte("\xef\xbb\xbfdisplayName,mail\nBom Person,bom@example.com\n"),
		"open quote":  []byte("displayName,mail\n\"A,a@example.com\n"),
		"wide":        []byte(strings.Repeat("x,", 5000) + "\n"),
		"long line":   []byte("displayName,mail\n" + strings.Repeat("y", 2<<20) + ",b@example.com\n"),
		"many rows":   []byte("displayName,mail\n" + strings.Repeat("Z,z@example.com\n", 60000)),
		"crlf":        []byte("group,description,memberMail\r\nG,\"d\r\n\",x@example.com\r\n"),
		"nul":         []byte("displayName,mail\n\x00,\x00\n"),
		"too big":     bytes.Repeat([]byte("a"), 11<<20),
		"bad utf-8":   []byte("displayName,mail\n\xff\xfe,u@example.com\n"),
		"same column": []byte("mail,mail,displayName\na@example.com,b@example.com,A\n"),
	}
	for _, kind := range []string{"users", "groups"} {
		for name, data := range files {
			code, body := p.upload("/admin/directory/"+kind+"/import", name+".csv", data)
			if code >= 500 {
				t.Errorf("import %s %q: %d %.300s", kind, name, code, body)
			}
		}
	}
	checkNothingLost(t, env, before)
}

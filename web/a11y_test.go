package web_test

import (
	"github.com/stewardhq/steward/entitlement"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stewardhq/steward/web/webtest"
)

// a11yProblems lists what keeps a page from being used with a keyboard or a screen reader: form
// controls without a label, references to ids that do not exist, fields marked invalid without
// their message linked, duplicate ids, buttons and links without a name, clickable elements that
// are not buttons or links, and focusable elements whose focus ring was taken away.
func a11yProblems(body string) []string {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	ids := map[string]int{}
	doc.Find("[id]").Each(func(_ int, s *goquery.Selection) { ids[s.AttrOr("id", "")]++ })
	for id, n := range ids {
		if n > 1 {
			out = append(out, "duplicate id "+id)
		}
	}
	describe := func(s *goquery.Selection) string {
		h, _ := goquery.OuterHtml(s)
		if i := strings.Index(h, ">"); i > 0 {
			h = h[:i+1]
		}
		return h
	}
	doc.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		switch s.AttrOr("type", "") {
		case "hidden", "submit", "button", "reset", "image":
			return
		}
		id := s.AttrOr("id", "")
		labelled := s.AttrOr("aria-label", "") != "" || s.AttrOr("aria-labelledby", "") != "" || s.AttrOr("title", "") != "" ||
			s.ParentsFiltered("label").Length() > 0 ||
			(id != "" && doc.Find(`label[for="`+id+`"]`).Length() > 0)
		if !labelled {
			out = append(out, "no label: "+describe(s))
		}
		if s.AttrOr("aria-invalid", "") == "true" {
			ok := false
			for _, ref := range strings.Fields(s.AttrOr("aria-describedby", "")) {
				if strings.TrimSpace(doc.Find("#"+ref).Text()) != "" {
					ok = true
				}
			}
			if !ok {
				out = append(out, "invalid without its message linked: "+describe(s))
			}
		}
	})
	described := map[string]bool{}
	doc.Find("[aria-describedby]").Each(func(_ int, s *goquery.Selection) {
		for _, ref := range strings.Fields(s.AttrOr("aria-describedby", "")) {
			described[ref] = true
		}
	})
	doc.Find(`[id$="-error"]`).Each(func(_ int, s *goquery.Selection) {
		if !described[s.AttrOr("id", "")] {
			out = append(out, "a field's message not linked to its field: "+describe(s))
		}
	})
	doc.Find("[aria-describedby], [aria-labelledby], [aria-controls], label[for]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"aria-describedby", "aria-labelledby", "aria-controls", "for"} {
			for _, ref := range strings.Fields(s.AttrOr(attr, "")) {
				if ids[ref] == 0 {
					out = append(out, attr+" names a missing id "+ref+": "+describe(s))
				}
			}
		}
	})
	doc.Find("button, a[href]").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "" && s.AttrOr("aria-label", "") == "" && s.AttrOr("title", "") == "" && s.Find("[aria-label], img[alt]").Length() == 0 {
			out = append(out, "no name: "+describe(s))
		}
	})
	doc.Find("[hx-get], [hx-post], [onclick], [data-dialog-open], [data-dismiss], [data-dialog-close]").Each(func(_ int, s *goquery.Selection) {
		switch goquery.NodeName(s) {
		case "a", "button", "input", "select", "textarea", "form", "body":
			return
		}
		if s.AttrOr("role", "") == "button" && s.AttrOr("tabindex", "") != "" {
			return
		}
		trigger := s.AttrOr("hx-trigger", "")
		if trigger != "" && !strings.Contains(trigger, "click") {
			return // loads or polls, nothing to press
		}
		out = append(out, "clickable but not a button or link: "+describe(s))
	})
	// The patterns are written so that Tailwind, which scans this directory for class names,
	// does not read them as classes to build.
	noRing := regexp.MustCompile(`(^|\s)(focus[:])?out[l]ine[-]none(\s|$)`)
	ringRe := regexp.MustCompile(`focus(-visible)?[:](ring|out[l]ine|bord[e]r)`)
	doc.Find("a[href], button, input, select, textarea, summary, [tabindex]").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("tabindex", "") == "-1" {
			return // focused only by script, such as the skip link's target
		}
		class := s.AttrOr("class", "")
		if noRing.MatchString(class) && !ringRe.MatchString(class) {
			out = append(out, "focus not visible: "+describe(s))
		}
	})
	return out
}

// TestPagesAreAccessible checks every page of the route table, as an administrator and as a
// requester, and the forms that come back with messages.
func TestPagesAreAccessible(t *testing.T) {
	env := startAdminDemo(t)
	deliver(t, env)
	ids := idsOfCatalog(t, env, "Engineering")
	seen := map[string]bool{}
	report := func(what, body string) {
		t.Helper()
		for _, p := range a11yProblems(body) {
			if !seen[p] {
				seen[p] = true
				t.Errorf("%s: %s", what, p)
			}
		}
	}
	for _, who := range []string{"admin@example.com", "requester@example.com", "manager@example.com"} {
		c := env.Client(t)
		env.SignIn(t, c, who)
		for _, r := range env.Server.Routes() {
			if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/idp") || strings.HasPrefix(r.Path, "/static") || strings.HasPrefix(r.Path, "/scim/") || strings.HasPrefix(r.Path, "/beta") /* SCIM and the API have their own tests: bearer tokens, no cookies */ ||
				r.Path == "/login" || r.Path == "/auth/callback" || strings.HasSuffix(r.Path, ".csv") || strings.HasSuffix(r.Path, ".json") {
				continue
			}
			for _, q := range []string{"", "?q=a&kinds=user,group,org&show=all&state=all&type=application"} {
				path := ids.fill(r.Path) + q
				_, body := env.Get(t, c, path)
				report(who+" GET "+path, body)
			}
		}
	}
	// Forms with messages.
	c := env.Client(t)
	csrf := webtest.CSRF(t, env.SignIn(t, c, "admin@example.com"))
	bad := url.Values{"displayName": {""}, "mail": {"not an address"}, "name": {""}, "nav": {"next"}, "step": {"basics"},
		"days": {"abc"}, "start": {"2026-13-45"}, "end": {"nope"}, "policyId": {"x"}, "assign": {"1"}, "type": {"application"}, "add": {"1"},
		"actor": {"nobody-at-all"}, "from": {"2026-99-99"}}
	for _, path := range []string{
		"/admin/catalogs", "/admin/catalogs/" + ids.catalog + "/edit", "/admin/catalogs/" + ids.catalog + "/packages/new",
		"/admin/catalogs/" + ids.catalog + "/resources", "/admin/packages/" + ids.pkg + "/edit",
		"/admin/packages/" + ids.pkg + "/policies/new", "/admin/packages/" + ids.pkg + "/assignments/new",
		"/admin/directory/users/new", "/admin/directory/groups/new", "/admin/connected-organizations/new", "/admin/settings",
		"/admin/directory/users/" + ids.user + "/edit", "/admin/directory/groups/" + ids.group + "/edit",
		"/admin/connected-organizations/" + ids.org + "/edit",
		"/access/packages/" + ids.pkg + "/request",
		"/admin/directory-sync", "/admin/directory-sync/scim-tokens",
	} {
		res, body := env.PostForm(t, c, path, csrf, cloneValues(bad))
		if res.StatusCode < 400 {
			t.Logf("POST %s: %d (no messages)", path, res.StatusCode)
		}
		report("admin POST "+path, body)
	}
	// Lists whose additions come back refused.
	nobody := "user:01900000-0000-7000-8000-000000000000"
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/admin/connected-organizations/" + ids.org + "/sponsors", url.Values{"kind": {"internal"}, "pick": {nobody}}},
		{"/admin/connected-organizations/" + ids.org + "/sponsors", url.Values{"kind": {"external"}, "pick": {nobody}}},
		{"/admin/catalogs/" + ids.catalog + "/roles", url.Values{"role": {"Owner"}, "pick": {nobody}}},
		{"/admin/catalogs/" + ids.catalog + "/roles", url.Values{"role": {"nonsense"}, "pick": {"user:" + ids.user}}},
		{"/admin/directory/groups/" + ids.group + "/members", url.Values{"pick": {nobody}}},
		{"/admin/settings/catalog-creators", url.Values{"pick": {nobody}}},
		{"/admin/packages/" + ids.pkg + "/roles", url.Values{"role": {"a|b|c"}}},
		{"/admin/packages/" + ids.pkg + "/roles", url.Values{"role": {"nonsense"}}},
		{"/admin/catalogs/" + ids.catalog + "/resources", url.Values{"type": {"group"}, "pick": {"group:" + ids.group}}},
		{"/admin/catalogs/" + ids.catalog + "/resources", url.Values{"type": {"group"}, "pick": {"group:01900000-0000-7000-8000-000000000000"}}},
	} {
		res, body := env.PostForm(t, c, tc.path, csrf, tc.form)
		if res.StatusCode < 400 {
			t.Logf("POST %s %v: %d (no messages)", tc.path, tc.form, res.StatusCode)
		}
		report("admin POST "+tc.path, body)
	}

	// The wizard's steps with messages.
	draft := `{"name":"Checked","scope":"AllExistingDirectoryMemberUsers","acceptRequests":true,"stageCount":2,"lifecycle":"days","days":"30","review":{"enabled":true}}`
	for _, form := range []url.Values{
		{"step": {"requestors"}, "scope": {"SpecificDirectorySubjects"}, "nav": {"next"}},
		{"step": {"approval"}, "stages": {"2"}, "s0_timeout": {"abc"}, "s1_timeout": {"99"}, "s0_escalation": {"on"}, "s0_escalation_after": {"x"}, "nav": {"next"}},
		{"step": {"lifecycle"}, "lifecycle": {"days"}, "days": {"abc"}, "can_extend": {"on"}, "nav": {"next"}},
		{"step": {"lifecycle"}, "lifecycle": {"date"}, "end_date": {"2026-99-99"}, "nav": {"next"}},
		{"step": {"reviews"}, "review_enabled": {"on"}, "review_days": {"abc"}, "review_start": {"nope"}, "review_reviewer_type": {"Reviewers"}, "nav": {"next"}},
		{"step": {"reviews"}, "review_enabled": {"on"}, "review_days": {"14"}, "review_reviewer_type": {"Reviewers"}, "nav": {"next"}},
		{"step": {"summary"}, "nav": {"save"}},
	} {
		form.Set("draft", draft)
		form.Set("reached", "5")
		res, body := env.PostForm(t, c, "/admin/packages/"+ids.pkg+"/policies/new", csrf, form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Logf("wizard %v: %d (no messages)", form, res.StatusCode)
		}
		report("admin POST the wizard at "+form.Get("step"), body)
	}
	for _, kind := range []string{"users", "groups"} {
		res, body := env.PostForm(t, c, "/admin/directory/"+kind+"/import", csrf, url.Values{}) // no file
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("import without a file: %d", res.StatusCode)
		}
		report("admin POST an import without a file", body)
	}
	_, body := env.Get(t, c, "/admin/audit?actor=nobody-at-all&from=2026-99-99")
	report("admin GET audit with a bad filter", body)

	// Fragments that htmx swaps into pages.
	for _, path := range []string{"/access/packages?q=a", "/admin/people?kinds=user,group,org&q=a&name=pick&prefix=add:requestors:"} {
		req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("HX-Request", "true")
		res, body := env.Follow(t, c, req)
		if res.StatusCode != http.StatusOK {
			t.Errorf("htmx GET %s: %d", path, res.StatusCode)
		}
		report("htmx GET "+path, body)
	}
	mc := env.Client(t)
	mcsrf := webtest.CSRF(t, env.SignIn(t, mc, "manager@example.com"))
	_, body = env.Get(t, mc, "/approvals")
	if m := regexp.MustCompile(`action="/approvals/([^/"]+)/decide"`).FindStringSubmatch(body); m != nil {
		_, card := postHTMX(t, env, mc, "/approvals/"+m[1]+"/decide", mcsrf, url.Values{"decision": {"deny"}, "stage": {"1"}, "reason": {strings.Repeat("r", 5000)}})
		report("htmx decide with a reason too long", card)
	} else {
		t.Errorf("nothing waits for the manager")
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

// TestPortalFormsWithMessagesAreAccessible scans the request and extend forms as they come back
// with messages.
func TestPortalFormsWithMessagesAreAccessible(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	for _, form := range []url.Values{
		{"policyId": {w.policies[w.finance.ID].ID}, "start": {"2026-13-45T99:99"}, "end": {"nope"}},
		{"policyId": {"not-a-policy"}, "justification": {strings.Repeat("j", 5000)}},
		{"policyId": {w.policies[w.finance.ID].ID}, "justification": {"x"}, "start": {"2020-01-01T00:00"}, "end": {"2019-01-01T00:00"}},
	} {
		res, body := env.PostForm(t, c, "/access/packages/"+w.finance.ID+"/request", csrf, form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("request %v: %d", form, res.StatusCode)
		}
		for _, p := range a11yProblems(body) {
			t.Errorf("request form %v: %s", form, p)
		}
	}
	res, _ := env.PostForm(t, c, "/access/packages/"+w.github.ID+"/request", csrf, url.Values{"policyId": {w.policies[w.github.ID].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	deliver(t, env)
	page, err := env.Svc.MyAssignments(w.as("requester@example.com"), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("assignments: %v", err)
	}
	env.Clock.Advance(20 * 24 * time.Hour) // into the last two weeks, when extending opens
	c, csrf = signedIn(t, env, "requester@example.com")
	for _, end := range []string{"nope", "2027-01-01T00:00", "2020-01-01T00:00"} {
		res, body := env.PostForm(t, c, "/access/assignments/"+page.Items[0].ID+"/extend", csrf, url.Values{"end": {end}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("extend to %s: %d", end, res.StatusCode)
		}
		for _, p := range a11yProblems(body) {
			t.Errorf("extend form to %s: %s", end, p)
		}
	}
}

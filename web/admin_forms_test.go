package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// has fails the test unless the page contains every want.
func has(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestAdminResourceAndPackageFormsAndConflicts(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "owner@example.com")
	cat := "/admin/catalogs/" + f.finance.ID

	// An application without roles: 422, the message by the field, the input kept.
	res, page := f.env.PostForm(t, c, cat+"/resources", csrf, url.Values{"type": {"application"}, "add": {"1"}, "displayName": {"Ledger"}, "url": {"ftp://ledger"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("application without roles: %d", res.StatusCode)
	}
	has(t, "422 resource form", page, "Name at least one role", "Enter a full web address", `value="Ledger"`)

	// Only administrators add directory groups: the owner is told so, and refused.
	_, page = f.env.Get(t, c, cat+"/resources/new?type=group")
	has(t, "group form for an owner", page, `data-testid="groups-admin-only"`)
	if res, _ = f.env.PostForm(t, c, cat+"/resources", csrf, url.Values{"type": {"group"}, "pick": {"group:" + f.financeReaders.ID}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("an owner adding a group: %d", res.StatusCode)
	}
	// The administrator adds the group, chosen in the picker: 303 and a flash.
	ac, acsrf := f.signIn(t, "admin@example.com")
	res, _ = f.env.PostForm(t, ac, cat+"/resources", acsrf, url.Values{"type": {"group"}, "pick": {"group:" + f.financeReaders.ID}})
	page = f.follow(t, ac, res)
	has(t, "after adding the group", page, "Group &#34;Finance readers&#34; added to the catalog.", "Member", "Owner")
	// The same group twice: refused with the reason.
	res, page = f.env.PostForm(t, ac, cat+"/resources", acsrf, url.Values{"type": {"group"}, "pick": {"group:" + f.financeReaders.ID}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("the group twice: %d", res.StatusCode)
	}
	has(t, "409 resource form", page, "is already a resource of the catalog")

	// A package that uses the group's Member role; the resource cannot be removed then.
	ctx := f.ctxAs("owner@example.com")
	resources, err := f.env.Svc.ListResources(ctx, f.finance.ID, entitlement.ListOptions{})
	if err != nil || len(resources.Items) != 1 {
		t.Fatalf("resources: %v %v", resources.Items, err)
	}
	r := resources.Items[0]
	member := r.Roles[0]
	res, _ = f.env.PostForm(t, c, "/admin/packages/"+f.financePkg.ID+"/roles", csrf, url.Values{"role": {r.ID + "|" + member.ID + "|" + r.RootScope().ID}})
	page = f.follow(t, c, res)
	has(t, "after adding the role", page, "Resource role added", `data-testid="role-scope"`)
	res, _ = f.env.PostForm(t, c, cat+"/resources/"+r.ID+"/remove", csrf, nil)
	page = f.follow(t, c, res)
	has(t, "after refusing to remove the resource", page, "Finance readers was not removed:", "Finance reports")

	// A package without a name: 422 with the message and the description kept.
	res, page = f.env.PostForm(t, c, cat+"/packages/new", csrf, url.Values{"description": {"Kept words"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("package without a name: %d", res.StatusCode)
	}
	has(t, "422 package form", page, "Enter a name for the access package.", "Kept words")

	// Deleting a package that has a policy: refused, and the page says why.
	if _, err := f.env.Svc.CreatePolicy(ctx, entitlement.PolicyInput{AccessPackageID: f.financePkg.ID, DisplayName: "Direct",
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeNoSubjects, AcceptRequests: true}}); err != nil {
		t.Fatal(err)
	}
	res, _ = f.env.PostForm(t, c, "/admin/packages/"+f.financePkg.ID+"/delete", csrf, nil)
	page = f.follow(t, c, res)
	has(t, "after refusing to delete the package", page, "The access package was not deleted:", "Direct")

	// The owner may not touch the Marketing catalog.
	res, _ = f.env.PostForm(t, c, "/admin/catalogs/"+f.marketing.ID+"/edit", csrf, url.Values{"displayName": {"Mine now"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("editing another catalog: %d", res.StatusCode)
	}
}

func TestAdminAssignConflictAndOrgAndSettingsForms(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "admin@example.com")
	ctx := f.ctxAs("admin@example.com")
	pol, err := f.env.Svc.CreatePolicy(ctx, entitlement.PolicyInput{AccessPackageID: f.financePkg.ID, DisplayName: "Direct", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeNoSubjects, AcceptRequests: true}})
	if err != nil {
		t.Fatal(err)
	}
	riley := f.users["requester@example.com"].ID
	assign := "/admin/packages/" + f.financePkg.ID + "/assignments/new"

	// Nobody chosen: 422.
	res, page := f.env.PostForm(t, c, assign, csrf, url.Values{"policy": {pol.ID}, "assign": {"1"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("assign nobody: %d", res.StatusCode)
	}
	has(t, "422 assign form", page, "Choose at least one person to assign.")
	// Riley: 303 and a flash. Riley again: 409 with the reason, Riley still chosen.
	res, _ = f.env.PostForm(t, c, assign, csrf, url.Values{"policy": {pol.ID}, "users": {riley}, "assign": {"1"}})
	page = f.follow(t, c, res)
	has(t, "after assigning", page, "Assigned to Riley Requester.", "Riley Requester")
	res, page = f.env.PostForm(t, c, assign, csrf, url.Values{"policy": {pol.ID}, "users": {riley}, "assign": {"1"}, "end": {"not a date"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad end date: %d", res.StatusCode)
	}
	has(t, "422 assign form (date)", page, "Choose an end date.")
	res, page = f.env.PostForm(t, c, assign, csrf, url.Values{"policy": {pol.ID}, "users": {riley}, "assign": {"1"}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("assign twice: %d", res.StatusCode)
	}
	has(t, "409 assign form", page, "Riley Requester:", `name="users" value="`+riley+`"`)

	// A connected organization with a bad domain: 422, input kept; then a good one.
	orgs := "/admin/connected-organizations/new"
	res, page = f.env.PostForm(t, c, orgs, csrf, url.Values{"displayName": {"Partner Co"}, "state": {"configured"}, "domains": {"not a domain"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad domain: %d", res.StatusCode)
	}
	has(t, "422 org form", page, "Enter a domain such as partner.example.", "not a domain", `value="Partner Co"`)
	res, _ = f.env.PostForm(t, c, orgs, csrf, url.Values{"displayName": {"Partner Co"}, "state": {"configured"}, "domains": {"partner.example"}})
	page = f.follow(t, c, res)
	has(t, "after adding the org", page, "&#34;Partner Co&#34; added.", "E-mail domain partner.example")

	// Settings: a number out of range is refused and kept; a good one saved.
	res, page = f.env.PostForm(t, c, "/admin/settings", csrf, url.Values{"externalUserLifecycleAction": {entitlement.LifecycleBlockSignIn}, "days": {"999"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("settings out of range: %d", res.StatusCode)
	}
	has(t, "422 settings", page, "Enter a number of days from 0 to 365.", `value="999"`)
	res, _ = f.env.PostForm(t, c, "/admin/settings", csrf, url.Values{"externalUserLifecycleAction": {entitlement.LifecycleBlockSignIn}, "days": {"10"}})
	page = f.follow(t, c, res)
	has(t, "after saving the settings", page, "Settings saved.")
	if st, err := f.env.Svc.Settings(ctx); err != nil || st.ExternalUserLifecycleAction != entitlement.LifecycleBlockSignIn || st.DaysUntilExternalUserDeletedAfterBlocked != 10 {
		t.Fatalf("settings: %+v %v", st, err)
	}
}

func TestAdminAuditExportsAndImport(t *testing.T) {
	f := startAdmin(t)
	c, csrf := f.signIn(t, "admin@example.com")

	// CSV: a header and one line per event of the filter, as an attachment.
	res, body := f.env.Get(t, c, "/admin/audit/export.csv?type=catalog")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV export: %d %v", res.StatusCode, res.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 || rows[0][4] != "Object type" {
		t.Fatalf("CSV rows: %q", rows)
	}
	for _, r := range rows[1:] {
		if r[4] != "Catalog" {
			t.Errorf("CSV has an event of type %q with the catalog filter", r[4])
		}
	}
	// JSON: the same events.
	res, body = f.env.Get(t, c, "/admin/audit/export.json?type=catalog")
	var events []entitlement.AuditEvent
	if err := json.Unmarshal([]byte(body), &events); err != nil || res.StatusCode != http.StatusOK || len(events) != len(rows)-1 {
		t.Fatalf("JSON export: %d %v (%d events, %d CSV rows)", res.StatusCode, err, len(events), len(rows)-1)
	}
	// The actor filter by e-mail.
	_, page := f.env.Get(t, c, "/admin/audit?actor=owner@example.com")
	has(t, "audit by actor", page, "Showing changes by Owen Owner")
	res, page = f.env.Get(t, c, "/admin/audit?actor=nobody-here")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown actor: %d", res.StatusCode)
	}
	has(t, "audit by unknown actor", page, "Nobody in the directory matches")

	// A users import with a bad line: nothing imported, the problem by its line.
	post := func(csvText string) (*http.Response, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("_csrf", csrf)
		fw, _ := w.CreateFormFile("file", "people.csv")
		_, _ = io.WriteString(fw, csvText)
		_ = w.Close()
		req, _ := http.NewRequest(http.MethodPost, f.env.URL+"/admin/directory/users/import", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		return res, string(b)
	}
	res, page = post("displayName,mail\nNew One,new.one@example.com\nBroken,not-an-address\n")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad import: %d", res.StatusCode)
	}
	has(t, "import report", page, "Nothing was imported from people.csv.", `data-testid="import-error"`, ">3<")
	// Several problems on one line count that line once.
	_, page = post("displayName,mail,userType\n,not-an-address,Alien\nFine,fine@example.com,Member\n")
	has(t, "import report with a line of several problems", text(page), "3 problems on 1 of the 2 lines read.")
	if n := countUsers(t, f, "new.one@example.com"); n != 0 {
		t.Fatalf("a failed import created %d users", n)
	}
	res, page = post("displayName,mail\nNew One,new.one@example.com\n")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("good import: %d", res.StatusCode)
	}
	has(t, "import report", page, "people.csv imported.", "1 created")
	if n := countUsers(t, f, "new.one@example.com"); n != 1 {
		t.Fatalf("the import created %d users", n)
	}
}

func countUsers(t *testing.T, f *adminFixture, email string) int {
	t.Helper()
	page, err := f.env.Svc.ListUsers(f.ctxAs("admin@example.com"), entitlement.ListOptions{Search: email})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range page.Items {
		if u.Email == email {
			n++
		}
	}
	return n
}

var nextRe = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)

func TestAdminListsPageOnTheServer(t *testing.T) {
	f := startAdmin(t)
	c, _ := f.signIn(t, "admin@example.com")
	ctx := f.ctxAs("admin@example.com")
	for i := 0; i < 30; i++ {
		if _, err := f.env.Svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: fmt.Sprintf("Team %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, page := f.env.Get(t, c, "/admin/directory/groups")
	has(t, "first page of groups", page, "1–25 of 32", "Engineering")
	m := nextRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no next link on the first page")
	}
	_, page = f.env.Get(t, c, html.UnescapeString(m[1]))
	has(t, "second page of groups", page, "26–32 of 32", "Team 29", `rel="prev"`)
	if strings.Contains(page, "Engineering</a>") {
		t.Errorf("the second page repeats the first")
	}
	// Search narrows the list, on the server.
	_, page = f.env.Get(t, c, "/admin/directory/groups?q=fin")
	has(t, "groups searched", page, "Finance readers", "1–1 of 1")

	// A search of many people stops counting at 100 and says so, until its last page.
	var csv strings.Builder
	csv.WriteString("displayName,mail\n")
	for i := range 105 {
		fmt.Fprintf(&csv, "Kim %03d,kim%d@example.com\n", i, i)
	}
	if _, err := f.env.Svc.ImportUsers(ctx, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	_, page = f.env.Get(t, c, "/admin/directory/users?q=kim")
	has(t, "people searched", page, "1–25 of 100+", "Kim 000")
	for range 4 {
		m := nextRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("a search page ends early: %.300s", page)
		}
		_, page = f.env.Get(t, c, html.UnescapeString(m[1]))
	}
	has(t, "last page of people searched", page, "101–105 of 105", "Kim 104")
	if nextRe.MatchString(page) {
		t.Error("the last page of a search links to a next one")
	}
}

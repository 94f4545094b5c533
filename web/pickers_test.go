package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestGroupPicker: the group picker of a catalog's resources lists groups when it gets the focus
// (and without JavaScript on an empty search), narrows them by any word of a name, and asks the
// audit note before a choice adds the group.
func TestGroupPicker(t *testing.T) {
	env, w := startPortal(t)
	adm, csrf := signedIn(t, env, "admin@example.com")
	cat := "/admin/catalogs/" + w.finance.CatalogID
	_, body := env.Get(t, adm, cat+"/resources/new?type=group")
	note, picker := strings.Index(body, `name="justification"`), strings.Index(body, `id="group-picker"`)
	if note < 0 || picker < 0 || note > picker {
		t.Errorf("the audit note is not asked before the group picker (note at %d, picker at %d)", note, picker)
	}
	if !strings.Contains(body, `hx-trigger="focus, input changed delay:250ms, search"`) {
		t.Errorf("the group picker does not list groups on focus:\n%s", body)
	}
	search := func(q string) string {
		t.Helper()
		// As the picker asks, with htmx: a plain GET gets the whole Find people page.
		req, err := http.NewRequest(http.MethodGet, env.URL+"/admin/people?kinds=group&name=pick&prefix=&qname=q&q="+url.QueryEscape(q), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("HX-Request", "true")
		res, err := adm.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("search %q: %d", q, res.StatusCode)
		}
		return text(string(body))
	}
	if got := search(""); !strings.Contains(got, "Finance readers") || !strings.Contains(got, "prod-oncall") {
		t.Errorf("browsing lists %q", got)
	}
	for _, q := range []string{"readers", "rea fin", "Finance rea"} {
		if got := search(q); !strings.Contains(got, "Finance readers") || strings.Contains(got, "prod-oncall") {
			t.Errorf("search %q finds %q", q, got)
		}
	}
	if got := search("fin oncall"); strings.Contains(got, "Finance readers") || strings.Contains(got, "prod-oncall") {
		t.Errorf("search %q finds %q; every word must match", "fin oncall", got)
	}
	// Without JavaScript, Search with nothing typed lists the groups too.
	_, body = env.PostForm(t, adm, cat+"/resources", csrf, url.Values{"type": {"group"}, "search": {"1"}, "q": {""}})
	if !strings.Contains(text(body), "Finance readers") {
		t.Errorf("an empty search without JavaScript lists nothing: %s", text(body))
	}
}

// TestExternalSponsorPicker: an organization's external-sponsor picker offers only its own guests
// (and groups), the internal one only members.
func TestExternalSponsorPicker(t *testing.T) {
	env, _ := startPortal(t)
	ctx := adminCtx()
	mkOrg := func(name, domain string) entitlement.ConnectedOrganization {
		o, err := env.Svc.CreateConnectedOrganization(ctx, entitlement.ConnectedOrganizationInput{DisplayName: name,
			IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: domain}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	contoso, fabrikam := mkOrg("Contoso", "contoso.example"), mkOrg("Fabrikam", "fabrikam.example")
	for _, u := range []entitlement.UserInput{
		{DisplayName: "Gina Guest", Email: "gina@contoso.example", UserType: entitlement.UserTypeGuest, ConnectedOrganizationID: contoso.ID, AccountEnabled: true},
		{DisplayName: "Gary Guest", Email: "gary@fabrikam.example", UserType: entitlement.UserTypeGuest, ConnectedOrganizationID: fabrikam.ID, AccountEnabled: true},
		{DisplayName: "Greta Guestworth", Email: "greta@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true},
	} {
		if _, err := env.Svc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	adm, csrf := signedIn(t, env, "admin@example.com")
	page := "/admin/connected-organizations/" + contoso.ID
	_, body := env.Get(t, adm, page)
	if !strings.Contains(body, "sponsors=external%3A"+contoso.ID) {
		t.Fatalf("the external picker does not search for the organization's sponsors:\n%s", body)
	}
	search := func(kind string) string {
		t.Helper()
		_, body := env.Get(t, adm, "/admin/people?kinds=user,group&name=pick&prefix=&qname=q&q=g&sponsors="+url.QueryEscape(kind+":"+contoso.ID))
		return text(body)
	}
	if got := search("external"); !strings.Contains(got, "Gina Guest") || strings.Contains(got, "Gary Guest") || strings.Contains(got, "Greta Guestworth") {
		t.Errorf("external sponsors offered: %s", got)
	}
	if got := search("internal"); strings.Contains(got, "Gina Guest") || strings.Contains(got, "Gary Guest") || !strings.Contains(got, "Greta Guestworth") {
		t.Errorf("internal sponsors offered: %s", got)
	}
	// Without JavaScript, the search offers the same.
	_, body = env.PostForm(t, adm, page+"/sponsors", csrf, url.Values{"kind": {"external"}, "search": {"external"}, "q": {"guest"}})
	if got := text(body); !strings.Contains(got, "Gina Guest") || strings.Contains(got, "Gary Guest") {
		t.Errorf("external sponsors offered without JavaScript: %s", got)
	}
}

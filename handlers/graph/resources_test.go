package graph_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// TestResourceOrigins checks the mapping of Graph's origin systems: an application or a site that
// Steward does not know is registered from the request, with the roles it names or the origin
// system's usual ones, and an AdminRemove resource request takes it out again.
func TestResourceOrigins(t *testing.T) {
	s := newAPI(t)
	cat := s.do(s.admin, "POST", em+"/accessPackageCatalogs", map[string]any{"displayName": "Tools"}).want(t, http.StatusCreated).str(t, "id")
	add := func(res map[string]any) map[string]any {
		t.Helper()
		r := s.do(s.admin, "POST", em+"/accessPackageResourceRequests", map[string]any{"catalogId": cat, "requestType": "AdminAdd", "accessPackageResource": res}).
			want(t, http.StatusCreated)
		return r.Body["accessPackageResource"].(map[string]any)
	}
	roleNames := func(resID string) []string {
		t.Helper()
		var out []string
		for _, r := range s.do(s.admin, "GET", em+"/accessPackageCatalogs/"+cat+"/accessPackageResourceRoles?$filter="+url.QueryEscape("accessPackageResource/id eq '"+resID+"'"), nil).
			want(t, http.StatusOK).values(t) {
			out = append(out, str(t, r, "displayName"))
		}
		slices.Sort(out)
		return out
	}

	site := add(map[string]any{"displayName": "Intranet", "url": "https://intranet.example.com/sites/hr", "originSystem": "SharePointOnline", "resourceType": "SharePoint Online Site"})
	if site["originId"] != "https://intranet.example.com/sites/hr" || site["resourceType"] != "SharePoint Online Site" {
		t.Errorf("site = %v", site)
	}
	if got := roleNames(str(t, site, "id")); !slices.Equal(got, []string{"Members", "Owners", "Visitors"}) {
		t.Errorf("site roles = %v", got)
	}
	app := add(map[string]any{"displayName": "Payroll", "originId": "payroll-app", "originSystem": "AadApplication",
		"accessPackageResourceRoles": []any{map[string]any{"displayName": "Clerk"}, map[string]any{"displayName": "Auditor"}}})
	if app["resourceType"] != "Application" || app["originSystem"] != "AadApplication" {
		t.Errorf("application = %v", app)
	}
	if got := roleNames(str(t, app, "id")); !slices.Equal(got, []string{"Auditor", "Clerk"}) {
		t.Errorf("application roles = %v", got)
	}
	plain := add(map[string]any{"displayName": "Wiki", "originSystem": "AadApplication"})
	if got := roleNames(str(t, plain, "id")); !slices.Equal(got, []string{"Default Access"}) {
		t.Errorf("roles of an application that names none = %v", got)
	}
	// The same object twice is a conflict; an unknown origin system and a missing group are 422.
	s.do(s.admin, "POST", em+"/accessPackageResourceRequests", map[string]any{"catalogId": cat, "requestType": "AdminAdd",
		"accessPackageResource": map[string]any{"displayName": "Payroll", "originId": "payroll-app", "originSystem": "AadApplication"}}).graphError(t, http.StatusConflict)
	s.do(s.admin, "POST", em+"/accessPackageResourceRequests", map[string]any{"catalogId": cat, "requestType": "AdminAdd",
		"accessPackageResource": map[string]any{"displayName": "X", "originSystem": "Salesforce"}}).graphError(t, http.StatusUnprocessableEntity)
	s.do(s.admin, "POST", em+"/accessPackageResourceRequests", map[string]any{"catalogId": cat, "requestType": "AdminAdd",
		"accessPackageResource": map[string]any{"originId": "01a23708-fe8e-716f-8ed6-8a042b997ee1", "originSystem": "AadGroup"}}).graphError(t, http.StatusUnprocessableEntity)

	// A role scope by the role's name, then the resource cannot leave the catalog until it is gone.
	pkg := s.do(s.admin, "POST", em+"/accessPackages", map[string]any{"catalogId": cat, "displayName": "Payroll clerks"}).want(t, http.StatusCreated).str(t, "id")
	rs := s.do(s.admin, "POST", em+"/accessPackages/"+pkg+"/accessPackageResourceRoleScopes", map[string]any{
		"accessPackageResourceRole": map[string]any{"displayName": "Clerk", "accessPackageResource": map[string]any{"id": app["id"]}},
	}).want(t, http.StatusCreated).str(t, "id")
	s.do(s.admin, "POST", em+"/accessPackages/"+pkg+"/accessPackageResourceRoleScopes", map[string]any{
		"accessPackageResourceRole": map[string]any{"displayName": "Janitor", "accessPackageResource": map[string]any{"id": app["id"]}},
	}).graphError(t, http.StatusUnprocessableEntity)
	remove := map[string]any{"catalogId": cat, "requestType": "AdminRemove", "accessPackageResource": map[string]any{"id": app["id"]}}
	s.do(s.admin, "POST", em+"/accessPackageResourceRequests", remove).graphError(t, http.StatusConflict)
	if r := s.do(s.admin, "DELETE", em+"/accessPackages/"+pkg+"/accessPackageResourceRoleScopes/"+rs, nil); r.Status != http.StatusNoContent {
		t.Fatalf("remove role scope: %d %s", r.Status, r.Raw)
	}
	gone := s.do(s.admin, "POST", em+"/accessPackageResourceRequests", remove).want(t, http.StatusCreated)
	if gone.Body["requestType"] != "AdminRemove" {
		t.Errorf("remove request = %s", gone.Raw)
	}
	if got := s.do(s.admin, "GET", em+"/accessPackageCatalogs/"+cat+"/accessPackageResources", nil).want(t, http.StatusOK).values(t); len(got) != 2 {
		t.Errorf("resources after the removal = %v", got)
	}
	reqs := s.do(s.admin, "GET", em+"/accessPackageResourceRequests?$expand=requestor&$filter="+url.QueryEscape("requestType eq 'AdminRemove'"), nil).want(t, http.StatusOK).values(t)
	if len(reqs) != 1 || reqs[0]["requestor"].(map[string]any)["objectId"] != s.admin.ID {
		t.Errorf("AdminRemove requests = %v", reqs)
	}
}

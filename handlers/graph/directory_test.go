package graph_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func TestDirectoryLookups(t *testing.T) {
	s := newAPI(t)
	alice, _ := s.env.User("Alice Adams"), s.env.User("Alan Archer")
	fin := s.env.Group("Finance")
	s.env.Group("Finance auditors")

	users := func(filter string) []map[string]any {
		t.Helper()
		return s.do(s.admin, "GET", "/users?$filter="+url.QueryEscape(filter), nil).want(t, http.StatusOK).values(t)
	}
	if got := users("mail eq '" + alice.Email + "'"); len(got) != 1 || got[0]["id"] != alice.ID {
		t.Errorf("users by mail = %v", got)
	} else {
		hasTypes(t, got[0], map[string]string{"id": "string", "displayName": "string", "mail": "string", "userPrincipalName": "string", "userType": "string", "accountEnabled": "bool"})
	}
	if got := users("startswith(displayName,'Al')"); len(got) != 2 {
		t.Errorf("users starting with Al = %v", got)
	}
	// Lists keep displayName order with a search too, though the portal's search would put Amy,
	// found by the e-mail word "am", before Amos.
	s.env.User("Amy Zhu", func(u *entitlement.User) { u.Email, u.UserPrincipalName = "am@example.com", "am@example.com" })
	s.env.User("Amos Adler")
	if got := users("startswith(displayName,'Am')"); len(got) != 2 || got[0]["displayName"] != "Amos Adler" {
		t.Errorf("users starting with Am, in name order = %v", got)
	}
	if got := users("displayName eq 'alice adams'"); len(got) != 1 {
		t.Errorf("users named alice adams = %v", got)
	}
	if got := users("displayName eq 'Nobody'"); len(got) != 0 {
		t.Errorf("users named Nobody = %v", got)
	}
	sel := s.do(s.admin, "GET", "/users/"+alice.ID+"?$select=mail", nil).want(t, http.StatusOK)
	if sel.Body["mail"] != alice.Email || sel.Body["displayName"] != nil || sel.Body["id"] != alice.ID {
		t.Errorf("$select=mail = %s", sel.Raw)
	}
	groups := s.do(s.admin, "GET", "/groups?$filter="+url.QueryEscape("displayName eq 'Finance'"), nil).want(t, http.StatusOK).values(t)
	if len(groups) != 1 || groups[0]["id"] != fin.ID {
		t.Errorf("groups named Finance = %v", groups)
	}
	if got := s.do(s.admin, "GET", "/groups?$filter="+url.QueryEscape("startswith(displayName,'fin')"), nil).want(t, http.StatusOK).values(t); len(got) != 2 {
		t.Errorf("groups starting with fin = %v", got)
	}
	s.do(s.admin, "GET", "/groups/"+fin.ID, nil).want(t, http.StatusOK)
	s.do(s.admin, "GET", "/groups/nosuch", nil).graphError(t, http.StatusNotFound)
	s.do(s.admin, "GET", "/users?$filter="+url.QueryEscape("manager eq 'x'"), nil).graphError(t, http.StatusBadRequest)
}

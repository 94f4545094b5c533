package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminPeopleWithoutHTMXIsAPage: /admin/people opened as a page (a link, a reload) is a whole
// page with its matches linked, while the pickers' htmx search still gets the bare results.
func TestAdminPeopleWithoutHTMXIsAPage(t *testing.T) {
	f := startAdmin(t)
	c, _ := f.signIn(t, "admin@example.com")
	path := "/admin/people?kinds=user,group&q=riley&name=pick&prefix=add:x:"
	res, body := f.env.Get(t, c, path)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "<html") || !strings.Contains(body, `<main`) {
		t.Fatalf("GET without htmx: %d, not a page: %.200s", res.StatusCode, body)
	}
	if !strings.Contains(body, `href="/admin/directory/users/`+f.users["requester@example.com"].ID+`"`) {
		t.Errorf("the match is not linked to its page: %s", text(body))
	}

	req, _ := http.NewRequest(http.MethodGet, f.env.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	_, frag := f.env.Follow(t, c, req)
	if strings.Contains(frag, "<html") || !strings.Contains(frag, "Riley") {
		t.Errorf("the picker's htmx search is not the bare results: %.200s", frag)
	}
}

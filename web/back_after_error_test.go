package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestBackAfterAFailedFormShowsNoStaleError: a form answered with its errors (422) files itself
// in the browser's history as the form's own page (data-history-url, from the Referer), so Back
// fetches that page; and a GET of the form after the failed post shows no error. Covers the
// request form and the extend form.
func TestBackAfterAFailedFormShowsNoStaleError(t *testing.T) {
	env, w := startPortal(t)
	w.submit(t, env, "requester@example.com", w.github, "")
	deliver(t, env)
	mine, err := env.Svc.MyAssignments(w.as("requester@example.com"), entitlement.AssignmentFilter{}, entitlement.ListOptions{Limit: 5})
	if err != nil || len(mine.Items) != 1 {
		t.Fatalf("assignments: %v %v", mine.Items, err)
	}
	extend := "/access/assignments/" + mine.Items[0].ID + "/extend"
	c, csrf := signedIn(t, env, "requester@example.com")
	for _, tc := range []struct {
		page, post string
		form       url.Values
	}{
		{"/access/packages/" + w.finance.ID, "/access/packages/" + w.finance.ID + "/request", url.Values{"policyId": {w.policies[w.finance.ID].ID}, "justification": {""}}},
		{extend, extend, url.Values{"end": {"nope"}, "justification": {"more"}}},
	} {
		tc.form.Set("_csrf", csrf)
		req, _ := http.NewRequest(http.MethodPost, env.URL+tc.post, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", env.URL+tc.page)
		res, body := env.Follow(t, c, req)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("POST %s: %d, want 422 with an error", tc.post, res.StatusCode)
		}
		if !strings.Contains(body, `data-history-url="`+tc.page+`"`) {
			t.Errorf("POST %s: the 422 answer does not file itself as %s", tc.post, tc.page)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("POST %s: Cache-Control %q", tc.post, cc)
		}
		_, again := env.Get(t, c, tc.page)
		if strings.Contains(again, `aria-invalid="true"`) || strings.Contains(again, `role="alert"`) || strings.Contains(again, "data-history-url") {
			t.Errorf("GET %s after the failed post shows an error", tc.page)
		}
	}

	// A Referer from elsewhere is not followed.
	form := url.Values{"policyId": {w.policies[w.finance.ID].ID}, "_csrf": {csrf}}
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/access/packages/"+w.finance.ID+"/request", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "https://elsewhere.example/phish")
	if _, body := env.Follow(t, c, req); strings.Contains(body, "data-history-url") {
		t.Errorf("a foreign Referer became the history URL")
	}
}

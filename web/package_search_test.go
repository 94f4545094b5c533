package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPackageTabsSearchByPerson searches a package's assignments and requests tabs by a person's
// name and e-mail: only that person's rows come back, and a search that finds nobody says so.
func TestPackageTabsSearchByPerson(t *testing.T) {
	env, w := startPortal(t)
	w.submit(t, env, "requester@example.com", w.github, "")
	w.submit(t, env, "other@example.com", w.github, "")
	deliver(t, env)
	c, _ := signedIn(t, env, "admin@example.com")
	for _, tab := range []string{"assignments", "requests"} {
		for _, tc := range []struct {
			q, want, not string
		}{
			{"riley", "Riley Requester", "Olly Other"},
			{"OTHER@example", "Olly Other", "Riley Requester"},
			{"", "Riley Requester", ""},
		} {
			res, page := env.Get(t, c, "/admin/packages/"+w.github.ID+"/"+tab+"?state=all&q="+strings.ReplaceAll(tc.q, "@", "%40"))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s q=%q: status %d", tab, tc.q, res.StatusCode)
			}
			got := text(page)
			if !strings.Contains(got, tc.want) || (tc.not != "" && strings.Contains(got, tc.not)) {
				t.Errorf("%s q=%q: want %q and not %q in %s", tab, tc.q, tc.want, tc.not, got)
			}
		}
		res, page := env.Get(t, c, "/admin/packages/"+w.github.ID+"/"+tab+"?state=all&q=nobody")
		if res.StatusCode != http.StatusOK || strings.Contains(text(page), "Riley Requester") {
			t.Errorf("%s q=nobody: status %d, %s", tab, res.StatusCode, text(page))
		}
	}
}

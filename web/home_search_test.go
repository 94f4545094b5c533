package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHomeSearchFiltersAsYouType: the home page's package search sends itself as the person types
// (htmx on input, with a delay) and replaces only its results; without htmx the same GET renders
// the whole page with the filtered list.
func TestHomeSearchFiltersAsYouType(t *testing.T) {
	env, w := startPortal(t)
	c, _ := signedIn(t, env, "requester@example.com")
	_, home := env.Get(t, c, "/")
	i := strings.Index(home, `id="home-search"`)
	if i < 0 {
		t.Fatal("no home search")
	}
	input := home[i:]
	input = input[:strings.Index(input, ">")]
	for _, want := range []string{`hx-get="/"`, `hx-trigger="input changed delay:300ms, search"`} {
		if !strings.Contains(input, want) {
			t.Errorf("the search input lacks %s: %s", want, input)
		}
	}
	if !strings.Contains(home, `hx-target="#home-results"`) || !strings.Contains(home, `id="home-results"`) {
		t.Errorf("the search does not target the home results")
	}

	// htmx: the results alone, filtered.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/?q=github", nil)
	req.Header.Set("HX-Request", "true")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	res.Body.Close()
	frag := b.String()
	if !strings.HasPrefix(strings.TrimSpace(frag), `<div id="home-results"`) || strings.Contains(frag, "<html") {
		t.Errorf("htmx search returned more than the results: %.200s", frag)
	}
	if !strings.Contains(frag, w.github.DisplayName) || strings.Contains(frag, w.finance.DisplayName) {
		t.Errorf("htmx search not filtered: %s", text(frag))
	}

	// Plain GET: the whole page, filtered; and a search that matches nothing says so.
	_, page := env.Get(t, c, "/?q=github")
	if !strings.Contains(page, "<html") || !strings.Contains(page, w.github.DisplayName) || strings.Contains(page, ">"+w.finance.DisplayName+"<") {
		t.Errorf("plain search page not filtered")
	}
	_, page = env.Get(t, c, "/?q=zzzz")
	if !strings.Contains(text(page), "Nothing you can request matches") {
		t.Errorf("no-match not said")
	}
}

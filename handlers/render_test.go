package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// TestRenderSendsOnlyItsOwnPage renders pages one after another through the shared buffers: a
// page that fails halfway sends nothing, and the page after it carries none of its half.
func TestRenderSendsOnlyItsOwnPage(t *testing.T) {
	e := echo.New()
	page := func(text string, fail bool) templ.Component {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			if _, err := io.WriteString(w, text); err != nil {
				return err
			}
			if fail {
				return errors.New("broken halfway")
			}
			return nil
		})
	}
	for _, tc := range []struct {
		text string
		fail bool
	}{{"first page", false}, {"half a page", true}, {"second", false}, {"third page, longer than the others", false}} {
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
		err := Render(c, http.StatusOK, page(tc.text, tc.fail))
		switch {
		case tc.fail && (err == nil || rec.Body.Len() != 0):
			t.Errorf("%q: error %v, sent %q; want an error and nothing sent", tc.text, err, rec.Body.String())
		case !tc.fail && (err != nil || rec.Body.String() != tc.text):
			t.Errorf("%q: error %v, sent %q", tc.text, err, rec.Body.String())
		}
	}
}

// TestRenderSharesNoBytes renders pages of different sizes at once through the pooled buffers:
// each answer is its own page, whole, with nothing of another.
func TestRenderSharesNoBytes(t *testing.T) {
	e := echo.New()
	page := func(body string) templ.Component {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, body)
			return err
		})
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(string(rune('a'+i%26)), 1+(i%5)*40_000)
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			if err := Render(c, http.StatusOK, page(want)); err != nil {
				t.Error(err)
				return
			}
			if got := rec.Body.String(); got != want {
				t.Errorf("page %d: %d bytes starting %.10q, want %d bytes of %q", i, len(got), got, len(want), want[:1])
			}
		}()
	}
	wg.Wait()
}

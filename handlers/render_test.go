package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

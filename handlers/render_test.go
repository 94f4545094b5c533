package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

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

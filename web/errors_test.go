package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// TestErrorPages maps each kind of failure to its page: the right status, words for people, the
// request id on a 500, and never the internal message or a stack trace.
func TestErrorPages(t *testing.T) {
	env := start(t)
	e := env.Server.Portal()
	e.GET("/test/boom", func(echo.Context) error { return errors.New("bolt: page 7 corrupt at /var/secret") })
	e.GET("/test/panic", func(echo.Context) error { panic("nil map write in secret place") })
	e.GET("/test/forbidden", func(echo.Context) error { return fmt.Errorf("update catalog: %w", entitlement.ErrForbidden) })
	e.GET("/test/gone", func(echo.Context) error { return fmt.Errorf("load: %w", entitlement.ErrNotFound) })
	e.GET("/test/conflict", func(echo.Context) error {
		return &entitlement.RuleError{Code: "inUse", Message: "The catalog still holds 2 access packages.", Kind: entitlement.ErrConflict}
	})
	c := env.Client(t)
	env.SignIn(t, c, "riley@example.com")
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/test/boom", http.StatusInternalServerError, "Something went wrong"},
		{"/test/panic", http.StatusInternalServerError, "Something went wrong"},
		{"/test/forbidden", http.StatusForbidden, "Not allowed"},
		{"/test/gone", http.StatusNotFound, "Not found"},
		{"/test/conflict", http.StatusConflict, "The catalog still holds 2 access packages."},
	} {
		res, body := env.Get(t, c, tc.path)
		if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want %d with %q", tc.path, res.StatusCode, tc.status, tc.want)
		}
		for _, leak := range []string{"secret", "goroutine", "bolt:", "nil map"} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s shows %q", tc.path, leak)
			}
		}
		if tc.status == http.StatusInternalServerError {
			id := res.Header.Get(echo.HeaderXRequestID)
			if id == "" || !strings.Contains(body, id) {
				t.Errorf("GET %s: the page does not show the request id %q", tc.path, id)
			}
		}
		if !strings.Contains(body, "Riley Requester") {
			t.Errorf("GET %s: the error page lost the portal shell", tc.path)
		}
	}
}

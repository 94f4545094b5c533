// Package handlers holds Steward's Echo handlers for the HTML portal: each parses its input,
// calls entitlement.Service (which authorizes and applies the rules) and renders a templ view.
// Handlers never touch storage and never decide who may do what.
package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// Flashes is what handlers need of the session: messages that survive a redirect.
type Flashes interface {
	AddFlash(c echo.Context, kind, message string) error
	PopFlashes(c echo.Context) ([]views.Flash, error)
}

// Base carries what every handler group needs.
type Base struct {
	Svc     *entitlement.Service
	Flashes Flashes
	Log     *slog.Logger
}

// describedRequest loads one request the caller may read, with the names its pages show.
func (b *Base) describedRequest(ctx context.Context, id string) (entitlement.RequestView, error) {
	r, err := b.Svc.RequestByID(ctx, id)
	if err != nil {
		return entitlement.RequestView{}, err
	}
	described, err := b.Svc.DescribeRequests(ctx, []entitlement.Request{r})
	if err != nil {
		return entitlement.RequestView{}, err
	}
	return described[0], nil
}

// Logger returns the request's logger: Log with the request id and the signed-in person's id.
func (b *Base) Logger(c echo.Context) *slog.Logger {
	return entitlement.LoggerFrom(c.Request().Context(), b.Log)
}

// csrfContextKey is where the CSRF middleware leaves the token for forms.
const csrfContextKey = "csrf"

// CSRFToken returns the request's CSRF token for forms.
func CSRFToken(c echo.Context) string {
	s, _ := c.Get(csrfContextKey).(string)
	return s
}

// Page builds the data every page needs: the signed-in user, the CSRF token, the flashes (full
// pages only) and the approvals badge.
func (b *Base) Page(c echo.Context, title, section string) (views.Page, error) {
	p, _, err := b.pageAndCapabilities(c, title, section)
	return p, err
}

// pageAndCapabilities is Page with the capabilities it read, which the admin pages use too.
func (b *Base) pageAndCapabilities(c echo.Context, title, section string) (views.Page, entitlement.Capabilities, error) {
	var caps entitlement.Capabilities
	p := views.Page{Title: title, Section: section, CSRFToken: CSRFToken(c)}
	// Only a full page shows flashes (in its layout); an htmx fragment leaves them for the next
	// page rather than taking them and dropping them.
	if !IsHTMX(c) {
		flashes, err := b.Flashes.PopFlashes(c)
		if err != nil {
			return p, caps, err
		}
		p.Flashes = flashes
	}
	ctx := c.Request().Context()
	who, ok := entitlement.PrincipalFrom(ctx)
	if !ok {
		return p, caps, nil
	}
	caps, err := b.Svc.Capabilities(ctx)
	if err != nil {
		return p, caps, fmt.Errorf("load capabilities: %w", err)
	}
	p.User = &views.PageUser{Name: who.Name, Email: who.Email, IsAdmin: who.IsAdmin, CanAdminister: caps.CanAdminister, TimeZone: who.TimeZone}
	if p.PendingApprovals, err = b.pendingApprovals(ctx); err != nil {
		return p, caps, fmt.Errorf("count pending approvals: %w", err)
	}
	if p.PendingReviews, err = b.Svc.PendingReviewCount(ctx); err != nil {
		return p, caps, fmt.Errorf("count pending reviews: %w", err)
	}
	return p, caps, nil
}

// maxFlash bounds a flash message in bytes. Flashes travel in the session cookie, which holds
// about 4 KB; a message that did not fit would fail the request after its change was saved.
const maxFlash = 1000

// Flash queues a message for the next page, shortened to maxFlash bytes.
func (b *Base) Flash(c echo.Context, kind, message string) error {
	return b.Flashes.AddFlash(c, kind, shorten(message, maxFlash))
}

// shorten cuts s to at most n bytes on a character boundary, ending it with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const more = "…"
	cut := n - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + more
}

// Render writes a component with the status. It renders into a buffer first, so a component that
// fails halfway sends the error page instead of half a page with a 200.
func Render(c echo.Context, status int, comp templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			renderBuffers.Put(buf)
		}
	}()
	ctx := c.Request().Context()
	if u := formPage(c, status); u != "" {
		ctx = views.WithHistoryURL(ctx, u)
	}
	if err := comp.Render(ctx, buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	// HTMLBlob has written the bytes out when it returns, so the buffer may be used again.
	return c.HTMLBlob(status, buf.Bytes())
}

// renderBuffers keeps the buffers pages are rendered into: a list page of 100 KB or more would
// otherwise grow a new one from nothing, copying it at each doubling, on every view.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer bounds the buffers kept, so that a rare huge page does not stay in memory.
const maxPooledBuffer = 1 << 20

// formPage is, for a form post answered with its errors (422) as a whole page, the page the form
// was on (the Referer, when it is this server's), under which the browser files the answer in
// its history: Back then fetches the form afresh, without the stale errors. "" otherwise.
func formPage(c echo.Context, status int) string {
	r := c.Request()
	if status != http.StatusUnprocessableEntity || r.Method != http.MethodPost || IsHTMX(c) {
		return ""
	}
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || !strings.HasPrefix(ref.Path, "/") || strings.HasPrefix(ref.Path, "//") {
		return ""
	}
	return ref.RequestURI()
}

// IsHTMX reports whether htmx made the request and wants a fragment, not a whole page.
func IsHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-Boosted") != "true"
}

// SeeOther finishes a successful form post with a flash and a redirect (post-redirect-get).
func (b *Base) SeeOther(c echo.Context, url, flash string) error {
	if flash != "" {
		if err := b.Flash(c, "success", flash); err != nil {
			return err
		}
	}
	if IsHTMX(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// FieldErrors returns the per-field messages of a validation error, or nil and false when err is
// something else (which the caller returns to the error handler).
func FieldErrors(err error) (map[string]string, bool) {
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields, true
	}
	return nil, false
}

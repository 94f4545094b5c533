package demoidp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/stewardhq/steward/entitlement"
)

// maxLoginFormBytes caps the login POST body; the form has two short fields.
const maxLoginFormBytes = 4 << 10

// loginHandler serves the pick-a-user page that stands in for a password form.
type loginHandler struct {
	store         *storage
	users         []User // in Config order, which is the order on the page
	callbackURL   func(ctx context.Context, authRequestID string) string
	action        string // the login URL with the issuer's path prefix, e.g. "/idp/login"
	home          string // Steward's start page, for "back to Steward" links
	stylesheetURL string
	log           *slog.Logger
}

// show renders the user list for a pending auth request (GET <prefix>/login?authRequestID=…).
func (h *loginHandler) show(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if err := h.store.pendingAuthRequest(id); err != nil {
		h.refuse(w, r, id, err)
		return
	}
	h.render(w, r, http.StatusOK, loginPage(loginPageProps{
		StylesheetURL: h.stylesheetURL,
		Action:        h.action,
		AuthRequestID: id,
		Users:         h.users,
	}))
}

// submit signs the picked user in and hands the browser back to the OP, whose callback issues
// the code and redirects to the client.
func (h *loginHandler) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginFormBytes)
	if err := r.ParseForm(); err != nil {
		h.refuse(w, r, "", errBadLoginForm)
		return
	}
	id := r.PostForm.Get("authRequestID")
	subject := r.PostForm.Get("subject")
	clientID, err := h.store.completeLogin(id, subject)
	if err != nil {
		h.refuse(w, r, id, err)
		return
	}
	h.logger(r).InfoContext(r.Context(), "demo sign-in", slog.String("subject", subject), slog.String("client_id", clientID))
	// 303 so the browser follows with a GET, as after any form POST.
	http.Redirect(w, r, h.callbackURL(r.Context(), id), http.StatusSeeOther)
}

var errBadLoginForm = errors.New("unreadable login form")

// refuse answers a login problem with a 400 page that says what to do next. The error is the
// caller's, never the server's, so the details stay out of the response and only its kind is
// logged.
func (h *loginHandler) refuse(w http.ResponseWriter, r *http.Request, authRequestID string, err error) {
	p := errorPageProps{StylesheetURL: h.stylesheetURL, HomeURL: h.home}
	switch {
	case errors.Is(err, errUnknownUser):
		p.Title = "Unknown demo user"
		p.Message = "That demo user does not exist. Go back and pick one of the listed users."
		p.RetryURL = h.action + "?authRequestID=" + url.QueryEscape(authRequestID)
	case errors.Is(err, errAuthRequestDone):
		p.Title = "This sign-in is already complete"
		p.Message = "A user was already picked for this sign-in. Go back to Steward to continue, or sign out there to switch users."
	case errors.Is(err, errBadLoginForm):
		p.Title = "The sign-in form could not be read"
		p.Message = "Go back to Steward and choose Sign in again."
	default:
		p.Title = "This sign-in link has expired"
		p.Message = "Sign-in links work once and only for a few minutes, and they do not survive a restart of Steward. Go back to Steward and choose Sign in again."
	}
	h.logger(r).InfoContext(r.Context(), "demo sign-in refused", slog.String("reason", err.Error()))
	h.render(w, r, http.StatusBadRequest, errorPage(p))
}

// logger is the request's logger when Steward serves the provider (with the request id), or the
// provider's own.
func (h *loginHandler) logger(r *http.Request) *slog.Logger {
	return entitlement.LoggerFrom(r.Context(), h.log)
}

// render writes c only once it rendered completely, so a failure never leaves half a page
// behind a success status.
func (h *loginHandler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		h.logger(r).ErrorContext(r.Context(), "render demo sign-in page", slog.Any("error", err))
		http.Error(w, "The sign-in page could not be shown.", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	// The page embeds a one-time auth request ID: keep it out of caches and frames.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// initials returns up to two capital letters for a user's avatar ("Ada Admin" → "AA").
func initials(name string) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(word)
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
		if n++; n == 2 {
			break
		}
	}
	return b.String()
}

package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers"
	"github.com/stewardhq/steward/views"
)

// handleError is the one place errors become responses: sentinels map to their status, people see
// a calm page that says what to do, and nothing internal leaves the server. 5xx are logged with
// the request id shown on the page. Errors of the API group are answered by apiErrors instead,
// in the API's JSON shape.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed || errors.Is(err, context.Canceled) {
		return
	}
	status, title, msg := classify(err)
	ctx := c.Request().Context()
	log := entitlement.LoggerFrom(ctx, s.deps.Logger)
	if isAPI(c) {
		// The API's errors are for scripts: JSON in the API's shape, never a sign-in redirect.
		if status >= 500 {
			log.ErrorContext(ctx, "api request failed", "err", err, "path", c.Request().URL.Path)
		}
		s.apiErrors(err, c)
		return
	}
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodGet && !handlers.IsHTMX(c) {
		if rerr := c.Redirect(http.StatusSeeOther, loginURL(c)); rerr != nil {
			log.ErrorContext(ctx, "redirect to sign-in", "err", rerr)
		}
		return
	}
	id := requestID(c)
	if status >= 500 {
		log.ErrorContext(ctx, "request failed", "err", err, "path", c.Request().URL.Path)
	} else {
		log.WarnContext(ctx, "request refused", "status", status, "err", err, "path", c.Request().URL.Path)
	}
	if handlers.IsHTMX(c) {
		// htmx swaps nothing on an error status; retarget the message into the page's alert
		// region so the person sees why their click did nothing.
		c.Response().Header().Set("HX-Retarget", "#htmx-alert")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		if rerr := handlers.Render(c, status, views.InlineError(title, msg, id)); rerr != nil {
			log.ErrorContext(ctx, "render error fragment", "err", rerr)
		}
		return
	}
	p, perr := s.base.Page(c, title, "")
	if perr != nil {
		p = views.Page{Title: title, CSRFToken: handlers.CSRFToken(c)}
	}
	if rerr := handlers.Render(c, status, views.ErrorPage(p, status, title, msg, id)); rerr != nil {
		log.ErrorContext(ctx, "render error page", "err", rerr)
		_ = c.String(status, title)
	}
}

// The messages of refusals that carry no words of their own for people.
const (
	notFoundText  = "This page does not exist, or what it showed was removed."
	forbiddenText = "Your roles in Steward do not allow this. Ask an administrator if you need it."
	conflictText  = "Something changed in the meantime. Reload the page and try again."
	staleText     = "It changed after you opened the page, and your change was not saved so as not to overwrite it."
)

// classify maps an error to a status, a title and a message for people.
func classify(err error) (int, string, string) {
	var re *entitlement.RuleError
	var ve *entitlement.ValidationError
	var se *errSignIn
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se):
		return http.StatusBadRequest, "Sign-in did not work", se.msg
	case errors.Is(err, entitlement.ErrUnauthorized):
		return http.StatusUnauthorized, "Please sign in", "Sign in to continue."
	case errors.As(err, &re) && errors.Is(err, entitlement.ErrNotFound):
		// A rule's message names the id it looked for, for the API; people are told what is missing.
		return http.StatusNotFound, "Not found", cmp.Or(views.NotFoundMessage(re.Object), notFoundText)
	case errors.Is(err, entitlement.ErrNotFound):
		return http.StatusNotFound, "Not found", notFoundText
	case errors.As(err, &re) && errors.Is(err, entitlement.ErrForbidden):
		return http.StatusForbidden, "Not allowed", cmp.Or(views.PlainRefusal(re.Message), forbiddenText)
	case errors.Is(err, entitlement.ErrForbidden):
		return http.StatusForbidden, "Not allowed", forbiddenText
	case errors.Is(err, entitlement.ErrStale):
		// Forms answer stale saves in place; this is for the actions that reach here.
		return http.StatusConflict, "Someone changed this after you opened it", staleText
	case errors.As(err, &re):
		return http.StatusConflict, "That cannot be done now", cmp.Or(views.PlainRefusal(re.Message), conflictText)
	case errors.Is(err, entitlement.ErrConflict):
		return http.StatusConflict, "That cannot be done now", conflictText
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "Please check your input", cmp.Or(views.FieldMessages(ve.Fields), "Something in the form was not what Steward expected.")
	case errors.As(err, &he):
		msg, _ := he.Message.(string)
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, "Not found", "This page does not exist. Check the address, or start again from the home page."
		case http.StatusMethodNotAllowed:
			return he.Code, "Not allowed here", "This address does not accept that kind of request."
		}
		if he.Code >= 500 {
			return he.Code, "Something went wrong", "Steward could not finish this request. Try again; if it keeps happening, tell your administrator the request id below."
		}
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, http.StatusText(he.Code), msg
	}
	return http.StatusInternalServerError, "Something went wrong", "Steward could not finish this request. Try again; if it keeps happening, tell your administrator the request id below."
}

package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// APITokens serves the signed-in person's API tokens: /profile/tokens.
type APITokens struct {
	*Base
}

const tokensURL = "/profile/tokens"

// List renders GET /profile/tokens.
func (h APITokens) List(c echo.Context) error {
	return h.render(c, http.StatusOK, views.TokenForm{Days: strconv.Itoa(entitlement.DefaultAPITokenDays)}, nil, "", "")
}

// Create handles POST /profile/tokens. The new token is shown in the answer itself, once: it is
// never stored, so it cannot wait in the session for a redirect. The browser files the answer
// under /profile/tokens, so that a reload shows the list rather than posting again.
func (h APITokens) Create(c echo.Context) error {
	f, in, errs := readTokenForm(c)
	if errs != nil {
		return h.render(c, http.StatusUnprocessableEntity, f, errs, "", "")
	}
	token, t, err := h.Svc.CreateAPIToken(c.Request().Context(), in)
	if fields, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, f, fields, "", "")
	}
	if err != nil {
		return err
	}
	showOnce(c, tokensURL)
	return h.render(c, http.StatusCreated, views.TokenForm{Days: strconv.Itoa(entitlement.DefaultAPITokenDays)}, nil, token, t.Name)
}

// Revoke handles POST /profile/tokens/:id/revoke.
func (h APITokens) Revoke(c echo.Context) error {
	if err := h.Svc.RevokeAPIToken(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return h.SeeOther(c, tokensURL, "The token was revoked: scripts that use it stop working now.")
}

func (h APITokens) render(c echo.Context, status int, f views.TokenForm, errs map[string]string, created, createdName string) error {
	ctx := c.Request().Context()
	tokens, err := h.Svc.APITokens(ctx)
	if err != nil {
		return err
	}
	p, err := h.Page(c, "API tokens", views.SectionAccess)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "Your profile", URL: "/profile"}, {Label: "API tokens", Current: true}}
	return Render(c, status, views.APITokensPage(views.APITokensProps{Page: p, Tokens: views.TokenListProps{
		Tokens: tokens, Now: h.Svc.Clock().Now(), CSRFToken: p.CSRFToken, Action: tokensURL, Form: f, Errors: fieldMessages(errs),
		Created: created, CreatedName: createdName, Owner: "yours",
	}}))
}

// readTokenForm reads the new-token form; a number of days that is not a number is a field
// error here, the rest is the service's to judge.
func readTokenForm(c echo.Context) (views.TokenForm, entitlement.APITokenInput, map[string]string) {
	f := views.TokenForm{Name: c.FormValue("name"), Days: strings.TrimSpace(c.FormValue("days"))}
	in := entitlement.APITokenInput{Name: f.Name}
	if f.Days != "" {
		days, err := strconv.Atoi(f.Days)
		if err != nil {
			return f, in, map[string]string{"days": "choose how long the token lasts"}
		}
		in.Days = days
	}
	return f, in, nil
}

// showOnce files the page that shows a secret under url in the browser's history, so that
// neither Back nor a reload shows it again or posts the form again.
func showOnce(c echo.Context, url string) {
	c.SetRequest(c.Request().WithContext(views.WithHistoryURL(c.Request().Context(), url)))
}

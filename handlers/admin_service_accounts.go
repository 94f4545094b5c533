package handlers

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// AdminServiceAccounts serves the service accounts: principals of scripts that administrators
// create, give roles and make API tokens for.
type AdminServiceAccounts struct {
	*Base
}

const serviceAccountsURL = "/admin/service-accounts"

// errServiceAccountsAdminsOnly refuses the service-account pages to people who administer catalogs only.
var errServiceAccountsAdminsOnly = refused("Only administrators manage service accounts.")

func (h AdminServiceAccounts) page(c echo.Context, title string, crumbs ...views.NavItem) (views.Page, error) {
	crumbs = append([]views.NavItem{{Label: "Service accounts", URL: serviceAccountsURL}}, crumbs...)
	p, caps, err := h.adminPage(c, title, navServiceAccounts, crumbs...)
	if err == nil && !caps.IsAdmin {
		err = errServiceAccountsAdminsOnly
	}
	return p, err
}

// List renders GET /admin/service-accounts.
func (h AdminServiceAccounts) List(c echo.Context) error {
	p, err := h.page(c, "Service accounts")
	if err != nil {
		return err
	}
	p.Breadcrumbs = nil
	opt := adminListOptions(c)
	page, err := h.Svc.ServiceAccounts(c.Request().Context(), opt)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.ServiceAccountListPage(views.ServiceAccountListProps{
		Page: p, Query: opt.Search, Accounts: page.Items, Pager: pageLinks(c, serviceAccountsURL, page, opt),
	}))
}

// New renders GET /admin/service-accounts/new.
func (h AdminServiceAccounts) New(c echo.Context) error {
	return h.form(c, http.StatusOK, "", views.ServiceAccountForm{}, nil)
}

// Create handles POST /admin/service-accounts/new.
func (h AdminServiceAccounts) Create(c echo.Context) error {
	f := readServiceAccountForm(c)
	a, err := h.Svc.CreateServiceAccount(c.Request().Context(), serviceAccountInput(f))
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, "", f, errs)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, serviceAccountsURL+"/"+a.ID, a.DisplayName+" was created. Make a token for it, and give it roles in catalogs if it needs them.")
}

// Edit renders GET /admin/service-accounts/:id/edit.
func (h AdminServiceAccounts) Edit(c echo.Context) error {
	a, err := h.Svc.ServiceAccountByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.form(c, http.StatusOK, a.ID, views.ServiceAccountForm{DisplayName: a.DisplayName, Description: a.Description, Administrator: a.Administrator}, nil)
}

// Update handles POST /admin/service-accounts/:id/edit.
func (h AdminServiceAccounts) Update(c echo.Context) error {
	id := c.Param("id")
	f := readServiceAccountForm(c)
	a, err := h.Svc.UpdateServiceAccount(c.Request().Context(), id, serviceAccountInput(f))
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, id, f, errs)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, serviceAccountsURL+"/"+a.ID, "Your changes to "+a.DisplayName+" were saved.")
}

func (h AdminServiceAccounts) form(c echo.Context, status int, id string, f views.ServiceAccountForm, errs map[string]string) error {
	title, action, cancel := "New service account", serviceAccountsURL+"/new", serviceAccountsURL
	if id != "" {
		title, action, cancel = "Edit service account", serviceAccountsURL+"/"+id+"/edit", serviceAccountsURL+"/"+id
	}
	p, err := h.page(c, title)
	if err != nil {
		return err
	}
	return Render(c, status, views.ServiceAccountFormPage(views.ServiceAccountFormProps{
		Page: p, Action: action, CancelURL: cancel, Editing: id != "", Values: f, Errors: fieldMessages(errs),
	}))
}

func readServiceAccountForm(c echo.Context) views.ServiceAccountForm {
	return views.ServiceAccountForm{DisplayName: c.FormValue("displayName"), Description: c.FormValue("description"), Administrator: c.FormValue("administrator") != ""}
}

func serviceAccountInput(f views.ServiceAccountForm) entitlement.ServiceAccountInput {
	return entitlement.ServiceAccountInput{DisplayName: f.DisplayName, Description: f.Description, Administrator: f.Administrator}
}

// Show renders GET /admin/service-accounts/:id.
func (h AdminServiceAccounts) Show(c echo.Context) error {
	return h.show(c, http.StatusOK, views.TokenForm{Days: strconv.Itoa(entitlement.DefaultAPITokenDays)}, nil, "", "")
}

func (h AdminServiceAccounts) show(c echo.Context, status int, f views.TokenForm, errs map[string]string, created, createdName string) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	a, err := h.Svc.ServiceAccountByID(ctx, id)
	if err != nil {
		return err
	}
	roles, err := h.Svc.ServiceAccountCatalogRoles(ctx, id)
	if err != nil {
		return err
	}
	tokens, err := h.Svc.ServiceAccountTokens(ctx, id)
	if err != nil {
		return err
	}
	p, err := h.page(c, a.DisplayName, views.NavItem{Label: a.DisplayName})
	if err != nil {
		return err
	}
	return Render(c, status, views.ServiceAccountPage(views.ServiceAccountProps{Page: p, Account: a, Roles: roles, Tokens: views.TokenListProps{
		Tokens: tokens, Now: h.Svc.Clock().Now(), CSRFToken: p.CSRFToken, Action: serviceAccountsURL + "/" + a.ID + "/tokens",
		Form: f, Errors: fieldMessages(errs), Created: created, CreatedName: createdName, Owner: a.DisplayName,
	}}))
}

// CreateToken handles POST /admin/service-accounts/:id/tokens; the token is shown once, in the
// answer (as on the profile's token page).
func (h AdminServiceAccounts) CreateToken(c echo.Context) error {
	id := c.Param("id")
	f, in, errs := readTokenForm(c)
	if errs != nil {
		return h.show(c, http.StatusUnprocessableEntity, f, errs, "", "")
	}
	token, t, err := h.Svc.CreateServiceAccountToken(c.Request().Context(), id, in)
	if fields, ok := FieldErrors(err); ok {
		return h.show(c, http.StatusUnprocessableEntity, f, fields, "", "")
	}
	if err != nil {
		return err
	}
	showOnce(c, serviceAccountsURL+"/"+id)
	return h.show(c, http.StatusCreated, views.TokenForm{Days: strconv.Itoa(entitlement.DefaultAPITokenDays)}, nil, token, t.Name)
}

// RevokeToken handles POST /admin/service-accounts/:id/tokens/:tid/revoke.
func (h AdminServiceAccounts) RevokeToken(c echo.Context) error {
	ctx := c.Request().Context()
	id, tid := c.Param("id"), c.Param("tid")
	tokens, err := h.Svc.ServiceAccountTokens(ctx, id)
	if err != nil {
		return err
	}
	// Only a token of this account: the address names both.
	if !slices.ContainsFunc(tokens, func(t entitlement.APIToken) bool { return t.ID == tid }) {
		return &entitlement.RuleError{Code: "tokenNotFound", Kind: entitlement.ErrNotFound, Object: "API token", Message: "the service account has no such token"}
	}
	if err := h.Svc.RevokeAPIToken(ctx, tid); err != nil {
		return err
	}
	return h.SeeOther(c, serviceAccountsURL+"/"+id, "The token was revoked: scripts that use it stop working now.")
}

// Disable handles POST /admin/service-accounts/:id/disable.
func (h AdminServiceAccounts) Disable(c echo.Context) error { return h.setEnabled(c, false) }

// Enable handles POST /admin/service-accounts/:id/enable.
func (h AdminServiceAccounts) Enable(c echo.Context) error { return h.setEnabled(c, true) }

func (h AdminServiceAccounts) setEnabled(c echo.Context, enabled bool) error {
	id := c.Param("id")
	if err := h.Svc.SetServiceAccountEnabled(c.Request().Context(), id, enabled); err != nil {
		return err
	}
	msg := "The service account was disabled: its tokens stop working until you enable it."
	if enabled {
		msg = "The service account was enabled: its tokens work again."
	}
	return h.SeeOther(c, serviceAccountsURL+"/"+id, msg)
}

// Delete handles POST /admin/service-accounts/:id/delete.
func (h AdminServiceAccounts) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := h.Svc.ServiceAccountByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteServiceAccount(ctx, a.ID); err != nil {
		return err
	}
	return h.SeeOther(c, serviceAccountsURL, a.DisplayName+" was deleted with its tokens and roles.")
}

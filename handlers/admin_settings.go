package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// AdminSettings serves /admin/settings: the external user lifecycle and the catalog creators.
type AdminSettings struct {
	*Base
}

// Show renders GET /admin/settings.
func (h AdminSettings) Show(c echo.Context) error {
	st, err := h.Svc.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, st.ExternalUserLifecycleAction, strconv.Itoa(st.DaysUntilExternalUserDeletedAfterBlocked), nil, "", false, "")
}

func (h AdminSettings) render(c echo.Context, status int, action, days string, errs map[string]string, query string, searched bool, msg string) error {
	p, caps, err := h.adminPage(c, "Settings", navSettings)
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return &entitlement.RuleError{Code: "forbidden", Kind: entitlement.ErrForbidden, Message: "Only administrators change the settings."}
	}
	ctx := c.Request().Context()
	st, err := h.Svc.Settings(ctx)
	if err != nil {
		return err
	}
	props := views.SettingsProps{Page: p, Action: action, Days: days, Errors: fieldMessages(errs), Error: msg}
	n := newNameBook(ctx, h.Svc)
	for _, s := range st.CatalogCreators {
		detail := "User"
		if s.Type == entitlement.PrincipalGroup {
			detail = "Group: each member may create catalogs"
		}
		props.Creators = append(props.Creators, views.SponsorRow{ID: s.ID, Type: s.Type, Label: n.principal(s.ID, s.Type), Detail: detail})
	}
	props.Picker = views.PickerProps{ID: "creator-picker", Label: "Add a person or group", Kinds: "user,group", Query: query, Searched: searched, Name: "pick", SearchName: "search", SearchValue: "1", QueryName: "q"}
	if searched {
		if props.Picker.Results, err = searchPeople(ctx, h.Svc, "user,group", query); err != nil {
			return err
		}
	}
	return Render(c, status, views.SettingsPage(props))
}

// Update handles POST /admin/settings.
func (h AdminSettings) Update(c echo.Context) error {
	action, days := c.FormValue("externalUserLifecycleAction"), strings.TrimSpace(c.FormValue("days"))
	n, err := strconv.Atoi(days)
	if err != nil {
		return h.render(c, http.StatusUnprocessableEntity, action, days, map[string]string{"daysUntilExternalUserDeletedAfterBlocked": "enter a number of days from 0 to 365"}, "", false, "")
	}
	_, err = h.Svc.UpdateSettings(c.Request().Context(), entitlement.Settings{ExternalUserLifecycleAction: action, DaysUntilExternalUserDeletedAfterBlocked: n})
	if errs, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, action, days, errs, "", false, "")
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/settings", "Settings saved.")
}

// AddCreator handles POST /admin/settings/catalog-creators.
func (h AdminSettings) AddCreator(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.Svc.Settings(ctx)
	if err != nil {
		return err
	}
	cur, days := st.ExternalUserLifecycleAction, strconv.Itoa(st.DaysUntilExternalUserDeletedAfterBlocked)
	k, id, ok := cutKind(c.FormValue("pick"))
	if !ok {
		return h.render(c, http.StatusOK, cur, days, nil, c.FormValue("q"), true, "")
	}
	who := entitlement.Sponsor{ID: id, Type: entitlement.PrincipalUser}
	if k == "group" {
		who.Type = entitlement.PrincipalGroup
	}
	err = h.Svc.AddCatalogCreator(ctx, who)
	if errs, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, cur, days, nil, "", false, firstMessage(errs))
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.render(c, http.StatusConflict, cur, days, nil, "", false, finish(sentence(msg)))
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/settings", newNameBook(ctx, h.Svc).principal(who.ID, who.Type)+" may now create catalogs.")
}

// RemoveCreator handles POST /admin/settings/catalog-creators/remove.
func (h AdminSettings) RemoveCreator(c echo.Context) error {
	if err := h.Svc.RemoveCatalogCreator(c.Request().Context(), c.FormValue("id")); err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/settings", "Catalog creator removed.")
}

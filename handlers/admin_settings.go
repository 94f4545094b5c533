package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
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
	return h.render(c, http.StatusOK, lifecycleForm(st), nil, "", false, "")
}

// settingsForm is what the external-user form shows: the values, as saved or as typed, and the
// version of the settings they come from.
type settingsForm struct {
	action, days string
	version      int64
	stale        *views.Stale
}

// lifecycleForm fills the form with the saved settings.
func lifecycleForm(st entitlement.Settings) settingsForm {
	return settingsForm{action: st.ExternalUserLifecycleAction, days: strconv.Itoa(st.DaysUntilExternalUserDeletedAfterBlocked), version: st.Version}
}

func (h AdminSettings) render(c echo.Context, status int, f settingsForm, errs map[string]string, query string, searched bool, msg string) error {
	p, caps, err := h.adminPage(c, "Settings", navSettings)
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return refused("Only administrators change the settings.")
	}
	ctx := c.Request().Context()
	st, err := h.Svc.Settings(ctx)
	if err != nil {
		return err
	}
	props := views.SettingsProps{Page: p, Action: f.action, Days: f.days, Version: f.version, Stale: f.stale, Errors: fieldMessages(errs), Error: msg}
	n := newNameBook(ctx, h.Svc)
	for _, s := range st.CatalogCreators {
		detail := "User"
		if s.Type == entitlement.PrincipalGroup {
			detail = "Group: each member may create catalogs"
		}
		props.Creators = append(props.Creators, views.SponsorRow{ID: s.ID, Type: s.Type, Label: n.principal(s.ID, s.Type), Detail: detail})
	}
	props.Picker = views.PickerProps{ID: "creator-picker", Label: "Add a person or group", Kinds: "user,group", Query: query, Searched: searched, Name: "pick", SearchName: "search", SearchValue: "1", QueryName: "q"}
	if msg != "" {
		props.Picker.ListErrorID = "creator-error" // the refusal under the picker describes its box
	}
	if searched {
		if props.Picker.Results, err = searchPeople(ctx, h.Svc, "user,group", query); err != nil {
			return err
		}
	}
	return Render(c, status, views.SettingsPage(props))
}

// Update handles POST /admin/settings.
func (h AdminSettings) Update(c echo.Context) error {
	ctx := c.Request().Context()
	f := settingsForm{action: c.FormValue("externalUserLifecycleAction"), days: strings.TrimSpace(c.FormValue("days")), version: formVersion(c)}
	n, err := strconv.Atoi(f.days)
	if err != nil {
		return h.render(c, http.StatusUnprocessableEntity, f, map[string]string{"daysUntilExternalUserDeletedAfterBlocked": "enter a number of days from 0 to 365"}, "", false, "")
	}
	_, err = h.Svc.UpdateSettings(ctx, entitlement.Settings{ExternalUserLifecycleAction: f.action, DaysUntilExternalUserDeletedAfterBlocked: n, Version: f.version})
	if errs, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, f, errs, "", false, "")
	}
	if stale, ok := h.staleNotice(err, "the settings"); ok {
		cur, err := h.Svc.Settings(ctx)
		if err != nil {
			return err
		}
		stale.Current = []views.CurrentValue{
			{Label: "When an external user's last access ends", Value: views.LifecycleActionLabel(cur.ExternalUserLifecycleAction)},
			{Label: "Days before deletion", Value: strconv.Itoa(cur.DaysUntilExternalUserDeletedAfterBlocked)},
		}
		f.stale = stale
		f.version = cur.Version
		return h.render(c, http.StatusConflict, f, nil, "", false, "")
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
	cur := lifecycleForm(st)
	k, id, ok := cutKind(c.FormValue("pick"))
	if !ok {
		return h.render(c, http.StatusOK, cur, nil, c.FormValue("q"), true, "")
	}
	who := entitlement.Sponsor{ID: id, Type: entitlement.PrincipalUser}
	if k == "group" {
		who.Type = entitlement.PrincipalGroup
	}
	err = h.Svc.AddCatalogCreator(ctx, who)
	if errs, ok := FieldErrors(err); ok {
		return h.render(c, http.StatusUnprocessableEntity, cur, nil, "", false, firstMessage(errs))
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.render(c, http.StatusConflict, cur, nil, "", false, words.Sentence(msg))
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

// Backup streams a consistent copy of all data as a download (POST /admin/backup). The service
// refuses anyone but an administrator and records the download before a byte is sent.
func (h AdminSettings) Backup(c echo.Context) error {
	ctx := c.Request().Context()
	name := "steward-backup-" + h.Svc.Clock().Now().UTC().Format("20060102-150405") + ".db"
	w := &lazyHeaders{c: c, name: name}
	if _, err := h.Svc.Backup(ctx, w); err != nil {
		if w.started {
			// Part of the file is out; the person sees a broken download, the log says why.
			h.Logger(c).ErrorContext(ctx, "backup interrupted", "err", err)
			return nil
		}
		return err
	}
	return nil
}

// lazyHeaders sends the download's headers with its first byte, so that a refusal before any
// data still reaches the error handler as a normal page.
type lazyHeaders struct {
	c       echo.Context
	name    string
	started bool
}

func (l *lazyHeaders) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.c.Response().Header()
		h.Set(echo.HeaderContentType, "application/octet-stream")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "no-store")
		l.c.Response().WriteHeader(http.StatusOK)
	}
	return l.c.Response().Write(p)
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// Profile serves the signed-in person's own profile: who they are and which mail they get.
type Profile struct {
	*Base
}

// Show renders GET /profile.
func (h Profile) Show(c echo.Context) error {
	ctx := c.Request().Context()
	prefs, err := h.Svc.MyNotificationPreferences(ctx)
	if err != nil {
		return err
	}
	p, err := h.Page(c, "Your profile", views.SectionAccess)
	if err != nil {
		return err
	}
	who, _ := entitlement.PrincipalFrom(ctx)
	return Render(c, http.StatusOK, views.ProfilePage(views.ProfileProps{
		Page: p, Name: who.Name, Email: who.Email, Reminders: !prefs.NoReminders, Results: !prefs.NoResults, TimeZone: who.TimeZone,
	}))
}

// SetTimeZone handles POST /profile/time-zone: the zone the person's pages show times in, typed
// on the profile or detected by the browser (detected=1, posted in the background by app.js,
// which needs no page back: 204).
func (h Profile) SetTimeZone(c echo.Context) error {
	ctx := c.Request().Context()
	zone := c.FormValue("timeZone")
	err := h.Svc.SetMyTimeZone(ctx, zone)
	if c.FormValue("detected") != "" {
		if _, invalid := FieldErrors(err); invalid {
			// A browser zone Steward does not know: times stay in UTC, and the profile can set one.
			return c.NoContent(http.StatusUnprocessableEntity)
		}
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if fields, ok := FieldErrors(err); ok {
		prefs, perr := h.Svc.MyNotificationPreferences(ctx)
		if perr != nil {
			return perr
		}
		p, perr := h.Page(c, "Your profile", views.SectionAccess)
		if perr != nil {
			return perr
		}
		who, _ := entitlement.PrincipalFrom(ctx)
		return Render(c, http.StatusUnprocessableEntity, views.ProfilePage(views.ProfileProps{
			Page: p, Name: who.Name, Email: who.Email, Reminders: !prefs.NoReminders, Results: !prefs.NoResults,
			TimeZone: zone, ZoneError: words.Sentence(fields["timeZone"]),
		}))
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/profile", "Your time zone was saved.")
}

// Update handles POST /profile: the mail settings. An unchecked box sends nothing, so a missing
// value turns that mail off.
func (h Profile) Update(c echo.Context) error {
	in := entitlement.NotificationPreferences{
		NoReminders: c.FormValue("reminders") == "",
		NoResults:   c.FormValue("results") == "",
	}
	if err := h.Svc.SetMyNotificationPreferences(c.Request().Context(), in); err != nil {
		return err
	}
	return h.SeeOther(c, "/profile", "Your mail settings were saved.")
}

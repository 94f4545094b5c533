package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
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
		Page: p, Name: who.Name, Email: who.Email, Reminders: !prefs.NoReminders, Results: !prefs.NoResults,
	}))
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

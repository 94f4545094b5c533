package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
)

// AdminMail serves the Sent mail pages: mail that could not be sent, and the mail kept instead of
// sent when no SMTP server is configured.
type AdminMail struct {
	*Base
}

// mailWords names each notification for people.
var mailWords = map[string]string{
	entitlement.NotifyRequestSubmitted:   "Request received",
	entitlement.NotifyApprovalNeeded:     "Approval needed",
	entitlement.NotifyRequestEscalated:   "Escalated to more approvers",
	entitlement.NotifyRequestApproved:    "Request approved",
	entitlement.NotifyRequestDenied:      "Request denied",
	entitlement.NotifyRequestTimedOut:    "Request timed out",
	entitlement.NotifyRequestDelivered:   "Access delivered",
	entitlement.NotifyRequestCanceled:    "Request canceled",
	entitlement.NotifyAssignmentExpiring: "Access ends soon",
	entitlement.NotifyAssignmentExpired:  "Access ended",
	entitlement.NotifyAssignmentRemoved:  "Access removed",
	entitlement.NotifyGuestBlocked:       "Guest account blocked",
}

func mailWhat(event string) string {
	if w, ok := mailWords[event]; ok {
		return w
	}
	return "Notification"
}

// List renders GET /admin/mail.
func (h AdminMail) List(c echo.Context) error {
	ctx := c.Request().Context()
	p, _, err := h.adminPage(c, "Sent mail", navMail)
	if err != nil {
		return err
	}
	failing, err := h.Svc.FailingMail(ctx, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		return err
	}
	opt := adminListOptions(c)
	opt.Search = ""
	page, err := h.Svc.SentMail(ctx, opt)
	if err != nil {
		return err
	}
	d := views.SentMailProps{Page: p, Now: h.Svc.Clock().Now(), Pager: pageLinks(c, "/admin/mail", page, opt)}
	for _, f := range failing.Items {
		to := ""
		if r := f.Notification.Recipient; r != nil {
			to = r.Email
		}
		d.Failing = append(d.Failing, views.FailingMailRow{
			ID: f.Message.ID, To: to, What: mailWhat(f.Notification.Event), Attempts: f.Message.Attempts,
			LastError: f.Message.LastError, GaveUp: f.GaveUp, NextTry: f.Message.NextAttempt,
		})
	}
	for _, m := range page.Items {
		d.Mails = append(d.Mails, views.MailRow{ID: m.ID, At: m.CreatedDateTime, To: m.To, ToName: m.ToName, What: mailWhat(m.Event), Subject: m.Subject})
	}
	return Render(c, http.StatusOK, views.SentMailPage(d))
}

// Show renders GET /admin/mail/{id}: one kept mail.
func (h AdminMail) Show(c echo.Context) error {
	m, err := h.Svc.MailByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	p, _, err := h.adminPage(c, m.Subject, navMail, views.NavItem{Label: "Sent mail", URL: "/admin/mail"}, views.NavItem{Label: m.Subject, Current: true})
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.MailPage(views.MailProps{
		Page: p, ID: m.ID, At: m.CreatedDateTime, To: m.To, ToName: m.ToName, What: mailWhat(m.Event),
		Subject: m.Subject, Link: m.Link, Text: m.Text,
	}))
}

// HTML serves GET /admin/mail/{id}/html: the HTML body as the recipient's mail client would show
// it. Mail carries its styles inline, which the portal's policy forbids, so this page has a policy
// of its own: inline styles, nothing else, and a sandbox that runs no script and sends no form.
func (h AdminMail) HTML(c echo.Context) error {
	m, err := h.Svc.MailByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox allow-top-navigation-by-user-activation allow-popups")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTML))
}

// Retry handles POST /admin/mail/{id}/retry: send a failing mail again now.
func (h AdminMail) Retry(c echo.Context) error {
	err := h.Svc.RetryMail(c.Request().Context(), c.Param("id"))
	if msg, ok := ruleMessage(err); ok {
		if ferr := h.Flash(c, components.FlashError, msg); ferr != nil {
			return ferr
		}
		return h.SeeOther(c, "/admin/mail", "")
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/mail", "The mail goes out again in a moment.")
}

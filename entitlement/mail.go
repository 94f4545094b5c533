package entitlement

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// NotificationPreferences are the optional messages a person turned off. The zero value, which
// records written before preferences existed decode to, sends everything.
type NotificationPreferences struct {
	// NoReminders turns off the reminders that access ends in 14 days and in 1 day.
	NoReminders bool `json:"noReminders,omitempty"`
	// NoResults turns off what happens to one's own requests: submitted, approved, denied, timed
	// out, delivered, canceled.
	NoResults bool `json:"noResults,omitempty"`
}

// Wants reports whether a person with these preferences gets the event's message in the role.
// Requests to approve, escalations and cancellations of what one was asked to approve always go
// out, because a request waits for them; so do the end of access and a blocked account, because
// they change what the person can do.
func (p NotificationPreferences) Wants(event, role string) bool {
	switch event {
	case NotifyAssignmentExpiring:
		return !p.NoReminders
	case NotifyRequestCanceled:
		return role == RecipientApprover || !p.NoResults
	case NotifyRequestSubmitted, NotifyRequestApproved, NotifyRequestDenied, NotifyRequestTimedOut, NotifyRequestDelivered:
		return !p.NoResults
	}
	return true
}

// Mail is a message as it was rendered for one person. Without an SMTP server (the demo) mail is
// kept instead of sent, so that administrators can read what would have gone out.
type Mail struct {
	// ID is the id of the outbox message it was rendered from, so keeping it again after a crash
	// replaces the copy rather than adding one.
	ID              string    `json:"id"`
	Event           string    `json:"event"`
	ToUserID        string    `json:"toUserId"`
	ToName          string    `json:"toName"`
	To              string    `json:"to"`
	Subject         string    `json:"subject"`
	Text            string    `json:"text"`
	HTML            string    `json:"html"`
	Link            string    `json:"link,omitempty"`
	CreatedDateTime time.Time `json:"createdDateTime"`
}

// Mailbox stores the mail kept instead of sent.
type Mailbox interface {
	Put(m Mail) error
	Get(id string) (Mail, error)
	// List pages through the mail in the order it was written (Desc: newest first).
	List(opt ListOptions) (Page[Mail], error)
}

// KeepMail stores a rendered message instead of sending it. Only the outbox delivery calls it,
// which runs with no signed-in person; a person cannot add mail to what administrators read.
func (s *Service) KeepMail(ctx context.Context, m Mail) error {
	if p, ok := PrincipalFrom(ctx); ok && p.UserID != "" {
		return forbidden("only Steward itself keeps mail")
	}
	if m.ID == "" || m.To == "" {
		return invalid("invalidMail", "id", "a kept mail needs the id of its outbox message and an address")
	}
	if m.CreatedDateTime.IsZero() {
		m.CreatedDateTime = s.now()
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.Mail().Put(m); err != nil {
			return fmt.Errorf("keep mail %s: %w", m.ID, err)
		}
		return nil
	})
}

// SentMail lists the kept mail, newest first; administrators only.
func (s *Service) SentMail(ctx context.Context, opt ListOptions) (Page[Mail], error) {
	var out Page[Mail]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "read the mail Steward sent"); err != nil {
			return err
		}
		opt.Desc = true
		var err error
		out, err = tx.Mail().List(opt)
		if err != nil {
			return fmt.Errorf("list mail: %w", err)
		}
		return nil
	})
	return out, err
}

// MailByID returns one kept mail; administrators only.
func (s *Service) MailByID(ctx context.Context, id string) (Mail, error) {
	var out Mail
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "read the mail Steward sent"); err != nil {
			return err
		}
		m, err := tx.Mail().Get(id)
		if isNotFound(err) {
			return notFoundAs("mailNotFound", "mail", id)
		} else if err != nil {
			return fmt.Errorf("load mail %s: %w", id, err)
		}
		out = m
		return nil
	})
	return out, err
}

// UndeliveredMail is a notification whose sending failed: waiting for its next attempt, or given
// up after the last.
type UndeliveredMail struct {
	Message      OutboxMessage
	Notification Notification
	GaveUp       bool
}

// FailingMail lists the notifications whose last attempt failed, oldest first, with their error;
// administrators only.
func (s *Service) FailingMail(ctx context.Context, opt ListOptions) (Page[UndeliveredMail], error) {
	var out Page[UndeliveredMail]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see mail that could not be sent"); err != nil {
			return err
		}
		page, err := tx.Outbox().Failing(OutboxNotify, opt)
		if err != nil {
			return fmt.Errorf("list failing mail: %w", err)
		}
		out = Page[UndeliveredMail]{Next: page.Next, Prev: page.Prev, Total: page.Total}
		for _, m := range page.Items {
			u := UndeliveredMail{Message: m, GaveUp: m.FailedAt != nil}
			// A payload that cannot be read still lists, with its error, so it can be seen.
			_ = json.Unmarshal(m.Payload, &u.Notification)
			out.Items = append(out.Items, u)
		}
		return nil
	})
	return out, err
}

// RetryMail sends a failing notification again at once, with a fresh count of attempts;
// administrators only.
func (s *Service) RetryMail(ctx context.Context, id string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "send mail again"); err != nil {
			return err
		}
		m, err := tx.Outbox().Get(id)
		if isNotFound(err) || (err == nil && m.Kind != OutboxNotify) {
			return notFoundAs("mailNotFound", "mail", id)
		} else if err != nil {
			return fmt.Errorf("retry mail %s: %w", id, err)
		}
		if m.DeliveredAt != nil {
			return ruleError(ErrConflict, "alreadySent", "this mail was sent at %s", formatTime(*m.DeliveredAt))
		}
		var n Notification
		_ = json.Unmarshal(m.Payload, &n) // only names the recipient in the audit event
		m.FailedAt, m.Attempts, m.NextAttempt = nil, 0, s.now()
		if err := tx.Outbox().Put(m); err != nil {
			return fmt.Errorf("retry mail %s: %w", id, err)
		}
		to := strings.Join(n.Recipients, ", ")
		if n.Recipient != nil {
			to = n.Recipient.Email
		}
		return s.audit(tx, a.p, "mail.retry", "mail", m.ID, m.Topic, "sent again to "+to+" after: "+m.LastError)
	})
}

// MyNotificationPreferences returns the caller's own preferences.
func (s *Service) MyNotificationPreferences(ctx context.Context) (NotificationPreferences, error) {
	var out NotificationPreferences
	err := s.read(ctx, func(tx Tx, a *access) error {
		u, err := tx.Users().Get(a.p.UserID)
		if err != nil {
			return fmt.Errorf("load preferences: %w", err)
		}
		out = u.NotificationPreferences
		return nil
	})
	return out, err
}

// SetMyNotificationPreferences stores which optional messages the caller gets. Everyone chooses
// for themselves only.
func (s *Service) SetMyNotificationPreferences(ctx context.Context, in NotificationPreferences) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		u, err := tx.Users().Get(a.p.UserID)
		if err != nil {
			return fmt.Errorf("save preferences: %w", err)
		}
		if u.NotificationPreferences == in {
			return nil
		}
		var c changes
		c.text("reminders", onOff(!u.NotificationPreferences.NoReminders), onOff(!in.NoReminders))
		c.text("results", onOff(!u.NotificationPreferences.NoResults), onOff(!in.NoResults))
		u.NotificationPreferences, u.ModifiedDateTime = in, s.now()
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("save preferences: %w", err)
		}
		return s.audit(tx, a.p, "user.preferences", "user", u.ID, u.Label(), "mail "+c.summary())
	})
}

// SetMyTimeZone stores the IANA time zone the caller's pages show times in; "" goes back to UTC.
// Everyone chooses for themselves only.
func (s *Service) SetMyTimeZone(ctx context.Context, zone string) error {
	zone = strings.TrimSpace(zone)
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || len(zone) > 64 || zone == "Local" {
			return invalid("invalidTimeZone", "timeZone", "enter the name of a time zone, such as Europe/Paris")
		}
	}
	return s.write(ctx, func(tx Tx, a *access) error {
		u, err := tx.Users().Get(a.p.UserID)
		if err != nil {
			return fmt.Errorf("save time zone: %w", err)
		}
		if u.TimeZone == zone {
			return nil
		}
		var c changes
		c.text("time zone", cmp.Or(u.TimeZone, "UTC"), cmp.Or(zone, "UTC"))
		u.TimeZone, u.ModifiedDateTime = zone, s.now()
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("save time zone: %w", err)
		}
		return s.audit(tx, a.p, "user.preferences", "user", u.ID, u.Label(), c.summary())
	})
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

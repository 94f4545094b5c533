package views

import "time"

// SentMailProps is the data of the Sent mail page.
type SentMailProps struct {
	Page    Page
	Now     time.Time
	Failing []FailingMailRow
	Mails   []MailRow
	Pager   Pager
}

// FailingMailRow is a mail that could not be sent yet.
type FailingMailRow struct {
	ID        string
	To        string
	What      string // the event in words
	Attempts  int
	LastError string
	GaveUp    bool
	NextTry   time.Time
}

// MailRow is one kept mail in the list.
type MailRow struct {
	ID      string
	At      time.Time
	To      string
	ToName  string
	What    string
	Subject string
}

// MailProps is the data of one kept mail's page.
type MailProps struct {
	Page    Page
	ID      string
	At      time.Time
	To      string
	ToName  string
	What    string
	Subject string
	Link    string
	Text    string
}

// ProfileProps is the data of the profile page.
type ProfileProps struct {
	Page      Page
	Name      string
	Email     string
	Reminders bool
	Results   bool
}

// ApprovalProps is the data of one request's approval page, the page mail links to.
type ApprovalProps struct {
	Page Page
	Item ApprovalItem
}

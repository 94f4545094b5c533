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
	TimeZone  string // as saved, or as typed when it came back with ZoneError
	ZoneError string
}

// zoneHelp says what the time zone field is for and what it is now.
func zoneHelp(saved string) string {
	if saved == "" {
		return "Times are shown in UTC until you choose a zone, or your browser tells Steward its own. Use a name such as Europe/Paris or America/New_York."
	}
	return "Dates and times are shown in this zone; point at one to see it in UTC. Use a name such as Europe/Paris or America/New_York."
}

// ApprovalProps is the data of one request's approval page, the page mail links to.
type ApprovalProps struct {
	Page Page
	Item ApprovalItem
}

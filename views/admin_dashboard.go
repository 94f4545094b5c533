package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// DashboardProps configures DashboardPage.
type DashboardProps struct {
	Page                      Page
	IsAdmin, CanCreateCatalog bool
	Catalogs, Packages        int
	Users, Groups, Orgs       int
	Recent                    []entitlement.AuditEvent
	Now                       time.Time
	Pending                   []AgeBucket // open requests of the person's catalogs, by how long they have waited
	PendingTotal              int
	Oldest                    []RequestLine // the longest-waiting open requests
	Expiring                  []RequestLine // assignments that end within entitlement.ReminderEarly
	EngineReady               bool          // requests and assignments can be shown
}

// AgeBucket counts open requests that have waited a span of time.
type AgeBucket struct {
	Label string
	Count int
}

// RequestLine is one request or assignment in a dashboard list.
type RequestLine struct {
	URL     string
	Who     string
	Package string
	State   string
	At      time.Time
}

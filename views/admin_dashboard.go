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
	Charts                    entitlement.DashboardCharts // of the person's catalogs
	Oldest                    []RequestLine               // the longest-waiting open requests
	Expiring                  []RequestLine               // assignments that end within entitlement.ReminderEarly
	EngineReady               bool                        // requests and assignments can be shown
}

// RequestLine is one request or assignment in a dashboard list.
type RequestLine struct {
	URL     string
	Who     string
	Package string
	State   string
	At      time.Time
}

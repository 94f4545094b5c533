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

// AuditActionLabel names an audit action for people: "catalog.create" → "created a catalog".
func AuditActionLabel(action string) string {
	if l, ok := auditActions[action]; ok {
		return l
	}
	return action
}

var auditActions = map[string]string{
	"catalog.create":                       "created the catalog",
	"catalog.update":                       "changed the catalog",
	"catalog.delete":                       "deleted the catalog",
	"catalog.role.add":                     "gave a role in the catalog",
	"catalog.role.remove":                  "took a role in the catalog",
	"resource.add":                         "added the resource",
	"resource.remove":                      "removed the resource",
	"accessPackage.create":                 "created the access package",
	"accessPackage.update":                 "changed the access package",
	"accessPackage.delete":                 "deleted the access package",
	"accessPackage.roleScope.add":          "added a role to",
	"accessPackage.roleScope.remove":       "removed a role from",
	"policy.create":                        "created the policy",
	"policy.replace":                       "changed the policy",
	"policy.delete":                        "deleted the policy",
	"connectedOrganization.create":         "added the connected organization",
	"connectedOrganization.update":         "changed the connected organization",
	"connectedOrganization.delete":         "deleted the connected organization",
	"connectedOrganization.sponsor.add":    "added a sponsor to",
	"connectedOrganization.sponsor.remove": "removed a sponsor from",
	"user.create":                          "created the user",
	"user.update":                          "changed the user",
	"user.block":                           "blocked",
	"user.unblock":                         "unblocked",
	"user.signOutEverywhere":               "signed out everywhere",
	"user.delete":                          "deleted the user",
	"group.create":                         "created the group",
	"group.update":                         "changed the group",
	"group.delete":                         "deleted the group",
	"group.member.add":                     "added a member to",
	"group.member.remove":                  "removed a member from",
	"settings.update":                      "changed the settings",
	"settings.catalogCreator.add":          "chose a catalog creator",
	"settings.catalogCreator.remove":       "removed a catalog creator",
	"request.submit":                       "submitted a request for",
	"request.approve":                      "approved a request for",
	"request.deny":                         "denied a request for",
	"request.cancel":                       "canceled a request for",
	"request.escalate":                     "escalated a request for",
	"request.timeout":                      "timed out a request for",
	"assignment.create":                    "granted",
	"assignment.extend":                    "extended",
	"assignment.remove":                    "removed access to",
	"assignment.expire":                    "ended access to",
	"assignment.remind":                    "reminded about",
	"assignmentRole.fulfill":               "delivered a role of",
	"assignmentRole.remove":                "removed a role of",
	"assignmentRole.fail":                  "failed to deliver a role of",
	"assignmentRole.retry":                 "retried a role of",
	"directory.importUsers":                "imported users",
	"directory.importGroups":               "imported groups",
	"store.backup":                         "backed up the store",
	"audit.exportEvidence":                 "exported audit evidence",
}

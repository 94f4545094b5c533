package views

import (
	"strings"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/words"
)

// AuditLine is an audit event told in words, the one way the audit log, the dashboard's latest
// changes and the CSV export describe an event.
type AuditLine struct {
	Who    string // "Ada Admin", or "Steward" for what the system did
	What   string // "approved the request for Finance reports"
	Detail string // the details recorded with the event, as a sentence; empty when there are none
}

// Sentence is the event as one sentence: "Ada Admin approved the request for Finance reports."
func (l AuditLine) Sentence() string { return words.Finish(l.Who + " " + l.What) }

// DescribeAudit tells an audit event in words. The action names what happened ("signed in",
// "asked to remove their access"), never its code; the summary recorded by the domain becomes
// the detail.
func DescribeAudit(e entitlement.AuditEvent) AuditLine {
	l := AuditLine{Who: e.ActorName, Detail: e.Summary}
	if l.Who == "" {
		l.Who = "Someone"
	}
	if e.Action == "request.submit" && e.Summary != "" {
		// A request's summary says what was asked for ("asked to remove their access"); older
		// events began it with the actor's name, which the line already gives.
		l.What = strings.TrimPrefix(e.Summary, e.ActorName+" ")
		if e.ObjectName != "" && !strings.Contains(l.What, e.ObjectName) {
			l.What += " to " + e.ObjectName
		}
		l.Detail = ""
	} else {
		l.What = auditWhat(e)
	}
	if strings.EqualFold(l.Detail, l.What) {
		l.Detail = "" // "signed in": the summary says no more than the action
	}
	if l.Detail != "" {
		l.Detail = words.Sentence(l.Detail)
	}
	return l
}

// auditWhat is the action's phrase with the object's name in place of {o}.
func auditWhat(e entitlement.AuditEvent) string {
	phrase, ok := auditActions[e.Action]
	if !ok {
		// An action this table does not know yet still reads as words, never as its code.
		phrase = "changed {o}"
		if t := ObjectTypeLabel(e.ObjectType); t != "" && t != e.ObjectType {
			phrase = "changed the " + strings.ToLower(t) + " {o}"
		}
	}
	if e.ObjectName == "" {
		return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(phrase, " {o}", ""), "{o}", ""))
	}
	return strings.ReplaceAll(phrase, "{o}", e.ObjectName)
}

var auditActions = map[string]string{
	"catalog.create":                       "created the catalog {o}",
	"catalog.update":                       "changed the catalog {o}",
	"catalog.delete":                       "deleted the catalog {o}",
	"catalog.role.add":                     "gave a role in the catalog {o}",
	"catalog.role.remove":                  "took back a role in the catalog {o}",
	"resource.add":                         "added the resource {o}",
	"resource.remove":                      "removed the resource {o}",
	"accessPackage.create":                 "created the access package {o}",
	"accessPackage.update":                 "changed the access package {o}",
	"accessPackage.delete":                 "deleted the access package {o}",
	"accessPackage.roleScope.add":          "added a role to {o}",
	"accessPackage.roleScope.remove":       "removed a role from {o}",
	"policy.create":                        "created the policy {o}",
	"policy.replace":                       "changed the policy {o}",
	"policy.delete":                        "deleted the policy {o}",
	"policy.customExtensions":              "changed the webhooks of the policy {o}",
	"connectedOrganization.create":         "added the connected organization {o}",
	"connectedOrganization.update":         "changed the connected organization {o}",
	"connectedOrganization.delete":         "deleted the connected organization {o}",
	"connectedOrganization.sponsor.add":    "added a sponsor to {o}",
	"connectedOrganization.sponsor.remove": "removed a sponsor from {o}",
	"user.create":                          "added {o} to the directory",
	"user.update":                          "changed the details of {o}",
	"user.block":                           "blocked the sign-in of {o}",
	"user.unblock":                         "let {o} sign in again",
	"user.signin":                          "signed in",
	"user.signout":                         "signed out",
	"user.signOutEverywhere":               "signed {o} out everywhere",
	"user.preferences":                     "changed the preferences of {o}",
	"user.delete":                          "deleted {o} from the directory",
	"apiToken.create":                      "made an API token for {o}",
	"apiToken.revoke":                      "revoked an API token of {o}",
	"serviceAccount.create":                "created the service account {o}",
	"serviceAccount.update":                "changed the service account {o}",
	"serviceAccount.disable":               "disabled the service account {o}",
	"serviceAccount.enable":                "enabled the service account {o}",
	"serviceAccount.delete":                "deleted the service account {o}",
	"group.create":                         "created the group {o}",
	"group.update":                         "changed the group {o}",
	"group.delete":                         "deleted the group {o}",
	"group.member.add":                     "added a member to {o}",
	"group.member.remove":                  "removed a member from {o}",
	"group.member.keep":                    "kept a direct member in {o}",
	"settings.update":                      "changed the settings",
	"settings.catalogCreator.add":          "chose who may create catalogs",
	"settings.catalogCreator.remove":       "changed who may create catalogs",
	"request.approve":                      "approved the request for {o}",
	"request.deny":                         "denied the request for {o}",
	"request.cancel":                       "canceled the request for {o}",
	"request.escalate":                     "asked the escalation approvers about a request for {o}",
	"request.timeout":                      "denied a request for {o}, as nobody decided in time",
	"assignment.create":                    "gave access to {o}",
	"assignment.extend":                    "extended access to {o}",
	"assignment.remove":                    "removed access to {o}",
	"assignment.expire":                    "ended access to {o}, as it expired",
	"assignment.remind":                    "reminded the holder of {o} that it ends soon",
	"assignmentRole.fulfill":               "delivered {o}",
	"assignmentRole.remove":                "took away {o}",
	"assignmentRole.fail":                  "could not deliver {o}",
	"assignmentRole.retry":                 "tried again to deliver {o}",
	"provisionTask.open":                   "asked the owners to change {o} by hand",
	"provisionTask.close":                  "closed a task about {o}",
	"connector.save":                       "configured the connector of {o}",
	"connector.repair":                     "sent missing grants to the target of {o} again",
	"directory.importUsers":                "imported users",
	"directory.importGroups":               "imported groups",
	"mail.retry":                           "sent a mail again",
	"store.backup":                         "downloaded a backup",
	"audit.exportEvidence":                 "exported evidence for auditors",
}

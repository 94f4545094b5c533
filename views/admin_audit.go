package views

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// AuditFilterForm is the audit log's filter as typed.
type AuditFilterForm struct {
	Actor      string // an e-mail address, a name, or a user id
	Object     string // an object id
	ObjectType string
	Action     string // a prefix such as "catalog."
	From, To   string // 2006-01-02
}

// AuditProps configures AuditPage.
type AuditProps struct {
	Page        Page
	Filter      AuditFilterForm
	ActorLabel  string // who the actor filter resolved to
	Errors      map[string]string
	Events      []entitlement.AuditEvent
	Pager       Pager
	Now         time.Time
	ExportQuery string // the filter as a query string, for the export links
	// Evidence is the evidence export's form, with EvidenceErrors by field; Packages are its
	// package choices, MorePackages true when there are more than it lists.
	Evidence       EvidenceForm
	EvidenceErrors map[string]string
	Packages       []components.SelectOption
	MorePackages   bool
}

// EvidenceForm is the evidence export's form as typed.
type EvidenceForm struct {
	From, To string // 2006-01-02, both days included
	Package  string // an access package id; empty for all
	Format   string // csv or json
}

// EvidenceFormats are the evidence export's file formats.
var EvidenceFormats = []components.SelectOption{{Value: "csv", Label: "CSV (spreadsheet)"}, {Value: "json", Label: "JSON"}}

// evidencePackageHelp says what the package choice covers.
func evidencePackageHelp(more bool) string {
	if more {
		return "The first 200 packages by name are listed; choose all to include the others."
	}
	return ""
}

// AuditActionOptions are the action filters.
var AuditActionOptions = []components.SelectOption{
	{Value: "", Label: "All actions"},
	{Value: "catalog.", Label: "Catalogs"},
	{Value: "resource.", Label: "Resources"},
	{Value: "accessPackage.", Label: "Access packages"},
	{Value: "policy.", Label: "Policies"},
	{Value: "request.", Label: "Requests"},
	{Value: "assignment.", Label: "Assignments"},
	{Value: "connectedOrganization.", Label: "Connected organizations"},
	{Value: "user.", Label: "Users"},
	{Value: "group.", Label: "Groups"},
	{Value: "directory.", Label: "Imports"},
	{Value: "settings.", Label: "Settings"},
}

// AuditObjectOptions are the object type filters.
var AuditObjectOptions = []components.SelectOption{
	{Value: "", Label: "Any object"},
	{Value: "catalog", Label: "Catalog"},
	{Value: "resource", Label: "Resource"},
	{Value: "accessPackage", Label: "Access package"},
	{Value: "policy", Label: "Policy"},
	{Value: "request", Label: "Request"},
	{Value: "assignment", Label: "Assignment"},
	{Value: "connectedOrganization", Label: "Connected organization"},
	{Value: "user", Label: "User"},
	{Value: "group", Label: "Group"},
	{Value: "settings", Label: "Settings"},
}

// ObjectTypeLabel names an audit object type.
func ObjectTypeLabel(t string) string {
	for _, o := range AuditObjectOptions {
		if o.Value == t && t != "" {
			return o.Label
		}
	}
	return t
}

// AuditObjectURL links an audit event's object to its admin page, when it has one.
func AuditObjectURL(e entitlement.AuditEvent) string {
	switch e.ObjectType {
	case "catalog":
		return "/admin/catalogs/" + e.ObjectID
	case "accessPackage":
		return "/admin/packages/" + e.ObjectID
	case "connectedOrganization":
		return "/admin/connected-organizations/" + e.ObjectID
	case "user":
		return "/admin/directory/users/" + e.ObjectID
	case "group":
		return "/admin/directory/groups/" + e.ObjectID
	case "policy":
		return "/admin/policies/" + e.ObjectID + "/edit"
	}
	return ""
}

func actorHelp(label string) string {
	if label != "" {
		return "Showing changes by " + label + "."
	}
	return ""
}

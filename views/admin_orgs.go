package views

import (
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
)

// OrgListProps configures OrgListPage.
type OrgListProps struct {
	Page  Page
	Query string
	Orgs  []entitlement.ConnectedOrganization
	Pager Pager
}

// OrgForm is the connected organization form as typed.
type OrgForm struct {
	DisplayName, Description, State string
	Domains                         string // one per line
	Tenants                         string // one per line
	FederationDomain, Issuer        string
	Version                         int64 // of the organization the form edits
}

// OrgFormProps configures OrgFormPage (new and edit).
type OrgFormProps struct {
	Page      Page
	Editing   bool
	Values    OrgForm
	Errors    map[string]string
	Action    string
	CancelURL string
	// Stale, when set, says that the save was refused because the organization changed meanwhile.
	Stale *Stale
}

// OrgProps configures OrgPage: one organization, its identity sources and sponsors.
type OrgProps struct {
	Page             Page
	Org              entitlement.ConnectedOrganization
	Internal         []SponsorRow
	External         []SponsorRow
	InternalPicker   PickerProps
	ExternalPicker   PickerProps
	InternalError    string
	ExternalError    string
	GuestCount       int
	GuestCountCapped bool
}

// SponsorRow is one sponsor of an organization.
type SponsorRow struct {
	ID, Type, Label, Detail string
}

// OrgStateLabel names an organization's state.
func OrgStateLabel(state string) string {
	if state == entitlement.OrgProposed {
		return "Proposed"
	}
	return "Configured"
}

func orgStateTone(state string) components.Tone {
	if state == entitlement.OrgProposed {
		return components.ToneWaiting
	}
	return components.ToneSuccess
}

// IdentityLines describes how an organization's users are recognised, one line per source.
func IdentityLines(o entitlement.ConnectedOrganization) []string {
	var out []string
	for _, s := range o.IdentitySources {
		switch s.Type {
		case entitlement.SourceDomain:
			out = append(out, "E-mail domain "+s.DomainName)
		case entitlement.SourceTenant:
			out = append(out, "Tenant "+s.TenantID)
		case entitlement.SourceFederation:
			out = append(out, "Federation "+s.DomainName+" · "+s.IssuerURI)
		}
	}
	return out
}

var orgStateOptions = []RadioOption{
	{entitlement.OrgConfigured, "Configured", "A partner you work with: its users can request packages open to all configured organizations."},
	{entitlement.OrgProposed, "Proposed", "Known but not confirmed, such as one added when an unknown external user requested access."},
}

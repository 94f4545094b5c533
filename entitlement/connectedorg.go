package entitlement

import (
	"net/url"
	"strings"
	"time"
)

// Connected organization states.
const (
	OrgConfigured = "configured"
	OrgProposed   = "proposed"
)

// Identity source types, named after their Graph @odata.type.
const (
	SourceTenant     = "azureActiveDirectoryTenant"
	SourceDomain     = "domainIdentitySource"
	SourceFederation = "externalDomainFederation"
)

// IdentitySource says how users of a connected organization are recognised: by tenant, e-mail
// domain or federation issuer.
type IdentitySource struct {
	Type        string `json:"type"`
	DisplayName string `json:"displayName,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
	DomainName  string `json:"domainName,omitempty"`
	IssuerURI   string `json:"issuerUri,omitempty"`
}

// ConnectedOrganization is a partner organization whose users may request access.
type ConnectedOrganization struct {
	ID               string           `json:"id"`
	DisplayName      string           `json:"displayName"`
	Description      string           `json:"description"`
	State            string           `json:"state"`
	IdentitySources  []IdentitySource `json:"identitySources"`
	InternalSponsors []Sponsor        `json:"internalSponsors"`
	ExternalSponsors []Sponsor        `json:"externalSponsors"`
	CreatedBy        string           `json:"createdBy"`
	CreatedDateTime  time.Time        `json:"createdDateTime"`
	ModifiedBy       string           `json:"modifiedBy"`
	ModifiedDateTime time.Time        `json:"modifiedDateTime"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
}

// Sponsor is a user or a group that approves on behalf of a connected organization's users.
type Sponsor struct {
	ID   string `json:"id"`
	Type string `json:"type"` // PrincipalUser or PrincipalGroup
}

// Domains returns the e-mail domains the organization is recognised by.
func (o ConnectedOrganization) Domains() []string {
	var out []string
	for _, s := range o.IdentitySources {
		if s.DomainName != "" {
			out = append(out, strings.ToLower(s.DomainName))
		}
	}
	return out
}

// ConnectedOrganizationInput is what an administrator supplies.
type ConnectedOrganizationInput struct {
	DisplayName     string
	Description     string
	State           string
	IdentitySources []IdentitySource
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

func (in *ConnectedOrganizationInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.DisplayName == "" {
		f.add("displayName", "enter the organization's name")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	switch in.State {
	case "":
		in.State = OrgConfigured
	case OrgConfigured, OrgProposed:
	default:
		f.add("state", "choose configured or proposed")
	}
	if len(in.IdentitySources) == 0 {
		f.add("identitySources", "add how the organization's users are recognised: an e-mail domain, a tenant id or a federation issuer")
	}
	for i := range in.IdentitySources {
		s := &in.IdentitySources[i]
		s.DomainName = strings.ToLower(strings.TrimSpace(s.DomainName))
		s.TenantID = strings.TrimSpace(s.TenantID)
		s.IssuerURI = strings.TrimSpace(s.IssuerURI)
		s.DisplayName = strings.TrimSpace(s.DisplayName)
		// Each value is a key of the identity index, which has a size limit.
		if len(s.TenantID) > 200 || len(s.IssuerURI) > 2000 || len(s.DisplayName) > 200 {
			f.add("identitySources", "use a tenant id or name of at most 200 characters and an issuer of at most 2000")
			continue
		}
		switch s.Type {
		case SourceDomain:
			if !validDomain(s.DomainName) {
				f.add("identitySources", "enter a domain such as partner.example")
			}
		case SourceTenant:
			if s.TenantID == "" {
				f.add("identitySources", "enter the tenant id")
			}
		case SourceFederation:
			if !validDomain(s.DomainName) {
				f.add("identitySources", "enter the federated domain, such as partner.example")
			}
			if u, err := url.Parse(s.IssuerURI); err != nil || u.Scheme != "https" || u.Host == "" {
				f.add("identitySources", "enter the federation issuer as an https:// address")
			}
		default:
			f.add("identitySources", "choose a domain, a tenant or a federation")
		}
		if s.DisplayName == "" {
			s.DisplayName = in.DisplayName
		}
	}
	return f.err("invalidConnectedOrganization")
}

func validDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return false
	}
	for _, r := range d {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

// External user lifecycle actions.
const (
	LifecycleNone                 = "None"
	LifecycleBlockSignIn          = "BlockSignIn"
	LifecycleBlockSignInAndDelete = "BlockSignInAndDelete"
)

// Settings are the tenant-wide entitlement-management settings.
type Settings struct {
	ExternalUserLifecycleAction              string `json:"externalUserLifecycleAction"`
	DaysUntilExternalUserDeletedAfterBlocked int    `json:"daysUntilExternalUserDeletedAfterBlocked"`
	// CatalogCreators are users and groups, besides administrators, who may create catalogs.
	CatalogCreators []Sponsor `json:"catalogCreators,omitempty"`
	// SCIMTokens are the bearer tokens of the identity providers that provision over SCIM.
	SCIMTokens []SCIMToken `json:"scimTokens,omitempty"`
	// Version counts the changes to the settings that UpdateSettings makes, the external-user
	// lifecycle (see version.go); it reads a non-zero Version of its input as the version the
	// caller read. Catalog creators and SCIM tokens are added and removed one by one, which
	// overwrites nothing, so their changes leave it alone and do not make a settings form stale.
	Version int64 `json:"version,omitempty"`
}

// DefaultSettings are the settings of a new store.
func DefaultSettings() Settings {
	return Settings{ExternalUserLifecycleAction: LifecycleBlockSignInAndDelete, DaysUntilExternalUserDeletedAfterBlocked: 30, Version: 1}
}

func (s *Settings) validate() error {
	f := fieldErrors{}
	switch s.ExternalUserLifecycleAction {
	case LifecycleNone, LifecycleBlockSignIn, LifecycleBlockSignInAndDelete:
	default:
		f.add("externalUserLifecycleAction", "choose what happens to external users who lose their last access")
	}
	if s.DaysUntilExternalUserDeletedAfterBlocked < 0 || s.DaysUntilExternalUserDeletedAfterBlocked > 365 {
		f.add("daysUntilExternalUserDeletedAfterBlocked", "enter a number of days from 0 to 365")
	}
	return f.err("invalidSettings")
}

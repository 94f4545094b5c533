package entitlement

import (
	"net/url"
	"strings"
	"time"
)

// Origin systems of resources, with the Graph names so the API maps one to one. AadGroup is a group
// of Steward's own directory; applications and sites are described by an administrator and
// delivered to through connectors.
const (
	OriginGroup       = "AadGroup"
	OriginApplication = "AadApplication"
	OriginSite        = "SharePointOnline"
)

// OriginLabel names an origin system for people.
func OriginLabel(origin string) string {
	switch origin {
	case OriginGroup:
		return "Group"
	case OriginApplication:
		return "Application"
	case OriginSite:
		return "Site"
	}
	return origin
}

// Resource request types and states.
const (
	RequestTypeAdminAdd    = "AdminAdd"
	RequestTypeAdminRemove = "AdminRemove"
)

// Resource is a group, application or site registered in a catalog. Its roles can be granted by the
// catalog's access packages. ID is the catalog-resource id, not the origin object's id.
type Resource struct {
	ID                  string          `json:"id"`
	CatalogID           string          `json:"catalogId"`
	DisplayName         string          `json:"displayName"`
	Description         string          `json:"description"`
	URL                 string          `json:"url"`
	ResourceType        string          `json:"resourceType"`
	OriginID            string          `json:"originId"`
	OriginSystem        string          `json:"originSystem"`
	IsPendingOnboarding bool            `json:"isPendingOnboarding"`
	Roles               []ResourceRole  `json:"accessPackageResourceRoles"`
	Scopes              []ResourceScope `json:"accessPackageResourceScopes"`
	AddedBy             string          `json:"addedBy"`
	AddedOn             time.Time       `json:"addedOn"`
}

// Role returns the resource's role with the given id.
func (r Resource) Role(id string) (ResourceRole, bool) {
	for _, x := range r.Roles {
		if x.ID == id {
			return x, true
		}
	}
	return ResourceRole{}, false
}

// Scope returns the resource's scope with the given id.
func (r Resource) Scope(id string) (ResourceScope, bool) {
	for _, x := range r.Scopes {
		if x.ID == id {
			return x, true
		}
	}
	return ResourceScope{}, false
}

// RootScope returns the resource's root scope.
func (r Resource) RootScope() ResourceScope {
	for _, x := range r.Scopes {
		if x.IsRootScope {
			return x
		}
	}
	if len(r.Scopes) > 0 {
		return r.Scopes[0]
	}
	return ResourceScope{}
}

// ResourceRole is a role a resource defines, such as a group's Member.
type ResourceRole struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	OriginID     string `json:"originId"`
	OriginSystem string `json:"originSystem"`
}

// ResourceScope is a part of a resource that a role applies to; most resources have one root scope.
type ResourceScope struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	Description  string `json:"description"`
	IsRootScope  bool   `json:"isRootScope"`
	OriginID     string `json:"originId"`
	OriginSystem string `json:"originSystem"`
	URL          string `json:"url,omitempty"`
}

// ResourceRequest records that a resource was added to or removed from a catalog.
type ResourceRequest struct {
	ID               string    `json:"id"`
	CatalogID        string    `json:"catalogId"`
	RequestType      string    `json:"requestType"`
	RequestState     string    `json:"requestState"`
	RequestStatus    string    `json:"requestStatus"`
	IsValidationOnly bool      `json:"isValidationOnly"`
	Justification    string    `json:"justification"`
	ResourceID       string    `json:"resourceId"`
	Resource         Resource  `json:"accessPackageResource"`
	RequestorID      string    `json:"requestorId"`
	CreatedDateTime  time.Time `json:"createdDateTime"`
}

// ResourceInput describes a resource to add to a catalog. For a directory group only OriginID (the
// group id) is needed; Steward fills in the name and the Member and Owner roles. Applications and
// sites name their own roles.
type ResourceInput struct {
	OriginSystem  string
	OriginID      string
	DisplayName   string
	Description   string
	URL           string
	Roles         []string // role names, for applications and sites
	Justification string
}

func (in *ResourceInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	in.URL = strings.TrimSpace(in.URL)
	// Names, addresses and origin ids go into index keys, which have a size limit.
	if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if len(in.Description) > 2000 {
		f.add("description", "use at most 2000 characters")
	}
	if len(in.URL) > 2000 {
		f.add("url", "use a web address of at most 2000 characters")
	}
	if len(in.OriginID) > 2000 {
		f.add("originId", "use an id of at most 2000 characters")
	}
	if len(in.Roles) > 100 {
		f.add("roles", "name at most 100 roles")
	}
	switch in.OriginSystem {
	case OriginGroup:
		if !validID(in.OriginID) {
			f.add("originId", "choose a group from the directory")
		}
	case OriginApplication, OriginSite:
		if in.DisplayName == "" {
			f.add("displayName", "enter the name of the %s", strings.ToLower(OriginLabel(in.OriginSystem)))
		}
		if in.URL != "" {
			if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				f.add("url", "enter a full web address starting with https://")
			}
		} else if in.OriginSystem == OriginSite {
			f.add("url", "enter the site's web address")
		}
		roles := make([]string, 0, len(in.Roles))
		seen := map[string]bool{}
		for _, r := range in.Roles {
			r = strings.TrimSpace(r)
			if r == "" {
				continue
			}
			if len(r) > 200 {
				f.add("roles", "use role names of at most 200 characters")
				continue
			}
			if seen[strings.ToLower(r)] {
				f.add("roles", "role %q is listed twice", r)
				continue
			}
			seen[strings.ToLower(r)] = true
			roles = append(roles, r)
		}
		in.Roles = roles
		if len(roles) == 0 {
			f.add("roles", "name at least one role, such as User or Administrator")
		}
		if in.OriginID == "" {
			in.OriginID = in.URL
			if in.OriginID == "" {
				in.OriginID = in.DisplayName
			}
		}
	default:
		f.add("originSystem", "choose a group, an application or a site")
	}
	return f.err("invalidResource")
}

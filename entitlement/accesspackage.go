package entitlement

import (
	"strings"
	"time"
)

// AccessPackage bundles resource roles that are requested and granted together.
type AccessPackage struct {
	ID                  string      `json:"id"`
	CatalogID           string      `json:"catalogId"`
	DisplayName         string      `json:"displayName"`
	Description         string      `json:"description"`
	IsHidden            bool        `json:"isHidden"`
	IsRoleScopesVisible bool        `json:"isRoleScopesVisible"`
	RoleScopes          []RoleScope `json:"accessPackageResourceRoleScopes"`
	CreatedBy           string      `json:"createdBy"`
	CreatedDateTime     time.Time   `json:"createdDateTime"`
	ModifiedBy          string      `json:"modifiedBy"`
	ModifiedDateTime    time.Time   `json:"modifiedDateTime"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
}

// RoleScope attaches one resource role at one scope to a package. Its id is "<roleId>_<scopeId>".
type RoleScope struct {
	ID              string    `json:"id"`
	ResourceID      string    `json:"resourceId"`
	RoleID          string    `json:"roleId"`
	ScopeID         string    `json:"scopeId"`
	CreatedBy       string    `json:"createdBy"`
	CreatedDateTime time.Time `json:"createdDateTime"`
}

// RoleScopeID is the composite id Graph uses for a role scope.
func RoleScopeID(roleID, scopeID string) string { return roleID + "_" + scopeID }

// UsesResource reports whether any role scope of the package is on the resource.
func (p AccessPackage) UsesResource(resourceID string) bool {
	for _, rs := range p.RoleScopes {
		if rs.ResourceID == resourceID {
			return true
		}
	}
	return false
}

// AccessPackageInput is what a package manager supplies.
type AccessPackageInput struct {
	CatalogID           string
	DisplayName         string
	Description         string
	IsHidden            bool
	IsRoleScopesVisible bool
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

func (in *AccessPackageInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.CatalogID == "" {
		f.add("catalogId", "choose a catalog")
	}
	if in.DisplayName == "" {
		f.add("displayName", "enter a name for the access package")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if len(in.Description) > 2000 {
		f.add("description", "use at most 2000 characters")
	}
	return f.err("invalidAccessPackage")
}

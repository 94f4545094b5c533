package entitlement

import (
	"strings"
	"time"
)

// Catalog types and states, as in Graph.
const (
	CatalogTypeUserManaged    = "UserManaged"
	CatalogTypeServiceDefault = "ServiceDefault"
	CatalogStatusPublished    = "Published"
	CatalogStatusUnpublished  = "Unpublished"
)

// CatalogRole names a role a person or group holds in one catalog.
type CatalogRole string

// The catalog roles.
const (
	RoleCatalogOwner         CatalogRole = "Owner"
	RoleCatalogReader        CatalogRole = "Reader"
	RoleAccessPackageManager CatalogRole = "AccessPackageManager"
	RoleAssignmentManager    CatalogRole = "AssignmentManager"
)

// CatalogRoles lists the catalog roles in display order.
var CatalogRoles = []CatalogRole{RoleCatalogOwner, RoleAccessPackageManager, RoleAssignmentManager, RoleCatalogReader}

// Label is the role's name for people.
func (r CatalogRole) Label() string {
	switch r {
	case RoleCatalogOwner:
		return "Owner"
	case RoleCatalogReader:
		return "Reader"
	case RoleAccessPackageManager:
		return "Access package manager"
	case RoleAssignmentManager:
		return "Assignment manager"
	}
	return string(r)
}

func (r CatalogRole) valid() bool {
	for _, c := range CatalogRoles {
		if r == c {
			return true
		}
	}
	return false
}

// Principal types for role members and sponsors.
const (
	PrincipalUser  = "user"
	PrincipalGroup = "group"
)

// CatalogRoleMember grants Role in a catalog to a user or to every member of a group.
type CatalogRoleMember struct {
	Role          CatalogRole `json:"role"`
	PrincipalID   string      `json:"principalId"`
	PrincipalType string      `json:"principalType"`
}

// Catalog holds access packages and the resources they may use.
type Catalog struct {
	ID                  string              `json:"id"`
	DisplayName         string              `json:"displayName"`
	Description         string              `json:"description"`
	CatalogType         string              `json:"catalogType"`
	CatalogStatus       string              `json:"catalogStatus"`
	IsExternallyVisible bool                `json:"isExternallyVisible"`
	Roles               []CatalogRoleMember `json:"roles,omitempty"`
	CreatedBy           string              `json:"createdBy"`
	CreatedDateTime     time.Time           `json:"createdDateTime"`
	ModifiedBy          string              `json:"modifiedBy"`
	ModifiedDateTime    time.Time           `json:"modifiedDateTime"`
	// Version counts the writes to the record (see version.go); the API sends it as @odata.etag.
	Version int64 `json:"version,omitempty"`
}

// IsPublished reports whether the catalog's packages may be requested.
func (c Catalog) IsPublished() bool { return c.CatalogStatus != CatalogStatusUnpublished }

// CatalogInput is what a catalog creator supplies.
type CatalogInput struct {
	DisplayName         string
	Description         string
	IsExternallyVisible bool
	Published           bool
	// IfVersion is the version the caller read; a record that moved on since refuses the write.
	// 0 does not check.
	IfVersion int64
}

func (in *CatalogInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.DisplayName == "" {
		f.add("displayName", "enter a name for the catalog")
	} else if len(in.DisplayName) > 200 {
		f.add("displayName", "use at most 200 characters")
	}
	if len(in.Description) > 2000 {
		f.add("description", "use at most 2000 characters")
	}
	return f.err("invalidCatalog")
}

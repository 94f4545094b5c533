package entitlement

import (
	"fmt"
	"slices"
)

// access is what one principal may do, loaded once per service call: their groups and their roles
// in each catalog (directly or through a group). It is read only: catalogRoles may be the
// configuration cache's own map.
type access struct {
	p              Principal
	groups         []string
	catalogRoles   map[string][]CatalogRole
	catalogCreator bool
}

// loadAccess reads the principal's groups and catalog roles. It runs on every service call, so
// the roles come from the configuration cache: an administrator who owns every catalog would
// otherwise walk an index key and build a map entry per catalog on each call.
func (s *Service) loadAccess(tx Tx, p Principal) (*access, error) {
	a := &access{p: p, catalogRoles: map[string][]CatalogRole{}}
	if p.UserID == "" {
		return a, nil
	}
	groups, err := tx.Groups().GroupIDsOf(p.UserID)
	if err != nil {
		return nil, fmt.Errorf("load groups of %s: %w", p.UserID, err)
	}
	a.groups = groups
	cv, err := s.configView(tx)
	if err != nil {
		return nil, err
	}
	principals := append([]string{p.UserID}, groups...)
	var held []map[string][]CatalogRole
	for _, id := range principals {
		byCatalog, err := cv.rolesOf(id)
		if err != nil {
			return nil, fmt.Errorf("load catalog roles: %w", err)
		}
		if len(byCatalog) > 0 {
			held = append(held, byCatalog)
		}
	}
	switch len(held) {
	case 0:
	case 1:
		a.catalogRoles = held[0] // shared with the cache, read only like every access
	default:
		for _, byCatalog := range held {
			for cid, roles := range byCatalog {
				for _, r := range roles {
					if !slices.Contains(a.catalogRoles[cid], r) {
						a.catalogRoles[cid] = append(a.catalogRoles[cid], r)
					}
				}
			}
		}
		for _, roles := range a.catalogRoles {
			sortRoles(roles)
		}
	}
	settings, err := tx.Settings()
	if err != nil {
		return nil, err
	}
	for _, c := range settings.CatalogCreators {
		if slices.Contains(principals, c.ID) {
			a.catalogCreator = true
		}
	}
	return a, nil
}

// sortRoles puts roles in display order (Owner first), whatever order they were found in.
func sortRoles(roles []CatalogRole) {
	slices.SortFunc(roles, func(x, y CatalogRole) int {
		return slices.Index(CatalogRoles, x) - slices.Index(CatalogRoles, y)
	})
}

func (a *access) isAdmin() bool { return a.p.IsAdmin }

// catalogPermission is something a catalog role may allow.
type catalogPermission int

const (
	permReadCatalog catalogPermission = iota
	permManageAssignments
	permManagePackages
	permManageCatalog
)

// allowedBy is the one statement of which catalog roles allow what, from the least to the most
// powerful permission; the service's checks and the pages' Capabilities both read it.
var allowedBy = map[catalogPermission][]CatalogRole{
	permReadCatalog:       {RoleCatalogOwner, RoleCatalogReader, RoleAccessPackageManager, RoleAssignmentManager},
	permManageAssignments: {RoleCatalogOwner, RoleAccessPackageManager, RoleAssignmentManager},
	permManagePackages:    {RoleCatalogOwner, RoleAccessPackageManager},
	permManageCatalog:     {RoleCatalogOwner},
}

// allows reports whether an administrator (always) or someone holding the roles has perm.
func allows(isAdmin bool, held []CatalogRole, perm catalogPermission) bool {
	return isAdmin || slices.ContainsFunc(held, func(r CatalogRole) bool { return slices.Contains(allowedBy[perm], r) })
}

func (a *access) can(catalogID string, perm catalogPermission) bool {
	return allows(a.isAdmin(), a.catalogRoles[catalogID], perm)
}

func (a *access) canReadCatalog(catalogID string) bool {
	return a.can(catalogID, permReadCatalog)
}

// readableCatalogs returns the catalogs whose records the principal reads through a role, in
// id order (administrators read every catalog without a role).
func (a *access) readableCatalogs() []string {
	var out []string
	for cid := range a.catalogRoles {
		if a.canReadCatalog(cid) {
			out = append(out, cid)
		}
	}
	slices.Sort(out)
	return out
}
func (a *access) canManageAssignments(catalogID string) bool {
	return a.can(catalogID, permManageAssignments)
}
func (a *access) canManagePackages(catalogID string) bool {
	return a.can(catalogID, permManagePackages)
}
func (a *access) canManageCatalog(catalogID string) bool {
	return a.can(catalogID, permManageCatalog)
}
func (a *access) canCreateCatalog() bool { return a.isAdmin() || a.catalogCreator }

// canAdminister reports whether the principal has any administrative role, which is what opens
// the admin pages and the directory pickers.
func (a *access) canAdminister() bool {
	return a.isAdmin() || a.catalogCreator || len(a.catalogRoles) > 0
}

// Capabilities summarizes what a principal may do, for pages that offer or hide actions. The
// service checks again on every call; this only spares people buttons they cannot use.
type Capabilities struct {
	IsAdmin          bool
	CanAdminister    bool
	CanCreateCatalog bool
	CatalogRoles     map[string][]CatalogRole
}

// CanManageCatalog reports whether the principal owns the catalog (or is an administrator).
func (c Capabilities) CanManageCatalog(catalogID string) bool {
	return allows(c.IsAdmin, c.CatalogRoles[catalogID], permManageCatalog)
}

// CanManagePackages reports whether the principal may change the catalog's packages and policies.
func (c Capabilities) CanManagePackages(catalogID string) bool {
	return allows(c.IsAdmin, c.CatalogRoles[catalogID], permManagePackages)
}

// CanManageAssignments reports whether the principal may assign and remove the catalog's packages.
func (c Capabilities) CanManageAssignments(catalogID string) bool {
	return allows(c.IsAdmin, c.CatalogRoles[catalogID], permManageAssignments)
}

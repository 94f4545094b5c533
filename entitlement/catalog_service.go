package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// DefaultCatalogID is the fixed id of the built-in "General" catalog, so that creating it at
// every start is idempotent without a lookup by name (a person may name a catalog "General" too).
const DefaultCatalogID = "00000000-0000-7000-8000-000000000001"

// CatalogStats are the counts the catalog list shows.
type CatalogStats struct {
	Resources int
	Packages  int
}

func getCatalog(tx Tx, id string) (Catalog, error) {
	return load("catalog", id, tx.Catalogs().Get)
}

// ListCatalogs lists the catalogs the caller may read, in name order: every catalog for
// administrators, the catalogs in which they hold a role for everyone else.
func (s *Service) ListCatalogs(ctx context.Context, opt ListOptions) (Page[Catalog], error) {
	var out Page[Catalog]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		if a.isAdmin() {
			// The page's catalogs come from the configuration cache: a catalog record (roles
			// and all) costs more to decode than the list shows of it.
			ids, err := tx.Catalogs().ListIDs(opt)
			if err != nil {
				return fmt.Errorf("list catalogs: %w", err)
			}
			cv, err := s.configView(tx)
			if err != nil {
				return err
			}
			out, err = describePage(ids, func(id string) (Catalog, error) {
				c, err := cv.catalog(id)
				if err != nil {
					return c, fmt.Errorf("list catalogs: %w", err)
				}
				return c, nil
			})
			return err
		}
		cats, err := readableCatalogs(tx, a)
		if err != nil {
			return err
		}
		q := SearchKey(opt.Search)
		cats = slices.DeleteFunc(cats, func(c Catalog) bool { return !MatchesSearch(q, c.DisplayName) })
		out, err = PageOf(cats, func(c Catalog) string { return sortKey(c.DisplayName, c.ID) }, opt)
		return err
	})
	return out, err
}

// readableCatalogs returns the catalogs in which a non-administrator holds a role, in name order.
func readableCatalogs(tx Tx, a *access) ([]Catalog, error) {
	out := make([]Catalog, 0, len(a.catalogRoles))
	for id := range a.catalogRoles {
		c, err := tx.Catalogs().Get(id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list catalogs: %w", err)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return sortKey(out[i].DisplayName, out[i].ID) < sortKey(out[j].DisplayName, out[j].ID)
	})
	return out, nil
}

// CatalogByID returns a catalog the caller may read.
func (s *Service) CatalogByID(ctx context.Context, id string) (Catalog, error) {
	var out Catalog
	err := s.read(ctx, func(tx Tx, a *access) error {
		c, err := readableCatalog(tx, a, id)
		if err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// CatalogStats counts a catalog's resources and access packages.
func (s *Service) CatalogStats(ctx context.Context, catalogID string) (CatalogStats, error) {
	all, err := s.CatalogStatsOf(ctx, []string{catalogID})
	return all[catalogID], err
}

// CatalogStatsOf counts the resources and access packages of each catalog, in one read and from
// indexes, for a list page of catalogs.
func (s *Service) CatalogStatsOf(ctx context.Context, catalogIDs []string) (map[string]CatalogStats, error) {
	out := map[string]CatalogStats{}
	err := s.read(ctx, func(tx Tx, a *access) error {
		// The catalogs come from the configuration cache: the check needs no record decoded
		// again after the list that named them.
		cv, err := s.configView(tx)
		if err != nil {
			return err
		}
		for _, id := range catalogIDs {
			if _, err := cv.readableCatalog(a, id); err != nil {
				return err
			}
			res, err := tx.Resources().CountByCatalog(id)
			if err != nil {
				return fmt.Errorf("count resources: %w", err)
			}
			pkgs, err := tx.AccessPackages().CountByCatalog(id)
			if err != nil {
				return fmt.Errorf("count packages: %w", err)
			}
			out[id] = CatalogStats{Resources: res, Packages: pkgs}
		}
		return nil
	})
	return out, err
}

// CreateCatalog creates a user-managed catalog. Its status follows in.Published (Published or
// Unpublished: the Graph API always sends true, a portal form offers the choice). The creator
// becomes the catalog's first owner, as in Entra ID.
func (s *Service) CreateCatalog(ctx context.Context, in CatalogInput) (Catalog, error) {
	var out Catalog
	err := s.write(ctx, func(tx Tx, a *access) error {
		if !a.canCreateCatalog() {
			return forbidden("only administrators and catalog creators can create catalogs")
		}
		if err := in.validate(); err != nil {
			return err
		}
		now := s.now()
		c := Catalog{
			ID: NewID(), DisplayName: in.DisplayName, Description: in.Description,
			CatalogType: CatalogTypeUserManaged, CatalogStatus: catalogStatus(in.Published),
			IsExternallyVisible: in.IsExternallyVisible,
			CreatedBy:           actorLabel(a.p), CreatedDateTime: now, ModifiedBy: actorLabel(a.p), ModifiedDateTime: now,
		}
		if _, err := tx.Users().Get(a.p.UserID); err == nil {
			c.Roles = []CatalogRoleMember{{Role: RoleCatalogOwner, PrincipalID: a.p.UserID, PrincipalType: PrincipalUser}}
		}
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("create catalog %s: %w", c.DisplayName, err)
		}
		out = c
		return s.audit(tx, a.p, "catalog.create", "catalog", c.ID, c.DisplayName,
			catalogCreated(c))
	})
	return out, err
}

func catalogStatus(published bool) string {
	if published {
		return CatalogStatusPublished
	}
	return CatalogStatusUnpublished
}

// EnsureDefaultCatalog creates the built-in "General" catalog if it does not exist yet and returns
// it. It is a system call made at start-up and needs no principal.
func (s *Service) EnsureDefaultCatalog(ctx context.Context) (Catalog, error) {
	var out Catalog
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := tx.Catalogs().Get(DefaultCatalogID)
		if err == nil {
			out = c
			return nil
		}
		if !isNotFound(err) {
			return fmt.Errorf("load default catalog: %w", err)
		}
		now := s.now()
		c = Catalog{
			ID: DefaultCatalogID, DisplayName: "General", Description: "Built-in catalog.",
			CatalogType: CatalogTypeServiceDefault, CatalogStatus: CatalogStatusPublished, IsExternallyVisible: true,
			CreatedBy: "Steward", CreatedDateTime: now, ModifiedBy: "Steward", ModifiedDateTime: now,
		}
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("create default catalog: %w", err)
		}
		out = c
		return s.audit(tx, system, "catalog.create", "catalog", c.ID, c.DisplayName, "created the built-in catalog")
	})
	return out, err
}

// UpdateCatalog changes a catalog's name, description, external visibility and status. The
// catalog type never changes.
func (s *Service) UpdateCatalog(ctx context.Context, id string, in CatalogInput) (Catalog, error) {
	var out Catalog
	err := s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, id)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(id) {
			return forbidden("only owners of the catalog %q can change it", c.DisplayName)
		}
		if err := in.validate(); err != nil {
			return err
		}
		var ch changes
		ch.text("name", c.DisplayName, in.DisplayName)
		ch.text("description", c.Description, in.Description)
		ch.flag("visible to external users", c.IsExternallyVisible, in.IsExternallyVisible)
		ch.text("status", c.CatalogStatus, catalogStatus(in.Published))
		out = c
		if len(ch) == 0 {
			return nil
		}
		if err := checkVersion(tx, "catalog", c.ID, c.DisplayName, c.Version, in.IfVersion, c.ModifiedDateTime); err != nil {
			return err
		}
		c.DisplayName, c.Description, c.IsExternallyVisible = in.DisplayName, in.Description, in.IsExternallyVisible
		c.CatalogStatus = catalogStatus(in.Published)
		c.ModifiedBy, c.ModifiedDateTime = actorLabel(a.p), s.now()
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("update catalog %s: %w", c.DisplayName, err)
		}
		out = c
		return s.audit(tx, a.p, "catalog.update", "catalog", c.ID, c.DisplayName, ch.summary())
	})
	return out, err
}

// DeleteCatalog deletes an empty catalog. A catalog that still holds access packages is refused
// with a conflict; its resources are removed with it (each recorded as an AdminRemove resource
// request). The built-in catalog cannot be deleted. ifVersion is the version the caller read (0
// does not check).
func (s *Service) DeleteCatalog(ctx context.Context, id string, ifVersion int64) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, id)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(id) {
			return forbidden("only owners of the catalog %q can delete it", c.DisplayName)
		}
		if err := checkVersion(tx, "catalog", c.ID, c.DisplayName, c.Version, ifVersion, c.ModifiedDateTime); err != nil {
			return err
		}
		if c.CatalogType == CatalogTypeServiceDefault {
			return conflict("builtInCatalog", "the built-in catalog %q cannot be deleted", c.DisplayName)
		}
		pkgs, err := tx.AccessPackages().ByCatalog(id, ListOptions{Limit: 3})
		if err != nil {
			return fmt.Errorf("delete catalog: %w", err)
		}
		if pkgs.Total > 0 {
			names := make([]string, len(pkgs.Items))
			for i, p := range pkgs.Items {
				names[i] = p.DisplayName
			}
			more := ""
			if pkgs.Total > len(names) {
				more = fmt.Sprintf(" and %d more", pkgs.Total-len(names))
			}
			return conflict("catalogNotEmpty", "the catalog %q still holds %d access package(s) (%s%s); delete or move them first", c.DisplayName, pkgs.Total, quoteList(names), more)
		}
		res, err := CollectAll(func(o ListOptions) (Page[Resource], error) { return tx.Resources().ByCatalog(id, o) })
		if err != nil {
			return fmt.Errorf("delete catalog: %w", err)
		}
		for _, r := range res {
			if _, err := s.removeResource(tx, a.p, c, r, "catalog deleted"); err != nil {
				return err
			}
		}
		if err := tx.Catalogs().Delete(id); err != nil {
			return fmt.Errorf("delete catalog %s: %w", c.DisplayName, err)
		}
		return s.audit(tx, a.p, "catalog.delete", "catalog", c.ID, c.DisplayName, fmt.Sprintf("deleted catalog %q with %d resource(s)", c.DisplayName, len(res)))
	})
}

func (m *CatalogRoleMember) validate() error {
	f := fieldErrors{}
	if !m.Role.valid() {
		f.add("role", "choose Owner, Access package manager, Assignment manager or Reader")
	}
	switch m.PrincipalType {
	case "":
		m.PrincipalType = PrincipalUser
	case PrincipalUser, PrincipalGroup:
	default:
		f.add("principalType", "choose a user or a group")
	}
	if !validID(m.PrincipalID) {
		f.add("principalId", "choose a person or a group from the directory")
	}
	return f.err("invalidCatalogRole")
}

// principalName checks that a user or group exists and returns its name.
func principalName(tx Tx, id, typ, field string) (string, error) {
	if typ == PrincipalGroup {
		g, err := tx.Groups().Get(id)
		if isNotFound(err) {
			return "", invalid("invalidPrincipal", field, "the group is not in the directory; choose one from the list")
		}
		return g.DisplayName, err
	}
	u, err := tx.Users().Get(id)
	if isNotFound(err) {
		return "", invalid("invalidPrincipal", field, "the person is not in the directory; choose someone from the list")
	}
	return u.Label(), err
}

// AddCatalogRoleMember grants a catalog role to a user or to a group's members. Only the
// catalog's owners (and administrators) manage its roles.
func (s *Service) AddCatalogRoleMember(ctx context.Context, catalogID string, m CatalogRoleMember) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, catalogID)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(catalogID) {
			return forbidden("only owners of the catalog %q can change its roles", c.DisplayName)
		}
		if err := m.validate(); err != nil {
			return err
		}
		name, err := principalName(tx, m.PrincipalID, m.PrincipalType, "principalId")
		if err != nil {
			return err
		}
		for _, x := range c.Roles {
			if x.PrincipalID == m.PrincipalID && x.Role == m.Role {
				return conflict("alreadyInRole", "%s is already %s of %q", name, m.Role.Label(), c.DisplayName)
			}
		}
		c.Roles = append(c.Roles, m)
		c.ModifiedBy, c.ModifiedDateTime = actorLabel(a.p), s.now()
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("add catalog role: %w", err)
		}
		return s.audit(tx, a.p, "catalog.role.add", "catalog", c.ID, c.DisplayName, fmt.Sprintf("made %s %s", name, m.Role.Label()))
	})
}

// RemoveCatalogRoleMember takes a catalog role away. An owner who is not an administrator cannot
// remove the catalog's last owner: that would leave it to administrators alone. Administrators
// may, since they can always add an owner again.
func (s *Service) RemoveCatalogRoleMember(ctx context.Context, catalogID string, m CatalogRoleMember) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, catalogID)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(catalogID) {
			return forbidden("only owners of the catalog %q can change its roles", c.DisplayName)
		}
		i := slices.IndexFunc(c.Roles, func(x CatalogRoleMember) bool { return x.PrincipalID == m.PrincipalID && x.Role == m.Role })
		if i < 0 {
			return &RuleError{Code: "notInRole", Message: fmt.Sprintf("%q holds no %s role in %q", m.PrincipalID, m.Role.Label(), c.DisplayName), Kind: ErrNotFound}
		}
		removed := c.Roles[i]
		c.Roles = slices.Delete(c.Roles, i, i+1)
		if removed.Role == RoleCatalogOwner && !a.isAdmin() &&
			!slices.ContainsFunc(c.Roles, func(x CatalogRoleMember) bool { return x.Role == RoleCatalogOwner }) {
			return conflict("lastOwner", "%q needs at least one owner; add another owner before removing this one", c.DisplayName)
		}
		c.ModifiedBy, c.ModifiedDateTime = actorLabel(a.p), s.now()
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("remove catalog role: %w", err)
		}
		name := removed.PrincipalID
		if n, err := principalName(tx, removed.PrincipalID, removed.PrincipalType, "principalId"); err == nil {
			name = n
		}
		return s.audit(tx, a.p, "catalog.role.remove", "catalog", c.ID, c.DisplayName, fmt.Sprintf("removed %s as %s", name, removed.Role.Label()))
	})
}

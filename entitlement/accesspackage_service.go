package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

func getPackage(tx Tx, id string) (AccessPackage, error) {
	return load("access package", id, tx.AccessPackages().Get)
}

// ListAccessPackages lists the access packages of every catalog the caller may read, in name
// order.
func (s *Service) ListAccessPackages(ctx context.Context, opt ListOptions) (Page[AccessPackage], error) {
	var out Page[AccessPackage]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		if a.isAdmin() {
			out, err = tx.AccessPackages().List(opt)
			if err != nil {
				return fmt.Errorf("list access packages: %w", err)
			}
			return nil
		}
		q := SearchKey(opt.Search)
		var all []AccessPackage
		for cid := range a.catalogRoles {
			pkgs, err := CollectAll(func(o ListOptions) (Page[AccessPackage], error) { return tx.AccessPackages().ByCatalog(cid, o) })
			if err != nil {
				return fmt.Errorf("list access packages: %w", err)
			}
			for _, p := range pkgs {
				if MatchesSearch(q, p.DisplayName) {
					all = append(all, p)
				}
			}
		}
		key := func(p AccessPackage) string { return sortKey(p.DisplayName, p.ID) }
		sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
		out, err = PageOf(all, key, opt)
		return err
	})
	return out, err
}

// PackageRef names an access package, for a picker.
type PackageRef struct{ ID, DisplayName string }

// PackageChoices names the first limit access packages by name, and says whether there are
// more, for a picker of every package such as the audit evidence export's; administrators only.
// The order comes from the name index and the names through the configuration cache, so that a
// page showing the picker decodes no package while the configuration stays the same.
func (s *Service) PackageChoices(ctx context.Context, limit int) ([]PackageRef, bool, error) {
	var out []PackageRef
	more := false
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "list every access package"); err != nil {
			return err
		}
		ids, err := tx.AccessPackages().FirstIDsByName(limit + 1)
		if err != nil {
			return fmt.Errorf("list access packages: %w", err)
		}
		if more = len(ids) > limit; more {
			ids = ids[:limit]
		}
		cv, err := s.configView(tx)
		if err != nil {
			return err
		}
		out = make([]PackageRef, 0, len(ids))
		for _, id := range ids {
			p, err := cv.accessPackage(id)
			if err != nil {
				return fmt.Errorf("name access package %s: %w", id, err)
			}
			out = append(out, PackageRef{ID: p.ID, DisplayName: p.DisplayName})
		}
		return nil
	})
	return out, more, err
}

// ListCatalogPackages lists one catalog's access packages in name order; Search matches part of
// the name.
func (s *Service) ListCatalogPackages(ctx context.Context, catalogID string, opt ListOptions) (Page[AccessPackage], error) {
	var out Page[AccessPackage]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if _, err := readableCatalog(tx, a, catalogID); err != nil {
			return err
		}
		var err error
		out, err = tx.AccessPackages().ByCatalog(catalogID, opt)
		if err != nil {
			return fmt.Errorf("list access packages: %w", err)
		}
		return nil
	})
	return out, err
}

// AccessPackageByID returns an access package of a catalog the caller may read.
func (s *Service) AccessPackageByID(ctx context.Context, id string) (AccessPackage, error) {
	var out AccessPackage
	err := s.read(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, id)
		if err != nil {
			return err
		}
		if !a.canReadCatalog(p.CatalogID) {
			return forbidden("you have no role in the catalog of %q", p.DisplayName)
		}
		out = p
		return nil
	})
	return out, err
}

// CreateAccessPackage creates an access package in a catalog; catalog owners and access package
// managers may.
func (s *Service) CreateAccessPackage(ctx context.Context, in AccessPackageInput) (AccessPackage, error) {
	var out AccessPackage
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := in.validate(); err != nil {
			return err
		}
		c, err := tx.Catalogs().Get(in.CatalogID)
		if isNotFound(err) {
			return invalid("invalidAccessPackage", "catalogId", "the catalog does not exist; choose one from the list")
		} else if err != nil {
			return fmt.Errorf("create access package: %w", err)
		}
		if !a.canManagePackages(c.ID) {
			return forbidden("only owners and access package managers of %q can create access packages in it", c.DisplayName)
		}
		now := s.now()
		p := AccessPackage{
			ID: NewID(), CatalogID: c.ID, DisplayName: in.DisplayName, Description: in.Description,
			IsHidden: in.IsHidden, IsRoleScopesVisible: in.IsRoleScopesVisible, RoleScopes: []RoleScope{},
			CreatedBy: actorLabel(a.p), CreatedDateTime: now, ModifiedBy: actorLabel(a.p), ModifiedDateTime: now,
		}
		p.Version = nextVersion(p.Version)
		if err := tx.AccessPackages().Put(p); err != nil {
			return fmt.Errorf("create access package %s: %w", p.DisplayName, err)
		}
		out = p
		return s.audit(tx, a.p, "accessPackage.create", "accessPackage", p.ID, p.DisplayName,
			packageCreated(p, c))
	})
	return out, err
}

// UpdateAccessPackage changes an access package's name, description and visibility. The catalog
// cannot change: in.CatalogID must be empty or the package's own.
func (s *Service) UpdateAccessPackage(ctx context.Context, id string, in AccessPackageInput) (AccessPackage, error) {
	var out AccessPackage
	err := s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, id)
		if err != nil {
			return err
		}
		if !a.canManagePackages(p.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change %q", p.DisplayName)
		}
		if in.CatalogID == "" {
			in.CatalogID = p.CatalogID
		}
		if err := in.validate(); err != nil {
			return err
		}
		if in.CatalogID != p.CatalogID {
			return invalid("invalidAccessPackage", "catalogId", "an access package stays in the catalog it was created in; create a new package in the other catalog instead")
		}
		var c changes
		c.text("name", p.DisplayName, in.DisplayName)
		c.text("description", p.Description, in.Description)
		c.flag("hidden", p.IsHidden, in.IsHidden)
		c.flag("showing its roles", p.IsRoleScopesVisible, in.IsRoleScopesVisible)
		out = p
		if len(c) == 0 {
			return nil
		}
		if err := checkVersion(tx, "access package", p.ID, p.DisplayName, p.Version, in.IfVersion, p.ModifiedDateTime); err != nil {
			return err
		}
		p.DisplayName, p.Description, p.IsHidden, p.IsRoleScopesVisible = in.DisplayName, in.Description, in.IsHidden, in.IsRoleScopesVisible
		p.ModifiedBy, p.ModifiedDateTime = actorLabel(a.p), s.now()
		p.Version = nextVersion(p.Version)
		if err := tx.AccessPackages().Put(p); err != nil {
			return fmt.Errorf("update access package %s: %w", p.DisplayName, err)
		}
		out = p
		return s.audit(tx, a.p, "accessPackage.update", "accessPackage", p.ID, p.DisplayName, c.summary())
	})
	return out, err
}

// DeleteAccessPackage deletes an access package that has no live assignments and no policies
// (spec §5.12: remove the assignments, then the policies, then the package). ifVersion is the
// version the caller read (0 does not check).
func (s *Service) DeleteAccessPackage(ctx context.Context, id string, ifVersion int64) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, id)
		if err != nil {
			return err
		}
		if !a.canManagePackages(p.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can delete %q", p.DisplayName)
		}
		if err := checkVersion(tx, "access package", p.ID, p.DisplayName, p.Version, ifVersion, p.ModifiedDateTime); err != nil {
			return err
		}
		n, err := tx.Assignments().CountLiveByPackage(id)
		if err != nil {
			return fmt.Errorf("delete access package: %w", err)
		}
		if n > 0 {
			return conflict("packageHasAssignments", "%q still has %d live assignment(s); remove them before deleting the package", p.DisplayName, n)
		}
		pols, err := tx.Policies().ByPackage(id)
		if err != nil {
			return fmt.Errorf("delete access package: %w", err)
		}
		if len(pols) > 0 {
			names := make([]string, len(pols))
			for i, x := range pols {
				names[i] = x.DisplayName
			}
			return conflict("packageHasPolicies", "%q still has the policy(ies) %s; delete them before deleting the package", p.DisplayName, quoteList(names))
		}
		if err := tx.AccessPackages().Delete(id); err != nil {
			return fmt.Errorf("delete access package %s: %w", p.DisplayName, err)
		}
		return s.audit(tx, a.p, "accessPackage.delete", "accessPackage", p.ID, p.DisplayName, fmt.Sprintf("deleted access package %q", p.DisplayName))
	})
}

// AddRoleScope adds a resource role, at a scope of the resource, to an access package. The
// resource must be in the package's catalog; an empty scopeID means the resource's root scope.
// Later assignments of the package get the role (spec §5.8).
func (s *Service) AddRoleScope(ctx context.Context, packageID, resourceID, roleID, scopeID string) (RoleScope, error) {
	var out RoleScope
	err := s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, packageID)
		if err != nil {
			return err
		}
		if !a.canManagePackages(p.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change %q", p.DisplayName)
		}
		r, err := tx.Resources().Get(resourceID)
		if isNotFound(err) {
			return invalid("invalidRoleScope", "resourceId", "the resource does not exist; choose one of the catalog's resources")
		} else if err != nil {
			return fmt.Errorf("add role scope: %w", err)
		}
		if r.CatalogID != p.CatalogID {
			return invalid("invalidRoleScope", "resourceId", "%q is not a resource of this package's catalog; add it to the catalog first", r.DisplayName)
		}
		if r.IsPendingOnboarding {
			return invalid("invalidRoleScope", "resourceId", "%q is still being onboarded; try again when it is ready", r.DisplayName)
		}
		role, ok := r.Role(roleID)
		if !ok {
			return invalid("invalidRoleScope", "roleId", "%q has no such role; choose one of its roles", r.DisplayName)
		}
		scope := r.RootScope()
		if scopeID != "" {
			if scope, ok = r.Scope(scopeID); !ok {
				return invalid("invalidRoleScope", "scopeId", "%q has no such scope; choose one of its scopes", r.DisplayName)
			}
		}
		if scope.ID == "" {
			return invalid("invalidRoleScope", "scopeId", "%q has no scope to grant the role at", r.DisplayName)
		}
		rs := RoleScope{
			ID: RoleScopeID(role.ID, scope.ID), ResourceID: r.ID, RoleID: role.ID, ScopeID: scope.ID,
			CreatedBy: actorLabel(a.p), CreatedDateTime: s.now(),
		}
		if slices.ContainsFunc(p.RoleScopes, func(x RoleScope) bool { return x.ID == rs.ID }) {
			return conflict("roleScopeExists", "%q already grants %s of %q", p.DisplayName, role.DisplayName, r.DisplayName)
		}
		p.RoleScopes = append(p.RoleScopes, rs)
		p.ModifiedBy, p.ModifiedDateTime = actorLabel(a.p), rs.CreatedDateTime
		p.Version = nextVersion(p.Version)
		if err := tx.AccessPackages().Put(p); err != nil {
			return fmt.Errorf("add role scope: %w", err)
		}
		out = rs
		// The package's current holders get the role too, as new assignments would.
		holders, err := holdersOf(tx, p.ID)
		if err != nil {
			return err
		}
		granted := 0
		for _, asg := range holders {
			u, err := tx.Users().Get(asg.TargetID)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			role, err := s.grantRole(tx, u, asg.ID, r, rs, a.p)
			if err != nil {
				return err
			}
			id := role.ID
			if id == "" || slices.Contains(asg.ResourceRoleIDs, id) {
				continue
			}
			asg.ResourceRoleIDs = append(asg.ResourceRoleIDs, id)
			if err := tx.Assignments().Put(asg); err != nil {
				return fmt.Errorf("add role scope: %w", err)
			}
			granted++
		}
		summary := fmt.Sprintf("added role %s of %q (scope %s)", role.DisplayName, r.DisplayName, scope.DisplayName)
		if granted > 0 {
			summary += fmt.Sprintf(" and granted it to %d current holder(s)", granted)
		}
		return s.audit(tx, a.p, "accessPackage.roleScope.add", "accessPackage", p.ID, p.DisplayName, summary)
	})
	return out, err
}

// holdersOf lists the package's live (delivering or delivered) assignments.
func holdersOf(tx Tx, packageID string) ([]Assignment, error) {
	all, err := CollectAll(func(o ListOptions) (Page[Assignment], error) {
		return tx.Assignments().ByPackage(packageID, AssignmentFilter{States: []AssignmentState{AssignmentDelivering, AssignmentDelivered}}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("holders of %s: %w", packageID, err)
	}
	return all, nil
}

// RemoveRoleScope removes a resource role from an access package and from the package's current
// holders: each loses it unless another of their assignments still grants it (ref-counted, as when
// an assignment ends).
func (s *Service) RemoveRoleScope(ctx context.Context, packageID, roleScopeID string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, packageID)
		if err != nil {
			return err
		}
		if !a.canManagePackages(p.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change %q", p.DisplayName)
		}
		i := slices.IndexFunc(p.RoleScopes, func(x RoleScope) bool { return x.ID == roleScopeID })
		if i < 0 {
			return notFound("role scope", roleScopeID)
		}
		rs := p.RoleScopes[i]
		p.RoleScopes = slices.Delete(p.RoleScopes, i, i+1)
		p.ModifiedBy, p.ModifiedDateTime = actorLabel(a.p), s.now()
		p.Version = nextVersion(p.Version)
		if err := tx.AccessPackages().Put(p); err != nil {
			return fmt.Errorf("remove role scope: %w", err)
		}
		what := rs.ID
		if r, err := tx.Resources().Get(rs.ResourceID); err == nil {
			if role, ok := r.Role(rs.RoleID); ok {
				what = fmt.Sprintf("role %s of %q", role.DisplayName, r.DisplayName)
			}
		}
		holders, err := holdersOf(tx, p.ID)
		if err != nil {
			return err
		}
		revoked := 0
		for _, asg := range holders {
			id := AssignmentResourceRoleID(asg.TargetID, rs.ID)
			if !slices.Contains(asg.ResourceRoleIDs, id) {
				continue
			}
			asg.ResourceRoleIDs = slices.DeleteFunc(asg.ResourceRoleIDs, func(x string) bool { return x == id })
			if err := s.revokeRole(tx, id, asg.ID, a.p); err != nil {
				return err
			}
			// The role may have been the one a delivery waited for.
			if err := s.settleAssignment(tx, &asg, nil); err != nil {
				return err
			}
			if err := tx.Assignments().Put(asg); err != nil {
				return fmt.Errorf("remove role scope: %w", err)
			}
			revoked++
		}
		if revoked > 0 {
			what += fmt.Sprintf(" and took it from %d current holder(s)", revoked)
		}
		return s.audit(tx, a.p, "accessPackage.roleScope.remove", "accessPackage", p.ID, p.DisplayName, "removed "+what)
	})
}

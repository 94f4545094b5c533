package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// RequestableFilter narrows the packages a person may request.
type RequestableFilter struct {
	Search    string // case-insensitive part of the package's name or description
	CatalogID string
}

// GrantedRole names one resource role a package grants, for pages that show what a package gives.
type GrantedRole struct {
	ResourceID   string
	ResourceName string
	ResourceType string
	OriginSystem string
	RoleID       string
	RoleName     string
	ScopeName    string
}

// RequestablePackage is a package the caller may request, with the policies that let them and,
// when the package shows its role scopes (isRoleScopesVisible), the roles it grants. Catalog
// holds the catalog's public fields only: requestors do not learn who holds roles in it or who
// created and changed it.
type RequestablePackage struct {
	Package  AccessPackage
	Catalog  Catalog
	Policies []AssignmentPolicy
	Roles    []GrantedRole
}

// subject is what eligibility and approver routing need to know about the person who would hold
// an assignment: the user, their groups and their connected organization.
type subject struct {
	user   User
	groups []string
	org    *ConnectedOrganization // nil when the user belongs to none (or it was deleted)
}

func loadSubject(tx Tx, userID string) (subject, error) {
	u, err := tx.Users().Get(userID)
	if err != nil {
		return subject{}, err
	}
	groups, err := tx.Groups().GroupIDsOf(userID)
	if err != nil {
		return subject{}, fmt.Errorf("load groups of %s: %w", userID, err)
	}
	s := subject{user: u, groups: groups}
	if u.ConnectedOrganizationID != "" {
		o, err := tx.ConnectedOrganizations().Get(u.ConnectedOrganizationID)
		switch {
		case err == nil:
			s.org = &o
		case !isNotFound(err):
			return s, fmt.Errorf("load organization of %s: %w", userID, err)
		}
	}
	return s, nil
}

// inScope reports whether the subject falls within the policy's requestor scope. Every scope
// type is handled, including the old spelling of the configured-organizations scope.
func (s subject) inScope(p AssignmentPolicy) bool {
	rs := p.RequestorSettings
	switch NormalizeScopeType(rs.ScopeType) {
	case ScopeNoSubjects:
		return false
	case ScopeSpecificDirectorySubjects:
		for _, u := range rs.AllowedRequestors {
			switch u.Type {
			case UserSetSingleUser:
				if u.ID == s.user.ID {
					return true
				}
			case UserSetGroupMembers:
				if slices.Contains(s.groups, u.ID) {
					return true
				}
			}
		}
		return false
	case ScopeAllExistingDirectoryMembers:
		return s.user.UserType == UserTypeMember
	case ScopeAllExistingDirectorySubjects:
		return true
	case ScopeSpecificConnectedOrgSubjects:
		if s.org == nil {
			return false
		}
		for _, u := range rs.AllowedRequestors {
			if u.Type == UserSetConnectedOrgMembers && u.ID == s.org.ID {
				return true
			}
		}
		return false
	case ScopeAllConfiguredConnectedOrgs:
		return s.org != nil && s.org.State == OrgConfigured
	case ScopeAllExternalSubjects:
		// Any external user, whether or not their organization is known; members of the home
		// directory are not external.
		return s.user.IsGuest()
	}
	return false
}

// checkRequestable applies every rule that decides whether the subject may request the package
// through the policy, and says which one failed with a distinct code.
func (s subject) checkRequestable(p AssignmentPolicy, c Catalog) error {
	if s.user.IsServiceAccount() {
		return ruleError(ErrConflict, CodeServiceAccount, "%s is a service account; access packages are for people", s.user.Label())
	}
	if !c.IsPublished() {
		return ruleError(ErrConflict, "catalogNotPublished", "the catalog %q is not published, so its packages cannot be requested", c.DisplayName)
	}
	if !p.RequestorSettings.AcceptRequests {
		return ruleError(ErrConflict, "notAcceptingRequests", "the policy %q does not accept requests at the moment", p.DisplayName)
	}
	if s.user.IsGuest() && !c.IsExternallyVisible {
		return ruleError(ErrForbidden, "externalNotAllowed", "packages of the catalog %q are open to people of this organization only, not to external users", c.DisplayName)
	}
	if !s.inScope(p) {
		return ruleError(ErrForbidden, "notInScope", "you are not among the people who may request through the policy %q", p.DisplayName)
	}
	return nil
}

// candidatePolicyIDs lists the ids of every policy that might let the subject request, through
// the policy indexes: the policies naming the user, one of their groups or their organization,
// and the policies whose scope type covers them. The result may hold policies that do not in the
// end apply (e.g. a proposed organization); callers check each with inScope.
func candidatePolicyIDs(tx Tx, s subject) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(list []string, err error) error {
		if err != nil {
			return fmt.Errorf("look up policies: %w", err)
		}
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return nil
	}
	principals := append([]string{s.user.ID}, s.groups...)
	if s.org != nil {
		principals = append(principals, s.org.ID)
	}
	for _, id := range principals {
		if err := add(tx.Policies().IDsByRequestor(id)); err != nil {
			return nil, err
		}
	}
	scopes := []string{ScopeAllExistingDirectorySubjects}
	if s.user.UserType == UserTypeMember {
		scopes = append(scopes, ScopeAllExistingDirectoryMembers)
	}
	if s.user.IsGuest() {
		scopes = append(scopes, ScopeAllExternalSubjects)
	}
	if s.org != nil && s.org.State == OrgConfigured {
		scopes = append(scopes, ScopeAllConfiguredConnectedOrgs, scopeAllExistingConnectedOrgsOld)
	}
	for _, sc := range scopes {
		if err := add(tx.Policies().IDsByScopeType(sc)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// RequestablePackages lists the packages the caller may request now: those with at least one
// policy that accepts requests and whose scope covers the caller, in a published catalog that is
// externally visible when the caller is a guest. Hidden packages are left out (they can still be
// requested by id). The candidates come from the policy indexes, not from a walk over every
// package; the page is then cut in memory, sorted by package name, because eligibility cannot be
// expressed as one index range. That is fine: the candidate set is the handful of policies that
// name the caller or cover everyone, not the tenant.
func (s *Service) RequestablePackages(ctx context.Context, f RequestableFilter, opt ListOptions) (Page[RequestablePackage], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[RequestablePackage]{}, err
	}
	var all []RequestablePackage
	err = s.store.View(ctx, func(tx Tx) error {
		subj, err := loadSubject(tx, p.UserID)
		if err != nil {
			return fmt.Errorf("requestable packages: %w", err)
		}
		ids, err := candidatePolicyIDs(tx, subj)
		if err != nil {
			return err
		}
		// Thousands of candidates are read on every page: through the configuration cache.
		cv, err := s.configView(tx)
		if err != nil {
			return err
		}
		byPackage := map[string]*RequestablePackage{}
		skipped := map[string]bool{} // packages already read and left out
		catalogs := map[string]*Catalog{}
		search := strings.ToLower(strings.TrimSpace(f.Search))
		for _, id := range ids {
			pol, err := cv.policy(id)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if f.CatalogID != "" && pol.CatalogID != "" && pol.CatalogID != f.CatalogID {
				continue
			}
			rp := byPackage[pol.AccessPackageID]
			if rp == nil {
				if skipped[pol.AccessPackageID] {
					continue
				}
				skipped[pol.AccessPackageID] = true
				pkg, err := cv.accessPackage(pol.AccessPackageID)
				if isNotFound(err) {
					continue
				} else if err != nil {
					return err
				}
				if pkg.IsHidden || (f.CatalogID != "" && pkg.CatalogID != f.CatalogID) {
					continue
				}
				if search != "" && !strings.Contains(strings.ToLower(pkg.DisplayName), search) && !strings.Contains(strings.ToLower(pkg.Description), search) {
					continue
				}
				c := catalogs[pkg.CatalogID]
				if c == nil {
					cat, err := cv.catalog(pkg.CatalogID)
					if isNotFound(err) {
						continue
					} else if err != nil {
						return err
					}
					cat = publicCatalog(cat)
					c = &cat
					catalogs[pkg.CatalogID] = c
				}
				delete(skipped, pkg.ID)
				rp = &RequestablePackage{Package: pkg, Catalog: *c}
				byPackage[pkg.ID] = rp
			}
			if subj.checkRequestable(pol, rp.Catalog) != nil {
				continue
			}
			rp.Policies = append(rp.Policies, pol)
		}
		for _, rp := range byPackage {
			if len(rp.Policies) == 0 {
				continue
			}
			sort.Slice(rp.Policies, func(i, j int) bool { return rp.Policies[i].DisplayName < rp.Policies[j].DisplayName })
			all = append(all, *rp)
		}
		return nil
	})
	if err != nil {
		return Page[RequestablePackage]{}, err
	}
	// Each sort key made once, not at every comparison.
	keys := make(map[string]string, len(all))
	for _, r := range all {
		keys[r.Package.ID] = strings.ToLower(r.Package.DisplayName) + "\x00" + r.Package.ID
	}
	key := func(r RequestablePackage) string { return keys[r.Package.ID] }
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	page, err := PageOf(all, key, opt)
	if err != nil {
		return page, err
	}
	// The roles only of the packages on the page: every candidate's would mean reading the
	// resources of thousands of packages to show a few.
	err = s.store.View(ctx, func(tx Tx) error {
		cv, err := s.configView(tx)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if rp := &page.Items[i]; rp.Package.IsRoleScopesVisible {
				if rp.Roles, err = grantedRoles(cv.resource, rp.Package); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return page, err
}

// publicCatalog is what requestors see of a catalog: no role members, no createdBy/modifiedBy.
func publicCatalog(c Catalog) Catalog {
	return Catalog{
		ID: c.ID, DisplayName: c.DisplayName, Description: c.Description, CatalogType: c.CatalogType,
		CatalogStatus: c.CatalogStatus, IsExternallyVisible: c.IsExternallyVisible,
		CreatedDateTime: c.CreatedDateTime, ModifiedDateTime: c.ModifiedDateTime,
	}
}

// grantedRoles describes the role scopes of a package by resource and role name.
func grantedRoles(resource func(id string) (Resource, error), pkg AccessPackage) ([]GrantedRole, error) {
	out := make([]GrantedRole, 0, len(pkg.RoleScopes))
	for _, rs := range pkg.RoleScopes {
		res, err := resource(rs.ResourceID)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		g := GrantedRole{ResourceID: res.ID, ResourceName: res.DisplayName, ResourceType: res.ResourceType, OriginSystem: res.OriginSystem, RoleID: rs.RoleID}
		if role, ok := res.Role(rs.RoleID); ok {
			g.RoleName = role.DisplayName
		}
		if sc, ok := res.Scope(rs.ScopeID); ok {
			g.ScopeName = sc.DisplayName
		}
		out = append(out, g)
	}
	return out, nil
}

// EligiblePolicies returns the policies of the package through which the caller may request it
// now, sorted by name; empty when there are none. The package may be hidden.
func (s *Service) EligiblePolicies(ctx context.Context, packageID string) ([]AssignmentPolicy, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var out []AssignmentPolicy
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		_, _, out, err = eligibleIn(tx, p.UserID, packageID)
		return err
	})
	return out, err
}

// eligibleIn loads a package, its catalog, and the policies through which the user may request
// it now, sorted by name.
func eligibleIn(tx Tx, userID, packageID string) (AccessPackage, Catalog, []AssignmentPolicy, error) {
	pkg, err := tx.AccessPackages().Get(packageID)
	if isNotFound(err) {
		return pkg, Catalog{}, nil, notFoundAs("accessPackageNotFound", "access package", packageID)
	} else if err != nil {
		return pkg, Catalog{}, nil, err
	}
	c, err := tx.Catalogs().Get(pkg.CatalogID)
	if err != nil {
		return pkg, c, nil, fmt.Errorf("load catalog of %s: %w", pkg.DisplayName, err)
	}
	subj, err := loadSubject(tx, userID)
	if err != nil {
		return pkg, c, nil, fmt.Errorf("load requestor: %w", err)
	}
	pols, err := tx.Policies().ByPackage(pkg.ID)
	if err != nil {
		return pkg, c, nil, err
	}
	var out []AssignmentPolicy
	for _, pol := range pols {
		if subj.checkRequestable(pol, c) == nil {
			out = append(out, pol)
		}
	}
	slices.SortFunc(out, func(a, b AssignmentPolicy) int { return cmpString(a.DisplayName, b.DisplayName) })
	return pkg, c, out, nil
}

// ruleError returns a RuleError with its own code.
func ruleError(kind error, code, format string, args ...any) error {
	return &RuleError{Code: code, Message: fmt.Sprintf(format, args...), Kind: kind}
}

package entitlementtest

import (
	"fmt"
	"strings"

	"github.com/stewardhq/steward/entitlement"
)

// The builders below write a tenant's records straight through the store, with the defaults a
// test would otherwise repeat; options change a record before it is written.

// User writes a member user named name, enabled, with a unique e-mail at corp.example.
func (e *Env) User(name string, opts ...func(*entitlement.User)) entitlement.User {
	e.T.Helper()
	u := entitlement.User{
		ID: entitlement.NewID(), DisplayName: name, Email: fmt.Sprintf("%s.%d@corp.example", strings.ToLower(strings.ReplaceAll(name, " ", ".")), e.next()),
		UserType: entitlement.UserTypeMember, AccountEnabled: true, CreatedDateTime: e.Clock.Now(),
	}
	u.UserPrincipalName = u.Email
	for _, o := range opts {
		o(&u)
	}
	e.Update(func(tx entitlement.Tx) error { return tx.Users().Put(u) })
	return u
}

// ManagedBy makes m the user's manager.
func ManagedBy(m entitlement.User) func(*entitlement.User) {
	return func(u *entitlement.User) { u.ManagerID = m.ID }
}

// GuestOf makes the user a guest of the connected organization, with a partner.example e-mail.
func GuestOf(orgID string) func(*entitlement.User) {
	return func(u *entitlement.User) {
		u.UserType = entitlement.UserTypeGuest
		u.ConnectedOrganizationID = orgID
		u.Email = strings.Replace(u.Email, "@corp.example", "@partner.example", 1)
	}
}

// Disabled turns the user's account off.
func Disabled(u *entitlement.User) { u.AccountEnabled = false }

// Group writes a directory group with the members.
func (e *Env) Group(name string, members ...entitlement.User) entitlement.Group {
	e.T.Helper()
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: name, CreatedDateTime: e.Clock.Now()}
	e.Update(func(tx entitlement.Tx) error {
		if err := tx.Groups().Put(g); err != nil {
			return err
		}
		for _, m := range members {
			if err := tx.Groups().AddMember(g.ID, m.ID, entitlement.MemberDirect); err != nil {
				return err
			}
		}
		return nil
	})
	return g
}

// Org writes a connected organization in the state, recognised by a domain of its own.
func (e *Env) Org(name, state string, sponsorsIn, sponsorsOut []entitlement.Sponsor) entitlement.ConnectedOrganization {
	e.T.Helper()
	n := e.next()
	o := entitlement.ConnectedOrganization{
		ID: entitlement.NewID(), DisplayName: name, State: state,
		IdentitySources:  []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: fmt.Sprintf("org%d.example", n)}},
		InternalSponsors: sponsorsIn, ExternalSponsors: sponsorsOut, CreatedDateTime: e.Clock.Now(),
	}
	e.Update(func(tx entitlement.Tx) error { return tx.ConnectedOrganizations().Put(o) })
	return o
}

// UserSponsor names the user as a sponsor.
func UserSponsor(u entitlement.User) entitlement.Sponsor {
	return entitlement.Sponsor{ID: u.ID, Type: entitlement.PrincipalUser}
}

// GroupSponsor names the group as a sponsor.
func GroupSponsor(g entitlement.Group) entitlement.Sponsor {
	return entitlement.Sponsor{ID: g.ID, Type: entitlement.PrincipalGroup}
}

// Catalog writes a published, externally visible catalog.
func (e *Env) Catalog(name string, opts ...func(*entitlement.Catalog)) entitlement.Catalog {
	e.T.Helper()
	c := entitlement.Catalog{
		ID: entitlement.NewID(), DisplayName: name, CatalogType: entitlement.CatalogTypeUserManaged,
		CatalogStatus: entitlement.CatalogStatusPublished, IsExternallyVisible: true, CreatedDateTime: e.Clock.Now(),
	}
	for _, o := range opts {
		o(&c)
	}
	e.Update(func(tx entitlement.Tx) error { return tx.Catalogs().Put(c) })
	return c
}

// WithCatalogRole gives the user the role in the catalog.
func WithCatalogRole(role entitlement.CatalogRole, u entitlement.User) func(*entitlement.Catalog) {
	return func(c *entitlement.Catalog) {
		c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: role, PrincipalID: u.ID, PrincipalType: entitlement.PrincipalUser})
	}
}

// GroupResource onboards a directory group into a catalog with its Member and Owner roles.
func (e *Env) GroupResource(c entitlement.Catalog, g entitlement.Group) entitlement.Resource {
	e.T.Helper()
	r := entitlement.Resource{
		ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: g.DisplayName, ResourceType: "Security Group",
		OriginID: g.ID, OriginSystem: entitlement.OriginGroup, AddedOn: e.Clock.Now(),
		Roles: []entitlement.ResourceRole{
			{ID: entitlement.NewID(), DisplayName: "Member", OriginID: "Member_" + g.ID, OriginSystem: entitlement.OriginGroup},
			{ID: entitlement.NewID(), DisplayName: "Owner", OriginID: "Owner_" + g.ID, OriginSystem: entitlement.OriginGroup},
		},
		Scopes: []entitlement.ResourceScope{{ID: entitlement.NewID(), DisplayName: "Root", IsRootScope: true, OriginID: g.ID, OriginSystem: entitlement.OriginGroup}},
	}
	e.Update(func(tx entitlement.Tx) error { return tx.Resources().Put(r) })
	return r
}

// AppResource onboards an application with the named roles.
func (e *Env) AppResource(c entitlement.Catalog, name string, roles ...string) entitlement.Resource {
	e.T.Helper()
	r := entitlement.Resource{
		ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: name, ResourceType: "Application",
		OriginID: "app-" + strings.ToLower(name), OriginSystem: entitlement.OriginApplication, AddedOn: e.Clock.Now(),
		Scopes: []entitlement.ResourceScope{{ID: entitlement.NewID(), DisplayName: "Root", IsRootScope: true, OriginID: "app-" + strings.ToLower(name), OriginSystem: entitlement.OriginApplication}},
	}
	for _, n := range roles {
		r.Roles = append(r.Roles, entitlement.ResourceRole{ID: entitlement.NewID(), DisplayName: n, OriginID: "role-" + strings.ToLower(n), OriginSystem: entitlement.OriginApplication})
	}
	e.Update(func(tx entitlement.Tx) error { return tx.Resources().Put(r) })
	return r
}

// Grant names one role of a resource for a package.
type Grant struct {
	Res  entitlement.Resource
	Role string
}

// Role is the role of the resource with the display name.
func Role(r entitlement.Resource, name string) Grant { return Grant{Res: r, Role: name} }

// Member is the Member role of a group resource.
func Member(r entitlement.Resource) Grant { return Role(r, "Member") }

// Package writes an access package in the catalog granting the roles.
func (e *Env) Package(c entitlement.Catalog, name string, grants ...Grant) entitlement.AccessPackage {
	return e.PackageWith(c, name, nil, grants...)
}

// PackageWith is Package with a change to the package before it is written.
func (e *Env) PackageWith(c entitlement.Catalog, name string, opt func(*entitlement.AccessPackage), grants ...Grant) entitlement.AccessPackage {
	e.T.Helper()
	p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: name, CreatedDateTime: e.Clock.Now()}
	for _, g := range grants {
		var roleID string
		for _, r := range g.Res.Roles {
			if r.DisplayName == g.Role {
				roleID = r.ID
			}
		}
		if roleID == "" {
			e.T.Fatalf("resource %s has no role %s", g.Res.DisplayName, g.Role)
		}
		scope := g.Res.RootScope()
		p.RoleScopes = append(p.RoleScopes, entitlement.RoleScope{ID: entitlement.RoleScopeID(roleID, scope.ID), ResourceID: g.Res.ID, RoleID: roleID, ScopeID: scope.ID})
	}
	if opt != nil {
		opt(&p)
	}
	e.Update(func(tx entitlement.Tx) error { return tx.AccessPackages().Put(p) })
	return p
}

// Policy adds a policy to a package: by default every member may request, no approval, 30 days.
func (e *Env) Policy(p entitlement.AccessPackage, opts ...func(*entitlement.AssignmentPolicy)) entitlement.AssignmentPolicy {
	e.T.Helper()
	pol := entitlement.AssignmentPolicy{
		ID: entitlement.NewID(), AccessPackageID: p.ID, CatalogID: p.CatalogID, DisplayName: "Policy " + fmt.Sprint(e.next()),
		DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{
			ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true,
		},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
		CreatedDateTime:         e.Clock.Now(),
	}
	for _, o := range opts {
		o(&pol)
	}
	e.Update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	return pol
}

// Scope sets who may request: the scope type and the allowed requestors.
func Scope(scopeType string, sets ...entitlement.UserSet) func(*entitlement.AssignmentPolicy) {
	return func(p *entitlement.AssignmentPolicy) {
		p.RequestorSettings.ScopeType = scopeType
		p.RequestorSettings.AllowedRequestors = sets
	}
}

// Approval requires approval in the stages, one stage single, more serial.
func Approval(stages ...entitlement.ApprovalStage) func(*entitlement.AssignmentPolicy) {
	return func(p *entitlement.AssignmentPolicy) {
		p.RequestApprovalSettings.IsApprovalRequired = true
		p.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSingle
		if len(stages) > 1 {
			p.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSerial
		}
		p.RequestApprovalSettings.ApprovalStages = stages
	}
}

// ApprovalStage is a stage decided by the approvers that times out after the days.
func ApprovalStage(timeoutDays int, approvers ...entitlement.UserSet) entitlement.ApprovalStage {
	return entitlement.ApprovalStage{ApprovalStageTimeOutInDays: timeoutDays, PrimaryApprovers: approvers}
}

// Single is the user as a userSet.
func Single(u entitlement.User) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: u.ID}
}

// GroupSet is the members of the group as a userSet.
func GroupSet(g entitlement.Group) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: g.ID}
}

// OrgSet is the members of the connected organization as a userSet.
func OrgSet(o entitlement.ConnectedOrganization) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetConnectedOrgMembers, ID: o.ID}
}

// ManagerOf is the requestor's manager (level 1) or their manager's manager (level 2).
func ManagerOf(level int) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetRequestorManager, ManagerLevel: level}
}

// Settings changes the tenant's settings.
func (e *Env) Settings(fn func(*entitlement.Settings)) {
	e.T.Helper()
	e.Update(func(tx entitlement.Tx) error {
		s, err := tx.Settings()
		if err != nil {
			return err
		}
		fn(&s)
		fn(&s)
		return tx.PutSettings(s)
	})
}

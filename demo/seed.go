package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/stewardhq/steward/entitlement"
)

// Catalog names of the demo.
const (
	CatalogEngineering = "Engineering"
	CatalogFinance     = "Finance"
	CatalogPartners    = "Partner access"
)

// seedPrincipal creates the first administrator's directory entry; everything after that is done
// as Ada Admin, so the audit log reads like a real tenant's.
var seedPrincipal = entitlement.Principal{UserID: "00000000-0000-7000-8000-00000000de00", Name: "Demo seed", IsAdmin: true}

// Seed builds the demo organisation on a fresh store, through the service (the only write path),
// as an administrator. A store is fresh when it holds no catalog besides the built-in one and the
// demo's own; on any other store Seed does nothing, so that it never mixes demo data into a real
// tenant. Every step looks for what it would create first, so running Seed again changes nothing
// and a run that stopped half-way is completed by the next one. store is only read.
//
// Seed creates configuration only: no requests and no assignments (see seedAccess).
func Seed(ctx context.Context, svc *entitlement.Service, store entitlement.Store) error {
	s := &seeder{svc: svc, st: store, users: map[string]entitlement.User{}, groups: map[string]entitlement.Group{},
		catalogs: map[string]entitlement.Catalog{}, resources: map[string]entitlement.Resource{}}
	fresh, err := s.isFresh(ctx)
	if err != nil || !fresh {
		return err
	}
	if _, err := svc.EnsureDefaultCatalog(ctx); err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"administrator", s.admin},
		{"connected organization", s.partnerOrg},
		{"people", s.people},
		{"groups", s.directoryGroups},
		{"catalogs", s.catalogsAndRoles},
		{"resources", s.catalogResources},
		{"access packages", s.packages},
		{"sponsors", s.sponsors},
		{"access", s.seedAccess},
	}
	for _, step := range steps {
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("demo seed: %s: %w", step.name, err)
		}
	}
	return nil
}

type seeder struct {
	svc       *entitlement.Service
	st        entitlement.Store
	as        context.Context // Ada Admin
	org       entitlement.ConnectedOrganization
	users     map[string]entitlement.User    // by e-mail
	groups    map[string]entitlement.Group   // by name
	catalogs  map[string]entitlement.Catalog // by name
	resources map[string]entitlement.Resource
}

func (s *seeder) isFresh(ctx context.Context) (bool, error) {
	demo := []string{CatalogEngineering, CatalogFinance, CatalogPartners}
	fresh := true
	err := s.st.View(ctx, func(tx entitlement.Tx) error {
		opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
		for {
			p, err := tx.Catalogs().List(opt)
			if err != nil {
				return err
			}
			for _, c := range p.Items {
				if c.ID != entitlement.DefaultCatalogID && !slices.Contains(demo, c.DisplayName) {
					fresh = false
				}
			}
			if p.Next == "" {
				return nil
			}
			opt.After = p.Next
		}
	})
	return fresh, err
}

func (s *seeder) admin(ctx context.Context) error {
	ada := Users[0]
	u, err := s.userByEmail(ctx, ada.Email)
	if err != nil {
		return err
	}
	if u.ID == "" {
		boot := entitlement.WithPrincipal(ctx, seedPrincipal)
		u, err = s.svc.CreateUser(boot, entitlement.UserInput{DisplayName: ada.Name, Email: ada.Email, Department: ada.Department, JobTitle: ada.JobTitle})
		if err != nil {
			return err
		}
	}
	s.users[u.Email] = u
	s.as = entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email, IsAdmin: true})
	return nil
}

func (s *seeder) userByEmail(ctx context.Context, email string) (entitlement.User, error) {
	var u entitlement.User
	err := s.st.View(ctx, func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().ByEmail(email)
		if isNotFound(err) {
			u, err = entitlement.User{}, nil
		}
		return err
	})
	return u, err
}

func isNotFound(err error) bool { return errors.Is(err, entitlement.ErrNotFound) }

func (s *seeder) partnerOrg(ctx context.Context) error {
	err := s.st.View(ctx, func(tx entitlement.Tx) error {
		o, err := tx.ConnectedOrganizations().ByIdentity(PartnerDomain)
		if err == nil {
			s.org = o
			return nil
		}
		if isNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil || s.org.ID != "" {
		return err
	}
	s.org, err = s.svc.CreateConnectedOrganization(s.as, entitlement.ConnectedOrganizationInput{
		DisplayName: PartnerOrgName, Description: "Consultancy that works on our partner projects.", State: entitlement.OrgConfigured,
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: PartnerDomain, DisplayName: PartnerOrgName}},
	})
	return err
}

// people creates everyone first and sets managers in a second pass, since managers may come later
// in the lists.
func (s *seeder) people(ctx context.Context) error {
	all := append(append([]DemoUser(nil), Users...), Staff...)
	input := func(d DemoUser, managerID string) entitlement.UserInput {
		in := entitlement.UserInput{DisplayName: d.Name, Email: d.Email, Department: d.Department, JobTitle: d.JobTitle, ManagerID: managerID}
		if entitlement.EmailDomain(d.Email) == PartnerDomain {
			in.UserType, in.ConnectedOrganizationID = entitlement.UserTypeGuest, s.org.ID
		}
		return in
	}
	for _, d := range all {
		u, err := s.userByEmail(ctx, d.Email)
		if err != nil {
			return err
		}
		if u.ID == "" {
			if u, err = s.svc.CreateUser(s.as, input(d, "")); err != nil {
				return fmt.Errorf("%s: %w", d.Email, err)
			}
		}
		s.users[d.Email] = u
	}
	for _, d := range all {
		u := s.users[d.Email]
		managerID := ""
		if d.ManagerEmail != "" {
			managerID = s.users[d.ManagerEmail].ID
		}
		in := input(d, managerID)
		if u.ManagerID == managerID && u.DisplayName == in.DisplayName && u.Department == in.Department && u.JobTitle == in.JobTitle &&
			u.ConnectedOrganizationID == in.ConnectedOrganizationID {
			continue
		}
		upd, err := s.svc.UpdateUser(s.as, u.ID, in)
		if err != nil {
			return fmt.Errorf("%s: %w", d.Email, err)
		}
		s.users[d.Email] = upd
	}
	return nil
}

func (s *seeder) directoryGroups(ctx context.Context) error {
	for _, g := range Groups {
		var found []entitlement.Group
		if err := s.st.View(ctx, func(tx entitlement.Tx) error {
			var err error
			found, err = tx.Groups().ByName(g.Name)
			return err
		}); err != nil {
			return err
		}
		if len(found) > 0 {
			s.groups[g.Name] = found[0]
			continue
		}
		created, err := s.svc.CreateGroup(s.as, entitlement.GroupInput{DisplayName: g.Name, Description: g.Description})
		if err != nil {
			return err
		}
		s.groups[g.Name] = created
	}
	for _, d := range append(append([]DemoUser(nil), Users...), Staff...) {
		for _, name := range d.Groups {
			g, u := s.groups[name], s.users[d.Email]
			var member bool
			if err := s.st.View(ctx, func(tx entitlement.Tx) error {
				var err error
				member, err = tx.Groups().IsMember(g.ID, u.ID)
				return err
			}); err != nil {
				return err
			}
			if !member {
				if err := s.svc.AddGroupMember(s.as, g.ID, u.ID); err != nil {
					return fmt.Errorf("%s in %s: %w", d.Email, name, err)
				}
			}
		}
	}
	return nil
}

var catalogSpecs = []struct {
	name, description string
	external          bool
	roles             []struct {
		email string
		role  entitlement.CatalogRole
	}
}{
	{CatalogEngineering, "Tools and teams of the engineering organisation.", false, []struct {
		email string
		role  entitlement.CatalogRole
	}{{"owner@example.com", entitlement.RoleCatalogOwner}, {"sam.rivera@example.com", entitlement.RoleAccessPackageManager}, {"manager@example.com", entitlement.RoleAssignmentManager}}},
	{CatalogFinance, "Finance systems and reports.", false, []struct {
		email string
		role  entitlement.CatalogRole
	}{{"frances.ledger@example.com", entitlement.RoleCatalogOwner}, {"approver@example.com", entitlement.RoleCatalogReader}}},
	{CatalogPartners, "What people from partner organisations may request.", true, []struct {
		email string
		role  entitlement.CatalogRole
	}{{"owner@example.com", entitlement.RoleCatalogOwner}}},
}

func (s *seeder) catalogsAndRoles(ctx context.Context) error {
	existing := map[string]entitlement.Catalog{}
	if err := s.st.View(ctx, func(tx entitlement.Tx) error {
		p, err := tx.Catalogs().List(entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		for _, c := range p.Items {
			existing[c.DisplayName] = c
		}
		return err
	}); err != nil {
		return err
	}
	for _, spec := range catalogSpecs {
		c, ok := existing[spec.name]
		if !ok {
			var err error
			c, err = s.svc.CreateCatalog(s.as, entitlement.CatalogInput{DisplayName: spec.name, Description: spec.description, IsExternallyVisible: spec.external, Published: true})
			if err != nil {
				return err
			}
		}
		for _, r := range spec.roles {
			m := entitlement.CatalogRoleMember{Role: r.role, PrincipalID: s.users[r.email].ID, PrincipalType: entitlement.PrincipalUser}
			if slices.Contains(c.Roles, m) {
				continue
			}
			if err := s.svc.AddCatalogRoleMember(s.as, c.ID, m); err != nil {
				return fmt.Errorf("%s: %w", spec.name, err)
			}
			c.Roles = append(c.Roles, m)
		}
		s.catalogs[spec.name] = c
	}
	return nil
}

type resourceSpec struct {
	catalog, key string
	in           entitlement.ResourceInput // for groups, OriginID is filled from key
}

var resourceSpecs = []resourceSpec{
	{CatalogEngineering, "Engineering", entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup}},
	{CatalogEngineering, "Platform on-call", entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup}},
	{CatalogEngineering, "GitHub Enterprise", entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "GitHub Enterprise",
		Description: "Source code, reviews and CI.", URL: "https://github.example.com", Roles: []string{"Member", "Maintainer", "Admin"}}},
	{CatalogFinance, "Finance", entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup}},
	{CatalogFinance, "NetSuite", entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "NetSuite",
		Description: "Accounting and ERP.", URL: "https://netsuite.example.com", Roles: []string{"User", "Approver", "Administrator"}}},
	{CatalogFinance, "Finance SharePoint", entitlement.ResourceInput{OriginSystem: entitlement.OriginSite, DisplayName: "Finance SharePoint",
		Description: "Reports, budgets and month-end checklists.", URL: "https://sharepoint.example.com/sites/finance", Roles: []string{"Read", "Contribute", "Full Control"}}},
	{CatalogPartners, "Partner portal", entitlement.ResourceInput{OriginSystem: entitlement.OriginSite, DisplayName: "Partner portal",
		Description: "Shared documents with partners.", URL: "https://partners.example.com", Roles: []string{"Visitor", "Member"}}},
	{CatalogPartners, "GitHub Enterprise", entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "GitHub Enterprise",
		Description: "Source code, reviews and CI.", URL: "https://github.example.com", Roles: []string{"Member", "Maintainer", "Admin"}}},
}

func resourceKey(catalog, key string) string { return catalog + "/" + key }

func (s *seeder) catalogResources(ctx context.Context) error {
	for _, spec := range resourceSpecs {
		c := s.catalogs[spec.catalog]
		in := spec.in
		if in.OriginSystem == entitlement.OriginGroup {
			in.OriginID = s.groups[spec.key].ID
		} else {
			in.OriginID = in.URL
		}
		var r entitlement.Resource
		if err := s.st.View(ctx, func(tx entitlement.Tx) error {
			var err error
			r, err = tx.Resources().ByOrigin(c.ID, in.OriginSystem, in.OriginID)
			if isNotFound(err) {
				r, err = entitlement.Resource{}, nil
			}
			return err
		}); err != nil {
			return err
		}
		if r.ID == "" {
			in.Justification = "Demo setup"
			rr, err := s.svc.AddResource(s.as, c.ID, in)
			if err != nil {
				return fmt.Errorf("%s: %w", spec.key, err)
			}
			r = rr.Resource
		}
		s.resources[resourceKey(spec.catalog, spec.key)] = r
	}
	return nil
}

// roleRef names a role of a demo resource.
type roleRef struct{ resource, role string }

type packageSpec struct {
	catalog, name, description string
	hidden                     bool
	roles                      []roleRef
	policies                   func(s *seeder) []entitlement.PolicyInput
}

func (s *seeder) user(email string) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: s.users[email].ID}
}

func (s *seeder) group(name string) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: s.groups[name].ID}
}

func backup(u entitlement.UserSet) entitlement.UserSet { u.IsBackup = true; return u }

func members(sets ...entitlement.UserSet) entitlement.RequestorSettings {
	return entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificDirectorySubjects, AcceptRequests: true, AllowedRequestors: sets}
}

func singleStage(st entitlement.ApprovalStage) entitlement.ApprovalSettings {
	return entitlement.ApprovalSettings{IsApprovalRequired: true, IsRequestorJustificationRequired: true,
		ApprovalMode: entitlement.ApprovalSingle, ApprovalStages: []entitlement.ApprovalStage{st}}
}

var managerApprover = entitlement.UserSet{Type: entitlement.UserSetRequestorManager, ManagerLevel: 1}

var packageSpecs = []packageSpec{
	{CatalogEngineering, "Engineering starter kit", "GitHub and the Engineering group for every employee; no approval needed.", false,
		[]roleRef{{"GitHub Enterprise", "Member"}, {"Engineering", "Member"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "All employees", Description: "Every member of the directory, no approval.", DurationInDays: 365,
				RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
				RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}}}
		}},
	{CatalogEngineering, "GitHub maintainer", "Maintain repositories: merge, release and manage settings.", false,
		[]roleRef{{"GitHub Enterprise", "Maintainer"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Engineers, manager approval", Description: "Engineers ask; their manager approves, Avery if there is none.",
				DurationInDays: 180, CanExtend: true,
				RequestorSettings: members(s.group("Engineering")),
				RequestApprovalSettings: func() entitlement.ApprovalSettings {
					a := singleStage(entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 7,
						PrimaryApprovers: []entitlement.UserSet{managerApprover, backup(s.user("approver@example.com"))}})
					a.IsApprovalRequiredForExtension = true
					return a
				}()}}
		}},
	{CatalogEngineering, "Platform on-call", "Join the production on-call rotation with admin rights on GitHub.", false,
		[]roleRef{{"Platform on-call", "Member"}, {"GitHub Enterprise", "Admin"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Engineers, manager then security", Description: "Manager first, then Avery; the Security team is asked after two days.",
				DurationInDays:    90,
				RequestorSettings: members(s.group("Engineering")),
				RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, IsRequestorJustificationRequired: true, ApprovalMode: entitlement.ApprovalSerial,
					ApprovalStages: []entitlement.ApprovalStage{
						{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{managerApprover, backup(s.user("approver@example.com"))}},
						{ApprovalStageTimeOutInDays: 7, IsApproverJustificationRequired: true, IsEscalationEnabled: true, EscalationTimeInMinutes: 2 * 24 * 60,
							PrimaryApprovers:    []entitlement.UserSet{s.user("approver@example.com")},
							EscalationApprovers: []entitlement.UserSet{s.group("Security team")}},
					}},
				AccessReviewSettings: &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerReviewers,
					DurationInDays: 14, Reviewers: []entitlement.UserSet{s.user("owner@example.com")}}}}
		}},
	{CatalogEngineering, "GitHub organization admin", "Break-glass owner rights; assigned directly by administrators, not requestable.", true,
		[]roleRef{{"GitHub Enterprise", "Admin"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Direct assignment only", Description: "Administrators assign; nobody can request.", DurationInDays: 7,
				RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeNoSubjects, AcceptRequests: true},
				RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}}}
		}},
	{CatalogEngineering, "Contractor GitHub access", "Thirty days of GitHub for contractors and guests, extendable with approval.", false,
		[]roleRef{{"GitHub Enterprise", "Member"}},
		func(s *seeder) []entitlement.PolicyInput {
			a := singleStage(entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 5, PrimaryApprovers: []entitlement.UserSet{s.user("owner@example.com")}})
			a.IsApprovalRequiredForExtension = true
			return []entitlement.PolicyInput{{DisplayName: "Anyone in the directory, 30 days", Description: "Members and guests; Owen approves; extensions are approved again.",
				DurationInDays: 30, CanExtend: true,
				RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectorySubjects, AcceptRequests: true},
				RequestApprovalSettings: a}}
		}},
	{CatalogFinance, "Finance reporting", "Read the finance site and use NetSuite.", false,
		[]roleRef{{"Finance SharePoint", "Read"}, {"NetSuite", "User"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Finance and Sales, manager approval", DurationInDays: 90, CanExtend: true,
				RequestorSettings: members(s.group("Finance"), s.group("Sales")),
				RequestApprovalSettings: singleStage(entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 7,
					PrimaryApprovers: []entitlement.UserSet{managerApprover, backup(s.user("approver@example.com"))}})}}
		}},
	{CatalogFinance, "Quarter-end close", "Contribute to the close for one month.", false,
		[]roleRef{{"Finance SharePoint", "Contribute"}, {"NetSuite", "Approver"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Finance team, director approval", DurationInDays: 30, CanExtend: true,
				RequestorSettings: members(s.group("Finance")),
				RequestApprovalSettings: singleStage(entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 3,
					PrimaryApprovers: []entitlement.UserSet{s.user("frances.ledger@example.com")}})}}
		}},
	{CatalogPartners, "Partner Co collaboration", "The partner portal and GitHub for Partner Co consultants.", false,
		[]roleRef{{"Partner portal", "Member"}, {"GitHub Enterprise", "Member"}},
		func(s *seeder) []entitlement.PolicyInput {
			return []entitlement.PolicyInput{{DisplayName: "Partner Co users, sponsor approval", Description: "Partner Co's internal sponsors approve; Avery if there are none.",
				DurationInDays: 180, CanExtend: true,
				RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificConnectedOrgSubjects, AcceptRequests: true,
					AllowedRequestors: []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: s.org.ID}}},
				RequestApprovalSettings: func() entitlement.ApprovalSettings {
					a := singleStage(entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 14, IsApproverJustificationRequired: true,
						PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetInternalSponsors}, backup(s.user("approver@example.com"))}})
					a.IsApprovalRequiredForExtension = true
					return a
				}()}}
		}},
}

func (s *seeder) packages(ctx context.Context) error {
	for _, spec := range packageSpecs {
		c := s.catalogs[spec.catalog]
		var pkg entitlement.AccessPackage
		var policies []entitlement.AssignmentPolicy
		if err := s.st.View(ctx, func(tx entitlement.Tx) error {
			opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
			for {
				p, err := tx.AccessPackages().ByCatalog(c.ID, opt)
				if err != nil {
					return err
				}
				for _, x := range p.Items {
					if x.DisplayName == spec.name {
						pkg = x
					}
				}
				if p.Next == "" || pkg.ID != "" {
					break
				}
				opt.After = p.Next
			}
			if pkg.ID == "" {
				return nil
			}
			var err error
			policies, err = tx.Policies().ByPackage(pkg.ID)
			return err
		}); err != nil {
			return err
		}
		if pkg.ID == "" {
			var err error
			pkg, err = s.svc.CreateAccessPackage(s.as, entitlement.AccessPackageInput{CatalogID: c.ID, DisplayName: spec.name, Description: spec.description, IsHidden: spec.hidden, IsRoleScopesVisible: true})
			if err != nil {
				return fmt.Errorf("%s: %w", spec.name, err)
			}
		}
		for _, ref := range spec.roles {
			r := s.resources[resourceKey(spec.catalog, ref.resource)]
			i := slices.IndexFunc(r.Roles, func(x entitlement.ResourceRole) bool { return x.DisplayName == ref.role })
			if i < 0 {
				return fmt.Errorf("%s: resource %s has no role %s", spec.name, ref.resource, ref.role)
			}
			id := entitlement.RoleScopeID(r.Roles[i].ID, r.RootScope().ID)
			if slices.ContainsFunc(pkg.RoleScopes, func(x entitlement.RoleScope) bool { return x.ID == id }) {
				continue
			}
			if _, err := s.svc.AddRoleScope(s.as, pkg.ID, r.ID, r.Roles[i].ID, ""); err != nil {
				return fmt.Errorf("%s: %w", spec.name, err)
			}
		}
		for _, in := range spec.policies(s) {
			if slices.ContainsFunc(policies, func(p entitlement.AssignmentPolicy) bool { return p.DisplayName == in.DisplayName }) {
				continue
			}
			in.AccessPackageID = pkg.ID
			if _, err := s.svc.CreatePolicy(s.as, in); err != nil {
				return fmt.Errorf("%s / %s: %w", spec.name, in.DisplayName, err)
			}
		}
	}
	return nil
}

func (s *seeder) sponsors(ctx context.Context) error {
	org, err := s.svc.ConnectedOrganizationByID(s.as, s.org.ID)
	if err != nil {
		return err
	}
	for _, sp := range []struct {
		email    string
		external bool
	}{{"owner@example.com", false}, {"partner@partner.example", true}} {
		list := org.InternalSponsors
		if sp.external {
			list = org.ExternalSponsors
		}
		id := s.users[sp.email].ID
		if slices.ContainsFunc(list, func(x entitlement.Sponsor) bool { return x.ID == id }) {
			continue
		}
		if err := s.svc.AddSponsor(s.as, org.ID, sp.external, entitlement.Sponsor{ID: id, Type: entitlement.PrincipalUser}); err != nil {
			return fmt.Errorf("%s: %w", sp.email, err)
		}
	}
	return nil
}

// seedAccess is where sample requests and assignments for the demo people belong. The demo stops
// at configuration on purpose: requests and assignments are made only by the request engine, and
// its own seeding (sample requests through its service methods, after Seed returns) goes here
// when that engine lands. Until then it does nothing.
func (s *seeder) seedAccess(context.Context) error { return nil }

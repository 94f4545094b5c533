package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stewardhq/steward/words"
)

// Directory reads are open to everyone who administers anything (the people pickers of catalog
// roles, policies and sponsors need them); a user may always read themselves, their groups and
// their direct reports. Directory writes are for administrators only.

func canReadUser(a *access, id string) bool { return a.canAdminister() || a.p.UserID == id }

// ListUsers lists the directory's users in name order; Search matches a prefix of any word of
// the name or of the e-mail address.
func (s *Service) ListUsers(ctx context.Context, opt ListOptions) (Page[User], error) {
	var out Page[User]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can list the directory")
		}
		var err error
		out, err = tx.Users().List(opt)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		return nil
	})
	return out, err
}

// UserByID returns one user.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	var out User
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !canReadUser(a, id) {
			return forbidden("you cannot see other people's directory entries")
		}
		var err error
		out, err = getUser(tx, id)
		return err
	})
	return out, err
}

// UsersByID returns the users with the ids that the caller may see, by id, read in one
// transaction: a list names its rows' people with it instead of one read each. Ids of people
// who left the directory, or whom the caller may not see, are left out.
func (s *Service) UsersByID(ctx context.Context, ids []string) (map[string]User, error) {
	out := make(map[string]User, len(ids))
	err := s.read(ctx, func(tx Tx, a *access) error {
		for _, id := range ids {
			if _, done := out[id]; done || !canReadUser(a, id) {
				continue
			}
			u, err := tx.Users().Get(id)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("load user %s: %w", id, err)
			}
			out[id] = u
		}
		return nil
	})
	return out, err
}

func getUser(tx Tx, id string) (User, error) {
	return load("user", id, tx.Users().Get)
}

func getGroup(tx Tx, id string) (Group, error) {
	return load("group", id, tx.Groups().Get)
}

// CreateUser adds a person to the directory. New users are always enabled (AccountEnabled in
// the input is ignored; SetUserBlocked blocks and unblocks), and their user principal name is
// their e-mail address until they sign in.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (User, error) {
	var out User
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "add people to the directory"); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		u := User{ID: NewID(), AccountEnabled: true, CreatedDateTime: s.now()}
		if err := checkUserRefs(tx, &in, u.ID); err != nil {
			return err
		}
		applyUserInput(&u, in)
		u.ModifiedDateTime = u.CreatedDateTime
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("create user %s: %w", u.Email, err)
		}
		out = u
		return s.audit(tx, a.p, "user.create", "user", u.ID, u.DisplayName, fmt.Sprintf("created %s (%s) as %s", u.DisplayName, u.Email, u.UserType))
	})
	return out, err
}

// UpdateUser changes a person's directory entry. The sign-in link (issuer and subject), the
// account state and the timestamps are kept.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserInput) (User, error) {
	var out User
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change people in the directory"); err != nil {
			return err
		}
		u, err := getUser(tx, id)
		if err != nil {
			return err
		}
		if u.IsSynced() {
			return syncedRecord(u.Label(), u.Source)
		}
		if u.IsServiceAccount() {
			// A person's fields (an e-mail, a manager) make no sense on it.
			return conflict(CodeServiceAccount, "%s is a service account; change it under Admin, Service accounts", u.Label())
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := checkUserRefs(tx, &in, u.ID); err != nil {
			return err
		}
		old := u
		c := applyUserInput(&u, in)
		out = u
		if len(c) == 0 {
			out = old
			return nil
		}
		if err := checkVersion(tx, "user", u.ID, old.Label(), u.Version, in.IfVersion, old.ModifiedDateTime); err != nil {
			return err
		}
		u.ModifiedDateTime = s.now()
		out = u
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("update user %s: %w", u.Email, err)
		}
		return s.audit(tx, a.p, "user.update", "user", u.ID, u.DisplayName, c.summary())
	})
	return out, err
}

// applyUserInput copies a person's directory fields from in and says what changed. The form,
// the import and creation all go through it, so that they change and compare the same fields.
// A principal name that was the e-mail address follows it (a new user's is empty, so it does).
func applyUserInput(u *User, in UserInput) changes {
	old := *u
	u.DisplayName = in.DisplayName
	u.Email = in.Email
	u.UserType = in.UserType
	u.Department = in.Department
	u.JobTitle = in.JobTitle
	u.ManagerID = in.ManagerID
	u.ConnectedOrganizationID = in.ConnectedOrganizationID
	if old.UserPrincipalName == old.Email {
		u.UserPrincipalName = u.Email
	}
	var c changes
	c.text("name", old.DisplayName, u.DisplayName)
	c.text("e-mail", old.Email, u.Email)
	c.text("kind", old.UserType, u.UserType)
	c.text("department", old.Department, u.Department)
	c.text("job title", old.JobTitle, u.JobTitle)
	c.ref("manager", old.ManagerID, u.ManagerID)
	c.ref("organization", old.ConnectedOrganizationID, u.ConnectedOrganizationID)
	return c
}

// maxManagerChain bounds the walk up a management chain when looking for a loop.
const maxManagerChain = 64

// checkUserRefs checks what a user input refers to: a free e-mail address, an existing manager
// who does not report to the user, an existing connected organization for guests.
func checkUserRefs(tx Tx, in *UserInput, selfID string) error {
	f := fieldErrors{}
	if other, err := tx.Users().ByEmail(in.Email); err == nil && other.ID != selfID {
		f.add("mail", "%s already uses this address; enter another one or edit that person", other.Label())
	} else if err != nil && !isNotFound(err) {
		return fmt.Errorf("check e-mail: %w", err)
	}
	if in.ManagerID != "" {
		if in.ManagerID == selfID {
			f.add("managerId", "a person cannot be their own manager; choose someone else")
		} else if m, err := tx.Users().Get(in.ManagerID); isNotFound(err) {
			f.add("managerId", "the manager is not in the directory; choose someone from the list")
		} else if err != nil {
			return fmt.Errorf("check manager: %w", err)
		} else if loops, err := reportsTo(tx, m, selfID); err != nil {
			return err
		} else if loops {
			f.add("managerId", "%s already reports to this person, directly or indirectly; choose someone else", m.Label())
		}
	}
	if in.ConnectedOrganizationID != "" {
		if in.UserType != UserTypeGuest {
			f.add("userType", "people from a connected organization are guests; choose Guest or remove the organization")
		}
		if _, err := tx.ConnectedOrganizations().Get(in.ConnectedOrganizationID); isNotFound(err) {
			f.add("connectedOrganizationId", "the connected organization does not exist; choose one from the list")
		} else if err != nil {
			return fmt.Errorf("check connected organization: %w", err)
		}
	}
	return f.err("invalidUser")
}

// syncedRecord refuses a portal change to a record that a directory source keeps: the next
// sync would undo it.
func syncedRecord(name, source string) error {
	return conflict(CodeSyncedRecord, "%s comes from %s and is read-only here; change it there", name, SourceName(source))
}

// reportsTo reports whether u's management chain reaches the user with id target.
func reportsTo(tx Tx, u User, target string) (bool, error) {
	for range maxManagerChain {
		if u.ID == target {
			return true, nil
		}
		if u.ManagerID == "" {
			return false, nil
		}
		next, err := tx.Users().Get(u.ManagerID)
		if isNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("walk management chain: %w", err)
		}
		u = next
	}
	return false, nil
}

// SetUserBlocked blocks a user from signing in, or unblocks them. Administrators cannot block
// themselves, so that nobody locks themselves out by accident.
func (s *Service) SetUserBlocked(ctx context.Context, id string, blocked bool) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "block or unblock people"); err != nil {
			return err
		}
		u, err := getUser(tx, id)
		if err != nil {
			return err
		}
		if blocked && id == a.p.UserID {
			return conflict("blockSelf", "you cannot block your own account")
		}
		// A block or unblock by hand ends the life cycle's hold on the account: from now on the
		// block is the administrator's, which Steward never lifts or turns into a deletion.
		if _, err := tx.GuestBlocks().Get(u.ID); err == nil {
			if err := tx.GuestBlocks().Delete(u.ID); err != nil {
				return fmt.Errorf("hand over the block of %s: %w", u.Email, err)
			}
		} else if !isNotFound(err) {
			return err
		}
		if u.AccountEnabled == !blocked {
			return nil
		}
		now := s.now()
		u.AccountEnabled = !blocked
		u.BlockedDateTime = nil
		action, summary := "user.unblock", "unblocked sign-in"
		if blocked {
			u.BlockedDateTime = &now
			action, summary = "user.block", "blocked sign-in"
			if err := endSessionsOf(tx, u.ID); err != nil {
				return err
			}
		}
		u.ModifiedDateTime = now
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("%s %s: %w", action, u.Email, err)
		}
		return s.audit(tx, a.p, action, "user", u.ID, u.Label(), summary)
	})
}

// ListGroups lists the directory's groups in name order.
func (s *Service) ListGroups(ctx context.Context, opt ListOptions) (Page[Group], error) {
	var out Page[Group]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can list the directory")
		}
		var err error
		out, err = tx.Groups().List(opt)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		return nil
	})
	return out, err
}

// GroupByID returns one group; its members may read it too.
func (s *Service) GroupByID(ctx context.Context, id string) (Group, error) {
	var out Group
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() && !slices.Contains(a.groups, id) {
			return forbidden("you cannot see this group")
		}
		var err error
		out, err = getGroup(tx, id)
		return err
	})
	return out, err
}

// CreateGroup adds a group. Group names are unique (ignoring case), so that imports and pickers
// can name a group without ambiguity.
func (s *Service) CreateGroup(ctx context.Context, in GroupInput) (Group, error) {
	var out Group
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "create groups"); err != nil {
			return err
		}
		var err error
		out, err = s.createGroup(tx, a.p, in)
		return err
	})
	return out, err
}

func (s *Service) createGroup(tx Tx, p Principal, in GroupInput) (Group, error) {
	if err := in.validate(); err != nil {
		return Group{}, err
	}
	if err := checkGroupName(tx, in.DisplayName, ""); err != nil {
		return Group{}, err
	}
	now := s.now()
	g := Group{ID: NewID(), DisplayName: in.DisplayName, Description: in.Description, CreatedDateTime: now, ModifiedDateTime: now}
	g.Version = nextVersion(g.Version)
	if err := tx.Groups().Put(g); err != nil {
		return g, fmt.Errorf("create group %s: %w", g.DisplayName, err)
	}
	return g, s.audit(tx, p, "group.create", "group", g.ID, g.DisplayName, "created group "+g.DisplayName)
}

func checkGroupName(tx Tx, name, selfID string) error {
	same, err := tx.Groups().ByName(name)
	if err != nil {
		return fmt.Errorf("check group name: %w", err)
	}
	for _, g := range same {
		if g.ID != selfID {
			return invalid("invalidGroup", "displayName", "a group named %q already exists; choose another name", g.DisplayName)
		}
	}
	return nil
}

// UpdateGroup renames a group or changes its description.
func (s *Service) UpdateGroup(ctx context.Context, id string, in GroupInput) (Group, error) {
	var out Group
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change groups"); err != nil {
			return err
		}
		g, err := getGroup(tx, id)
		if err != nil {
			return err
		}
		if g.IsSynced() {
			return syncedRecord(g.DisplayName, g.Source)
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := checkGroupName(tx, in.DisplayName, id); err != nil {
			return err
		}
		var c changes
		c.text("name", g.DisplayName, in.DisplayName)
		c.text("description", g.Description, in.Description)
		out = g
		if len(c) == 0 {
			return nil
		}
		if err := checkVersion(tx, "group", g.ID, g.DisplayName, g.Version, in.IfVersion, g.ModifiedDateTime); err != nil {
			return err
		}
		g.DisplayName, g.Description, g.ModifiedDateTime = in.DisplayName, in.Description, s.now()
		out = g
		g.Version = nextVersion(g.Version)
		if err := tx.Groups().Put(g); err != nil {
			return fmt.Errorf("update group %s: %w", g.DisplayName, err)
		}
		return s.audit(tx, a.p, "group.update", "group", g.ID, g.DisplayName, c.summary())
	})
	return out, err
}

// DeleteGroup deletes a group and its memberships. A group that a catalog holds as a resource, or
// that a policy names as its requestors, is refused with a conflict naming them; the group's
// catalog roles, catalog-creator grant and sponsorships go with it. ifVersion is the version the
// caller read (0 does not check).
func (s *Service) DeleteGroup(ctx context.Context, id string, ifVersion int64) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "delete groups"); err != nil {
			return err
		}
		g, err := getGroup(tx, id)
		if err != nil {
			return err
		}
		if g.IsSynced() && !g.RemovedAtSource {
			return syncedRecord(g.DisplayName, g.Source)
		}
		if err := checkVersion(tx, "group", g.ID, g.DisplayName, g.Version, ifVersion, g.ModifiedDateTime); err != nil {
			return err
		}
		use, err := groupUse(tx, id)
		if err != nil {
			return fmt.Errorf("delete group: %w", err)
		}
		if len(use.Catalogs) > 0 {
			return conflict("groupInUse", "the group %q is a resource of catalog %s; remove it from there first", g.DisplayName, quoteList(use.catalogNames()))
		}
		if len(use.Policies) > 0 {
			return conflict("groupInUse", "the policy(ies) %s name %q as %s; change those policies first", quoteList(use.Policies), g.DisplayName, words.JoinAnd(use.As))
		}
		if err := s.dropPrincipal(tx, a.p, id); err != nil {
			return err
		}
		if err := tx.Groups().Delete(id); err != nil {
			return fmt.Errorf("delete group %s: %w", g.DisplayName, err)
		}
		return s.audit(tx, a.p, "group.delete", "group", g.ID, g.DisplayName, "deleted group "+g.DisplayName)
	})
}

// GroupUse is what keeps a group from being deleted: the catalogs that hold it as a resource
// and the policies that name it. A group in no use can be deleted.
type GroupUse struct {
	Catalogs []CatalogRef // catalogs that hold the group as a resource
	Policies []string     // policies that name it, as "<package> / <policy>"
	As       []string     // what those policies name it as: requestors, approvers, reviewers
}

// CatalogRef names a catalog.
type CatalogRef struct{ ID, DisplayName string }

// InUse tells whether DeleteGroup would refuse for the group's use.
func (u GroupUse) InUse() bool { return len(u.Catalogs) > 0 || len(u.Policies) > 0 }

func (u GroupUse) catalogNames() []string {
	out := make([]string, len(u.Catalogs))
	for i, c := range u.Catalogs {
		out[i] = c.DisplayName
	}
	return out
}

// GroupUse tells administrators what keeps the group from being deleted, so that a page can say
// so instead of offering a Delete that DeleteGroup refuses.
func (s *Service) GroupUse(ctx context.Context, id string) (GroupUse, error) {
	var out GroupUse
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see where groups are used"); err != nil {
			return err
		}
		if _, err := getGroup(tx, id); err != nil {
			return err
		}
		var err error
		out, err = groupUse(tx, id)
		return err
	})
	return out, err
}

func groupUse(tx Tx, id string) (GroupUse, error) {
	var out GroupUse
	resIDs, err := tx.Resources().IDsByOrigin(OriginGroup, id)
	if err != nil {
		return out, err
	}
	for _, rid := range resIDs {
		r, err := tx.Resources().Get(rid)
		if err != nil {
			return out, err
		}
		c, err := tx.Catalogs().Get(r.CatalogID)
		if err != nil {
			return out, err
		}
		out.Catalogs = append(out.Catalogs, CatalogRef{ID: c.ID, DisplayName: c.DisplayName})
	}
	out.Policies, out.As, err = policiesNaming(tx, id)
	return out, err
}

// policyNames names the policies whose allowed requestors name the principal, as
// "<package> / <policy>".
func policyNames(tx Tx, principalID string) ([]string, error) {
	ids, err := tx.Policies().IDsByRequestor(principalID)
	if err != nil {
		return nil, fmt.Errorf("find policies: %w", err)
	}
	names, _, err := describePolicies(tx, ids, principalID)
	return names, err
}

// policiesNaming names the policies that name the user or group among who may request, as an
// approver or as a reviewer, as "<package> / <policy>", and the parts that name it, in that order.
func policiesNaming(tx Tx, principalID string) ([]string, []string, error) {
	ids, err := tx.Policies().IDsByRequestor(principalID)
	if err != nil {
		return nil, nil, fmt.Errorf("find policies: %w", err)
	}
	more, err := tx.Policies().IDsByApprover(principalID)
	if err != nil {
		return nil, nil, fmt.Errorf("find policies: %w", err)
	}
	for _, id := range more {
		if !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return describePolicies(tx, ids, principalID)
}

func describePolicies(tx Tx, ids []string, principalID string) ([]string, []string, error) {
	var names []string
	var requestors, approvers, reviewers bool
	named := func(sets []UserSet) bool {
		return slices.ContainsFunc(sets, func(u UserSet) bool { return u.ID == principalID })
	}
	for _, pid := range ids {
		pol, err := tx.Policies().Get(pid)
		if err != nil {
			return nil, nil, fmt.Errorf("find policies: %w", err)
		}
		name := pol.DisplayName
		if pkg, err := tx.AccessPackages().Get(pol.AccessPackageID); err == nil {
			name = pkg.DisplayName + " / " + pol.DisplayName
		}
		names = append(names, name)
		requestors = requestors || named(pol.RequestorSettings.AllowedRequestors)
		for _, st := range pol.RequestApprovalSettings.ApprovalStages {
			approvers = approvers || named(st.PrimaryApprovers) || named(st.EscalationApprovers)
		}
		reviewers = reviewers || pol.AccessReviewSettings != nil && named(pol.AccessReviewSettings.Reviewers)
	}
	var parts []string
	for _, p := range []struct {
		on   bool
		name string
	}{{requestors, "requestors"}, {approvers, "approvers"}, {reviewers, "reviewers"}} {
		if p.on {
			parts = append(parts, p.name)
		}
	}
	return names, parts, nil
}

// dropPrincipal removes a deleted group from catalog roles, catalog creators and sponsors.
func (s *Service) dropPrincipal(tx Tx, p Principal, id string) error {
	catalogIDs, err := tx.Catalogs().IDsByPrincipal(id)
	if err != nil {
		return fmt.Errorf("drop catalog roles: %w", err)
	}
	for _, cid := range catalogIDs {
		c, err := tx.Catalogs().Get(cid)
		if err != nil {
			return fmt.Errorf("drop catalog roles: %w", err)
		}
		c.Roles = slices.DeleteFunc(c.Roles, func(m CatalogRoleMember) bool { return m.PrincipalID == id })
		c.Version = nextVersion(c.Version)
		if err := tx.Catalogs().Put(c); err != nil {
			return fmt.Errorf("drop catalog roles: %w", err)
		}
		if err := s.audit(tx, p, "catalog.role.remove", "catalog", c.ID, c.DisplayName, "removed the roles of a deleted group"); err != nil {
			return err
		}
	}
	st, err := tx.Settings()
	if err != nil {
		return err
	}
	if n := len(st.CatalogCreators); n > 0 {
		st.CatalogCreators = slices.DeleteFunc(st.CatalogCreators, func(x Sponsor) bool { return x.ID == id })
		if len(st.CatalogCreators) != n {
			if err := tx.PutSettings(st); err != nil {
				return fmt.Errorf("drop catalog creator: %w", err)
			}
			if err := s.audit(tx, p, "settings.catalogCreator.remove", "settings", "settings", "Settings", "removed a deleted group from the catalog creators"); err != nil {
				return err
			}
		}
	}
	orgs, err := CollectAll(tx.ConnectedOrganizations().List)
	if err != nil {
		return fmt.Errorf("drop sponsors: %w", err)
	}
	for _, o := range orgs {
		ni, ne := len(o.InternalSponsors), len(o.ExternalSponsors)
		o.InternalSponsors = slices.DeleteFunc(o.InternalSponsors, func(x Sponsor) bool { return x.ID == id })
		o.ExternalSponsors = slices.DeleteFunc(o.ExternalSponsors, func(x Sponsor) bool { return x.ID == id })
		if ni != len(o.InternalSponsors) || ne != len(o.ExternalSponsors) {
			o.Version = nextVersion(o.Version)
			if err := tx.ConnectedOrganizations().Put(o); err != nil {
				return fmt.Errorf("drop sponsors: %w", err)
			}
			if err := s.audit(tx, p, "connectedOrganization.sponsor.remove", "connectedOrganization", o.ID, o.DisplayName, "removed a deleted group from the sponsors"); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddGroupMember makes a user a direct member of a group. Adding a direct member twice is a
// conflict, as in Graph; a member through an access package becomes a direct member too, so that
// the membership outlasts the package.
func (s *Service) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change group members"); err != nil {
			return err
		}
		g, err := getGroup(tx, groupID)
		if err != nil {
			return err
		}
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if u.IsServiceAccount() {
			return conflict(CodeServiceAccount, "%s is a service account; groups are for people", u.Label())
		}
		had, err := tx.Groups().Membership(groupID, userID)
		if err != nil {
			return fmt.Errorf("add member: %w", err)
		}
		if had.Has(MemberDirect) {
			return conflict(CodeAlreadyMember, "%s is already a member of %s", u.Label(), g.DisplayName)
		}
		if err := tx.Groups().AddMember(groupID, userID, MemberDirect); err != nil {
			return fmt.Errorf("add %s to %s: %w", u.Email, g.DisplayName, err)
		}
		summary := "added " + u.Label()
		if had.Has(MemberGranted) {
			summary += " directly; they were already a member through an access package"
		}
		return s.audit(tx, a.p, "group.member.add", "group", g.ID, g.DisplayName, summary)
	})
}

// RemoveGroupMember ends a user's direct membership of a group and returns what is left of it. A
// membership that an access package still grants stays until that access ends (the returned
// member says through which); one that only a package grants is refused with the packages to
// remove instead, since taking it away here would be undone by nothing and contradict the
// assignment.
func (s *Service) RemoveGroupMember(ctx context.Context, groupID, userID string) (GroupMember, error) {
	var out GroupMember
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change group members"); err != nil {
			return err
		}
		g, err := getGroup(tx, groupID)
		if err != nil {
			return err
		}
		had, err := tx.Groups().Membership(groupID, userID)
		if err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if had == 0 {
			return &RuleError{Code: CodeNotMember, Message: fmt.Sprintf("the user %q is not a member of %s", userID, g.DisplayName), Kind: ErrNotFound}
		}
		u, err := tx.Users().Get(userID)
		if err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		grants, err := membershipGrants(tx, groupID, userID)
		if err != nil {
			return err
		}
		if !had.Has(MemberDirect) && had.Has(MemberSynced) {
			return conflict(CodeMembershipSynced, "%s is a member of %s because %s says so; change the membership there",
				u.Label(), g.DisplayName, SourceName(g.Source))
		}
		if !had.Has(MemberDirect) {
			return conflict(CodeMembershipGranted, "%s is a member of %s through %s, not directly; remove that access to end the membership",
				u.Label(), g.DisplayName, grantNames(grants))
		}
		left, err := tx.Groups().RemoveMember(groupID, userID, MemberDirect)
		if err != nil {
			return fmt.Errorf("remove member of %s: %w", g.DisplayName, err)
		}
		out = GroupMember{User: u, Sources: left}
		summary := "removed " + u.Label()
		if left != 0 {
			out.Grants = grants
			summary = fmt.Sprintf("ended %s's direct membership; they stay a member through %s", u.Label(), grantNames(grants))
		}
		return s.audit(tx, a.p, "group.member.remove", "group", g.ID, g.DisplayName, summary)
	})
	return out, err
}

// membershipGrants lists the live assignments that grant the user's membership of the group.
func membershipGrants(tx Tx, groupID, userID string) ([]MembershipGrant, error) {
	roles, err := tx.AssignmentRoles().BySubject(userID)
	if err != nil {
		return nil, fmt.Errorf("membership grants: %w", err)
	}
	var out []MembershipGrant
	seen := map[string]bool{}
	for _, r := range roles {
		if !r.IsMembership() || r.ResourceOriginID != groupID {
			continue
		}
		for _, id := range r.AssignmentIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			asg, err := tx.Assignments().Get(id)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return nil, fmt.Errorf("membership grants: %w", err)
			}
			out = append(out, MembershipGrant{AssignmentID: id, AccessPackageID: asg.AccessPackageID, AccessPackageName: packageName(tx, asg.AccessPackageID)})
		}
	}
	slices.SortFunc(out, func(x, y MembershipGrant) int { return strings.Compare(x.AccessPackageName, y.AccessPackageName) })
	return out, nil
}

// grantNames names the packages of grants for a message: "the access package Sales".
func grantNames(grants []MembershipGrant) string {
	switch names := GrantingPackages(grants); len(names) {
	case 0:
		return "an access package"
	case 1:
		return "the access package " + names[0]
	default:
		return "the access packages " + words.JoinAnd(names)
	}
}

// GroupMembers lists a group's members with the sources of their memberships. Without a search
// the page follows the order in which people joined the directory (a keyset walk, cheap for
// groups of any size); with a search the matching members come in name order.
func (s *Service) GroupMembers(ctx context.Context, groupID string, opt ListOptions) (Page[GroupMember], error) {
	var out Page[GroupMember]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() && !slices.Contains(a.groups, groupID) {
			return forbidden("you cannot see the members of this group")
		}
		if _, err := getGroup(tx, groupID); err != nil {
			return err
		}
		var users Page[User]
		if q := SearchKey(opt.Search); q != "" {
			ids, err := CollectAll(func(o ListOptions) (Page[string], error) { return tx.Groups().MemberIDs(groupID, o) })
			if err != nil {
				return fmt.Errorf("list members: %w", err)
			}
			var matches []User
			for _, id := range ids {
				u, err := tx.Users().Get(id)
				if err != nil {
					return fmt.Errorf("list members: %w", err)
				}
				if MatchesSearch(q, u.DisplayName, u.Email) {
					matches = append(matches, u)
				}
			}
			sortUsers(matches)
			if users, err = PageOf(matches, func(u User) string { return sortKey(u.Label(), u.ID) }, opt); err != nil {
				return err
			}
		} else {
			ids, err := tx.Groups().MemberIDs(groupID, opt)
			if err != nil {
				return fmt.Errorf("list members: %w", err)
			}
			users, err = describePage(ids, func(id string) (User, error) {
				u, err := tx.Users().Get(id)
				if err != nil {
					return u, fmt.Errorf("list members: %w", err)
				}
				return u, nil
			})
			if err != nil {
				return err
			}
		}
		var err error
		out, err = describePage(users, func(u User) (GroupMember, error) {
			m := GroupMember{User: u}
			var err error
			if m.Sources, err = tx.Groups().Membership(groupID, u.ID); err != nil {
				return m, fmt.Errorf("list members: %w", err)
			}
			if m.Sources.Has(MemberGranted) {
				if m.Grants, err = membershipGrants(tx, groupID, u.ID); err != nil {
					return m, err
				}
			}
			return m, nil
		})
		return err
	})
	return out, err
}

func sortUsers(users []User) {
	sort.Slice(users, func(i, j int) bool {
		return sortKey(users[i].Label(), users[i].ID) < sortKey(users[j].Label(), users[j].ID)
	})
}

// GroupsOfUser lists the groups a user belongs to, in name order.
func (s *Service) GroupsOfUser(ctx context.Context, userID string) ([]Group, error) {
	var out []Group
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !canReadUser(a, userID) {
			return forbidden("you cannot see other people's groups")
		}
		ids, err := tx.Groups().GroupIDsOf(userID)
		if err != nil {
			return fmt.Errorf("groups of %s: %w", userID, err)
		}
		out = make([]Group, 0, len(ids))
		for _, id := range ids {
			g, err := tx.Groups().Get(id)
			if err != nil {
				return fmt.Errorf("groups of %s: %w", userID, err)
			}
			out = append(out, g)
		}
		sort.Slice(out, func(i, j int) bool {
			return sortKey(out[i].DisplayName, out[i].ID) < sortKey(out[j].DisplayName, out[j].ID)
		})
		return nil
	})
	return out, err
}

// DirectReports lists the people whose manager is managerID, in name order.
func (s *Service) DirectReports(ctx context.Context, managerID string) ([]User, error) {
	var out []User
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !canReadUser(a, managerID) {
			return forbidden("you cannot see other people's reports")
		}
		var err error
		out, err = tx.Users().Reports(managerID)
		if err != nil {
			return fmt.Errorf("reports of %s: %w", managerID, err)
		}
		sortUsers(out)
		return nil
	})
	return out, err
}

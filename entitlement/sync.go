package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Directory sync: a SCIM identity provider or the LDAP import keeps people, groups and group
// memberships in step with the organisation's directory. Everything here runs as a SyncAgent,
// never as a signed-in person, and each call is one transaction with its audit events, so that
// a leaver is blocked, signed out and stripped of access in one change or not at all.

// ReasonLeft is the justification of the removals sync makes when a person leaves.
const ReasonLeft = "left the organisation"

// ReasonOutOfScope is the justification when a person leaves a policy's scope.
const ReasonOutOfScope = "no longer among the people the policy is for"

// SyncAgent is a directory source acting through sync: Source is SourceSCIM or SourceLDAP and
// Name says which (the identity provider's name, "LDAP import") in the audit log.
type SyncAgent struct {
	Source string
	Name   string
}

type syncAgentKey struct{}

// WithSyncAgent returns a context in which the service's Sync methods act for the agent. The
// SCIM routes set it after checking the bearer token; the LDAP import sets it for its runs.
func WithSyncAgent(ctx context.Context, a SyncAgent) context.Context {
	return context.WithValue(ctx, syncAgentKey{}, a)
}

// SyncOutcome says what a sync call did to one record.
type SyncOutcome string

// Outcomes of syncing one record.
const (
	SyncUnchanged SyncOutcome = "unchanged"
	SyncCreated   SyncOutcome = "created"
	SyncChanged   SyncOutcome = "changed"
	SyncBlocked   SyncOutcome = "blocked"
	SyncRemoved   SyncOutcome = "removed"
)

// syncWrite runs fn in one update transaction for the context's sync agent.
func (s *Service) syncWrite(ctx context.Context, fn func(tx Tx, ag SyncAgent, p Principal) error) error {
	ag, ok := ctx.Value(syncAgentKey{}).(SyncAgent)
	if !ok || !IsSyncSource(ag.Source) {
		return ErrUnauthorized
	}
	p := Principal{Name: ag.Name}
	return s.store.Update(ctx, func(tx Tx) error { return fn(tx, ag, p) })
}

func (s *Service) syncRead(ctx context.Context, fn func(tx Tx, ag SyncAgent) error) error {
	ag, ok := ctx.Value(syncAgentKey{}).(SyncAgent)
	if !ok || !IsSyncSource(ag.Source) {
		return ErrUnauthorized
	}
	return s.store.View(ctx, func(tx Tx) error { return fn(tx, ag) })
}

// SyncUserInput is a person as the directory source describes them.
type SyncUserInput struct {
	// ID is Steward's id when the source already knows it (SCIM replaces and patches by id).
	ID         string
	ExternalID string
	// UserName is the sign-in name; it is the e-mail address when Email is empty.
	UserName       string
	DisplayName    string
	Email          string
	Department     string
	JobTitle       string
	EmployeeNumber string
	// ManagerID names the manager by Steward id, ManagerExternalID by the source's id; a manager
	// the source has not sent yet is left unset until a later run.
	ManagerID         string
	ManagerExternalID string
	Active            bool
}

// SyncUser creates or updates a person from the directory source. It finds them by id, by the
// source's external id, then by e-mail (adopting someone who signed in or was imported before);
// a person another source keeps is a conflict. A new manager takes over the approvals waiting
// for the old one as the requestor's manager. Active false makes them a leaver (see
// SyncRemoveUser); active again after leaving lifts sync's block.
func (s *Service) SyncUser(ctx context.Context, in SyncUserInput) (User, SyncOutcome, error) {
	var out User
	var outcome SyncOutcome
	err := s.syncWrite(ctx, func(tx Tx, ag SyncAgent, p Principal) error {
		var err error
		out, outcome, err = s.syncUser(tx, ag, p, in)
		return err
	})
	return out, outcome, err
}

// preparedUser is what syncUser would write for one input, worked out without writing.
type preparedUser struct {
	u, old          User
	found, rejoined bool
	c               changes
	outcome         SyncOutcome
}

// prepareSyncUser works out what syncing the input changes, writing nothing, so that a run of
// the LDAP import can leave unchanged people alone and a dry run can tell what would change.
func (s *Service) prepareSyncUser(tx Tx, ag SyncAgent, in SyncUserInput) (preparedUser, error) {
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if len(in.ExternalID) > 1000 {
		return preparedUser{}, invalid("invalidUser", "externalId", "use at most 1000 characters")
	}
	u, found, err := findSyncedUser(tx, ag, in)
	if err != nil {
		return preparedUser{}, err
	}
	ui := UserInput{DisplayName: in.DisplayName, Email: in.Email, Department: in.Department, JobTitle: in.JobTitle, UserType: u.UserType}
	if ui.Email == "" {
		ui.Email = in.UserName
	}
	if strings.TrimSpace(ui.DisplayName) == "" {
		ui.DisplayName = in.UserName
	}
	ui.ConnectedOrganizationID = u.ConnectedOrganizationID
	switch {
	case in.ManagerID != "":
		ui.ManagerID = in.ManagerID
	case in.ManagerExternalID != "":
		if m, err := tx.Users().ByExternalID(ag.Source, in.ManagerExternalID); err == nil {
			ui.ManagerID = m.ID
		} else if !isNotFound(err) {
			return preparedUser{}, fmt.Errorf("find manager %s: %w", in.ManagerExternalID, err)
		}
	}
	if err := ui.validate(); err != nil {
		return preparedUser{}, err
	}
	if !found {
		u = User{ID: NewID(), AccountEnabled: true, CreatedDateTime: s.now()}
	}
	if err := checkUserRefs(tx, &ui, u.ID); err != nil {
		return preparedUser{}, err
	}
	old := u
	c := applyUserInput(&u, ui)
	u.Source, u.ExternalID, u.EmployeeNumber = ag.Source, in.ExternalID, strings.TrimSpace(in.EmployeeNumber)
	c.text("source", old.Source, u.Source)
	c.text("externalId", old.ExternalID, u.ExternalID)
	c.text("employeeNumber", old.EmployeeNumber, u.EmployeeNumber)
	rejoined := in.Active && old.LeftDateTime != nil
	if rejoined {
		u.AccountEnabled, u.BlockedDateTime, u.LeftDateTime, u.RemovedAtSource = true, nil, nil, false
	}
	outcome := SyncChanged
	switch {
	case !found:
		outcome = SyncCreated
	case len(c) == 0 && !rejoined:
		outcome = SyncUnchanged
	}
	if !in.Active && u.LeftDateTime == nil {
		outcome = SyncBlocked
	}
	return preparedUser{u: u, old: old, found: found, rejoined: rejoined, c: c, outcome: outcome}, nil
}

func (s *Service) syncUser(tx Tx, ag SyncAgent, p Principal, in SyncUserInput) (User, SyncOutcome, error) {
	pu, err := s.prepareSyncUser(tx, ag, in)
	if err != nil {
		return User{}, "", err
	}
	u, old, found, rejoined, c := pu.u, pu.old, pu.found, pu.rejoined, pu.c
	outcome := SyncChanged
	switch {
	case !found:
		outcome = SyncCreated
	case len(c) == 0 && !rejoined:
		outcome = SyncUnchanged
	}
	if outcome != SyncUnchanged {
		u.ModifiedDateTime = s.now()
		if !found {
			u.ModifiedDateTime = u.CreatedDateTime
		}
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return User{}, "", fmt.Errorf("sync user %s: %w", u.Email, err)
		}
		action, summary := "user.sync.update", c.summary()
		switch {
		case !found:
			action, summary = "user.sync.create", fmt.Sprintf("created %s (%s) from %s", u.Label(), u.Email, SourceName(ag.Source))
		case rejoined:
			summary = strings.TrimPrefix(summary+"; ", "; ") + "back at the source: unblocked sign-in"
		}
		if err := s.audit(tx, p, action, "user", u.ID, u.Label(), summary); err != nil {
			return User{}, "", err
		}
	}
	if found && old.ManagerID != u.ManagerID {
		if err := s.rerouteRequestsOf(tx, p, u.ID, fmt.Sprintf("%s's manager is now %s", u.Label(), managerLabel(tx, u.ManagerID))); err != nil {
			return User{}, "", err
		}
	}
	if !in.Active && u.LeftDateTime == nil {
		if err := s.leave(tx, p, &u, false); err != nil {
			return User{}, "", err
		}
		outcome = SyncBlocked
	}
	return u, outcome, nil
}

func managerLabel(tx Tx, id string) string {
	if id == "" {
		return "nobody"
	}
	return userLabel(tx, id)
}

// findSyncedUser finds the record a sync input describes, refusing one another source keeps.
func findSyncedUser(tx Tx, ag SyncAgent, in SyncUserInput) (User, bool, error) {
	var u User
	var err error
	switch {
	case in.ID != "":
		u, err = tx.Users().Get(in.ID)
		if isNotFound(err) {
			return User{}, false, ruleError(ErrNotFound, "userNotFound", "user %q does not exist", in.ID)
		}
	case in.ExternalID != "":
		u, err = tx.Users().ByExternalID(ag.Source, in.ExternalID)
		if isNotFound(err) {
			u, err = byEmailOf(tx, in)
		}
	default:
		u, err = byEmailOf(tx, in)
	}
	if isNotFound(err) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("find user: %w", err)
	}
	if u.IsSynced() && u.Source != ag.Source {
		return User{}, false, conflict(CodeSyncedRecord, "%s is kept by %s, not by %s", u.Label(), SourceName(u.Source), SourceName(ag.Source))
	}
	if in.ID != "" && u.Source != ag.Source {
		// Ids reach a source only through its own records.
		return User{}, false, ruleError(ErrNotFound, "userNotFound", "user %q does not exist", in.ID)
	}
	return u, true, nil
}

func byEmailOf(tx Tx, in SyncUserInput) (User, error) {
	email := in.Email
	if email == "" {
		email = in.UserName
	}
	if strings.TrimSpace(email) == "" {
		return User{}, ErrNotFound
	}
	return tx.Users().ByEmail(email)
}

// SyncRemoveUser makes a person the source removed a leaver: see leave. The record stays,
// blocked, for the audit trail.
func (s *Service) SyncRemoveUser(ctx context.Context, id string) error {
	return s.syncWrite(ctx, func(tx Tx, ag SyncAgent, p Principal) error {
		return s.syncRemoveUser(tx, ag, p, id)
	})
}

func (s *Service) syncRemoveUser(tx Tx, ag SyncAgent, p Principal, id string) error {
	u, err := syncedUser(tx, ag, id)
	if err != nil {
		return err
	}
	if u.RemovedAtSource {
		return nil
	}
	if u.LeftDateTime != nil {
		u.RemovedAtSource = true
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("remove user %s: %w", u.Email, err)
		}
		return s.audit(tx, p, "user.sync.remove", "user", u.ID, u.Label(), "removed at "+SourceName(ag.Source))
	}
	return s.leave(tx, p, &u, true)
}

// syncedUser loads a user the agent's source keeps; others do not exist for it.
func syncedUser(tx Tx, ag SyncAgent, id string) (User, error) {
	u, err := tx.Users().Get(id)
	if isNotFound(err) || (err == nil && u.Source != ag.Source) {
		return User{}, ruleError(ErrNotFound, "userNotFound", "user %q does not exist", id)
	}
	return u, err
}

// SyncedUser returns a person the agent's source keeps.
func (s *Service) SyncedUser(ctx context.Context, id string) (User, error) {
	var out User
	err := s.syncRead(ctx, func(tx Tx, ag SyncAgent) error {
		var err error
		out, err = syncedUser(tx, ag, id)
		if err == nil && out.RemovedAtSource {
			err = ruleError(ErrNotFound, "userNotFound", "user %q does not exist", id)
		}
		return err
	})
	return out, err
}

// leave blocks a person who left the organisation, ends their sessions, cancels their open
// requests, removes their access (SystemRemove, "left the organisation") and hands the approvals
// waiting for them to the stage's other or backup approvers, with one audit event that sums it
// up besides those of each step.
func (s *Service) leave(tx Tx, p Principal, u *User, removed bool) error {
	now := s.now()
	u.AccountEnabled = false
	u.BlockedDateTime, u.LeftDateTime = &now, &now
	u.RemovedAtSource = removed
	u.ModifiedDateTime = now
	if err := endSessionsOf(tx, u.ID); err != nil {
		return err
	}
	// Sync's block replaces the guest life cycle's: a leaver is not a guest whose access ran out.
	if _, err := tx.GuestBlocks().Get(u.ID); err == nil {
		if err := tx.GuestBlocks().Delete(u.ID); err != nil {
			return fmt.Errorf("leaver %s: %w", u.Email, err)
		}
	} else if !isNotFound(err) {
		return err
	}
	u.Version = nextVersion(u.Version)
	if err := tx.Users().Put(*u); err != nil {
		return fmt.Errorf("leaver %s: %w", u.Email, err)
	}
	open, err := CollectAll(func(o ListOptions) (Page[Request], error) {
		return tx.Requests().ByTarget(u.ID, RequestFilter{States: []RequestState{StateSubmitted, StatePendingApproval, StateScheduled}}, o)
	})
	if err != nil {
		return fmt.Errorf("leaver's requests: %w", err)
	}
	for _, r := range open {
		if err := s.cancelForLeaver(tx, p, r, u); err != nil {
			return err
		}
	}
	asgs, err := liveAssignmentsOf(tx, u.ID)
	if err != nil {
		return err
	}
	for _, a := range asgs {
		if err := s.systemRemove(tx, p, a, ReasonLeft); err != nil {
			return err
		}
	}
	waiting, err := CollectAll(func(o ListOptions) (Page[Request], error) { return tx.Requests().WaitingFor(u.ID, o) })
	if err != nil {
		return fmt.Errorf("approvals waiting for %s: %w", u.Email, err)
	}
	for _, r := range waiting {
		if err := s.reroute(tx, p, &r, u.Label()+" left the organisation"); err != nil {
			return err
		}
	}
	summary := fmt.Sprintf("left the organisation: blocked sign-in, ended sessions, canceled %d open request(s), removed %d assignment(s), handed %d approval(s) to other approvers",
		len(open), len(asgs), len(waiting))
	return s.audit(tx, p, "user.leave", "user", u.ID, u.Label(), summary)
}

func (s *Service) cancelForLeaver(tx Tx, p Principal, r Request, u *User) error {
	waiting := r.PendingApprovers()
	if r.RequestState == StatePendingApproval && r.CurrentStage < len(r.Stages) {
		r.Stages[r.CurrentStage].Status = StageCanceled
	}
	s.addEvent(&r, EventCanceled, p, 0, ReasonLeft)
	if err := s.audit(tx, p, "request.cancel", "request", r.ID, packageName(tx, r.AccessPackageID), "canceled because "+u.Label()+" left the organisation"); err != nil {
		return err
	}
	if err := s.notify(tx, NotifyRequestCanceled, &r, "", waiting, u.Label()+" left the organisation"); err != nil {
		return err
	}
	if err := s.finishUndelivered(tx, &r, StateCanceled, RequestStatusCanceled, "canceled because "+u.Label()+" left the organisation", p); err != nil {
		return err
	}
	return tx.Requests().Put(r)
}

func liveAssignmentsOf(tx Tx, userID string) ([]Assignment, error) {
	all, err := CollectAll(func(o ListOptions) (Page[Assignment], error) {
		return tx.Assignments().ByTarget(userID, AssignmentFilter{}, o)
	})
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", userID, err)
	}
	return slices.DeleteFunc(all, func(a Assignment) bool { return !a.IsLive() }), nil
}

// systemRemove ends a live assignment with a SystemRemove request giving the reason.
func (s *Service) systemRemove(tx Tx, p Principal, a Assignment, reason string) error {
	r := s.removalRequest(a, RequestSystemRemove, p, reason)
	if err := s.endAssignment(tx, &a, endRemoved, &r, p); err != nil {
		return err
	}
	if err := tx.Requests().Put(r); err != nil {
		return fmt.Errorf("remove assignment %s: %w", a.ID, err)
	}
	return nil
}

// rerouteRequestsOf re-resolves the current stage of the user's requests waiting for approval,
// after something that decides who approves them changed (their manager).
func (s *Service) rerouteRequestsOf(tx Tx, p Principal, userID, why string) error {
	reqs, err := CollectAll(func(o ListOptions) (Page[Request], error) {
		return tx.Requests().ByTarget(userID, RequestFilter{States: []RequestState{StatePendingApproval}}, o)
	})
	if err != nil {
		return fmt.Errorf("requests of %s: %w", userID, err)
	}
	for _, r := range reqs {
		if err := s.reroute(tx, p, &r, why); err != nil {
			return err
		}
	}
	return nil
}

// reroute resolves the approvers of a waiting request's current stage again, as if it started
// now, and asks the people it adds. A stage nobody can approve any more is denied, as at its start.
func (s *Service) reroute(tx Tx, p Principal, r *Request, why string) error {
	if r.RequestState != StatePendingApproval || r.CurrentStage >= len(r.Stages) || r.CurrentStage >= len(r.PolicyStages) {
		return nil
	}
	idx := r.CurrentStage
	def := r.PolicyStages[idx]
	subj, err := loadSubject(tx, r.TargetID)
	if err != nil {
		return fmt.Errorf("reroute request %s: %w", r.ID, err)
	}
	exclude := []string{r.TargetID, r.RequestorID}
	prim, err := resolveApprovers(tx, def.PrimaryApprovers, subj, exclude)
	if err != nil {
		return err
	}
	st := &r.Stages[idx]
	esc := approverSet{}
	if len(st.EscalationApprovers) > 0 || def.IsEscalationEnabled {
		if esc, err = resolveApprovers(tx, def.EscalationApprovers, subj, exclude); err != nil {
			return err
		}
	}
	if slices.Equal(prim.ids, st.Approvers) && slices.Equal(esc.ids, st.EscalationApprovers) {
		return nil
	}
	before := r.PendingApprovers()
	st.Approvers, st.UsedBackup, st.Notes, st.EscalationApprovers = prim.ids, prim.usedBackup, prim.notes, esc.ids
	if len(r.PendingApprovers()) == 0 {
		st.Status = StageDenied
		s.addEvent(r, EventNoApprover, p, idx+1, ReasonNoApprover+": "+why)
		if err := s.finishUndelivered(tx, r, StateDenied, RequestStatusNoApprover, ReasonNoApprover, p); err != nil {
			return err
		}
		return tx.Requests().Put(*r)
	}
	names, err := userNames(tx, r.PendingApprovers())
	if err != nil {
		return err
	}
	s.addEvent(r, EventStageStarted, p, idx+1, "asked "+names+" instead, because "+why)
	if err := s.audit(tx, p, "request.reroute", "request", r.ID, packageName(tx, r.AccessPackageID), "approvers now "+names+", because "+why); err != nil {
		return err
	}
	var added []string
	for _, id := range r.PendingApprovers() {
		if !slices.Contains(before, id) {
			added = append(added, id)
		}
	}
	if len(added) > 0 {
		if err := s.notify(tx, NotifyApprovalNeeded, r, "", added, fmt.Sprintf("stage %d of %d", idx+1, len(r.Stages))); err != nil {
			return err
		}
	}
	return tx.Requests().Put(*r)
}

// SyncGroupInput is a group as the directory source describes it.
type SyncGroupInput struct {
	ID          string // Steward's id, when the source knows it
	ExternalID  string
	DisplayName string
	Description string
	// Members, when not nil, are all the members the source lists (Steward user ids); sync's
	// memberships are made to match it, leaving those an administrator or a package gave.
	Members []string
}

// SyncGroup creates or updates a group from the directory source, found by id, external id or
// name (adopting a group made in Steward), and with Members set replaces its synced members.
func (s *Service) SyncGroup(ctx context.Context, in SyncGroupInput) (Group, SyncOutcome, error) {
	var out Group
	var outcome SyncOutcome
	err := s.syncWrite(ctx, func(tx Tx, ag SyncAgent, p Principal) error {
		var err error
		out, outcome, err = s.syncGroup(tx, ag, p, in)
		return err
	})
	return out, outcome, err
}

func (s *Service) syncGroup(tx Tx, ag SyncAgent, p Principal, in SyncGroupInput) (Group, SyncOutcome, error) {
	gi := GroupInput{DisplayName: in.DisplayName, Description: in.Description}
	if err := gi.validate(); err != nil {
		return Group{}, "", err
	}
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if len(in.ExternalID) > 1000 {
		return Group{}, "", invalid("invalidGroup", "externalId", "use at most 1000 characters")
	}
	g, found, err := findSyncedGroup(tx, ag, in.ID, in.ExternalID, gi.DisplayName)
	if err != nil {
		return Group{}, "", err
	}
	if err := checkGroupName(tx, gi.DisplayName, g.ID); err != nil {
		return Group{}, "", err
	}
	outcome := SyncUnchanged
	var c changes
	c.text("displayName", g.DisplayName, gi.DisplayName)
	c.text("description", g.Description, gi.Description)
	c.text("source", g.Source, ag.Source)
	c.text("externalId", g.ExternalID, in.ExternalID)
	if !found {
		now := s.now()
		g = Group{ID: NewID(), CreatedDateTime: now}
		outcome = SyncCreated
	} else if len(c) > 0 || g.RemovedAtSource {
		outcome = SyncChanged
	}
	if outcome != SyncUnchanged {
		g.DisplayName, g.Description, g.Source, g.ExternalID, g.RemovedAtSource = gi.DisplayName, gi.Description, ag.Source, in.ExternalID, false
		g.ModifiedDateTime = s.now()
		g.Version = nextVersion(g.Version)
		if err := tx.Groups().Put(g); err != nil {
			return Group{}, "", fmt.Errorf("sync group %s: %w", g.DisplayName, err)
		}
		action, summary := "group.sync.update", c.summary()
		if !found {
			action, summary = "group.sync.create", "created group "+g.DisplayName+" from "+SourceName(ag.Source)
		}
		if err := s.audit(tx, p, action, "group", g.ID, g.DisplayName, summary); err != nil {
			return Group{}, "", err
		}
	}
	if in.Members != nil {
		changed, err := s.setSyncedMembers(tx, p, g, in.Members)
		if err != nil {
			return Group{}, "", err
		}
		if changed && outcome == SyncUnchanged {
			outcome = SyncChanged
		}
	}
	return g, outcome, nil
}

func findSyncedGroup(tx Tx, ag SyncAgent, id, externalID, name string) (Group, bool, error) {
	var g Group
	var err error
	switch {
	case id != "":
		g, err = tx.Groups().Get(id)
		if isNotFound(err) || (err == nil && g.Source != ag.Source) {
			return Group{}, false, ruleError(ErrNotFound, "groupNotFound", "group %q does not exist", id)
		}
	case externalID != "":
		g, err = tx.Groups().ByExternalID(ag.Source, externalID)
	}
	if id == "" && (externalID == "" || isNotFound(err)) {
		same, lerr := tx.Groups().ByName(name)
		if lerr != nil {
			return Group{}, false, fmt.Errorf("find group %s: %w", name, lerr)
		}
		err = ErrNotFound
		if len(same) > 0 {
			g, err = same[0], nil
		}
	}
	if isNotFound(err) {
		return Group{}, false, nil
	}
	if err != nil {
		return Group{}, false, fmt.Errorf("find group: %w", err)
	}
	if g.IsSynced() && g.Source != ag.Source {
		return Group{}, false, conflict(CodeSyncedRecord, "the group %s is kept by %s, not by %s", g.DisplayName, SourceName(g.Source), SourceName(ag.Source))
	}
	return g, true, nil
}

// SyncedGroup returns a group the agent's source keeps.
func (s *Service) SyncedGroup(ctx context.Context, id string) (Group, error) {
	var out Group
	err := s.syncRead(ctx, func(tx Tx, ag SyncAgent) error {
		g, err := tx.Groups().Get(id)
		if isNotFound(err) || (err == nil && (g.Source != ag.Source || g.RemovedAtSource)) {
			return ruleError(ErrNotFound, "groupNotFound", "group %q does not exist", id)
		}
		out = g
		return err
	})
	return out, err
}

// SyncGroupMembers adds and removes synced members of a group the source keeps.
func (s *Service) SyncGroupMembers(ctx context.Context, groupID string, add, remove []string) error {
	return s.syncWrite(ctx, func(tx Tx, ag SyncAgent, p Principal) error {
		g, _, err := findSyncedGroup(tx, ag, groupID, "", "")
		if err != nil {
			return err
		}
		for _, id := range add {
			if _, err := s.setSyncedMember(tx, p, g, id, true); err != nil {
				return err
			}
		}
		for _, id := range remove {
			if _, err := s.setSyncedMember(tx, p, g, id, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// SyncedMembers lists the members of a group that its source gave it.
func (s *Service) SyncedMembers(ctx context.Context, groupID string) ([]User, error) {
	var out []User
	err := s.syncRead(ctx, func(tx Tx, ag SyncAgent) error {
		g, _, err := findSyncedGroup(tx, ag, groupID, "", "")
		if err != nil {
			return err
		}
		ids, err := allMembers(tx, g.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			m, err := tx.Groups().Membership(g.ID, id)
			if err != nil {
				return fmt.Errorf("members of %s: %w", g.DisplayName, err)
			}
			if !m.Has(MemberSynced) {
				continue
			}
			u, err := tx.Users().Get(id)
			if err != nil {
				return fmt.Errorf("members of %s: %w", g.DisplayName, err)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// setSyncedMembers makes the group's synced members exactly ids.
func (s *Service) setSyncedMembers(tx Tx, p Principal, g Group, ids []string) (bool, error) {
	cur, err := allMembers(tx, g.ID)
	if err != nil {
		return false, err
	}
	changed := false
	for _, id := range cur {
		if slices.Contains(ids, id) {
			continue
		}
		c, err := s.setSyncedMember(tx, p, g, id, false)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	for _, id := range ids {
		c, err := s.setSyncedMember(tx, p, g, id, true)
		if err != nil {
			return false, err
		}
		changed = changed || c
	}
	return changed, nil
}

// setSyncedMember adds or takes away sync's source of one membership. A person who is no member
// afterwards leaves the scope of the policies the group opened to them: they can no longer extend
// that access, and lose it where the policy says so.
func (s *Service) setSyncedMember(tx Tx, p Principal, g Group, userID string, member bool) (bool, error) {
	had, err := tx.Groups().Membership(g.ID, userID)
	if err != nil {
		return false, fmt.Errorf("membership in %s: %w", g.DisplayName, err)
	}
	if had.Has(MemberSynced) == member {
		return false, nil
	}
	u, err := tx.Users().Get(userID)
	if isNotFound(err) {
		return false, invalid("invalidMember", "members", "the member %q is not in the directory", userID)
	} else if err != nil {
		return false, err
	}
	if member {
		if err := tx.Groups().AddMember(g.ID, userID, MemberSynced); err != nil {
			return false, fmt.Errorf("add %s to %s: %w", u.Email, g.DisplayName, err)
		}
		return true, s.audit(tx, p, "group.member.sync.add", "group", g.ID, g.DisplayName, fmt.Sprintf("added %s (%s)", u.Label(), u.ID))
	}
	left, err := tx.Groups().RemoveMember(g.ID, userID, MemberSynced)
	if err != nil {
		return false, fmt.Errorf("remove %s from %s: %w", u.Email, g.DisplayName, err)
	}
	summary := fmt.Sprintf("removed %s (%s)", u.Label(), u.ID)
	if left != 0 {
		summary += "; they stay a member, given by an administrator or an access package"
	}
	if err := s.audit(tx, p, "group.member.sync.remove", "group", g.ID, g.DisplayName, summary); err != nil {
		return false, err
	}
	if left == 0 {
		return true, s.dropOutOfScope(tx, p, userID)
	}
	return true, nil
}

// dropOutOfScope removes the person's live assignments whose policy they are no longer in scope
// of, where the policy asks for it.
func (s *Service) dropOutOfScope(tx Tx, p Principal, userID string) error {
	asgs, err := liveAssignmentsOf(tx, userID)
	if err != nil || len(asgs) == 0 {
		return err
	}
	subj, err := loadSubject(tx, userID)
	if err != nil {
		return fmt.Errorf("scope of %s: %w", userID, err)
	}
	for _, a := range asgs {
		pol, err := tx.Policies().Get(a.PolicyID)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return fmt.Errorf("scope of %s: %w", userID, err)
		}
		if !pol.RequestorSettings.RemoveWhenOutOfScope || subj.inScope(pol) {
			continue
		}
		if err := s.systemRemove(tx, p, a, ReasonOutOfScope); err != nil {
			return err
		}
	}
	return nil
}

// SyncDeleteGroup ends the memberships the source gave and deletes the group; a group a catalog
// or a policy still names is kept, marked removed at the source, for an administrator to retire.
func (s *Service) SyncDeleteGroup(ctx context.Context, id string) error {
	return s.syncWrite(ctx, func(tx Tx, ag SyncAgent, p Principal) error {
		return s.syncDeleteGroup(tx, ag, p, id)
	})
}

func (s *Service) syncDeleteGroup(tx Tx, ag SyncAgent, p Principal, id string) error {
	g, _, err := findSyncedGroup(tx, ag, id, "", "")
	if err != nil {
		return err
	}
	if _, err := s.setSyncedMembers(tx, p, g, nil); err != nil {
		return err
	}
	resIDs, err := tx.Resources().IDsByOrigin(OriginGroup, id)
	if err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	names, _, err := policiesNaming(tx, id)
	if err != nil {
		return err
	}
	if len(resIDs) > 0 || len(names) > 0 {
		g.RemovedAtSource, g.ModifiedDateTime = true, s.now()
		g.Version = nextVersion(g.Version)
		if err := tx.Groups().Put(g); err != nil {
			return fmt.Errorf("delete group %s: %w", g.DisplayName, err)
		}
		return s.audit(tx, p, "group.sync.remove", "group", g.ID, g.DisplayName, "removed at "+SourceName(ag.Source)+"; kept because catalogs or policies still name it")
	}
	if err := s.dropPrincipal(tx, p, id); err != nil {
		return err
	}
	if err := tx.Groups().Delete(id); err != nil {
		return fmt.Errorf("delete group %s: %w", g.DisplayName, err)
	}
	return s.audit(tx, p, "group.delete", "group", g.ID, g.DisplayName, "deleted group "+g.DisplayName+" (removed at "+SourceName(ag.Source)+")")
}

// SyncUserFilter narrows the people a source lists: by user name (its e-mail index) or external
// id (its index); empty fields match everyone. Offset and Limit page through the list (Limit 0:
// all of it).
type SyncUserFilter struct {
	UserName   string
	ExternalID string
	Offset     int
	Limit      int
}

// SyncedUsers lists a page of the people the agent's source keeps, in name order, with how many
// match in all. A filter answers from an index; the unfiltered list reads only its page.
func (s *Service) SyncedUsers(ctx context.Context, f SyncUserFilter) ([]User, int, error) {
	var out []User
	total := 0
	err := s.syncRead(ctx, func(tx Tx, ag SyncAgent) error {
		if f.UserName == "" && f.ExternalID == "" {
			var err error
			out, total, err = tx.Users().BySource(ag.Source, f.Offset, f.Limit)
			if err != nil {
				return fmt.Errorf("list users: %w", err)
			}
			return nil
		}
		var u User
		var err error
		if f.ExternalID != "" {
			u, err = tx.Users().ByExternalID(ag.Source, f.ExternalID)
		} else {
			u, err = tx.Users().ByEmail(f.UserName)
		}
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if u.Source != ag.Source || u.RemovedAtSource ||
			(f.UserName != "" && !strings.EqualFold(u.Email, f.UserName)) ||
			(f.ExternalID != "" && u.ExternalID != f.ExternalID) {
			return nil
		}
		total = 1
		if f.Offset == 0 {
			out = []User{u}
		}
		return nil
	})
	return out, total, err
}

// SyncedGroups lists a page of the groups the agent's source keeps, in name order, or those with
// the name, with how many match in all.
func (s *Service) SyncedGroups(ctx context.Context, displayName string, offset, limit int) ([]Group, int, error) {
	var out []Group
	total := 0
	err := s.syncRead(ctx, func(tx Tx, ag SyncAgent) error {
		if displayName == "" {
			var err error
			out, total, err = tx.Groups().BySource(ag.Source, offset, limit)
			if err != nil {
				return fmt.Errorf("list groups: %w", err)
			}
			return nil
		}
		named, err := tx.Groups().ByName(displayName)
		if err != nil {
			return fmt.Errorf("list groups: %w", err)
		}
		named = slices.DeleteFunc(named, func(g Group) bool { return g.Source != ag.Source || g.RemovedAtSource })
		total = len(named)
		if offset < len(named) {
			named = named[offset:]
			if limit > 0 && limit < len(named) {
				named = named[:limit]
			}
			out = named
		}
		return nil
	})
	return out, total, err
}

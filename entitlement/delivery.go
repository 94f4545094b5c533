package entitlement

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reminder lead times before an assignment ends.
const (
	ReminderEarly = 14 * 24 * time.Hour
	ReminderLate  = 24 * time.Hour
)

// addEvent appends an entry to the request's timeline.
func (s *Service) addEvent(r *Request, kind string, actor Principal, stage int, detail string) {
	r.Events = append(r.Events, RequestEvent{Kind: kind, At: s.now(), ActorID: actor.UserID, ActorName: actor.Name, Stage: stage, Detail: detail})
}

// complete moves a request to a final state.
func (s *Service) complete(r *Request, state RequestState, status, detail string) {
	now := s.now()
	endApproval(r)
	r.RequestState, r.RequestStatus = state, status
	if detail != "" {
		r.StatusDetail = detail
	}
	r.CompletedDate = &now
	r.DueDateTime = nil
}

// endApproval drops the request's copy of its policy's stages once it is out of approval
// (approved, denied, canceled, timed out): nothing reads them after, and no request goes back
// into approval. They were about a tenth of a finished request's stored bytes.
func endApproval(r *Request) { r.PolicyStages = nil }

// finishUndelivered ends an add or extension request that will deliver nothing (denied, timed out,
// no approver, canceled), tells the people concerned, and applies the external-user life cycle
// when the subject is left with no access at all.
func (s *Service) finishUndelivered(tx Tx, r *Request, state RequestState, status, detail string, actor Principal) error {
	s.complete(r, state, status, detail)
	if state == StateDenied {
		// An approver's denial is already on the timeline, with its stage.
		if n := len(r.Events); n == 0 || r.Events[n-1].Kind != EventDenied {
			s.addEvent(r, EventDenied, actor, 0, detail)
		}
		event := NotifyRequestDenied
		if status == RequestStatusTimedOut {
			event = NotifyRequestTimedOut
		}
		if err := s.notify(tx, event, r, "", []string{r.RequestorID, r.TargetID}, detail); err != nil {
			return err
		}
	}
	if r.RequestType == RequestUserExtend {
		return nil
	}
	return s.afterAccessEnded(tx, r.TargetID, "", r.ID)
}

// proceed carries an approved (or approval-free) request forward: an extension is applied, a
// future start waits as Scheduled, anything else is delivered now.
func (s *Service) proceed(tx Tx, r *Request, actor Principal) error {
	endApproval(r)
	if r.RequestType == RequestUserExtend {
		return s.applyExtension(tx, r, actor)
	}
	if st := r.Schedule.StartDateTime; st != nil && st.After(s.now()) {
		r.RequestState, r.RequestStatus = StateScheduled, RequestStatusScheduled
		s.addEvent(r, EventScheduled, actor, 0, "access starts at "+formatTime(*st))
		r.DueDateTime = requestDue(*r)
		return nil
	}
	return s.deliver(tx, r, actor)
}

// deliver creates the assignment of an add request and grants its resource roles, in the
// caller's transaction. Directory-group memberships are granted at once; roles in other systems
// are provisioned through the outbox, and the request stays Delivering until they are fulfilled.
// The caller stores the request.
func (s *Service) deliver(tx Tx, r *Request, actor Principal) error {
	now := s.now()
	undeliverable := func(why string) error {
		s.addEvent(r, EventDeliveryFailed, system, 0, why)
		return s.finishUndelivered(tx, r, StateDenied, RequestStatusDenied, why, system)
	}
	pkg, err := tx.AccessPackages().Get(r.AccessPackageID)
	if isNotFound(err) {
		return undeliverable("the access package no longer exists")
	} else if err != nil {
		return err
	}
	pol, err := tx.Policies().Get(r.PolicyID)
	if isNotFound(err) {
		return undeliverable("the policy no longer exists")
	} else if err != nil {
		return err
	}
	target, err := tx.Users().Get(r.TargetID)
	if isNotFound(err) {
		return undeliverable("the user no longer exists")
	} else if err != nil {
		return err
	}
	if live, err := tx.Assignments().Live(r.TargetID, r.AccessPackageID); err == nil {
		return undeliverable(fmt.Sprintf("%s already has this access (assignment %s)", target.Label(), live.ID))
	} else if !isNotFound(err) {
		return err
	}
	// The access lasts for the window that was asked for: a scheduled start delivered late (the
	// server was down) keeps the end counted from the start, not from the late delivery.
	start := now
	if st := r.Schedule.StartDateTime; st != nil && st.Before(now) {
		start = *st
	}
	end := scheduleEnd(pol, r.Schedule, start)
	if end != nil && !end.After(now) {
		return undeliverable("the requested end date passed before the access could start")
	}
	if err := s.liftGuestBlock(tx, &target, actor); err != nil {
		return err
	}

	r.RequestState, r.RequestStatus = StateDelivering, RequestStatusDelivering
	s.addEvent(r, EventDelivering, actor, 0, "")
	a := Assignment{
		ID: r.ID, CatalogID: pkg.CatalogID, AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: target.ID,
		AssignmentState: AssignmentDelivering, AssignmentStatus: StatusDelivering,
		Schedule:        Schedule{StartDateTime: &now, Expiration: Expiration{Type: ExpirationNone}},
		ExpiredDateTime: end, RequestID: r.ID, CreatedDateTime: now,
	}
	if end != nil {
		a.Schedule.Expiration = Expiration{Type: ExpirationAfterDateTime, EndDateTime: end}
	}
	// The roles as granted, for settling the assignment without reading them back.
	roles := make([]AssignmentResourceRole, 0, len(pkg.RoleScopes))
	for _, rs := range pkg.RoleScopes {
		res, err := tx.Resources().Get(rs.ResourceID)
		if isNotFound(err) {
			continue // the resource left the catalog; the package no longer grants it
		} else if err != nil {
			return err
		}
		role, err := s.grantRole(tx, target, a.ID, res, rs, actor)
		if err != nil {
			return err
		}
		if role.ID != "" {
			a.ResourceRoleIDs = append(a.ResourceRoleIDs, role.ID)
			roles = append(roles, role)
		}
	}
	r.AssignmentID = a.ID
	if err := s.settleWithRoles(tx, &a, r, roles); err != nil {
		return err
	}
	a.DueDateTime = nextAssignmentDue(a, now)
	if err := tx.Assignments().Put(a); err != nil {
		return fmt.Errorf("deliver request %s: %w", r.ID, err)
	}
	summary := fmt.Sprintf("assigned %s to %s", pkg.DisplayName, target.Label())
	if end != nil {
		summary += " until " + formatTime(*end)
	}
	return s.audit(tx, actor, "assignment.create", "assignment", a.ID, pkg.DisplayName, summary)
}

// settleAssignment finishes delivery of an assignment once none of its roles is still pending:
// the assignment becomes Delivered (PartiallyDelivered status when a role failed) and so does the
// request that delivered it. r is that request when the caller holds it, else it is loaded.
func (s *Service) settleAssignment(tx Tx, a *Assignment, r *Request) error {
	if a.AssignmentState != AssignmentDelivering {
		return nil
	}
	roles := make([]AssignmentResourceRole, 0, len(a.ResourceRoleIDs))
	for _, id := range a.ResourceRoleIDs {
		role, err := tx.AssignmentRoles().Get(id)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		roles = append(roles, role)
	}
	return s.settleWithRoles(tx, a, r, roles)
}

// settleWithRoles is settleAssignment given the assignment's roles as they are stored now (those
// that still exist), so that a caller that has just written them need not read them back.
func (s *Service) settleWithRoles(tx Tx, a *Assignment, r *Request, roles []AssignmentResourceRole) error {
	if a.AssignmentState != AssignmentDelivering {
		return nil
	}
	var failed []string
	for _, role := range roles {
		switch role.Status {
		case RoleStatusPendingFulfillment, RoleStatusPendingManual:
			return nil
		case RoleStatusFailed:
			failed = append(failed, fmt.Sprintf("%s %s: %s", role.ResourceName, role.RoleName, role.LastError))
		}
	}
	a.AssignmentState, a.AssignmentStatus = AssignmentDelivered, StatusDelivered
	if len(failed) > 0 {
		a.AssignmentStatus = StatusPartiallyDelivered
	}
	stored := r == nil
	if stored {
		req, err := tx.Requests().Get(a.RequestID)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		r = &req
	}
	if r.RequestState != StateDelivering {
		return nil
	}
	if len(failed) > 0 {
		detail := "not every role could be delivered: " + strings.Join(failed, "; ")
		s.addEvent(r, EventPartial, system, 0, detail)
		s.complete(r, StatePartiallyDelivered, RequestStatusPartiallyFulfilled, detail)
	} else {
		s.addEvent(r, EventDelivered, system, 0, "")
		s.complete(r, StateDelivered, RequestStatusFulfilled, "")
	}
	if err := s.notify(tx, NotifyRequestDelivered, r, a.ID, []string{r.RequestorID, r.TargetID}, r.StatusDetail); err != nil {
		return err
	}
	if err := s.hook(tx, StageRequestGranted, a.PolicyID, r.ID, a.ID, a.AccessPackageID, a.TargetID); err != nil {
		return err
	}
	if stored {
		if err := tx.Requests().Put(*r); err != nil {
			return fmt.Errorf("settle request %s: %w", r.ID, err)
		}
	}
	return nil
}

// isMembershipRole reports whether a role of a directory group is its membership, which Steward
// grants itself. Other group roles (Owner) go through the provisioner: Steward's directory keeps
// no group owners.
func isMembershipRole(res Resource, role ResourceRole) bool {
	return res.OriginSystem == OriginGroup && (strings.HasPrefix(role.OriginID, "Member_") || strings.EqualFold(role.DisplayName, "Member"))
}

// IsMembership reports whether the role is a directory group's membership.
func (r AssignmentResourceRole) IsMembership() bool {
	return r.OriginSystem == OriginGroup && (strings.HasPrefix(r.OriginID, "Member_") || strings.EqualFold(r.RoleName, "Member"))
}

// grantRole adds the assignment to the subject's role for one role scope, creating the role when
// it is new. It returns the role as stored, or a zero role (no id) when the role scope names a
// role the resource no longer has.
func (s *Service) grantRole(tx Tx, u User, assignmentID string, res Resource, rs RoleScope, actor Principal) (AssignmentResourceRole, error) {
	role, ok := res.Role(rs.RoleID)
	if !ok {
		return AssignmentResourceRole{}, nil
	}
	now := s.now()
	id := AssignmentResourceRoleID(u.ID, rs.ID)
	ar, err := tx.AssignmentRoles().Get(id)
	if isNotFound(err) {
		ar = AssignmentResourceRole{
			ID: id, SubjectID: u.ID, ResourceID: res.ID, RoleID: role.ID, ScopeID: rs.ScopeID,
			OriginID: role.OriginID, OriginSystem: res.OriginSystem, ResourceOriginID: res.OriginID,
			ResourceName: res.DisplayName, RoleName: role.DisplayName,
		}
	} else if err != nil {
		return AssignmentResourceRole{}, err
	}
	if slices.Contains(ar.AssignmentIDs, assignmentID) {
		return ar, nil
	}
	prev := ar.Status
	ar.AssignmentIDs = append(ar.AssignmentIDs, assignmentID)
	ar.ModifiedDateTime = now
	if isMembershipRole(res, role) {
		had, err := tx.Groups().Membership(res.OriginID, u.ID)
		if err != nil {
			return AssignmentResourceRole{}, err
		}
		if err := tx.Groups().AddMember(res.OriginID, u.ID, MemberGranted); err != nil {
			if !isNotFound(err) {
				return AssignmentResourceRole{}, err
			}
			ar.Status, ar.LastError = RoleStatusFailed, "the group no longer exists in the directory"
		} else {
			ar.Status, ar.LastError = RoleStatusFulfilled, ""
			connected, err := connectedGroup(tx, res.ID)
			if err != nil {
				return AssignmentResourceRole{}, err
			}
			if connected {
				// The membership also goes to the linked group (LDAP) through the outbox; the
				// role waits for it unless it is there or on its way already.
				if prev == RoleStatusFulfilled || prev == RoleStatusPendingFulfillment {
					ar.Status = prev
				} else {
					ar.Status = RoleStatusPendingFulfillment
					if err := s.enqueue(tx, OutboxProvision, "role.provision", provisionAction(ProvisionAdd, ar, u)); err != nil {
						return AssignmentResourceRole{}, err
					}
				}
			}
			if !had.Has(MemberGranted) {
				summary := "added " + u.Label() + " through an access package"
				if had.Has(MemberDirect) {
					summary = u.Label() + ", already a direct member, is now also a member through an access package"
				}
				if err := s.audit(tx, actor, "group.member.add", "group", res.OriginID, res.DisplayName, summary); err != nil {
					return AssignmentResourceRole{}, err
				}
			}
		}
	} else if ar.Status == RoleStatusPendingManualRemoval {
		// Nobody has taken it away yet: it stays, and the removal task no longer applies.
		ar.Status, ar.LastError = RoleStatusFulfilled, ""
		if err := s.closeTasksOf(tx, ar.ID, "granted again before it was taken away"); err != nil {
			return AssignmentResourceRole{}, err
		}
	} else if ar.Status != RoleStatusFulfilled && ar.Status != RoleStatusPendingFulfillment && ar.Status != RoleStatusPendingManual {
		// New, failed before, or on its way out: (re)provision. Adding is idempotent, and a pending
		// removal sees the role granted again and stands down.
		ar.Status, ar.LastError = RoleStatusPendingFulfillment, ""
		if err := s.enqueue(tx, OutboxProvision, "role.provision", provisionAction(ProvisionAdd, ar, u)); err != nil {
			return AssignmentResourceRole{}, err
		}
	}
	if err := tx.AssignmentRoles().Put(ar); err != nil {
		return AssignmentResourceRole{}, fmt.Errorf("grant role %s: %w", id, err)
	}
	return ar, nil
}

func provisionAction(op string, ar AssignmentResourceRole, u User) ProvisionAction {
	return ProvisionAction{
		Op: op, RoleID: ar.ID, SubjectID: ar.SubjectID, Email: u.Email, ResourceID: ar.ResourceID,
		OriginSystem: ar.OriginSystem, OriginID: ar.ResourceOriginID, RoleOriginID: ar.OriginID,
		SubjectName: u.Label(), ResourceName: ar.ResourceName, RoleName: ar.RoleName,
	}
}

// revokeRole takes the assignment off a role. The role itself goes only when no assignment holds
// it any more, and its effect in the origin system goes only when no other role record of the
// subject (for instance in another catalog onboarding the same group) still grants it.
func (s *Service) revokeRole(tx Tx, roleID, assignmentID string, actor Principal) error {
	ar, err := tx.AssignmentRoles().Get(roleID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !slices.Contains(ar.AssignmentIDs, assignmentID) {
		return nil
	}
	ar.AssignmentIDs = slices.DeleteFunc(ar.AssignmentIDs, func(id string) bool { return id == assignmentID })
	ar.ModifiedDateTime = s.now()
	if len(ar.AssignmentIDs) > 0 {
		return tx.AssignmentRoles().Put(ar)
	}
	shared, err := stillGrantedElsewhere(tx, ar)
	if err != nil {
		return err
	}
	connected := false
	if ar.IsMembership() && !shared {
		if connected, err = connectedGroup(tx, ar.ResourceID); err != nil {
			return err
		}
	}
	pushRemoval := false // the membership also leaves the linked group, through the outbox
	if ar.IsMembership() || shared {
		if ar.IsMembership() && !shared && (ar.Status == RoleStatusFulfilled || connected && ar.Status == RoleStatusPendingFulfillment) {
			// Only the grant ends: a membership an administrator gave stays.
			left, err := tx.Groups().RemoveMember(ar.ResourceOriginID, ar.SubjectID, MemberGranted)
			if err != nil {
				return err
			}
			action, summary := "group.member.remove", "removed "+userLabel(tx, ar.SubjectID)+": their last access granting the membership ended"
			if left != 0 {
				action, summary = "group.member.keep", userLabel(tx, ar.SubjectID)+" stays a direct member: their last access granting the membership ended"
			}
			if err := s.audit(tx, actor, action, "group", ar.ResourceOriginID, ar.ResourceName, summary); err != nil {
				return err
			}
			pushRemoval = connected && left == 0
		}
		if !pushRemoval {
			return tx.AssignmentRoles().Delete(ar.ID)
		}
	}
	if ar.Status == RoleStatusPendingManual {
		// Nobody granted it yet: there is nothing to take away, and the grant task goes.
		if err := s.closeTasksOf(tx, ar.ID, "the access ended before it was granted"); err != nil {
			return err
		}
		return tx.AssignmentRoles().Delete(ar.ID)
	}
	u, err := tx.Users().Get(ar.SubjectID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if u.ID == "" {
		u.ID = ar.SubjectID
	}
	if err := s.closeTasksOf(tx, ar.ID, "the access ended"); err != nil {
		return err
	}
	ar.Status, ar.LastError = RoleStatusPendingRemoval, ""
	if err := s.enqueue(tx, OutboxDeprovision, "role.deprovision", provisionAction(ProvisionRemove, ar, u)); err != nil {
		return err
	}
	return tx.AssignmentRoles().Put(ar)
}

// connectedGroup reports whether a directory group's membership is also carried to another
// system by the resource's connector (an LDAP group).
func connectedGroup(tx Tx, resourceID string) (bool, error) {
	c, err := tx.Connectors().Get(resourceID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return c.Kind != "" && c.Kind != ConnectorManual, nil
}

// stillGrantedElsewhere reports whether another role record of the same subject, with
// assignments, grants the same role in the same origin resource.
func stillGrantedElsewhere(tx Tx, ar AssignmentResourceRole) (bool, error) {
	roles, err := tx.AssignmentRoles().BySubject(ar.SubjectID)
	if err != nil {
		return false, err
	}
	for _, o := range roles {
		if o.ID != ar.ID && len(o.AssignmentIDs) > 0 && o.OriginSystem == ar.OriginSystem &&
			o.ResourceOriginID == ar.ResourceOriginID && o.OriginID == ar.OriginID {
			return true, nil
		}
	}
	return false, nil
}

// How an assignment ends.
const (
	endRemoved = iota
	endExpired
)

// endAssignment ends a live assignment: its roles are revoked (ref-counted), a pending extension
// is canceled, a delivery still under way is closed, the holder is told, and the external-user
// life cycle runs. by is the remove request recording the end; it gets the timeline entries.
func (s *Service) endAssignment(tx Tx, a *Assignment, how int, by *Request, actor Principal) error {
	now := s.now()
	pkgName := packageName(tx, a.AccessPackageID)
	wasDelivering := a.AssignmentState == AssignmentDelivering
	a.AssignmentState = AssignmentExpired
	a.EndedDateTime = &now
	a.DueDateTime = nil
	if how == endExpired {
		a.AssignmentStatus = StatusExpired
	} else {
		a.AssignmentStatus = StatusRemoved
		a.ExpiredDateTime = &now
	}
	for _, id := range a.ResourceRoleIDs {
		if err := s.revokeRole(tx, id, a.ID, actor); err != nil {
			return fmt.Errorf("end assignment %s: %w", a.ID, err)
		}
	}
	if err := tx.Assignments().Put(*a); err != nil {
		return fmt.Errorf("end assignment %s: %w", a.ID, err)
	}
	// Close what still waits on this assignment: its own delivery, or an extension request.
	if wasDelivering {
		if req, err := tx.Requests().Get(a.RequestID); err == nil && req.RequestState == StateDelivering {
			detail := "the assignment ended before every role was delivered"
			s.addEvent(&req, EventPartial, actor, 0, detail)
			s.complete(&req, StatePartiallyDelivered, RequestStatusPartiallyFulfilled, detail)
			if err := tx.Requests().Put(req); err != nil {
				return err
			}
		} else if err != nil && !isNotFound(err) {
			return err
		}
	}
	if open, err := tx.Requests().Open(a.TargetID, a.AccessPackageID); err == nil && open.AssignmentID == a.ID && open.RequestType == RequestUserExtend {
		s.addEvent(&open, EventCanceled, system, 0, "the assignment ended")
		if open.RequestState == StatePendingApproval && open.CurrentStage < len(open.Stages) {
			open.Stages[open.CurrentStage].Status = StageCanceled
		}
		s.complete(&open, StateCanceled, RequestStatusCanceled, "the assignment ended before the extension was decided")
		if err := tx.Requests().Put(open); err != nil {
			return err
		}
	} else if err != nil && !isNotFound(err) {
		return err
	}

	action, summary, event := "assignment.remove", "removed", NotifyAssignmentRemoved
	if how == endExpired {
		action, summary, event = "assignment.expire", "expired", NotifyAssignmentExpired
	}
	if err := s.audit(tx, actor, action, "assignment", a.ID, pkgName, fmt.Sprintf("%s's access %s", userLabel(tx, a.TargetID), summary)); err != nil {
		return err
	}
	if err := s.notify(tx, event, by, a.ID, []string{a.TargetID}, ""); err != nil {
		return err
	}
	if err := s.hook(tx, StageRequestRemoved, a.PolicyID, by.ID, a.ID, a.AccessPackageID, a.TargetID); err != nil {
		return err
	}
	return s.afterAccessEnded(tx, a.TargetID, a.ID, by.ID)
}

// removalRequest builds the completed request that records the end of an assignment.
func (s *Service) removalRequest(a Assignment, requestType string, actor Principal, justification string) Request {
	now := s.now()
	r := Request{
		ID: NewID(), RequestType: requestType, CatalogID: a.CatalogID, AccessPackageID: a.AccessPackageID,
		PolicyID: a.PolicyID, TargetID: a.TargetID, RequestorID: actor.UserID, AssignmentID: a.ID,
		Justification: justification, CreatedDateTime: now,
	}
	s.addEvent(&r, EventSubmitted, actor, 0, "")
	s.addEvent(&r, EventRemoved, actor, 0, "")
	s.complete(&r, StateDelivered, RequestStatusFulfilled, "")
	s.addEvent(&r, EventDelivered, actor, 0, "")
	return r
}

// applyExtension moves the end of the request's assignment to the end the request recorded.
func (s *Service) applyExtension(tx Tx, r *Request, actor Principal) error {
	now := s.now()
	a, err := tx.Assignments().Get(r.AssignmentID)
	if err != nil && !isNotFound(err) {
		return err
	}
	if live := err == nil && a.IsLive(); !live {
		s.addEvent(r, EventCanceled, system, 0, "the assignment ended")
		s.complete(r, StateCanceled, RequestStatusCanceled, "the assignment ended before the extension was applied")
		return nil
	}
	newEnd := r.Schedule.Expiration.EndDateTime
	old := a.EndDateTime()
	if old != nil && !now.Before(*old) {
		// The access ended before the extension could apply: it ends, as it would have had the
		// worker been on time, and the extension with it.
		detail := "the access ended on " + formatTime(*old) + ", before the extension was approved"
		s.addEvent(r, EventCanceled, system, 0, detail)
		s.complete(r, StateCanceled, RequestStatusCanceled, detail)
		return s.expire(tx, &a, *old)
	}
	if newEnd != nil && old != nil && !newEnd.After(*old) {
		detail := "the access already lasts until " + formatTime(*old)
		s.addEvent(r, EventDelivered, actor, 0, detail)
		s.complete(r, StateDelivered, RequestStatusFulfilled, detail)
		return nil
	}
	a.Schedule.Expiration = Expiration{Type: ExpirationNone}
	if newEnd != nil {
		a.Schedule.Expiration = Expiration{Type: ExpirationAfterDateTime, EndDateTime: newEnd}
	}
	a.ExpiredDateTime = newEnd
	a.IsExtended = true
	if a.AssignmentState == AssignmentDelivered && a.AssignmentStatus != StatusPartiallyDelivered {
		a.AssignmentStatus = StatusDelivered // reminders start over for the new end
	}
	a.DueDateTime = nextAssignmentDue(a, now)
	if err := tx.Assignments().Put(a); err != nil {
		return fmt.Errorf("extend assignment %s: %w", a.ID, err)
	}
	until := "with no end"
	if newEnd != nil {
		until = "until " + formatTime(*newEnd)
	}
	if err := s.audit(tx, actor, "assignment.extend", "assignment", a.ID, packageName(tx, a.AccessPackageID), "extended "+until); err != nil {
		return err
	}
	s.addEvent(r, EventExtended, actor, 0, until)
	s.addEvent(r, EventDelivered, actor, 0, "")
	s.complete(r, StateDelivered, RequestStatusFulfilled, "")
	return s.notify(tx, NotifyRequestDelivered, r, a.ID, []string{r.RequestorID, r.TargetID}, "extended "+until)
}

// expire ends a live assignment whose end has passed, recorded by a SystemRemove request, as the
// worker does at its end. Whoever meets such an assignment first (the worker, or an approval of
// its extension that arrives late) calls it, so the outcome never depends on the worker's lag.
func (s *Service) expire(tx Tx, a *Assignment, end time.Time) error {
	r := s.removalRequest(*a, RequestSystemRemove, system, "the access ended on "+formatTime(end))
	if err := s.endAssignment(tx, a, endExpired, &r, system); err != nil {
		return err
	}
	if err := tx.Requests().Put(r); err != nil {
		return fmt.Errorf("record expiry of %s: %w", a.ID, err)
	}
	return nil
}

// expireIfEnded expires the assignment when it is live and its end has passed, and reports
// whether it did.
func (s *Service) expireIfEnded(tx Tx, assignmentID string) (bool, error) {
	a, err := tx.Assignments().Get(assignmentID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	end := a.EndDateTime()
	if !a.IsLive() || end == nil || s.now().Before(*end) {
		return false, nil
	}
	return true, s.expire(tx, &a, *end)
}

// reminderLevel orders an assignment's notification status: 0 none sent, 1 the early reminder,
// 2 the late one.
func reminderLevel(status string) int {
	switch status {
	case StatusNearExpiry14Days:
		return 1
	case StatusNearExpiry1Day:
		return 2
	}
	return 0
}

type dueMark struct {
	at    time.Time
	level int // 1, 2 reminders; 3 the end
}

func assignmentMarks(end time.Time) []dueMark {
	return []dueMark{{end.Add(-ReminderEarly), 1}, {end.Add(-ReminderLate), 2}, {end, 3}}
}

// nextAssignmentDue returns when the worker must next look at a live assignment: the next
// reminder not yet sent that still lies ahead, or its end. Reminders whose time has already
// passed (a short assignment, a late extension) are skipped rather than sent late.
func nextAssignmentDue(a Assignment, now time.Time) *time.Time {
	end := a.EndDateTime()
	if !a.IsLive() || end == nil {
		return nil
	}
	cur := reminderLevel(a.AssignmentStatus)
	for _, m := range assignmentMarks(*end) {
		if m.level > cur && (m.at.After(now) || m.level == 3) {
			t := m.at
			return &t
		}
	}
	return nil
}

// processDueAssignment sends the reminder that is due or ends the assignment at its end, after
// re-reading it; running it twice or after a crash changes nothing further.
func (s *Service) processDueAssignment(tx Tx, id string, now time.Time) (bool, error) {
	a, err := tx.Assignments().Get(id)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if a.DueDateTime == nil || a.DueDateTime.After(now) || !a.IsLive() {
		return false, nil
	}
	end := a.EndDateTime()
	if end == nil {
		a.DueDateTime = nil
		return true, tx.Assignments().Put(a)
	}
	if !now.Before(*end) {
		return true, s.expire(tx, &a, *end)
	}
	level := 0
	for _, m := range assignmentMarks(*end)[:2] {
		if !now.Before(m.at) {
			level = m.level
		}
	}
	if level > reminderLevel(a.AssignmentStatus) && a.AssignmentState == AssignmentDelivered {
		status, lead := StatusNearExpiry14Days, "14 days"
		if level == 2 {
			status, lead = StatusNearExpiry1Day, "1 day"
		}
		a.AssignmentStatus = status
		if err := s.audit(tx, system, "assignment.remind", "assignment", a.ID, packageName(tx, a.AccessPackageID), "reminded the holder "+lead+" before the end"); err != nil {
			return false, err
		}
		if err := s.notify(tx, NotifyAssignmentExpiring, &Request{ID: a.RequestID, AccessPackageID: a.AccessPackageID, TargetID: a.TargetID}, a.ID, []string{a.TargetID}, "ends in "+lead+", on "+formatTime(*end)); err != nil {
			return false, err
		}
	}
	a.DueDateTime = nextAssignmentDue(a, now)
	if err := tx.Assignments().Put(a); err != nil {
		return false, fmt.Errorf("remind assignment %s: %w", a.ID, err)
	}
	return true, nil
}

// afterAccessEnded applies the external-user life cycle: a guest who has had access, has no live
// assignment and no open request left is blocked (BlockSignIn, BlockSignInAndDelete), and a
// GuestBlock is recorded so that the worker can delete them later and a new assignment can lift
// the block.
func (s *Service) afterAccessEnded(tx Tx, userID, assignmentID, requestID string) error {
	u, err := tx.Users().Get(userID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !u.IsGuest() || !u.AccountEnabled {
		return nil
	}
	settings, err := tx.Settings()
	if err != nil {
		return err
	}
	if settings.ExternalUserLifecycleAction != LifecycleBlockSignIn && settings.ExternalUserLifecycleAction != LifecycleBlockSignInAndDelete {
		return nil
	}
	left, err := hasAccessOrOpenRequest(tx, userID, requestID)
	if err != nil || left {
		return err
	}
	had, err := tx.Assignments().ByTarget(userID, AssignmentFilter{}, ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if had.Total == 0 {
		return nil // never had access through Steward: not the life cycle's to end
	}
	now := s.now()
	u.AccountEnabled = false
	u.BlockedDateTime = &now
	u.ModifiedDateTime = now
	u.Version = nextVersion(u.Version)
	if err := tx.Users().Put(u); err != nil {
		return fmt.Errorf("block guest %s: %w", u.ID, err)
	}
	if err := tx.GuestBlocks().Put(GuestBlock{UserID: u.ID, BlockedDateTime: now, AssignmentID: assignmentID}); err != nil {
		return fmt.Errorf("block guest %s: %w", u.ID, err)
	}
	if err := endSessionsOf(tx, u.ID); err != nil {
		return err
	}
	summary, detail := "blocked sign-in: their last access ended", ""
	if settings.ExternalUserLifecycleAction == LifecycleBlockSignInAndDelete {
		summary += fmt.Sprintf("; deletion after %d days", settings.DaysUntilExternalUserDeletedAfterBlocked)
		detail = fmt.Sprintf("%d days", settings.DaysUntilExternalUserDeletedAfterBlocked)
	}
	if err := s.audit(tx, system, "user.block", "user", u.ID, u.Label(), summary); err != nil {
		return err
	}
	return s.notify(tx, NotifyGuestBlocked, &Request{ID: requestID, TargetID: u.ID}, assignmentID, []string{u.ID}, detail)
}

// hasAccessOrOpenRequest reports whether the user holds a live assignment or has an open request
// other than except.
func hasAccessOrOpenRequest(tx Tx, userID, except string) (bool, error) {
	live, err := tx.Assignments().ByTarget(userID, AssignmentFilter{States: []AssignmentState{AssignmentDelivering, AssignmentDelivered}}, ListOptions{Limit: 1})
	if err != nil {
		return false, err
	}
	if live.Total > 0 {
		return true, nil
	}
	open, err := tx.Requests().ByTarget(userID, RequestFilter{States: OpenRequestStates()}, ListOptions{Limit: MaxPageSize})
	if err != nil {
		return false, err
	}
	for _, r := range open.Items {
		if r.ID != except {
			return true, nil
		}
	}
	return open.Total > len(open.Items), nil
}

// liftGuestBlock re-enables a guest the life cycle blocked, because they get access again.
func (s *Service) liftGuestBlock(tx Tx, u *User, actor Principal) error {
	if u.AccountEnabled {
		return nil
	}
	if _, err := tx.GuestBlocks().Get(u.ID); isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if err := tx.GuestBlocks().Delete(u.ID); err != nil {
		return err
	}
	u.AccountEnabled = true
	u.BlockedDateTime = nil
	u.ModifiedDateTime = s.now()
	u.Version = nextVersion(u.Version)
	if err := tx.Users().Put(*u); err != nil {
		return fmt.Errorf("unblock guest %s: %w", u.ID, err)
	}
	return s.audit(tx, actor, "user.unblock", "user", u.ID, u.Label(), "unblocked: they were given access again")
}

// guestOutcome is what processing one guest block came to.
type guestOutcome int

const (
	guestUntouched guestOutcome = iota // not due, or no longer the life cycle's to handle
	guestDone                          // the guest was deleted, or the block no longer applies and went
	guestWaiting                       // the guest cannot be deleted yet; the block's next attempt moved on
)

// processGuestBlock deletes a blocked guest once the settings' delay has passed and they still
// have nothing left; it re-checks everything in the transaction. A guest who cannot be deleted
// yet keeps the block with a next attempt retryAfter(attempts) away, so that the worker passes
// over them until then instead of finding them first every time.
func (s *Service) processGuestBlock(tx Tx, userID string, now time.Time, retryAfter func(attempts int) time.Duration) (guestOutcome, error) {
	b, err := tx.GuestBlocks().Get(userID)
	if isNotFound(err) {
		return guestUntouched, nil
	} else if err != nil {
		return guestUntouched, err
	}
	settings, err := tx.Settings()
	if err != nil {
		return guestUntouched, err
	}
	if settings.ExternalUserLifecycleAction != LifecycleBlockSignInAndDelete {
		return guestUntouched, nil
	}
	if due := b.BlockedDateTime.Add(time.Duration(settings.DaysUntilExternalUserDeletedAfterBlocked) * 24 * time.Hour); due.After(now) {
		if b.NextAttemptDateTime == nil {
			return guestUntouched, nil
		}
		// The delay grew since the last attempt: wait for its end, not for the backoff.
		b.NextAttemptDateTime = &due
		return guestWaiting, tx.GuestBlocks().Put(b)
	}
	u, err := tx.Users().Get(userID)
	if isNotFound(err) {
		return guestDone, tx.GuestBlocks().Delete(userID)
	} else if err != nil {
		return guestUntouched, err
	}
	if u.AccountEnabled {
		// Someone re-enabled the account by hand: the life cycle no longer applies.
		return guestDone, tx.GuestBlocks().Delete(userID)
	}
	busy, err := hasAccessOrOpenRequest(tx, userID, "")
	if err != nil {
		return guestUntouched, err
	}
	if busy {
		return guestWaiting, putOffGuestBlock(tx, b, now, "they have access or an open request", retryAfter)
	}
	roles, err := tx.AssignmentRoles().BySubject(userID)
	if err != nil {
		return guestUntouched, err
	}
	if len(roles) > 0 {
		return guestWaiting, putOffGuestBlock(tx, b, now, "a role removal in an origin system is still under way", retryAfter)
	}
	if _, err := deleteTokensOf(tx, userID); err != nil {
		return guestUntouched, err
	}
	if err := tx.Users().Delete(userID); err != nil {
		return guestUntouched, fmt.Errorf("delete guest %s: %w", userID, err)
	}
	if err := tx.GuestBlocks().Delete(userID); err != nil {
		return guestUntouched, err
	}
	return guestDone, s.audit(tx, system, "user.delete", "user", userID, u.Label(),
		fmt.Sprintf("deleted external user %d days after their sign-in was blocked", settings.DaysUntilExternalUserDeletedAfterBlocked))
}

// putOffGuestBlock counts an attempt that could not delete the guest and moves the block's next
// attempt retryAfter(attempts) past now.
func putOffGuestBlock(tx Tx, b GuestBlock, now time.Time, why string, retryAfter func(attempts int) time.Duration) error {
	b.Attempts++
	next := now.Add(retryAfter(b.Attempts))
	b.NextAttemptDateTime, b.LastError = &next, why
	if err := tx.GuestBlocks().Put(b); err != nil {
		return fmt.Errorf("put off deleting guest %s: %w", b.UserID, err)
	}
	return nil
}

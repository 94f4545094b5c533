package entitlement

import (
	"context"
	"fmt"
	"strings"
)

// The administrators' way out of work that is stuck: a request that waits for nobody, a role a
// connector gave up on, a sign-in that must end now. Each is audited.

// AdminCancelRequest cancels another person's request in any open state, with a reason that the
// requestor and the approvers are told. What waited on it goes with it: the approvers' queues and
// the due index (the request is final), a delivery under way (its assignment is ended and the
// roles already granted are revoked), and a guest left with nothing meets the external-user life
// cycle. Administrators may, and so may the catalog's owners, access package managers and
// assignment managers, who can already add and remove its assignments.
func (s *Service) AdminCancelRequest(ctx context.Context, id, reason string) error {
	reason = strings.TrimSpace(reason)
	return s.write(ctx, func(tx Tx, a *access) error {
		r, err := tx.Requests().Get(id)
		if isNotFound(err) || err == nil && !canReadRequest(a, r) {
			return notFoundAs("requestNotFound", "request", id)
		} else if err != nil {
			return fmt.Errorf("cancel request %s: %w", id, err)
		}
		if !a.canManageAssignments(r.CatalogID) {
			return forbidden("only administrators and the catalog's owners, access package managers and assignment managers can cancel other people's requests")
		}
		switch {
		case reason == "":
			return invalid("invalidReason", "reason", "say why the request is canceled; the requestor and the approvers are told")
		case len(reason) > MaxJustification:
			return invalid("invalidReason", "reason", "use at most %d characters", MaxJustification)
		}
		if !r.IsOpen() {
			return conflict("notCancelable", "the request is already %s and can no longer be canceled", stateWords(r.RequestState))
		}
		waiting := r.PendingApprovers()
		if r.RequestState == StatePendingApproval && r.CurrentStage < len(r.Stages) {
			r.Stages[r.CurrentStage].Status = StageCanceled
		}
		delivering := r.RequestState == StateDelivering
		s.addEvent(&r, EventCanceled, a.p, 0, reason)
		if err := s.audit(tx, a.p, "request.cancel", "request", r.ID, packageName(tx, r.AccessPackageID), "canceled for the requestor: "+reason); err != nil {
			return err
		}
		if err := s.notify(tx, NotifyRequestCanceled, &r, "", append(waiting, r.RequestorID, r.TargetID), "canceled by "+a.p.Name+": "+reason); err != nil {
			return err
		}
		// The timeline says who; the status detail, shown beside the state in lists, says why.
		if err := s.finishUndelivered(tx, &r, StateCanceled, RequestStatusCanceled, reason, a.p); err != nil {
			return err
		}
		// Stored before the assignment ends, so that ending it finds the request final and does
		// not record it as partly delivered.
		if err := tx.Requests().Put(r); err != nil {
			return fmt.Errorf("cancel request %s: %w", r.ID, err)
		}
		if !delivering || r.AssignmentID == "" {
			return nil
		}
		asg, err := tx.Assignments().Get(r.AssignmentID)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return fmt.Errorf("cancel request %s: %w", r.ID, err)
		}
		if !asg.IsLive() {
			return nil
		}
		return s.endAssignment(tx, &asg, endRemoved, &r, a.p)
	})
}

// UserResourceRoles lists the resource roles a user holds or is losing through assignments, with
// their provisioning state, for the directory's user page; only administrators may.
func (s *Service) UserResourceRoles(ctx context.Context, userID string) ([]AssignmentResourceRole, error) {
	var out []AssignmentResourceRole
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see other people's resource roles"); err != nil {
			return err
		}
		if _, err := getUser(tx, userID); err != nil {
			return err
		}
		var err error
		out, err = tx.AssignmentRoles().BySubject(userID)
		if err != nil {
			return fmt.Errorf("resource roles of %s: %w", userID, err)
		}
		return nil
	})
	return out, err
}

// RetryAssignmentRole provisions again a resource role whose provisioning ran out of attempts
// (status Failed): the role waits again and a new add goes through the outbox, as at delivery; a
// group membership, which Steward grants itself, is granted at once. The role's open tasks are
// closed. Administrators and the owners of the resource's catalog may: they configure its
// connector.
func (s *Service) RetryAssignmentRole(ctx context.Context, roleID string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		ar, err := load("resource role", roleID, tx.AssignmentRoles().Get)
		if err != nil {
			return err
		}
		res, err := tx.Resources().Get(ar.ResourceID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if !a.isAdmin() && (res.ID == "" || !a.canManageCatalog(res.CatalogID)) {
			return forbidden("only administrators and the catalog's owners can retry provisioning")
		}
		if err := s.closeTasksOf(tx, ar.ID, "retried"); err != nil {
			return err
		}
		if ar.Status != RoleStatusFailed || len(ar.AssignmentIDs) == 0 {
			return conflict("roleNotFailed", "the role %s of %s has not failed; there is nothing to retry", ar.RoleName, ar.ResourceName)
		}
		u, err := getUser(tx, ar.SubjectID)
		if err != nil {
			return err
		}
		ar.ModifiedDateTime = s.now()
		if ar.IsMembership() {
			if err := tx.Groups().AddMember(ar.ResourceOriginID, u.ID, MemberGranted); isNotFound(err) {
				return conflict("groupGone", "the group %s no longer exists in the directory; remove it from the access package instead", ar.ResourceName)
			} else if err != nil {
				return fmt.Errorf("retry role %s: %w", ar.ID, err)
			}
			ar.Status, ar.LastError = RoleStatusFulfilled, ""
			connected, err := connectedGroup(tx, ar.ResourceID)
			if err != nil {
				return err
			}
			if connected {
				ar.Status = RoleStatusPendingFulfillment
				if err := s.enqueue(tx, OutboxProvision, "role.provision", provisionAction(ProvisionAdd, ar, u)); err != nil {
					return err
				}
			}
		} else {
			ar.Status, ar.LastError = RoleStatusPendingFulfillment, ""
			if err := s.enqueue(tx, OutboxProvision, "role.provision", provisionAction(ProvisionAdd, ar, u)); err != nil {
				return err
			}
		}
		if err := tx.AssignmentRoles().Put(ar); err != nil {
			return fmt.Errorf("retry role %s: %w", ar.ID, err)
		}
		if err := s.audit(tx, a.p, "assignmentRole.retry", "assignmentRole", ar.ID, ar.ResourceName+" "+ar.RoleName,
			"retried provisioning in "+OriginLabel(ar.OriginSystem)+" for "+u.Label()); err != nil {
			return err
		}
		if ar.Status == RoleStatusFulfilled {
			return s.settleAssignmentsOf(tx, ar)
		}
		return nil
	})
}

// SignOutEverywhere ends every session of the user at once, as blocking does, without blocking:
// for a lost laptop or a shared computer. It returns how many sessions ended. Only administrators
// may, as for blocking.
func (s *Service) SignOutEverywhere(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "sign people out"); err != nil {
			return err
		}
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		sessions, err := tx.Sessions().ByUser(u.ID)
		if err != nil {
			return fmt.Errorf("sign out %s: %w", u.ID, err)
		}
		n = len(sessions)
		if err := endSessionsOf(tx, u.ID); err != nil {
			return err
		}
		return s.audit(tx, a.p, "user.signOutEverywhere", "user", u.ID, u.Label(), fmt.Sprintf("ended %d sign-in(s)", n))
	})
	return n, err
}

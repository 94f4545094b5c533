package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxJustification is the longest justification a requestor or approver may give.
const MaxJustification = 2000

// RequestInput is an assignment request as the portal or the API submits it.
//
// UserAdd asks for access through a policy: the caller's own (TargetID empty or the caller), or
// someone else's when the policy allows requests on their behalf (see checkOnBehalf); AdminAdd assigns
// TargetID directly and needs an assignment manager of the catalog; UserRemove gives back the
// caller's own assignment (AssignmentID); AdminRemove removes anyone's (assignment manager);
// UserExtend extends AssignmentID (see ExtendAssignment). IsValidationOnly runs every check and
// writes nothing.
type RequestInput struct {
	RequestType     string
	AccessPackageID string
	PolicyID        string
	TargetID        string
	AssignmentID    string
	Justification   string
	Schedule        Schedule
	// Answers answer the policy's questions, by question id.
	Answers          map[string]string
	IsValidationOnly bool
}

// SubmitRequest validates and records a request and carries it as far as it can go at once: a
// request that needs approval starts its first stage (PendingApproval), one with a future start
// waits (Scheduled), any other is delivered in the same transaction. Remove requests complete at
// once. AdminAdd requests are direct assignments and skip the policy's approval, as in Entra.
//
// Field problems come back as a *ValidationError, refusals by a rule as a *RuleError, each with
// its own code. With IsValidationOnly the returned request is what would have been recorded; it
// has no id and nothing is stored.
func (s *Service) SubmitRequest(ctx context.Context, in RequestInput) (Request, error) {
	p, err := principal(ctx)
	if err != nil {
		return Request{}, err
	}
	in.Justification = strings.TrimSpace(in.Justification)
	if len(in.Justification) > MaxJustification {
		return Request{}, invalid("justificationTooLong", "justification", "use at most %d characters", MaxJustification)
	}
	switch in.RequestType {
	case RequestUserAdd, RequestAdminAdd:
		return s.submitAdd(ctx, p, in)
	case RequestUserRemove, RequestAdminRemove:
		return s.submitRemove(ctx, p, in)
	case RequestUserExtend:
		return s.extend(ctx, p, in.AssignmentID, in.Justification, in.Schedule, in.IsValidationOnly)
	case RequestSystemRemove:
		return Request{}, invalid("invalidRequestType", "requestType", "SystemRemove requests are made by Steward itself when access ends")
	}
	return Request{}, invalid("invalidRequestType", "requestType", "choose UserAdd, AdminAdd, UserRemove, AdminRemove or UserExtend")
}

// runFor returns the transaction a submission runs in: a read-only one when it only validates,
// so that a check writes nothing, takes no write lock and does not wake the worker.
func (s *Service) runFor(validationOnly bool) func(context.Context, func(Tx) error) error {
	if validationOnly {
		return s.store.View
	}
	return s.store.Update
}

func (s *Service) submitAdd(ctx context.Context, p Principal, in RequestInput) (Request, error) {
	f := fieldErrors{}
	if in.AccessPackageID == "" {
		f.add("accessPackageId", "choose an access package")
	}
	if in.PolicyID == "" {
		f.add("assignmentPolicyId", "choose the policy to request through")
	}
	if in.RequestType == RequestAdminAdd && in.TargetID == "" {
		f.add("targetId", "choose the user who should get the access")
	}
	if err := f.err("invalidRequest"); err != nil {
		return Request{}, err
	}
	if err := checkScheduleShape(&in.Schedule); err != nil {
		return Request{}, err
	}
	var out Request
	err := s.runFor(in.IsValidationOnly)(ctx, func(tx Tx) error {
		now := s.now()
		pkg, err := tx.AccessPackages().Get(in.AccessPackageID)
		if isNotFound(err) {
			return notFoundAs("accessPackageNotFound", "access package", in.AccessPackageID)
		} else if err != nil {
			return err
		}
		pol, err := tx.Policies().Get(in.PolicyID)
		if isNotFound(err) {
			return notFoundAs("policyNotFound", "policy", in.PolicyID)
		} else if err != nil {
			return err
		}
		if pol.AccessPackageID != pkg.ID {
			return ruleError(ErrConflict, "policyMismatch", "the policy %q belongs to another access package than %q", pol.DisplayName, pkg.DisplayName)
		}
		cat, err := tx.Catalogs().Get(pkg.CatalogID)
		if err != nil {
			return fmt.Errorf("submit request: %w", err)
		}

		var target subject
		if in.RequestType == RequestUserAdd && in.TargetID != "" && in.TargetID != p.UserID {
			if target, err = loadOnBehalfTarget(tx, in.TargetID); err != nil {
				return err
			}
			acc, err := s.loadAccess(tx, p)
			if err != nil {
				return err
			}
			if err := checkOnBehalf(acc, pol, cat, target); err != nil {
				return err
			}
		} else if in.RequestType == RequestUserAdd {
			if target, err = loadSubject(tx, p.UserID); err != nil {
				return fmt.Errorf("submit request: %w", err)
			}
			if err := target.checkRequestable(pol, cat); err != nil {
				return err
			}
		} else {
			acc, err := s.loadAccess(tx, p)
			if err != nil {
				return err
			}
			if !acc.canManageAssignments(cat.ID) {
				return ruleError(ErrForbidden, "notAssignmentManager", "only owners, access package managers and assignment managers of the catalog %q can assign its packages to others", cat.DisplayName)
			}
			target, err = loadSubject(tx, in.TargetID)
			if isNotFound(err) {
				return notFoundAs("targetNotFound", "user", in.TargetID)
			} else if err != nil {
				return err
			}
			if target.user.IsServiceAccount() {
				return ruleError(ErrConflict, CodeServiceAccount, "%s is a service account; access packages are for people", target.user.Label())
			}
			if !target.user.AccountEnabled {
				if _, err := tx.GuestBlocks().Get(target.user.ID); err != nil {
					if !isNotFound(err) {
						return err
					}
					return ruleError(ErrConflict, "targetBlocked", "%s's account is blocked; unblock it before assigning access", target.user.Label())
				}
				// Blocked by the external-user life cycle: delivery lifts the block.
			}
			if !cat.IsPublished() {
				return ruleError(ErrConflict, "catalogNotPublished", "the catalog %q is not published, so its packages cannot be assigned", cat.DisplayName)
			}
			if !pol.RequestorSettings.AcceptRequests {
				return ruleError(ErrConflict, "notAcceptingRequests", "the policy %q does not accept requests at the moment", pol.DisplayName)
			}
		}
		if pol.RequestApprovalSettings.IsRequestorJustificationRequired && in.Justification == "" {
			return invalid("justificationRequired", "justification", "explain why the access is needed; this policy asks for a reason")
		}
		if _, err := checkScheduleAgainstPolicy(pol, &in.Schedule, now); err != nil {
			return err
		}
		var answers []Answer
		if in.RequestType == RequestUserAdd {
			// An administrator's direct assignment asks nothing: the questions are for requestors.
			if answers, err = checkAnswers(pol.Questions, in.Answers); err != nil {
				return err
			}
		}
		if err := checkNoDuplicate(tx, target.user, pkg); err != nil {
			return err
		}

		r := Request{
			RequestType: in.RequestType, RequestState: StateSubmitted, RequestStatus: RequestStatusAccepted,
			IsValidationOnly: in.IsValidationOnly, Justification: in.Justification, CatalogID: cat.ID,
			AccessPackageID: pkg.ID, PolicyID: pol.ID, TargetID: target.user.ID, RequestorID: p.UserID,
			Schedule: in.Schedule, Answers: answers, CreatedDateTime: now,
		}
		if in.IsValidationOnly {
			out = r
			return nil
		}
		r.ID = NewID()
		s.addEvent(&r, EventSubmitted, p, 0, in.Justification)
		summary := "asked for " + pkg.DisplayName
		switch {
		case in.RequestType == RequestAdminAdd:
			summary = fmt.Sprintf("assigned %s to %s", pkg.DisplayName, target.user.Label())
		case r.IsOnBehalf():
			summary = fmt.Sprintf("asked for %s for %s", pkg.DisplayName, target.user.Label())
		}
		summary += answersSummary(answers)
		if err := s.audit(tx, p, "request.submit", "request", r.ID, pkg.DisplayName, summary); err != nil {
			return err
		}
		if err := s.notify(tx, NotifyRequestSubmitted, &r, "", []string{r.RequestorID, r.TargetID}, ""); err != nil {
			return err
		}
		if err := s.hook(tx, StageRequestCreated, r.PolicyID, r.ID, "", r.AccessPackageID, r.TargetID); err != nil {
			return err
		}
		if in.RequestType == RequestUserAdd && pol.IsApprovalRequired() {
			s.attachStages(&r, pol)
			if err := s.startStage(tx, &r, 0, p); err != nil {
				return err
			}
		} else if err := s.proceed(tx, &r, p); err != nil {
			return err
		}
		r.DueDateTime = requestDue(r)
		if err := tx.Requests().Put(r); err != nil {
			return fmt.Errorf("submit request: %w", err)
		}
		out = r
		return nil
	})
	return out, err
}

// attachStages copies the policy's approval stages into the request, so that later changes to
// the policy do not move a request already under way.
func (s *Service) attachStages(r *Request, pol AssignmentPolicy) {
	r.PolicyStages = slices.Clone(pol.RequestApprovalSettings.ApprovalStages)
	r.Stages = make([]StageState, len(r.PolicyStages))
	for i := range r.Stages {
		r.Stages[i] = StageState{Index: i + 1, Status: StageNotStarted, Approvers: []string{}}
	}
}

// checkNoDuplicate refuses a second open add request or a second live assignment of a package.
func checkNoDuplicate(tx Tx, u User, pkg AccessPackage) error {
	if open, err := tx.Requests().Open(u.ID, pkg.ID); err == nil {
		return ruleError(ErrConflict, "duplicateRequest", "there is already an open request for %s to get %s (submitted %s, %s)", u.Label(), pkg.DisplayName, formatTime(open.CreatedDateTime), stateWords(open.RequestState))
	} else if !isNotFound(err) {
		return err
	}
	if live, err := tx.Assignments().Live(u.ID, pkg.ID); err == nil {
		until := ""
		if end := live.EndDateTime(); end != nil {
			until = " until " + formatTime(*end) + "; extend it instead"
		}
		return ruleError(ErrConflict, "alreadyAssigned", "%s already has %s%s", u.Label(), pkg.DisplayName, until)
	} else if !isNotFound(err) {
		return err
	}
	return nil
}

func stateWords(state RequestState) string {
	switch state {
	case StatePendingApproval:
		return "waiting for approval"
	case StateScheduled:
		return "scheduled"
	case StateDelivering:
		return "being delivered"
	}
	return strings.ToLower(string(state))
}

func (s *Service) submitRemove(ctx context.Context, p Principal, in RequestInput) (Request, error) {
	if in.AssignmentID == "" {
		return Request{}, invalid("invalidRequest", "assignmentId", "choose the assignment to remove")
	}
	var out Request
	err := s.runFor(in.IsValidationOnly)(ctx, func(tx Tx) error {
		a, err := tx.Assignments().Get(in.AssignmentID)
		if isNotFound(err) {
			return notFoundAs("assignmentNotFound", "assignment", in.AssignmentID)
		} else if err != nil {
			return err
		}
		if in.RequestType == RequestUserRemove {
			if a.TargetID != p.UserID {
				return ruleError(ErrForbidden, "notYourAssignment", "you can give back only your own access; an assignment manager can remove others'")
			}
		} else {
			acc, err := s.loadAccess(tx, p)
			if err != nil {
				return err
			}
			if !acc.canManageAssignments(a.CatalogID) {
				return ruleError(ErrForbidden, "notAssignmentManager", "only owners, access package managers and assignment managers of the catalog can remove its assignments")
			}
		}
		if !a.IsLive() {
			when := ""
			if a.EndedDateTime != nil {
				when = " on " + formatTime(*a.EndedDateTime)
			}
			return ruleError(ErrConflict, "assignmentNotLive", "this access already ended%s", when)
		}
		r := s.removalRequest(a, in.RequestType, p, in.Justification)
		if in.IsValidationOnly {
			out = Request{RequestType: in.RequestType, RequestState: StateSubmitted, RequestStatus: RequestStatusAccepted, IsValidationOnly: true,
				CatalogID: a.CatalogID, AccessPackageID: a.AccessPackageID, PolicyID: a.PolicyID, TargetID: a.TargetID,
				RequestorID: p.UserID, AssignmentID: a.ID, Justification: in.Justification, CreatedDateTime: r.CreatedDateTime}
			return nil
		}
		if err := s.audit(tx, p, "request.submit", "request", r.ID, packageName(tx, a.AccessPackageID), removalSummary(tx, in.RequestType, p, a.TargetID)); err != nil {
			return err
		}
		if err := s.endAssignment(tx, &a, endRemoved, &r, p); err != nil {
			return err
		}
		if err := tx.Requests().Put(r); err != nil {
			return fmt.Errorf("remove assignment: %w", err)
		}
		out = r
		return nil
	})
	return out, err
}

// ExtendAssignment asks for more time on the caller's own live assignment, when its policy allows
// extension (canExtend) and the caller is still in the policy's scope. The new end comes from the
// schedule's expiration (a date, or a duration counted from now) or, when unspecified, from the
// policy (its duration counted from now, or its fixed end), and must lie after the current end.
// With isApprovalRequiredForExtension the request goes through the policy's approval stages;
// otherwise the assignment is extended at once. The schedule's start is ignored.
func (s *Service) ExtendAssignment(ctx context.Context, assignmentID, justification string, schedule Schedule) (Request, error) {
	p, err := principal(ctx)
	if err != nil {
		return Request{}, err
	}
	justification = strings.TrimSpace(justification)
	if len(justification) > MaxJustification {
		return Request{}, invalid("justificationTooLong", "justification", "use at most %d characters", MaxJustification)
	}
	return s.extend(ctx, p, assignmentID, justification, schedule, false)
}

func (s *Service) extend(ctx context.Context, p Principal, assignmentID, justification string, schedule Schedule, validationOnly bool) (Request, error) {
	if assignmentID == "" {
		return Request{}, invalid("invalidRequest", "assignmentId", "choose the assignment to extend")
	}
	schedule.StartDateTime = nil
	if err := checkScheduleShape(&schedule); err != nil {
		return Request{}, err
	}
	var out Request
	err := s.runFor(validationOnly)(ctx, func(tx Tx) error {
		now := s.now()
		a, err := tx.Assignments().Get(assignmentID)
		if isNotFound(err) {
			return notFoundAs("assignmentNotFound", "assignment", assignmentID)
		} else if err != nil {
			return err
		}
		if a.TargetID != p.UserID {
			return ruleError(ErrForbidden, "notYourAssignment", "you can extend only your own access")
		}
		if !a.IsLive() {
			return ruleError(ErrConflict, "assignmentNotLive", "this access already ended")
		}
		if a.AssignmentState != AssignmentDelivered {
			return ruleError(ErrConflict, "assignmentNotDelivered", "this access is still being delivered; extend it once it is in place")
		}
		pol, err := tx.Policies().Get(a.PolicyID)
		if isNotFound(err) {
			return ruleError(ErrConflict, "policyDeleted", "the policy this access came through no longer exists, so it cannot be extended; request the package again")
		} else if err != nil {
			return err
		}
		if !pol.CanExtend {
			return ruleError(ErrConflict, CodeCannotExtend, "the policy %q does not let holders extend their access", pol.DisplayName)
		}
		cur := a.EndDateTime()
		if cur == nil {
			return ruleError(ErrConflict, "noExpiration", "this access does not end, so there is nothing to extend")
		}
		if !now.Before(*cur) {
			// Its end has passed; the worker has only not expired it yet.
			return ruleError(ErrConflict, "assignmentNotLive", "this access already ended on %s", formatTime(*cur))
		}
		terms := extensionTermsOf(pol, *cur)
		if !terms.IsOpen(now) {
			return ruleError(ErrConflict, CodeExtensionNotOpen, "you can extend this access from %s, %d days before it ends on %s",
				formatTime(terms.OpensAt), int(ExtensionWindow/(24*time.Hour)), formatTime(*cur))
		}
		cat, err := tx.Catalogs().Get(a.CatalogID)
		if err != nil {
			return fmt.Errorf("extend assignment: %w", err)
		}
		subj, err := loadSubject(tx, p.UserID)
		if err != nil {
			return fmt.Errorf("extend assignment: %w", err)
		}
		if subj.user.IsGuest() && !cat.IsExternallyVisible {
			return ruleError(ErrForbidden, "externalNotAllowed", "packages of the catalog %q are open to people of this organization only, not to external users", cat.DisplayName)
		}
		if !subj.inScope(pol) {
			return ruleError(ErrForbidden, "notInScope", "you are no longer among the people who may request through the policy %q, so you cannot extend this access", pol.DisplayName)
		}
		if pol.RequestApprovalSettings.IsRequestorJustificationRequired && justification == "" {
			return invalid("justificationRequired", "justification", "explain why the access is still needed; this policy asks for a reason")
		}
		// Durations, the policy's or the holder's, count from the current end.
		limit := terms.DefaultEnd
		newEnd := scheduleEnd(pol, schedule, *cur)
		if err := checkEndNotTooLate(schedule, newEnd); err != nil {
			return err
		}
		switch {
		case schedule.Expiration.Type == ExpirationNone && limit != nil:
			return invalid("scheduleBeyondPolicy", "schedule.expiration.type", "this policy gives access until %s at the latest", formatTime(*limit))
		case newEnd != nil && limit != nil && newEnd.After(limit.Add(timeSlack)):
			return invalid("scheduleBeyondPolicy", "schedule.expiration.endDateTime", "this policy gives access until %s at the latest; choose that date or an earlier one", formatTime(*limit))
		case limit != nil && !terms.AddsEnough(limit):
			return ruleError(ErrConflict, CodeNothingToExtend, "the policy %q gives access until %s at the latest, so an extension would add less than a day to your access, which ends %s",
				pol.DisplayName, formatTime(*limit), formatTime(*cur))
		case !terms.AddsEnough(newEnd):
			return ruleError(ErrConflict, CodeNothingToExtend, "your access already lasts until %s; an extension must add at least a day, so choose %s or later",
				formatTime(*cur), formatTime(terms.EarliestEnd()))
		}
		pkg, err := tx.AccessPackages().Get(a.AccessPackageID)
		if err != nil {
			return fmt.Errorf("extend assignment: %w", err)
		}
		if open, err := tx.Requests().Open(a.TargetID, a.AccessPackageID); err == nil {
			return ruleError(ErrConflict, "duplicateRequest", "there is already an open request for %s (submitted %s, %s)", pkg.DisplayName, formatTime(open.CreatedDateTime), stateWords(open.RequestState))
		} else if !isNotFound(err) {
			return err
		}
		exp := Expiration{Type: ExpirationNone}
		if newEnd != nil {
			exp = Expiration{Type: ExpirationAfterDateTime, EndDateTime: newEnd}
		}
		r := Request{
			RequestType: RequestUserExtend, RequestState: StateSubmitted, RequestStatus: RequestStatusAccepted,
			IsValidationOnly: validationOnly, Justification: justification, CatalogID: a.CatalogID,
			AccessPackageID: a.AccessPackageID, PolicyID: a.PolicyID, TargetID: a.TargetID, RequestorID: p.UserID,
			AssignmentID: a.ID, Schedule: Schedule{Expiration: exp}, ExtendsFrom: cur, CreatedDateTime: now,
		}
		if validationOnly {
			out = r
			return nil
		}
		r.ID = NewID()
		s.addEvent(&r, EventSubmitted, p, 0, justification)
		if err := s.audit(tx, p, "request.submit", "request", r.ID, pkg.DisplayName, "asked to extend their access"); err != nil {
			return err
		}
		if err := s.notify(tx, NotifyRequestSubmitted, &r, a.ID, []string{p.UserID}, ""); err != nil {
			return err
		}
		if pol.RequestApprovalSettings.IsApprovalRequiredForExtension && pol.IsApprovalRequired() {
			s.attachStages(&r, pol)
			if err := s.startStage(tx, &r, 0, p); err != nil {
				return err
			}
		} else if err := s.applyExtension(tx, &r, p); err != nil {
			return err
		}
		r.DueDateTime = requestDue(r)
		if err := tx.Requests().Put(r); err != nil {
			return fmt.Errorf("extend assignment: %w", err)
		}
		out = r
		return nil
	})
	return out, err
}

// CancelRequest cancels the caller's own request while it waits for approval or for its start.
func (s *Service) CancelRequest(ctx context.Context, id string) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		r, err := tx.Requests().Get(id)
		if isNotFound(err) {
			return notFoundAs("requestNotFound", "request", id)
		} else if err != nil {
			return err
		}
		if r.RequestorID != p.UserID {
			return ruleError(ErrForbidden, "notYourRequest", "only the person who made a request can cancel it")
		}
		if !r.IsCancelable() {
			return ruleError(ErrConflict, "notCancelable", "the request is already %s and can no longer be canceled", stateWords(r.RequestState))
		}
		var waiting []string
		if r.RequestState == StatePendingApproval {
			waiting = r.PendingApprovers()
			r.Stages[r.CurrentStage].Status = StageCanceled
		}
		s.addEvent(&r, EventCanceled, p, 0, "")
		if err := s.audit(tx, p, "request.cancel", "request", r.ID, packageName(tx, r.AccessPackageID), "canceled by the requestor"); err != nil {
			return err
		}
		if err := s.notify(tx, NotifyRequestCanceled, &r, "", append(waiting, r.RequestorID, r.TargetID), "canceled by "+p.Name); err != nil {
			return err
		}
		if err := s.finishUndelivered(tx, &r, StateCanceled, RequestStatusCanceled, "canceled by the requestor", p); err != nil {
			return err
		}
		return tx.Requests().Put(r)
	})
}

// canReadRequest: the subject, the requestor, anyone asked to approve it (now or before), and
// readers of its catalog.
func canReadRequest(a *access, r Request) bool {
	id := a.p.UserID
	return r.TargetID == id || r.RequestorID == id || a.canReadCatalog(r.CatalogID) || slices.Contains(r.AskedToApprove(), id)
}

// RequestByID returns a request the caller may read: their own, one they were asked to approve,
// or any in a catalog they may read. Others get ErrNotFound, so ids do not leak.
func (s *Service) RequestByID(ctx context.Context, id string) (Request, error) {
	p, err := principal(ctx)
	if err != nil {
		return Request{}, err
	}
	var out Request
	err = s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Requests().Get(id)
		if isNotFound(err) {
			return notFoundAs("requestNotFound", "request", id)
		} else if err != nil {
			return err
		}
		acc, err := s.loadAccess(tx, p)
		if err != nil {
			return err
		}
		if !canReadRequest(acc, r) {
			return notFoundAs("requestNotFound", "request", id)
		}
		out = r
		return nil
	})
	return out, err
}

// MyRequests lists the requests for the caller's own access, oldest first.
func (s *Service) MyRequests(ctx context.Context, f RequestFilter, opt ListOptions) (Page[Request], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Request]{}, err
	}
	var out Page[Request]
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = tx.Requests().ByTarget(p.UserID, f, opt)
		return err
	})
	return out, err
}

// WaitingForMe lists the requests whose current stage the caller may decide now, through the
// approver index (no scan).
func (s *Service) WaitingForMe(ctx context.Context, opt ListOptions) (Page[Request], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Request]{}, err
	}
	var out Page[Request]
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = tx.Requests().WaitingFor(p.UserID, opt)
		return err
	})
	return out, err
}

// StagesWaitingForMe is WaitingForMe reading only each request's RequestStages: the API's list
// of approvals shows nothing else.
func (s *Service) StagesWaitingForMe(ctx context.Context, opt ListOptions) (Page[RequestStages], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[RequestStages]{}, err
	}
	var out Page[RequestStages]
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = tx.Requests().StagesWaitingFor(p.UserID, opt)
		return err
	})
	return out, err
}

// PendingApprovalCount counts the requests waiting for the caller, for the navigation badge of
// every page: from the approver index, reading no request.
func (s *Service) PendingApprovalCount(ctx context.Context) (int, error) {
	p, err := principal(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.store.View(ctx, func(tx Tx) error {
		n, err = tx.Requests().CountWaitingFor(p.UserID)
		return err
	})
	return n, err
}

// MyAssignments lists the caller's assignments, live and past.
func (s *Service) MyAssignments(ctx context.Context, f AssignmentFilter, opt ListOptions) (Page[Assignment], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Assignment]{}, err
	}
	var out Page[Assignment]
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = tx.Assignments().ByTarget(p.UserID, f, opt)
		return err
	})
	return out, err
}

// MyLiveAssignmentsEndingFirst lists the caller's live assignments, soonest end first and
// open-ended last (ties in id order), with how many are live: only the page is read.
func (s *Service) MyLiveAssignmentsEndingFirst(ctx context.Context, opt ListOptions) (Page[Assignment], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Assignment]{}, err
	}
	var out Page[Assignment]
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = tx.Assignments().LiveByTargetEndingFirst(p.UserID, opt)
		return err
	})
	return out, err
}

// readableAssignment loads an assignment the caller may read: their own, or one in a catalog
// they may read.
func (s *Service) readableAssignment(tx Tx, p Principal, id string) (Assignment, error) {
	a, err := tx.Assignments().Get(id)
	if isNotFound(err) {
		return a, notFoundAs("assignmentNotFound", "assignment", id)
	} else if err != nil {
		return a, err
	}
	if a.TargetID == p.UserID {
		return a, nil
	}
	acc, err := s.loadAccess(tx, p)
	if err != nil {
		return a, err
	}
	if !acc.canReadCatalog(a.CatalogID) {
		return Assignment{}, notFoundAs("assignmentNotFound", "assignment", id)
	}
	return a, nil
}

// AssignmentByID returns an assignment the caller may read.
func (s *Service) AssignmentByID(ctx context.Context, id string) (Assignment, error) {
	p, err := principal(ctx)
	if err != nil {
		return Assignment{}, err
	}
	var out Assignment
	err = s.store.View(ctx, func(tx Tx) error {
		out, err = s.readableAssignment(tx, p, id)
		return err
	})
	return out, err
}

// AssignmentRolesOf returns the resource roles an assignment the caller may read currently
// holds (none once it has ended).
func (s *Service) AssignmentRolesOf(ctx context.Context, assignmentID string) ([]AssignmentResourceRole, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var out []AssignmentResourceRole
	err = s.store.View(ctx, func(tx Tx) error {
		a, err := s.readableAssignment(tx, p, assignmentID)
		if err != nil {
			return err
		}
		for _, id := range a.ResourceRoleIDs {
			ar, err := tx.AssignmentRoles().Get(id)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if slices.Contains(ar.AssignmentIDs, a.ID) {
				out = append(out, ar)
			}
		}
		return nil
	})
	return out, err
}

// packageForReaders loads a package whose catalog the caller may read.
func (s *Service) packageForReaders(tx Tx, p Principal, packageID string) (AccessPackage, error) {
	pkg, err := tx.AccessPackages().Get(packageID)
	if isNotFound(err) {
		return pkg, notFoundAs("accessPackageNotFound", "access package", packageID)
	} else if err != nil {
		return pkg, err
	}
	acc, err := s.loadAccess(tx, p)
	if err != nil {
		return pkg, err
	}
	if !acc.canReadCatalog(pkg.CatalogID) {
		return pkg, ruleError(ErrForbidden, CodeForbidden, "only people with a role in the package's catalog can see its assignments and requests")
	}
	return pkg, nil
}

// PackageAssignments lists a package's assignments, oldest first, for readers of its catalog.
// A search (opt.Search) keeps the assignments of the people whose name or e-mail it finds; it
// goes through the user search index and the package-and-person index, so its cost follows the
// people found, not the size of the package.
func (s *Service) PackageAssignments(ctx context.Context, packageID string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Assignment]{}, err
	}
	var out Page[Assignment]
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := s.packageForReaders(tx, p, packageID); err != nil {
			return err
		}
		if SearchKey(opt.Search) == "" {
			out, err = tx.Assignments().ByPackage(packageID, f, opt)
			return err
		}
		people, err := tx.Users().IDsMatching(opt.Search)
		if err != nil {
			return fmt.Errorf("search assignments: %w", err)
		}
		out, err = tx.Assignments().ByPackageAndTargets(packageID, people, f, opt)
		return err
	})
	return out, err
}

// PackageRequests lists a package's requests, oldest first, for readers of its catalog. A
// search (opt.Search) keeps the requests for the people whose name or e-mail it finds, through
// indexes as PackageAssignments does.
func (s *Service) PackageRequests(ctx context.Context, packageID string, f RequestFilter, opt ListOptions) (Page[Request], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[Request]{}, err
	}
	var out Page[Request]
	err = s.store.View(ctx, func(tx Tx) error {
		if _, err := s.packageForReaders(tx, p, packageID); err != nil {
			return err
		}
		if SearchKey(opt.Search) == "" {
			out, err = tx.Requests().ByPackage(packageID, f, opt)
			return err
		}
		people, err := tx.Users().IDsMatching(opt.Search)
		if err != nil {
			return fmt.Errorf("search requests: %w", err)
		}
		out, err = tx.Requests().ByPackageAndTargets(packageID, people, f, opt)
		return err
	})
	return out, err
}

package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Decisions an approver records on a stage.
const (
	DecisionApprove = "Approve"
	DecisionDeny    = "Deny"
)

// ReasonNoApprover is the denial reason when a stage's approvers resolve to nobody at all.
const ReasonNoApprover = "no approver could be found"

// ReasonTimedOut is the denial reason when nobody decided a stage in time.
const ReasonTimedOut = "timed out"

// ApproverPreview is one person who would be asked to approve, and why.
type ApproverPreview struct {
	UserID      string
	DisplayName string
	Email       string
	Via         string // e.g. "manager", "member of Finance approvers", "backup approver"
}

// StagePreview tells who would approve one stage if the caller requested now.
type StagePreview struct {
	Stage                 int // 1-based
	Approvers             []ApproverPreview
	EscalationApprovers   []ApproverPreview
	UsedBackup            bool     // the backup approvers are asked because the others resolve to nobody
	Notes                 []string // why, e.g. "Ada Lovelace has no manager"
	NoApprover            bool     // nobody at all: a request would be denied at once
	TimeoutInDays         int
	EscalationInMinutes   int // 0 when the stage does not escalate
	JustificationRequired bool
}

// approverSet is the result of resolving the userSets of one stage for one subject.
type approverSet struct {
	ids        []string
	via        map[string]string
	usedBackup bool
	notes      []string
}

// resolveApprovers expands userSets into enabled users: singleUser, groupMembers (every member),
// requestorManager (level 1 or 2 up the manager chain), and the internal or external sponsors of
// the subject's connected organization (group sponsors expanded). The people in exclude (the
// requestor and the subject) are never approvers. Backup entries are used only when the others
// resolve to nobody.
func resolveApprovers(tx Tx, sets []UserSet, subj subject, exclude []string) (approverSet, error) {
	res := approverSet{via: map[string]string{}}
	var primary, backup []UserSet
	for _, u := range sets {
		if u.IsBackup {
			backup = append(backup, u)
		} else {
			primary = append(primary, u)
		}
	}
	if err := res.expand(tx, primary, subj, exclude, ""); err != nil {
		return res, err
	}
	if len(res.ids) == 0 && len(backup) > 0 {
		res.usedBackup = true
		if err := res.expand(tx, backup, subj, exclude, "backup approver: "); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (res *approverSet) expand(tx Tx, sets []UserSet, subj subject, exclude []string, viaPrefix string) error {
	for _, u := range sets {
		ids, via, note, err := expandUserSet(tx, u, subj)
		if err != nil {
			return err
		}
		if note != "" {
			res.notes = append(res.notes, note)
		}
		// Why the people the set names cannot approve, said when none of them can: the note
		// explains why backups stand in ("because Manny Manager's account is blocked").
		var skipped []string
		added := false
		for _, id := range ids {
			if slices.Contains(res.ids, id) {
				added = true
				continue
			}
			if slices.Contains(exclude, id) {
				skipped = append(skipped, userLabel(tx, id)+" cannot approve their own request")
				continue
			}
			usr, err := tx.Users().Get(id)
			if isNotFound(err) {
				skipped = append(skipped, "an approver no longer exists")
				continue
			} else if err != nil {
				return err
			}
			if !usr.AccountEnabled {
				skipped = append(skipped, usr.Label()+"'s account is blocked")
				continue
			}
			if usr.IsServiceAccount() {
				skipped = append(skipped, usr.Label()+" is a service account, which approves nothing")
				continue
			}
			res.ids = append(res.ids, id)
			res.via[id] = viaPrefix + via
			added = true
		}
		if !added && note == "" {
			res.notes = append(res.notes, skipped...)
		}
	}
	return nil
}

// expandUserSet returns the user ids one userSet names for the subject, how to describe them, and
// a note when it names nobody.
func expandUserSet(tx Tx, u UserSet, subj subject) (ids []string, via, note string, err error) {
	name := subj.user.Label()
	switch u.Type {
	case UserSetSingleUser:
		return []string{u.ID}, "named approver", "", nil
	case UserSetGroupMembers:
		g, err := tx.Groups().Get(u.ID)
		if isNotFound(err) {
			return nil, "", "an approver group no longer exists", nil
		} else if err != nil {
			return nil, "", "", err
		}
		ids, err := allMembers(tx, u.ID)
		if err != nil {
			return nil, "", "", err
		}
		if len(ids) == 0 {
			note = fmt.Sprintf("the group %s has no members", g.DisplayName)
		}
		return ids, "member of " + g.DisplayName, note, nil
	case UserSetRequestorManager:
		level := max(u.ManagerLevel, 1)
		cur := subj.user
		for i := 1; i <= level; i++ {
			if cur.ManagerID == "" {
				if i == 1 {
					return nil, "", fmt.Sprintf("%s has no manager", name), nil
				}
				return nil, "", fmt.Sprintf("%s's manager %s has no manager, so there is no second-level manager", name, cur.Label()), nil
			}
			m, err := tx.Users().Get(cur.ManagerID)
			if isNotFound(err) {
				return nil, "", fmt.Sprintf("the manager recorded for %s no longer exists", cur.Label()), nil
			} else if err != nil {
				return nil, "", "", err
			}
			cur = m
		}
		if level == 2 {
			return []string{cur.ID}, "second-level manager", "", nil
		}
		return []string{cur.ID}, "manager", "", nil
	case UserSetInternalSponsors, UserSetExternalSponsors:
		kind := "internal"
		if u.Type == UserSetExternalSponsors {
			kind = "external"
		}
		if subj.org == nil {
			return nil, "", fmt.Sprintf("%s belongs to no connected organization, so there are no %s sponsors", name, kind), nil
		}
		sponsors := subj.org.InternalSponsors
		if kind == "external" {
			sponsors = subj.org.ExternalSponsors
		}
		for _, sp := range sponsors {
			if sp.Type == PrincipalGroup {
				members, err := allMembers(tx, sp.ID)
				if err != nil {
					return nil, "", "", err
				}
				ids = append(ids, members...)
				continue
			}
			ids = append(ids, sp.ID)
		}
		if len(ids) == 0 {
			note = fmt.Sprintf("%s has no %s sponsors", subj.org.DisplayName, kind)
		}
		return ids, kind + " sponsor of " + subj.org.DisplayName, note, nil
	}
	return nil, "", fmt.Sprintf("approvers of kind %q are not supported", u.Type), nil
}

// allMembers returns every member of a group, page by page.
func allMembers(tx Tx, groupID string) ([]string, error) {
	var out []string
	opt := ListOptions{Limit: MaxPageSize}
	for {
		page, err := tx.Groups().MemberIDs(groupID, opt)
		if err != nil {
			return nil, fmt.Errorf("members of group %s: %w", groupID, err)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		opt.After = page.Next
	}
}

// PreviewApprovers tells, stage by stage, who would approve if the caller requested through the
// policy now: the resolved people, whether backups stand in and why. Only callers who may request
// through the policy, and readers of its catalog, get an answer; others get ErrNotFound.
func (s *Service) PreviewApprovers(ctx context.Context, policyID string) ([]StagePreview, error) {
	return s.PreviewApproversFor(ctx, policyID, "")
}

// PreviewApproversFor is PreviewApprovers for a request the caller would make for the target:
// the approvers are resolved for the target (their manager, their organization's sponsors) and
// are neither the caller nor the target. Besides readers of the catalog, only callers who may
// request for the target through the policy get an answer.
func (s *Service) PreviewApproversFor(ctx context.Context, policyID, targetID string) ([]StagePreview, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if targetID == "" {
		targetID = p.UserID
	}
	var out []StagePreview
	err = s.store.View(ctx, func(tx Tx) error {
		pol, err := tx.Policies().Get(policyID)
		if isNotFound(err) {
			return notFoundAs("policyNotFound", "policy", policyID)
		} else if err != nil {
			return err
		}
		subj, err := loadSubject(tx, targetID)
		if isNotFound(err) && targetID != p.UserID {
			return ruleError(ErrNotFound, "policyNotFound", "policy %q does not exist", policyID)
		} else if err != nil {
			return fmt.Errorf("preview approvers: %w", err)
		}
		acc, err := s.loadAccess(tx, p)
		if err != nil {
			return err
		}
		// The preview names people and their e-mail addresses: only for those who could request
		// through the policy, and for those who manage or read its catalog. Others learn nothing,
		// not even that the policy exists.
		cat, err := tx.Catalogs().Get(pol.CatalogID)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("preview approvers: %w", err)
		}
		mayRequest := err == nil && subj.checkRequestable(pol, cat) == nil
		if targetID != p.UserID {
			mayRequest = mayRequest && mayRequestFor(acc, pol, subj)
		}
		if !mayRequest && !acc.canReadCatalog(pol.CatalogID) {
			return notFoundAs("policyNotFound", "policy", policyID)
		}
		if !pol.IsApprovalRequired() {
			return nil
		}
		exclude := []string{p.UserID, targetID}
		for i, st := range pol.RequestApprovalSettings.ApprovalStages {
			prim, err := resolveApprovers(tx, st.PrimaryApprovers, subj, exclude)
			if err != nil {
				return err
			}
			sp := StagePreview{
				Stage: i + 1, UsedBackup: prim.usedBackup, Notes: prim.notes, NoApprover: len(prim.ids) == 0,
				TimeoutInDays: st.ApprovalStageTimeOutInDays, JustificationRequired: st.IsApproverJustificationRequired,
			}
			if sp.Approvers, err = previews(tx, prim); err != nil {
				return err
			}
			if st.IsEscalationEnabled {
				sp.EscalationInMinutes = st.EscalationTimeInMinutes
				esc, err := resolveApprovers(tx, st.EscalationApprovers, subj, exclude)
				if err != nil {
					return err
				}
				if sp.EscalationApprovers, err = previews(tx, esc); err != nil {
					return err
				}
			}
			out = append(out, sp)
		}
		return nil
	})
	return out, err
}

func previews(tx Tx, set approverSet) ([]ApproverPreview, error) {
	out := make([]ApproverPreview, 0, len(set.ids))
	for _, id := range set.ids {
		u, err := tx.Users().Get(id)
		if err != nil {
			return nil, err
		}
		out = append(out, ApproverPreview{UserID: id, DisplayName: u.Label(), Email: u.Email, Via: set.via[id]})
	}
	return out, nil
}

// startStage starts stage idx of a request: its approvers are resolved now, from the stage as the
// request recorded it. When nobody at all can approve, the request is denied.
func (s *Service) startStage(tx Tx, r *Request, idx int, actor Principal) error {
	now := s.now()
	subj, err := loadSubject(tx, r.TargetID)
	if err != nil {
		return fmt.Errorf("start stage %d of request %s: %w", idx+1, r.ID, err)
	}
	def := r.PolicyStages[idx]
	exclude := []string{r.TargetID, r.RequestorID}
	prim, err := resolveApprovers(tx, def.PrimaryApprovers, subj, exclude)
	if err != nil {
		return err
	}
	st := &r.Stages[idx]
	st.Status = StagePending
	st.StartedDateTime = &now
	st.Approvers = prim.ids
	st.UsedBackup = prim.usedBackup
	st.Notes = prim.notes
	st.JustificationRequired = def.IsApproverJustificationRequired
	if def.ApprovalStageTimeOutInDays > 0 {
		t := now.Add(time.Duration(def.ApprovalStageTimeOutInDays) * 24 * time.Hour)
		st.TimeoutDateTime = &t
	}
	if def.IsEscalationEnabled && def.EscalationTimeInMinutes > 0 {
		esc, err := resolveApprovers(tx, def.EscalationApprovers, subj, exclude)
		if err != nil {
			return err
		}
		st.EscalationApprovers = esc.ids
		t := now.Add(time.Duration(def.EscalationTimeInMinutes) * time.Minute)
		st.EscalationDateTime = &t
	}
	r.CurrentStage = idx
	if len(prim.ids) == 0 {
		st.Status = StageDenied
		detail := ReasonNoApprover
		if len(prim.notes) > 0 {
			detail += ": " + strings.Join(prim.notes, "; ")
		}
		s.addEvent(r, EventNoApprover, system, idx+1, detail)
		return s.finishUndelivered(tx, r, StateDenied, RequestStatusNoApprover, ReasonNoApprover, system)
	}
	r.RequestState = StatePendingApproval
	r.RequestStatus = RequestStatusPendingApproval
	names, err := userNames(tx, prim.ids)
	if err != nil {
		return err
	}
	detail := "asked " + names
	if prim.usedBackup {
		detail += " (backup approvers"
		if len(prim.notes) > 0 {
			detail += ", because " + strings.Join(prim.notes, "; ")
		}
		detail += ")"
	}
	s.addEvent(r, EventStageStarted, actor, idx+1, detail)
	r.DueDateTime = requestDue(*r)
	return s.notify(tx, NotifyApprovalNeeded, r, "", prim.ids, fmt.Sprintf("stage %d of %d", idx+1, len(r.Stages)))
}

// requestDue returns the next moment the worker must look at the request.
func requestDue(r Request) *time.Time {
	switch r.RequestState {
	case StatePendingApproval:
		if r.CurrentStage >= len(r.Stages) {
			return nil
		}
		st := r.Stages[r.CurrentStage]
		var due *time.Time
		if !st.Escalated && st.EscalationDateTime != nil {
			due = st.EscalationDateTime
		}
		if st.TimeoutDateTime != nil && (due == nil || st.TimeoutDateTime.Before(*due)) {
			due = st.TimeoutDateTime
		}
		return due
	case StateScheduled:
		return r.Schedule.StartDateTime
	}
	return nil
}

// Decide records the caller's approval or denial of the current stage of a request. The caller
// must be an approver of that stage (escalation approvers once it has escalated) and never the
// requestor or the subject. The first decision of a stage wins: a later one gets a RuleError with
// code CodeAlreadyDecided naming who decided and when. Approving the last stage delivers the access
// (or schedules it, or applies the extension).
func (s *Service) Decide(ctx context.Context, requestID string, approve bool, justification string) (Request, error) {
	return s.DecideStage(ctx, requestID, 0, approve, justification)
}

// DecideStage is Decide for a named stage (1-based), for pages that show one stage and must not
// have a click meant for it land on the next one when someone else decided first; stage 0 means
// the current stage.
func (s *Service) DecideStage(ctx context.Context, requestID string, stage int, approve bool, justification string) (Request, error) {
	p, err := principal(ctx)
	if err != nil {
		return Request{}, err
	}
	justification = strings.TrimSpace(justification)
	if len(justification) > MaxJustification {
		return Request{}, invalid("justificationTooLong", "justification", "use at most %d characters", MaxJustification)
	}
	var out Request
	var refusal error // a refusal that must not roll back what the call did (a late timeout)
	err = s.store.Update(ctx, func(tx Tx) error {
		r, err := tx.Requests().Get(requestID)
		if isNotFound(err) {
			return notFoundAs("requestNotFound", "request", requestID)
		} else if err != nil {
			return err
		}
		if p.UserID == r.TargetID || p.UserID == r.RequestorID {
			return ruleError(ErrForbidden, "selfApproval", "you cannot approve or deny your own request")
		}
		// Catch up with what the worker has not done yet: a stage past its timeout is denied
		// (and that denial is kept, whatever this call answers), one past its escalation time
		// lets the escalation approvers decide.
		if now := s.now(); r.RequestState == StatePendingApproval && r.DueDateTime != nil && !r.DueDateTime.After(now) {
			if err := s.applyDue(tx, &r, now); err != nil {
				return err
			}
			if r.RequestState != StatePendingApproval {
				if err := tx.Requests().Put(r); err != nil {
					return fmt.Errorf("decide request %s: %w", r.ID, err)
				}
				refusal = s.whyNotDecidable(tx, r, r.CurrentStage, p.UserID, stage > 0)
				return nil
			}
		}
		// An extension of access whose end has passed comes too late: the access ends (and the
		// extension with it) as if the worker had been on time, and the approver is told so.
		if r.RequestType == RequestUserExtend && r.RequestState == StatePendingApproval {
			ended, err := s.expireIfEnded(tx, r.AssignmentID)
			if err != nil {
				return err
			}
			if ended {
				if r, err = tx.Requests().Get(r.ID); err != nil {
					return fmt.Errorf("decide request %s: %w", requestID, err)
				}
				refusal = s.whyNotDecidable(tx, r, r.CurrentStage, p.UserID, stage > 0)
				return nil
			}
		}
		idx := r.CurrentStage
		if stage > 0 {
			idx = stage - 1
		}
		if idx < 0 || idx >= len(r.Stages) {
			if len(r.Stages) == 0 {
				return ruleError(ErrForbidden, "notApprover", "this request needs no approval")
			}
			return invalid("invalidStage", "stage", "this request has %d approval stages", len(r.Stages))
		}
		if r.RequestState != StatePendingApproval || idx != r.CurrentStage || !slices.Contains(r.PendingApprovers(), p.UserID) {
			return s.whyNotDecidable(tx, r, idx, p.UserID, stage > 0)
		}
		st := &r.Stages[idx]
		if st.JustificationRequired && justification == "" {
			return invalid("justificationRequired", "justification", "give a reason for your decision; this stage asks approvers for one")
		}
		now := s.now()
		if p.Name == "" {
			p.Name = userLabel(tx, p.UserID)
		}
		st.DecidedBy, st.DecidedByName, st.DecidedDateTime, st.DecisionJustification = p.UserID, p.Name, &now, justification
		pkgName := packageName(tx, r.AccessPackageID)
		if !approve {
			st.Status, st.Decision = StageDenied, DecisionDeny
			s.addEvent(&r, EventDenied, p, idx+1, justification)
			if err := s.audit(tx, p, "request.deny", "request", r.ID, pkgName, decisionSummary(idx, len(r.Stages), justification)); err != nil {
				return err
			}
			detail := "denied by " + p.Name
			if justification != "" {
				detail += ": " + justification
			}
			if err := s.finishUndelivered(tx, &r, StateDenied, RequestStatusDenied, detail, p); err != nil {
				return err
			}
		} else {
			st.Status, st.Decision = StageApproved, DecisionApprove
			s.addEvent(&r, EventApproved, p, idx+1, justification)
			if err := s.audit(tx, p, "request.approve", "request", r.ID, pkgName, decisionSummary(idx, len(r.Stages), justification)); err != nil {
				return err
			}
			if idx+1 < len(r.Stages) {
				if err := s.startStage(tx, &r, idx+1, p); err != nil {
					return err
				}
			} else {
				if err := s.notify(tx, NotifyRequestApproved, &r, "", []string{r.RequestorID, r.TargetID}, "approved by "+p.Name); err != nil {
					return err
				}
				if err := s.hook(tx, StageRequestApproved, r.PolicyID, r.ID, "", r.AccessPackageID, r.TargetID); err != nil {
					return err
				}
				if err := s.proceed(tx, &r, p); err != nil {
					return err
				}
			}
		}
		r.DueDateTime = requestDue(r)
		if err := tx.Requests().Put(r); err != nil {
			return fmt.Errorf("decide request %s: %w", r.ID, err)
		}
		out = r
		return nil
	})
	if err == nil && refusal != nil {
		return Request{}, refusal
	}
	return out, err
}

// whyNotDecidable explains why the caller cannot decide stage idx of r now.
func (s *Service) whyNotDecidable(tx Tx, r Request, idx int, userID string, named bool) error {
	// The stage the caller was asked about: the one named, or else the latest they were asked on.
	if !named {
		idx = -1
		for i := range r.Stages {
			if wasAskedOn(r.Stages[i], userID, true) {
				idx = i
			}
		}
		if idx < 0 {
			for i := range r.Stages {
				if wasAskedOn(r.Stages[i], userID, false) {
					idx = i
				}
			}
		}
	}
	if idx < 0 || !wasAskedOn(r.Stages[idx], userID, false) {
		return ruleError(ErrForbidden, "notApprover", "you are not an approver of this request")
	}
	st := r.Stages[idx]
	switch {
	case st.DecidedBy != "":
		who := st.DecidedByName
		if st.DecidedBy == userID {
			who = "you"
		} else if who == "" {
			who = userLabel(tx, st.DecidedBy)
		}
		verb := "approved"
		if st.Decision == DecisionDeny || st.Status == StageDenied {
			verb = "denied"
		}
		return ruleError(ErrConflict, CodeAlreadyDecided, "this request was already %s by %s at %s", verb, who, formatTime(*st.DecidedDateTime))
	case st.Status == StageTimedOut:
		return ruleError(ErrConflict, CodeAlreadyDecided, "this request was already denied by Steward at %s because nobody decided in time", formatTime(*st.TimeoutDateTime))
	case r.RequestState == StateCanceled:
		return ruleError(ErrConflict, "requestCanceled", "%s", canceledWords(r))
	case st.Status == StagePending && !st.Escalated && !slices.Contains(st.Approvers, userID):
		return ruleError(ErrForbidden, "notYetEscalated", "you are asked only if the approvers do not decide by %s", formatTime(*st.EscalationDateTime))
	case !r.IsOpen():
		return ruleError(ErrConflict, "requestClosed", "this request is already %s", strings.ToLower(string(r.RequestState)))
	}
	return ruleError(ErrConflict, CodeAlreadyDecided, "this stage is no longer waiting for a decision")
}

// canceledWords says who canceled a request, when and why: the requestor, an administrator, or
// Steward itself (an extension whose access ended first).
func canceledWords(r Request) string {
	when := ""
	if r.CompletedDate != nil {
		when = " at " + formatTime(*r.CompletedDate)
	}
	for i := len(r.Events) - 1; i >= 0; i-- {
		e := r.Events[i]
		if e.Kind != EventCanceled {
			continue
		}
		switch {
		case e.ActorID == "":
			why := r.StatusDetail
			if why == "" {
				why = e.Detail
			}
			return "Steward canceled this request" + when + ": " + why
		case e.ActorID == r.RequestorID:
			return "the requestor canceled this request" + when
		case e.ActorName != "":
			return e.ActorName + " canceled this request" + when
		default:
			return "an administrator canceled this request" + when
		}
	}
	return "this request was canceled" + when
}

// wasAskedOn reports whether the user is or was an approver of the stage: a primary approver, an
// escalation approver once the stage escalated (or at all, unless onlyAsked), or its decider.
func wasAskedOn(st StageState, userID string, onlyAsked bool) bool {
	if slices.Contains(st.Approvers, userID) || st.DecidedBy == userID {
		return true
	}
	if slices.Contains(st.EscalationApprovers, userID) {
		return st.Escalated || !onlyAsked
	}
	return false
}

// processDueRequest does what is due for one request at now: escalate its stage, deny it as
// timed out, or deliver a scheduled request. It re-reads the request, so running it twice or
// after a crash changes nothing further.
func (s *Service) processDueRequest(tx Tx, id string, now time.Time) (bool, error) {
	r, err := tx.Requests().Get(id)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if r.DueDateTime == nil || r.DueDateTime.After(now) || !r.IsOpen() {
		return false, nil
	}
	if err := s.applyDue(tx, &r, now); err != nil {
		return false, err
	}
	if err := tx.Requests().Put(r); err != nil {
		return false, fmt.Errorf("process request %s: %w", r.ID, err)
	}
	return true, nil
}

// applyDue does to r, in the caller's transaction, what is due at now: escalate its stage, deny
// it as timed out, or deliver it when scheduled. The caller stores r. Besides the worker,
// DecideStage calls it, so that a decision never depends on how far the worker lags behind.
func (s *Service) applyDue(tx Tx, r *Request, now time.Time) error {
	switch r.RequestState {
	case StatePendingApproval:
		st := &r.Stages[r.CurrentStage]
		pkgName := packageName(tx, r.AccessPackageID)
		switch {
		case st.TimeoutDateTime != nil && !now.Before(*st.TimeoutDateTime):
			st.Status = StageTimedOut
			s.addEvent(r, EventTimedOut, system, r.CurrentStage+1, fmt.Sprintf("nobody decided within %d days", r.PolicyStages[r.CurrentStage].ApprovalStageTimeOutInDays))
			if err := s.audit(tx, system, "request.timeout", "request", r.ID, pkgName, fmt.Sprintf("stage %d timed out", r.CurrentStage+1)); err != nil {
				return err
			}
			if err := s.finishUndelivered(tx, r, StateDenied, RequestStatusTimedOut, ReasonTimedOut, system); err != nil {
				return err
			}
		case !st.Escalated && st.EscalationDateTime != nil && !now.Before(*st.EscalationDateTime):
			st.Escalated = true
			r.RequestStatus = RequestStatusEscalated
			var added []string
			for _, id := range st.EscalationApprovers {
				if !slices.Contains(st.Approvers, id) {
					added = append(added, id)
				}
			}
			detail := "no escalation approver could be found; the stage waits for its approvers until it times out"
			if len(added) > 0 {
				names, err := userNames(tx, added)
				if err != nil {
					return err
				}
				detail = "also asked " + names
			}
			s.addEvent(r, EventEscalated, system, r.CurrentStage+1, detail)
			if err := s.audit(tx, system, "request.escalate", "request", r.ID, pkgName, fmt.Sprintf("stage %d escalated", r.CurrentStage+1)); err != nil {
				return err
			}
			if len(added) > 0 {
				if err := s.notify(tx, NotifyRequestEscalated, r, "", added, fmt.Sprintf("stage %d of %d", r.CurrentStage+1, len(r.Stages))); err != nil {
					return err
				}
			}
		}
	case StateScheduled:
		if r.Schedule.StartDateTime == nil || !now.Before(*r.Schedule.StartDateTime) {
			if err := s.deliver(tx, r, system); err != nil {
				return err
			}
		}
	}
	r.DueDateTime = requestDue(*r)
	return nil
}

// userNames lists people by name for timeline entries, at most five and then a count.
func userNames(tx Tx, ids []string) (string, error) {
	var names []string
	for i, id := range ids {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		names = append(names, userLabel(tx, id))
	}
	return strings.Join(names, ", "), nil
}

// userLabel is the user's name, or their id when they no longer exist.
func userLabel(tx Tx, id string) string {
	u, err := tx.Users().Get(id)
	if err != nil {
		return id
	}
	return u.Label()
}

func packageName(tx Tx, id string) string {
	p, err := tx.AccessPackages().Get(id)
	if err != nil {
		return id
	}
	return p.DisplayName
}

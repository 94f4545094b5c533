package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// liveAssignmentStates are the states of assignments a review covers.
var liveAssignmentStates = []AssignmentState{AssignmentDelivering, AssignmentDelivered}

// maxReviewReason bounds a decision's reason, like a request's justification.
const maxReviewReason = 1000

// NextReviewStart is when the worker next looks at the schedule of settings r: the current
// period's review while its window is still open (an edit in the middle of a period does not skip
// it; opening is idempotent), else the next period's. r must have a start.
func NextReviewStart(r ReviewSettings, now time.Time) time.Time {
	cur, next, ok := currentReviewOccurrence(r, now)
	if ok && now.Before(cur.AddDate(0, 0, r.DurationInDays)) {
		return cur
	}
	return next
}

// syncReviewSchedule keeps the policy's review schedule in step with its settings, in the
// transaction that saves the policy.
func syncReviewSchedule(tx Tx, p AssignmentPolicy, now time.Time) error {
	r := p.AccessReviewSettings
	if r == nil || !r.IsEnabled || r.StartDateTime == nil {
		return dropReviewSchedule(tx, p.ID)
	}
	next := NextReviewStart(*r, now)
	if err := tx.ReviewSchedules().Put(ReviewSchedule{PolicyID: p.ID, NextDateTime: next}); err != nil {
		return fmt.Errorf("schedule reviews of policy %s: %w", p.ID, err)
	}
	return nil
}

func dropReviewSchedule(tx Tx, policyID string) error {
	if err := tx.ReviewSchedules().Delete(policyID); err != nil && !isNotFound(err) {
		return fmt.Errorf("drop review schedule of policy %s: %w", policyID, err)
	}
	return nil
}

// processDueSchedule opens the policy's review of the current period, when its window is still
// open and it is not open yet, and moves the schedule on to the next period. A review missed
// while the worker was down is not opened after its window closed.
func (s *Service) processDueSchedule(tx Tx, policyID string, now time.Time) (bool, error) {
	sch, err := tx.ReviewSchedules().Get(policyID)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if sch.NextDateTime.After(now) {
		return false, nil
	}
	p, err := tx.Policies().Get(policyID)
	if isNotFound(err) {
		return true, dropReviewSchedule(tx, policyID)
	} else if err != nil {
		return false, err
	}
	r := p.AccessReviewSettings
	if r == nil || !r.IsEnabled || r.StartDateTime == nil {
		return true, dropReviewSchedule(tx, policyID)
	}
	cur, next, ok := currentReviewOccurrence(*r, now)
	if ok && now.Before(cur.AddDate(0, 0, r.DurationInDays)) {
		if _, err := tx.Reviews().Occurrence(p.ID, cur); isNotFound(err) {
			if err := s.openScheduledReview(tx, p, cur, now); err != nil {
				return false, err
			}
		} else if err != nil {
			return false, err
		}
	}
	sch.NextDateTime = next
	if err := tx.ReviewSchedules().Put(sch); err != nil {
		return false, fmt.Errorf("advance review schedule of policy %s: %w", p.ID, err)
	}
	return true, nil
}

// openScheduledReview opens the policy's review that starts at start, over the live assignments
// made through the policy. A period with nothing to review opens no review.
func (s *Service) openScheduledReview(tx Tx, p AssignmentPolicy, start, now time.Time) error {
	pkg, err := getPackage(tx, p.AccessPackageID)
	if err != nil {
		return fmt.Errorf("open review of policy %s: %w", p.ID, err)
	}
	as, err := CollectAll(func(o ListOptions) (Page[Assignment], error) {
		return tx.Assignments().ByPackage(pkg.ID, AssignmentFilter{States: liveAssignmentStates, PolicyID: p.ID}, o)
	})
	if err != nil {
		return fmt.Errorf("open review of policy %s: %w", p.ID, err)
	}
	if len(as) == 0 {
		return nil
	}
	r := p.AccessReviewSettings
	rev := Review{
		ID: NewID(), DisplayName: fmt.Sprintf("%s: review of %s", pkg.DisplayName, start.Format("2 Jan 2006")),
		CatalogID: pkg.CatalogID, PolicyID: p.ID, AccessPackageIDs: []string{pkg.ID},
		ReviewerType: r.ReviewerType, Reviewers: slices.Clone(r.Reviewers), TimeoutBehavior: r.AccessReviewTimeoutBehavior,
		StartDateTime: start, EndDateTime: start.AddDate(0, 0, r.DurationInDays), CreatedBy: "Steward", CreatedDateTime: now,
	}
	return s.openReview(tx, &rev, as, system, fmt.Sprintf("opened the scheduled review of the policy %q", p.DisplayName))
}

// openReview writes the review and one item per assignment, tells the reviewers, and audits.
func (s *Service) openReview(tx Tx, rev *Review, as []Assignment, actor Principal, summary string) error {
	now := s.now()
	if rev.TimeoutBehavior == "" {
		rev.TimeoutBehavior = ReviewTimeoutKeep
	}
	rev.Status = ReviewInProgress
	rev.ReminderDateTime = reviewReminder(rev.StartDateTime, rev.EndDateTime)
	rev.Total = len(as)
	rev.DueDateTime = reviewDue(*rev)
	policies := map[string]*AssignmentPolicy{}
	var reviewers []string
	for _, a := range as {
		d, err := s.reviewItem(tx, *rev, a, now, policies)
		if err != nil {
			return fmt.Errorf("open review %s: %w", rev.DisplayName, err)
		}
		if err := tx.ReviewDecisions().Put(d); err != nil {
			return fmt.Errorf("open review %s: %w", rev.DisplayName, err)
		}
		reviewers = append(reviewers, d.Reviewers...)
	}
	if err := tx.Reviews().Put(*rev); err != nil {
		return fmt.Errorf("open review %s: %w", rev.DisplayName, err)
	}
	if err := s.audit(tx, actor, "review.open", "review", rev.ID, rev.DisplayName,
		fmt.Sprintf("%s: %d assignment(s), open until %s", summary, rev.Total, formatTime(rev.EndDateTime))); err != nil {
		return err
	}
	return s.notifyReview(tx, NotifyReviewOpened, *rev, reviewers, "open until "+formatTime(rev.EndDateTime))
}

// reviewItem builds the item of one assignment: its reviewers, what they see, and the
// recommendation. policies caches the policies met so far, nil for one that no longer exists.
func (s *Service) reviewItem(tx Tx, rev Review, a Assignment, now time.Time, policies map[string]*AssignmentPolicy) (ReviewDecision, error) {
	subj, err := loadSubject(tx, a.TargetID)
	if isNotFound(err) {
		subj = subject{user: User{ID: a.TargetID}}
	} else if err != nil {
		return ReviewDecision{}, err
	}
	reviewers, note, err := reviewersOf(tx, rev, subj)
	if err != nil {
		return ReviewDecision{}, err
	}
	pol, seen := policies[a.PolicyID]
	if !seen {
		p, err := tx.Policies().Get(a.PolicyID)
		if err != nil && !isNotFound(err) {
			return ReviewDecision{}, err
		}
		if err == nil {
			pol = &p
		}
		policies[a.PolicyID] = pol
	}
	var inScope *bool
	if pol != nil {
		in := subj.inScope(*pol)
		inScope = &in
	}
	rec, why := recommend(subj.user, inScope, now)
	since := a.CreatedDateTime
	if a.Schedule.StartDateTime != nil {
		since = *a.Schedule.StartDateTime
	}
	just, err := lastJustification(tx, a)
	if err != nil {
		return ReviewDecision{}, err
	}
	return ReviewDecision{
		ID: NewID(), ReviewID: rev.ID, CatalogID: a.CatalogID, AccessPackageID: a.AccessPackageID, PolicyID: a.PolicyID,
		AssignmentID: a.ID, TargetID: a.TargetID, Reviewers: reviewers, ReviewersNote: note, Open: true,
		AssignedSince: since, AssignmentEnds: a.EndDateTime(), Justification: just, LastSignInDateTime: subj.user.LastSignInDateTime,
		Recommendation: rec, RecommendationNote: why,
	}, nil
}

// reviewersOf resolves who reviews the subject's access. Nobody reviews their own access except
// in a self-review; a manager review falls back to the named reviewers.
func reviewersOf(tx Tx, rev Review, subj subject) ([]string, string, error) {
	holder := subj.user.ID
	named := func() ([]string, error) {
		var out []string
		for _, set := range rev.Reviewers {
			ids, _, _, err := expandUserSet(tx, set, subj)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if id != holder && !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
		return out, nil
	}
	switch rev.ReviewerType {
	case ReviewerSelf:
		return []string{holder}, "", nil
	case ReviewerManager:
		ids, _, why, err := expandUserSet(tx, UserSet{Type: UserSetRequestorManager, ManagerLevel: 1}, subj)
		if err != nil {
			return nil, "", err
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return id == holder })
		if len(ids) > 0 {
			return ids, "", nil
		}
		fallback, err := named()
		if err != nil {
			return nil, "", err
		}
		if why == "" {
			why = subj.user.Label() + " is their own manager"
		}
		if len(fallback) == 0 {
			return nil, why + ", and no fallback reviewer could be found", nil
		}
		return fallback, why + ", so a fallback reviewer decides", nil
	}
	ids, err := named()
	if err != nil {
		return nil, "", err
	}
	if len(ids) == 0 {
		return nil, "no reviewer could be found other than the holder", nil
	}
	return ids, "", nil
}

// lastJustification is the justification of the holder's latest request for the package that
// gave one.
func lastJustification(tx Tx, a Assignment) (string, error) {
	opt := ListOptions{Limit: MaxPageSize, Desc: true}
	for range 5 {
		p, err := tx.Requests().ByTarget(a.TargetID, RequestFilter{}, opt)
		if err != nil {
			return "", fmt.Errorf("read requests of %s: %w", a.TargetID, err)
		}
		for _, r := range p.Items {
			if r.AccessPackageID == a.AccessPackageID && strings.TrimSpace(r.Justification) != "" &&
				(r.RequestType == RequestUserAdd || r.RequestType == RequestAdminAdd || r.RequestType == RequestUserExtend) {
				return r.Justification, nil
			}
		}
		if p.Next == "" {
			break
		}
		opt.After = p.Next
	}
	return "", nil
}

// processDueReview reminds the reviewers who have not decided yet, or closes the review at its
// end, after re-reading it; running it twice or after a crash changes nothing further.
func (s *Service) processDueReview(tx Tx, id string, now time.Time) (bool, error) {
	rev, err := tx.Reviews().Get(id)
	if isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if rev.DueDateTime == nil || rev.DueDateTime.After(now) || rev.Status != ReviewInProgress {
		return false, nil
	}
	if !now.Before(rev.EndDateTime) {
		return true, s.closeReview(tx, &rev, now)
	}
	items, err := CollectAll(func(o ListOptions) (Page[ReviewDecision], error) { return tx.ReviewDecisions().ByReview(rev.ID, o) })
	if err != nil {
		return false, fmt.Errorf("remind review %s: %w", rev.ID, err)
	}
	var waiting []string
	for _, d := range items {
		waiting = append(waiting, d.PendingFor()...)
	}
	rev.Reminded = true
	rev.DueDateTime = reviewDue(rev)
	if err := tx.Reviews().Put(rev); err != nil {
		return false, fmt.Errorf("remind review %s: %w", rev.ID, err)
	}
	return true, s.notifyReview(tx, NotifyReviewReminder, rev, waiting, "closes on "+formatTime(rev.EndDateTime))
}

// closeReview applies the review: assignments decided "remove", and undecided ones when the
// review says so, are removed by a SystemRemove request naming the review; their roles go
// ref-counted, as at any other end. Every item records what became of its assignment.
func (s *Service) closeReview(tx Tx, rev *Review, now time.Time) error {
	items, err := CollectAll(func(o ListOptions) (Page[ReviewDecision], error) { return tx.ReviewDecisions().ByReview(rev.ID, o) })
	if err != nil {
		return fmt.Errorf("close review %s: %w", rev.ID, err)
	}
	var told []string
	removed, kept := 0, 0
	for _, d := range items {
		told = append(told, d.Reviewers...)
		remove := d.Decision == DecisionRemove || d.Decision == "" && rev.TimeoutBehavior == ReviewTimeoutRemove
		a, err := tx.Assignments().Get(d.AssignmentID)
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("close review %s: %w", rev.ID, err)
		}
		switch {
		case err != nil || !a.IsLive():
			d.Outcome = OutcomeAlreadyEnded
		case remove:
			why := d.Reason
			if d.Decision == "" {
				why = "nobody decided, and the review removes undecided access"
			}
			r := s.removalRequest(a, RequestSystemRemove, system, fmt.Sprintf("removed by the access review %q: %s", rev.DisplayName, why))
			if err := s.endAssignment(tx, &a, endRemoved, &r, system); err != nil {
				return fmt.Errorf("close review %s: %w", rev.ID, err)
			}
			if err := tx.Requests().Put(r); err != nil {
				return fmt.Errorf("close review %s: record removal: %w", rev.ID, err)
			}
			d.Outcome = OutcomeRemoved
			removed++
		default:
			d.Outcome = OutcomeKept
			kept++
		}
		d.Open = false
		if err := tx.ReviewDecisions().Put(d); err != nil {
			return fmt.Errorf("close review %s: %w", rev.ID, err)
		}
	}
	rev.Status = ReviewCompleted
	rev.CompletedAt = &now
	rev.Removed = removed
	rev.DueDateTime = nil
	if err := tx.Reviews().Put(*rev); err != nil {
		return fmt.Errorf("close review %s: %w", rev.ID, err)
	}
	results := fmt.Sprintf("%d of %d decided; %d kept, %d removed", rev.Decided, rev.Total, kept, removed)
	if err := s.audit(tx, system, "review.complete", "review", rev.ID, rev.DisplayName, "closed the review: "+results); err != nil {
		return err
	}
	return s.notifyReview(tx, NotifyReviewCompleted, *rev, append(told, rev.CreatedByID), results)
}

// notifyReview writes a review notification to the outbox.
func (s *Service) notifyReview(tx Tx, event string, rev Review, recipients []string, detail string) error {
	n := Notification{Event: event, ReviewID: rev.ID, Detail: rev.DisplayName + ": " + detail}
	if len(rev.AccessPackageIDs) == 1 {
		n.AccessPackageID = rev.AccessPackageIDs[0]
		n.PackageName = packageName(tx, n.AccessPackageID)
	}
	return s.sendNotification(tx, n, recipients)
}

// ReviewInput starts a one-off review: of one package's assignments, or, with CatalogID and no
// AccessPackageID, of every package of a catalog.
type ReviewInput struct {
	AccessPackageID string
	CatalogID       string
	ReviewerType    string
	Reviewers       []UserSet
	DurationInDays  int
	TimeoutBehavior string
}

// StartReview starts a one-off review now, for an audit that does not wait for the schedule.
// Administrators and the catalog's owners, access package managers and assignment managers may.
func (s *Service) StartReview(ctx context.Context, in ReviewInput) (Review, error) {
	var out Review
	err := s.write(ctx, func(tx Tx, a *access) error {
		var pkgs []AccessPackage
		var scopeName, catalogID string
		if in.AccessPackageID != "" {
			pkg, err := getPackage(tx, in.AccessPackageID)
			if err != nil {
				return err
			}
			pkgs, scopeName, catalogID = []AccessPackage{pkg}, pkg.DisplayName, pkg.CatalogID
		} else {
			c, err := getCatalog(tx, in.CatalogID)
			if err != nil {
				return err
			}
			scopeName, catalogID = "catalog "+c.DisplayName, c.ID
			if pkgs, err = CollectAll(func(o ListOptions) (Page[AccessPackage], error) { return tx.AccessPackages().ByCatalog(c.ID, o) }); err != nil {
				return fmt.Errorf("start review: %w", err)
			}
		}
		if !a.canManageAssignments(catalogID) {
			return forbidden("only administrators and the owners, access package managers and assignment managers of the catalog can start a review of %s", scopeName)
		}
		if err := s.checkReviewInput(tx, &in); err != nil {
			return err
		}
		var as []Assignment
		var ids []string
		for _, p := range pkgs {
			ids = append(ids, p.ID)
			live, err := CollectAll(func(o ListOptions) (Page[Assignment], error) {
				return tx.Assignments().ByPackage(p.ID, AssignmentFilter{States: liveAssignmentStates}, o)
			})
			if err != nil {
				return fmt.Errorf("start review: %w", err)
			}
			as = append(as, live...)
		}
		if len(as) == 0 {
			return conflict("nothingToReview", "nobody holds %s at the moment, so there is nothing to review", scopeName)
		}
		now := s.now()
		out = Review{
			ID: NewID(), DisplayName: fmt.Sprintf("%s: review started on %s", scopeName, now.Format("2 Jan 2006")), CatalogID: catalogID,
			AccessPackageIDs: ids, ReviewerType: in.ReviewerType, Reviewers: in.Reviewers, TimeoutBehavior: in.TimeoutBehavior,
			StartDateTime: now, EndDateTime: now.AddDate(0, 0, in.DurationInDays),
			CreatedBy: actorLabel(a.p), CreatedByID: a.p.UserID, CreatedDateTime: now,
		}
		return s.openReview(tx, &out, as, a.p, "started a review of "+scopeName)
	})
	return out, err
}

// checkReviewInput validates a one-off review's settings with the rules of a policy's.
func (s *Service) checkReviewInput(tx Tx, in *ReviewInput) error {
	f := fieldErrors{}
	in.Reviewers = slices.Clone(in.Reviewers)
	if in.DurationInDays < 1 || in.DurationInDays > 180 {
		f.add("durationInDays", "enter how many days the review stays open, from 1 to 180")
	}
	switch in.TimeoutBehavior {
	case "":
		in.TimeoutBehavior = ReviewTimeoutKeep
	case ReviewTimeoutKeep, ReviewTimeoutRemove:
	default:
		f.add("timeoutBehavior", "choose whether access nobody decides on is kept or removed")
	}
	var storeErr error
	ref := func(u *UserSet) error {
		var err error
		switch u.Type {
		case UserSetSingleUser:
			var x User
			if x, err = tx.Users().Get(u.ID); err == nil {
				u.Description = x.Label()
			}
		case UserSetGroupMembers:
			var x Group
			if x, err = tx.Groups().Get(u.ID); err == nil {
				u.Description = x.DisplayName
			}
		}
		if isNotFound(err) {
			return fmt.Errorf("%s is no longer in the directory; choose another", userSetKindLabel(u.Type))
		} else if err != nil {
			storeErr = err
		}
		return err
	}
	switch in.ReviewerType {
	case ReviewerSelf:
		in.Reviewers = nil
	case ReviewerReviewers, ReviewerManager:
		if len(in.Reviewers) == 0 {
			f.add("reviewers", "add at least one reviewer")
		}
		checkUserSets(f, "reviewers", in.Reviewers, []string{UserSetSingleUser, UserSetGroupMembers}, false, ref)
	default:
		f.add("reviewerType", "choose who reviews: the holders themselves, their managers or named reviewers")
	}
	if storeErr != nil {
		return fmt.Errorf("check reviewers: %w", storeErr)
	}
	return f.err("invalidReview")
}

// DecideReview records the caller's decision, keep or remove, with its reason, on review items
// they are a reviewer of, while the review is open. A decision may be changed until it closes.
func (s *Service) DecideReview(ctx context.Context, itemIDs []string, decision, reason string) ([]ReviewDecision, error) {
	reason = strings.TrimSpace(reason)
	f := fieldErrors{}
	if decision != DecisionKeep && decision != DecisionRemove {
		f.add("decision", "choose whether to keep or remove the access")
	}
	if reason == "" {
		f.add("reason", "say why, for the record of the review")
	} else if len(reason) > maxReviewReason {
		f.add("reason", "use at most %d characters", maxReviewReason)
	}
	if len(itemIDs) == 0 {
		f.add("items", "choose at least one person's access to decide on")
	}
	if err := f.err("invalidDecision"); err != nil {
		return nil, err
	}
	var out []ReviewDecision
	err := s.write(ctx, func(tx Tx, a *access) error {
		out = out[:0]
		for _, id := range itemIDs {
			d, err := s.decideItem(tx, a.p, id, decision, reason)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// AcceptRecommendations decides every item of the review still waiting for the caller as
// recommended, giving the recommendation as the reason, and returns how many it decided.
func (s *Service) AcceptRecommendations(ctx context.Context, reviewID string) (int, error) {
	n := 0
	err := s.write(ctx, func(tx Tx, a *access) error {
		n = 0
		rev, err := load("review", reviewID, tx.Reviews().Get)
		if err != nil {
			return err
		}
		mine, err := CollectAll(func(o ListOptions) (Page[ReviewDecision], error) { return tx.ReviewDecisions().Pending(a.p.UserID, o) })
		if err != nil {
			return fmt.Errorf("accept recommendations: %w", err)
		}
		for _, d := range mine {
			if d.ReviewID != rev.ID {
				continue
			}
			verb := "keep"
			if d.Recommendation == DecisionRemove {
				verb = "remove"
			}
			why := fmt.Sprintf("accepted the recommendation to %s: %s %s", verb, userLabel(tx, d.TargetID), d.RecommendationNote)
			if _, err := s.decideItem(tx, a.p, d.ID, d.Recommendation, why); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return conflict("nothingToDecide", "nothing in the review %q waits for your decision", rev.DisplayName)
		}
		return nil
	})
	return n, err
}

// decideItem checks and records one decision in the caller's transaction.
func (s *Service) decideItem(tx Tx, p Principal, id, decision, reason string) (ReviewDecision, error) {
	now := s.now()
	d, err := load("review item", id, tx.ReviewDecisions().Get)
	if err != nil {
		return d, err
	}
	if !slices.Contains(d.Reviewers, p.UserID) {
		return d, forbidden("you are not a reviewer of this access")
	}
	rev, err := load("review", d.ReviewID, tx.Reviews().Get)
	if err != nil {
		return d, err
	}
	if !rev.IsOpen(now) || !d.Open {
		return d, conflict("reviewClosed", "the review %q closed on %s; decisions can no longer change", rev.DisplayName, formatTime(rev.EndDateTime))
	}
	if d.Decision == "" {
		rev.Decided++
		if err := tx.Reviews().Put(rev); err != nil {
			return d, fmt.Errorf("decide review item %s: %w", id, err)
		}
	}
	d.Decision, d.Reason, d.DecidedBy, d.DecidedByName, d.DecidedDateTime = decision, reason, p.UserID, p.Name, &now
	if err := tx.ReviewDecisions().Put(d); err != nil {
		return d, fmt.Errorf("decide review item %s: %w", id, err)
	}
	verb := "keep"
	if decision == DecisionRemove {
		verb = "remove"
	}
	return d, s.audit(tx, p, "review.decide", "review", rev.ID, rev.DisplayName,
		fmt.Sprintf("decided to %s %s's access: %s", verb, userLabel(tx, d.TargetID), reason))
}

// ReviewItemView is a review item with the names a page shows.
type ReviewItemView struct {
	ReviewDecision
	Holder        PersonRef
	PackageName   string
	ReviewName    string
	ReviewEnds    time.Time
	ReviewerNames []string
}

// MyReviewItems lists the open, undecided review items waiting for the caller.
func (s *Service) MyReviewItems(ctx context.Context, opt ListOptions) (Page[ReviewItemView], error) {
	var out Page[ReviewItemView]
	err := s.read(ctx, func(tx Tx, a *access) error {
		p, err := tx.ReviewDecisions().Pending(a.p.UserID, opt)
		if err != nil {
			return fmt.Errorf("list review items: %w", err)
		}
		out = Page[ReviewItemView]{Next: p.Next, Prev: p.Prev, Total: p.Total}
		out.Items, err = s.describeReviewItems(tx, p.Items)
		return err
	})
	return out, err
}

// ReviewItemsByID returns review items the caller is a reviewer of, as they are now, for a page
// that shows a decision just made.
func (s *Service) ReviewItemsByID(ctx context.Context, ids []string) ([]ReviewItemView, error) {
	var out []ReviewItemView
	err := s.read(ctx, func(tx Tx, a *access) error {
		var ds []ReviewDecision
		for _, id := range ids {
			d, err := load("review item", id, tx.ReviewDecisions().Get)
			if err != nil {
				return err
			}
			if !slices.Contains(d.Reviewers, a.p.UserID) {
				return forbidden("you are not a reviewer of this access")
			}
			ds = append(ds, d)
		}
		var err error
		out, err = s.describeReviewItems(tx, ds)
		return err
	})
	return out, err
}

// readableReview loads a review the caller may read: administrators and the catalog's roles.
func readableReview(tx Tx, a *access, id string) (Review, error) {
	rev, err := load("review", id, tx.Reviews().Get)
	if err != nil {
		return rev, err
	}
	if !a.canReadCatalog(rev.CatalogID) {
		return rev, forbidden("only administrators and the roles of its catalog can see the review %q", rev.DisplayName)
	}
	return rev, nil
}

// ReviewByID returns a review with its progress.
func (s *Service) ReviewByID(ctx context.Context, id string) (Review, error) {
	var out Review
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		out, err = readableReview(tx, a, id)
		return err
	})
	return out, err
}

// ReviewItems lists a review's items with their decisions and outcomes.
func (s *Service) ReviewItems(ctx context.Context, reviewID string, opt ListOptions) (Page[ReviewItemView], error) {
	var out Page[ReviewItemView]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if _, err := readableReview(tx, a, reviewID); err != nil {
			return err
		}
		p, err := tx.ReviewDecisions().ByReview(reviewID, opt)
		if err != nil {
			return fmt.Errorf("list review items: %w", err)
		}
		out = Page[ReviewItemView]{Next: p.Next, Prev: p.Prev, Total: p.Total}
		out.Items, err = s.describeReviewItems(tx, p.Items)
		return err
	})
	return out, err
}

// ReviewsOfPackage lists the reviews that cover a package, newest first.
func (s *Service) ReviewsOfPackage(ctx context.Context, packageID string, opt ListOptions) (Page[Review], error) {
	var out Page[Review]
	err := s.read(ctx, func(tx Tx, a *access) error {
		pkg, err := getPackage(tx, packageID)
		if err != nil {
			return err
		}
		if !a.canReadCatalog(pkg.CatalogID) {
			return forbidden("only administrators and the roles of its catalog can see the reviews of %q", pkg.DisplayName)
		}
		opt.Desc = true
		out, err = tx.Reviews().ByPackage(packageID, opt)
		if err != nil {
			return fmt.Errorf("list reviews of %s: %w", pkg.DisplayName, err)
		}
		return nil
	})
	return out, err
}

func (s *Service) describeReviewItems(tx Tx, ds []ReviewDecision) ([]ReviewItemView, error) {
	n, err := s.newNamer(tx)
	if err != nil {
		return nil, err
	}
	reviews := map[string]Review{}
	out := make([]ReviewItemView, 0, len(ds))
	for _, d := range ds {
		rev, ok := reviews[d.ReviewID]
		if !ok {
			var err error
			if rev, err = tx.Reviews().Get(d.ReviewID); err != nil {
				return nil, fmt.Errorf("describe review item %s: %w", d.ID, err)
			}
			reviews[d.ReviewID] = rev
		}
		v := ReviewItemView{ReviewDecision: d, ReviewName: rev.DisplayName, ReviewEnds: rev.EndDateTime}
		if v.Holder, ok = n.person(d.TargetID); !ok {
			v.Holder = PersonRef{ID: d.TargetID, Name: "A former user"}
		}
		v.PackageName, _ = n.pkg(d.AccessPackageID)
		for _, id := range d.Reviewers {
			if p, ok := n.person(id); ok {
				v.ReviewerNames = append(v.ReviewerNames, p.Name)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// PendingReviewCount counts the review items waiting for the caller's decision.
func (s *Service) PendingReviewCount(ctx context.Context) (int, error) {
	p, err := principal(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	// Only the caller's own decisions: no access to load.
	err = s.store.View(ctx, func(tx Tx) error {
		page, err := tx.ReviewDecisions().Pending(p.UserID, ListOptions{Limit: 1})
		n = page.Total
		return err
	})
	return n, err
}

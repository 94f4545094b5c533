package entitlement

import (
	"fmt"
	"time"
)

// What happens on close to the assignments nobody decided (accessReviewTimeoutBehavior).
const (
	ReviewTimeoutKeep   = "keepAccess"
	ReviewTimeoutRemove = "removeAccess"
)

// Review statuses.
const (
	ReviewInProgress = "InProgress"
	ReviewCompleted  = "Completed"
)

// Review decisions and what closing a review did with each assignment.
const (
	DecisionKeep   = "Keep"
	DecisionRemove = "Remove"

	OutcomeKept         = "Kept"
	OutcomeRemoved      = "Removed"
	OutcomeAlreadyEnded = "AlreadyEnded"
)

// ReviewInactiveDays is how long a holder may go without signing in to Steward before a review
// recommends removing their access.
const ReviewInactiveDays = 30

// FirstReviewRule says when a policy's first review starts. The wizard, the plain-words summary,
// the policy page and the API say it in these words, and validation applies it.
const FirstReviewRule = "The first review starts on the date chosen; without one, it starts one period after the policy is saved. A new review then starts every period."

// Review is one instance of an access review: a set of assignments, each with a decision to
// make, open from StartDateTime to EndDateTime. Scheduled reviews come from a policy's
// accessReviewSettings; one-off reviews are started by an administrator for a package or a
// whole catalog.
type Review struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	CatalogID   string `json:"catalogId"`
	// PolicyID is the policy whose schedule opened the review; empty for a one-off review.
	PolicyID string `json:"policyId,omitempty"`
	// AccessPackageIDs are the packages whose assignments are reviewed.
	AccessPackageIDs []string  `json:"accessPackageIds"`
	ReviewerType     string    `json:"reviewerType"`
	Reviewers        []UserSet `json:"reviewers,omitempty"`
	// TimeoutBehavior is what closing does with assignments nobody decided.
	TimeoutBehavior  string     `json:"accessReviewTimeoutBehavior"`
	Status           string     `json:"status"`
	StartDateTime    time.Time  `json:"startDateTime"`
	EndDateTime      time.Time  `json:"endDateTime"`
	ReminderDateTime time.Time  `json:"reminderDateTime"`
	Reminded         bool       `json:"reminded,omitempty"`
	CreatedBy        string     `json:"createdBy"`
	CreatedByID      string     `json:"createdById,omitempty"`
	CreatedDateTime  time.Time  `json:"createdDateTime"`
	CompletedAt      *time.Time `json:"completedDateTime,omitempty"`
	Total            int        `json:"total"`
	Decided          int        `json:"decided"`
	Removed          int        `json:"removed"`
	// DueDateTime is the next moment the worker must look at the review: the reminder, then the
	// close; nil once completed.
	DueDateTime *time.Time `json:"dueDateTime,omitempty"`
}

// IsOpen reports whether decisions are still taken at now.
func (r Review) IsOpen(now time.Time) bool {
	return r.Status == ReviewInProgress && now.Before(r.EndDateTime)
}

// ReviewDecision is one assignment in a review: who may decide, what they see, what they decided
// and, once the review closed, what became of the assignment.
type ReviewDecision struct {
	ID              string   `json:"id"`
	ReviewID        string   `json:"reviewId"`
	CatalogID       string   `json:"catalogId"`
	AccessPackageID string   `json:"accessPackageId"`
	PolicyID        string   `json:"policyId"`
	AssignmentID    string   `json:"assignmentId"`
	TargetID        string   `json:"targetId"`
	Reviewers       []string `json:"reviewers"`
	// ReviewersNote says why the reviewers are who they are, when that is not the plain rule
	// (a fallback reviewer stands in for a missing manager, or nobody could be found).
	ReviewersNote string `json:"reviewersNote,omitempty"`
	// Open is true while the review takes decisions; the reviewers' index holds only open,
	// undecided items.
	Open               bool       `json:"open"`
	AssignedSince      time.Time  `json:"assignedSince"`
	AssignmentEnds     *time.Time `json:"assignmentEnds,omitempty"`
	Justification      string     `json:"justification,omitempty"`
	LastSignInDateTime *time.Time `json:"lastSignInDateTime,omitempty"`
	Recommendation     string     `json:"recommendation"`
	RecommendationNote string     `json:"recommendationNote"`
	Decision           string     `json:"decision,omitempty"`
	Reason             string     `json:"reason,omitempty"`
	DecidedBy          string     `json:"decidedBy,omitempty"`
	DecidedByName      string     `json:"decidedByName,omitempty"`
	DecidedDateTime    *time.Time `json:"decidedDateTime,omitempty"`
	Outcome            string     `json:"outcome,omitempty"`
}

// PendingFor returns the reviewers who may still decide the item: none once it is decided or
// its review closed.
func (d ReviewDecision) PendingFor() []string {
	if !d.Open || d.Decision != "" {
		return nil
	}
	return d.Reviewers
}

// ReviewSchedule is when a policy's next scheduled review opens. It is kept beside the policy so
// that the worker finds due reviews through a time-ordered index instead of reading every policy.
type ReviewSchedule struct {
	PolicyID     string    `json:"policyId"`
	NextDateTime time.Time `json:"nextDateTime"`
}

// reviewStep is the length of one recurrence period.
func reviewStep(recurrence string) (months, days int) {
	switch recurrence {
	case "weekly":
		return 0, 7
	case "monthly":
		return 1, 0
	case "quarterly":
		return 3, 0
	case "semiAnnually":
		return 6, 0
	case "annually":
		return 12, 0
	}
	return 0, 0
}

// reviewOccurrence is the start of the k-th review (the first is k = 0). It counts from the first
// start every time, so that a monthly review starting on the 31st does not drift to the 28th.
func reviewOccurrence(first time.Time, recurrence string, k int) time.Time {
	m, d := reviewStep(recurrence)
	return first.AddDate(0, m*k, d*k)
}

// maxReviewOccurrences bounds the walk over a schedule's periods (a weekly schedule over the
// latest allowed date is far below it).
const maxReviewOccurrences = 100000

// currentReviewOccurrence returns the latest review start at or before now and the start after
// it; ok is false when the first review has not started yet.
func currentReviewOccurrence(r ReviewSettings, now time.Time) (cur, next time.Time, ok bool) {
	first := *r.StartDateTime
	if now.Before(first) {
		return time.Time{}, first, false
	}
	cur = first
	for k := 1; k < maxReviewOccurrences; k++ {
		n := reviewOccurrence(first, r.RecurrenceType, k)
		if n.After(now) {
			return cur, n, true
		}
		cur = n
	}
	return cur, cur, true
}

// FirstReviewStart is when the first review of settings saved at saved starts, under
// FirstReviewRule: the chosen date, or one period after the day the policy is saved.
func FirstReviewStart(r ReviewSettings, saved time.Time) time.Time {
	if r.StartDateTime != nil {
		return r.StartDateTime.UTC()
	}
	day := time.Date(saved.Year(), saved.Month(), saved.Day(), 0, 0, 0, 0, time.UTC)
	return reviewOccurrence(day, r.RecurrenceType, 1)
}

// ReviewPeriodWords names one recurrence period for people: "month", "quarter".
func ReviewPeriodWords(recurrence string) string {
	switch recurrence {
	case "weekly":
		return "week"
	case "monthly":
		return "month"
	case "quarterly":
		return "quarter"
	case "semiAnnually":
		return "six months"
	case "annually":
		return "year"
	}
	return "period"
}

// DescribeReviewStart says when the first review starts, following FirstReviewRule: on the
// saved start date, or one period after the policy is saved while it has none yet.
func DescribeReviewStart(r ReviewSettings) string {
	if r.StartDateTime != nil {
		return "The first review starts on " + r.StartDateTime.UTC().Format("2 Jan 2006") + "; a new one starts every " + ReviewPeriodWords(r.RecurrenceType) + "."
	}
	return "The first review starts one " + ReviewPeriodWords(r.RecurrenceType) + " after the policy is saved; a new one starts every " + ReviewPeriodWords(r.RecurrenceType) + "."
}

// DescribeUndecided says what closing a review does with the assignments nobody decided.
func DescribeUndecided(behavior string) string {
	if behavior == ReviewTimeoutRemove {
		return "Access nobody decides on is removed when the review closes."
	}
	return "Access nobody decides on is kept when the review closes."
}

// reviewReminder is when the reviewers who have not decided yet are reminded: a day before the
// end, or halfway through a review shorter than two days.
func reviewReminder(start, end time.Time) time.Time {
	if end.Sub(start) >= 48*time.Hour {
		return end.Add(-24 * time.Hour)
	}
	return start.Add(end.Sub(start) / 2)
}

// reviewDue is the next moment the worker must look at the review.
func reviewDue(r Review) *time.Time {
	switch {
	case r.Status != ReviewInProgress:
		return nil
	case !r.Reminded:
		t := r.ReminderDateTime
		return &t
	}
	t := r.EndDateTime
	return &t
}

// recommend says whether to keep the holder's access, and why, from when they last signed in
// and whether the policy's requestor scope still covers them. inScope is nil when no policy
// applies.
func recommend(u User, inScope *bool, now time.Time) (string, string) {
	cutoff := now.AddDate(0, 0, -ReviewInactiveDays)
	switch {
	case u.LastSignInDateTime == nil:
		return DecisionRemove, "has never signed in to Steward"
	case u.LastSignInDateTime.Before(cutoff):
		return DecisionRemove, fmt.Sprintf("has not signed in to Steward for %d days", ReviewInactiveDays)
	case inScope != nil && !*inScope:
		return DecisionRemove, "is no longer among the people who may request this access"
	}
	return DecisionKeep, "signed in recently and may still request this access"
}

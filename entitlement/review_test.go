package entitlement_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// reviewFixture: a published catalog whose package "Finance reports" grants the Member role of
// the group Finance readers; a second package "Finance tools" grants the same membership.
type reviewFixture struct {
	*entitlementtest.Env
	w                    *entitlement.Worker
	owner                entitlement.User
	readers              entitlement.Group
	cat                  entitlement.Catalog
	reports, tools       entitlement.AccessPackage
	reportsPol, toolsPol entitlement.AssignmentPolicy
}

func newReviewFixture(t *testing.T, reviews *entitlement.ReviewSettings) *reviewFixture {
	t.Helper()
	f := &reviewFixture{Env: entitlementtest.New(t)}
	f.w = f.Worker(entitlement.WorkerOptions{})
	f.owner = f.User("Owen Owner")
	f.readers = f.Group("Finance readers")
	f.cat = f.Catalog("Finance", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, f.owner))
	res := f.GroupResource(f.cat, f.readers)
	f.reports = f.Package(f.cat, "Finance reports", entitlementtest.Member(res))
	f.tools = f.Package(f.cat, "Finance tools", entitlementtest.Member(res))
	f.reportsPol = f.createPolicy(f.reports, reviews)
	f.toolsPol = f.Policy(f.tools)
	return f
}

// createPolicy adds a policy through the service, so that its review schedule is kept.
func (f *reviewFixture) createPolicy(p entitlement.AccessPackage, reviews *entitlement.ReviewSettings) entitlement.AssignmentPolicy {
	f.T.Helper()
	pol, err := f.Svc.CreatePolicy(entitlementtest.RootAdmin, entitlement.PolicyInput{
		AccessPackageID: p.ID, DisplayName: "Employees", DurationInDays: 365,
		RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
		AccessReviewSettings:    reviews,
	})
	if err != nil {
		f.T.Fatalf("create policy: %v", err)
	}
	return pol
}

// grant delivers the policy's package to the user with a justification and returns the
// assignment id.
func (f *reviewFixture) grant(u entitlement.User, pol entitlement.AssignmentPolicy) string {
	f.T.Helper()
	r := f.Submit(entitlementtest.As(u), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, Justification: "month-end close for " + u.DisplayName})
	if r.RequestState != entitlement.StateDelivered {
		f.T.Fatalf("request of %s: %s", u.DisplayName, r.RequestState)
	}
	return r.AssignmentID
}

func (f *reviewFixture) tick() entitlement.TickResult {
	f.T.Helper()
	res, err := f.w.Tick(context.Background())
	if err != nil {
		f.T.Fatalf("tick: %v", err)
	}
	return res
}

// reviews lists the package's reviews, oldest first.
func (f *reviewFixture) reviews(p entitlement.AccessPackage) []entitlement.Review {
	f.T.Helper()
	page, err := f.Svc.ReviewsOfPackage(entitlementtest.RootAdmin, p.ID, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		f.T.Fatalf("reviews of %s: %v", p.DisplayName, err)
	}
	slices.Reverse(page.Items)
	return page.Items
}

func (f *reviewFixture) items(rev entitlement.Review) map[string]entitlement.ReviewItemView {
	f.T.Helper()
	page, err := f.Svc.ReviewItems(entitlementtest.RootAdmin, rev.ID, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		f.T.Fatalf("items of %s: %v", rev.DisplayName, err)
	}
	out := map[string]entitlement.ReviewItemView{}
	for _, it := range page.Items {
		out[it.Holder.Name] = it
	}
	return out
}

// pending returns the user's waiting items, by holder name.
func (f *reviewFixture) pending(u entitlement.User) map[string]entitlement.ReviewItemView {
	f.T.Helper()
	page, err := f.Svc.MyReviewItems(entitlementtest.As(u), entitlement.ListOptions{})
	if err != nil {
		f.T.Fatalf("pending for %s: %v", u.DisplayName, err)
	}
	out := map[string]entitlement.ReviewItemView{}
	for _, it := range page.Items {
		out[it.Holder.Name] = it
	}
	return out
}

func (f *reviewFixture) decide(u entitlement.User, it entitlement.ReviewItemView, decision, reason string) {
	f.T.Helper()
	if _, err := f.Svc.DecideReview(entitlementtest.As(u), []string{it.ID}, decision, reason); err != nil {
		f.T.Fatalf("%s decides %s: %v", u.DisplayName, it.Holder.Name, err)
	}
}

func monthlySelfReview(start time.Time, days int) *entitlement.ReviewSettings {
	return &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "monthly", ReviewerType: entitlement.ReviewerSelf, StartDateTime: &start, DurationInDays: days}
}

// TestReviewsRecurOverPeriods runs a monthly self-review over three periods with the fake clock:
// each period opens one review of the live assignments (a second tick opens nothing more), the
// holders are reminded a day before it closes, and closing removes what its holder gave up, with
// the group membership, while the access kept stays.
func TestReviewsRecurOverPeriods(t *testing.T) {
	start := entitlementtest.T0.Add(24 * time.Hour)
	f := newReviewFixture(t, monthlySelfReview(start, 7))
	ann, bob := f.User("Ann Archer"), f.User("Bob Baker")
	annAssignment, bobAssignment := f.grant(ann, f.reportsPol), f.grant(bob, f.reportsPol)

	if res := f.tick(); res.ReviewsOpened != 0 || len(f.reviews(f.reports)) != 0 {
		t.Fatalf("a review opened before its start: %+v", res)
	}
	f.Clock.Set(start)
	f.tick()
	f.tick()
	revs := f.reviews(f.reports)
	if len(revs) != 1 || revs[0].Total != 2 || revs[0].Status != entitlement.ReviewInProgress || !revs[0].EndDateTime.Equal(start.AddDate(0, 0, 7)) {
		t.Fatalf("after the first start: %+v", revs)
	}
	// One message per reviewer: Ann and Bob each review their own access.
	if n := len(f.Notifications(entitlement.NotifyReviewOpened)); n != 2 {
		t.Errorf("review.opened notifications: %d, want one to each of the two reviewers", n)
	}
	mine := f.pending(ann)
	if len(mine) != 1 || mine["Ann Archer"].Justification != "month-end close for Ann Archer" || mine["Ann Archer"].PackageName != "Finance reports" {
		t.Fatalf("Ann's pending items: %+v", mine)
	}
	f.decide(ann, mine["Ann Archer"], entitlement.DecisionKeep, "I close the books every month")

	f.Clock.Set(start.AddDate(0, 0, 6).Add(time.Hour))
	f.tick()
	reminders := f.Notifications(entitlement.NotifyReviewReminder)
	if len(reminders) != 1 || !strings.Contains(string(reminders[0].Payload), bob.ID) || strings.Contains(string(reminders[0].Payload), ann.ID) {
		t.Fatalf("reminder: %+v; want Bob only, who has not decided", reminders)
	}
	f.decide(bob, f.pending(bob)["Bob Baker"], entitlement.DecisionRemove, "I moved to sales")

	f.Clock.Set(start.AddDate(0, 0, 7))
	f.tick()
	rev := f.reviews(f.reports)[0]
	if rev.Status != entitlement.ReviewCompleted || rev.Decided != 2 || rev.Removed != 1 {
		t.Fatalf("closed review: %+v", rev)
	}
	items := f.items(rev)
	if items["Ann Archer"].Outcome != entitlement.OutcomeKept || items["Bob Baker"].Outcome != entitlement.OutcomeRemoved || items["Bob Baker"].Reason != "I moved to sales" {
		t.Errorf("results: %+v", items)
	}
	if a := f.Assignment(annAssignment); !a.IsLive() || !f.IsMember(f.readers, ann) {
		t.Errorf("Ann kept her access but it is %s", a.AssignmentState)
	}
	removed := f.Assignment(bobAssignment)
	if removed.IsLive() || removed.AssignmentStatus != entitlement.StatusRemoved || f.IsMember(f.readers, bob) {
		t.Errorf("Bob's access after the review: %s/%s, member %t", removed.AssignmentState, removed.AssignmentStatus, f.IsMember(f.readers, bob))
	}
	if !f.requestOfType(bob, entitlement.RequestSystemRemove, rev.DisplayName) {
		t.Error("no SystemRemove request names the review")
	}
	if n := len(f.Notifications(entitlement.NotifyReviewCompleted)); n != 2 {
		t.Errorf("review.completed notifications: %d, want one to each of the two reviewers", n)
	}
	if _, err := f.Svc.DecideReview(entitlementtest.As(ann), []string{items["Ann Archer"].ID}, entitlement.DecisionRemove, "changed my mind"); !errors.Is(err, entitlement.ErrConflict) {
		t.Errorf("deciding after the close: %v, want a conflict", err)
	}

	// The second and third periods review Ann alone; nothing opens in between.
	for period := 1; period <= 2; period++ {
		f.Clock.Set(start.AddDate(0, period, 0).Add(-time.Hour))
		f.tick()
		if n := len(f.reviews(f.reports)); n != period {
			t.Fatalf("before period %d: %d reviews", period, n)
		}
		f.Clock.Set(start.AddDate(0, period, 0).Add(time.Hour))
		f.tick()
		f.tick()
		revs := f.reviews(f.reports)
		if len(revs) != period+1 || revs[period].Total != 1 {
			t.Fatalf("period %d: %+v", period, revs)
		}
		if _, ok := f.items(revs[period])["Ann Archer"]; !ok {
			t.Fatalf("period %d does not review Ann", period)
		}
		f.Clock.Set(start.AddDate(0, period, 8))
		f.tick()
	}
	revs = f.reviews(f.reports)
	if revs[2].Status != entitlement.ReviewCompleted || !f.Assignment(annAssignment).IsLive() {
		t.Errorf("undecided access is kept by default: %+v, live %t", revs[2], f.Assignment(annAssignment).IsLive())
	}
	entitlementtest.CheckInvariants(t, f.Store)
}

// requestOfType reports whether the user has a request of the type whose justification mentions
// the text.
func (f *reviewFixture) requestOfType(u entitlement.User, typ, text string) bool {
	f.T.Helper()
	found := false
	f.View(func(tx entitlement.Tx) error {
		p, err := tx.Requests().ByTarget(u.ID, entitlement.RequestFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		for _, r := range p.Items {
			found = found || r.RequestType == typ && strings.Contains(r.Justification, text)
		}
		return err
	})
	return found
}

// TestReviewWorkerCatchesUp: a worker that was down over a whole review window does not open
// that review late, and opens the current one.
func TestReviewWorkerCatchesUp(t *testing.T) {
	start := entitlementtest.T0.Add(24 * time.Hour)
	f := newReviewFixture(t, monthlySelfReview(start, 7))
	f.grant(f.User("Ann Archer"), f.reportsPol)
	f.Clock.Set(start.AddDate(0, 2, 1))
	f.tick()
	f.tick()
	revs := f.reviews(f.reports)
	if len(revs) != 1 || !revs[0].StartDateTime.Equal(start.AddDate(0, 2, 0)) {
		t.Fatalf("after two missed periods: %+v; want only the current one", revs)
	}
}

// TestReviewRemovalIsRefCounted: removing access in a review takes a group membership away only
// when nothing else holds it: another package that grants it keeps it, and a direct membership
// is never removed.
func TestReviewRemovalIsRefCounted(t *testing.T) {
	f := newReviewFixture(t, nil)
	carol, dave, erin := f.User("Carol Chen"), f.User("Dave Diaz"), f.User("Erin Eze")
	f.grant(carol, f.reportsPol)
	f.grant(carol, f.toolsPol) // the same membership, through a second package
	f.Update(func(tx entitlement.Tx) error {
		return tx.Groups().AddMember(f.readers.ID, dave.ID, entitlement.MemberDirect)
	})
	f.grant(dave, f.reportsPol)
	f.grant(erin, f.reportsPol)

	rev, err := f.Svc.StartReview(entitlementtest.As(f.owner), entitlement.ReviewInput{AccessPackageID: f.reports.ID, ReviewerType: entitlement.ReviewerReviewers,
		Reviewers: []entitlement.UserSet{entitlementtest.Single(f.owner)}, DurationInDays: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.DecideReview(entitlementtest.As(f.owner), idsOf(f.pending(f.owner)), entitlement.DecisionRemove, "audit: nobody needs the reports"); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(3 * 24 * time.Hour)
	f.tick()
	if got := f.reviews(f.reports); got[0].Status != entitlement.ReviewCompleted || got[0].Removed != 3 {
		t.Fatalf("review %s: %+v", rev.ID, got)
	}
	for _, c := range []struct {
		u      entitlement.User
		member bool
	}{{carol, true}, {dave, true}, {erin, false}} {
		if got := f.IsMember(f.readers, c.u); got != c.member {
			t.Errorf("%s member after the review: %t, want %t", c.u.DisplayName, got, c.member)
		}
	}
	var daveSources entitlement.MemberSources
	f.View(func(tx entitlement.Tx) error {
		var err error
		daveSources, err = tx.Groups().Membership(f.readers.ID, dave.ID)
		return err
	})
	if daveSources != entitlement.MemberDirect {
		t.Errorf("Dave's membership sources: %v, want direct only", daveSources)
	}
}

func idsOf(items map[string]entitlement.ReviewItemView) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// TestReviewerTypes resolves the reviewers of each type: the holders themselves; named users and
// group members (never the holder); the holder's manager, with the named reviewers standing in
// for a holder who has none.
func TestReviewerTypes(t *testing.T) {
	f := newReviewFixture(t, nil)
	mia := f.User("Mia Manager")
	ann := f.User("Ann Archer", entitlementtest.ManagedBy(mia))
	bob := f.User("Bob Baker")
	auditor := f.User("Ada Auditor")
	auditors := f.Group("Auditors", auditor, bob)
	f.grant(ann, f.reportsPol)
	f.grant(bob, f.reportsPol)

	for _, c := range []struct {
		name      string
		typ       string
		reviewers []entitlement.UserSet
		want      map[string][]string // holder → reviewers
		note      string              // expected in Bob's note
	}{
		{"self", entitlement.ReviewerSelf, nil, map[string][]string{"Ann Archer": {ann.ID}, "Bob Baker": {bob.ID}}, ""},
		{"named", entitlement.ReviewerReviewers, []entitlement.UserSet{entitlementtest.Single(f.owner), entitlementtest.GroupSet(auditors)},
			map[string][]string{"Ann Archer": {f.owner.ID, auditor.ID, bob.ID}, "Bob Baker": {f.owner.ID, auditor.ID}}, ""},
		{"manager", entitlement.ReviewerManager, []entitlement.UserSet{entitlementtest.GroupSet(auditors)},
			map[string][]string{"Ann Archer": {mia.ID}, "Bob Baker": {auditor.ID}}, "Bob Baker has no manager, so a fallback reviewer decides"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rev, err := f.Svc.StartReview(entitlementtest.RootAdmin, entitlement.ReviewInput{AccessPackageID: f.reports.ID, ReviewerType: c.typ, Reviewers: c.reviewers, DurationInDays: 5})
			if err != nil {
				t.Fatal(err)
			}
			items := f.items(rev)
			for holder, want := range c.want {
				if got := items[holder].Reviewers; !sameIDs(got, want) {
					t.Errorf("reviewers of %s: %v, want %v", holder, got, want)
				}
			}
			if got := items["Bob Baker"].ReviewersNote; got != c.note {
				t.Errorf("note on Bob: %q, want %q", got, c.note)
			}
		})
	}
}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestReviewUndecidedRemovedWhenThePolicySaysSo: with removeAccess, access nobody decided on goes
// when the review closes; the decision to keep still keeps.
func TestReviewUndecidedRemovedWhenThePolicySaysSo(t *testing.T) {
	start := entitlementtest.T0.Add(time.Hour)
	settings := monthlySelfReview(start, 2)
	settings.AccessReviewTimeoutBehavior = entitlement.ReviewTimeoutRemove
	f := newReviewFixture(t, settings)
	ann, bob := f.User("Ann Archer"), f.User("Bob Baker")
	annA, bobA := f.grant(ann, f.reportsPol), f.grant(bob, f.reportsPol)
	f.Clock.Set(start)
	f.tick()
	f.decide(ann, f.pending(ann)["Ann Archer"], entitlement.DecisionKeep, "still needed")
	f.Clock.Set(start.AddDate(0, 0, 2))
	f.tick()
	if !f.Assignment(annA).IsLive() || f.Assignment(bobA).IsLive() {
		t.Errorf("after close: Ann live %t (want true), Bob live %t (want false)", f.Assignment(annA).IsLive(), f.Assignment(bobA).IsLive())
	}
	if !f.requestOfType(bob, entitlement.RequestSystemRemove, "nobody decided") {
		t.Error("the removal of undecided access does not say why")
	}
}

// TestReviewDecisionRules: only reviewers decide, a reason is required, a decision can change
// while the review is open, and recommendations can be accepted at once, each with its reason.
func TestReviewDecisionRules(t *testing.T) {
	f := newReviewFixture(t, nil)
	recent := entitlementtest.T0.Add(-24 * time.Hour)
	long := entitlementtest.T0.AddDate(0, 0, -45)
	active := f.User("Ann Archer", func(u *entitlement.User) { u.LastSignInDateTime = &recent })
	idle := f.User("Ivy Idle", func(u *entitlement.User) { u.LastSignInDateTime = &long })
	never := f.User("Ned Never")
	for _, u := range []entitlement.User{active, idle, never} {
		f.grant(u, f.reportsPol)
	}
	// Ann left the requestor scope: the policy now takes guests only.
	f.Update(func(tx entitlement.Tx) error {
		p, err := tx.Policies().Get(f.reportsPol.ID)
		p.RequestorSettings.ScopeType = entitlement.ScopeAllExternalSubjects
		if err != nil {
			return err
		}
		return tx.Policies().Put(p)
	})
	plain := f.User("Pat Plain")
	if _, err := f.Svc.StartReview(entitlementtest.As(plain), entitlement.ReviewInput{AccessPackageID: f.reports.ID, ReviewerType: entitlement.ReviewerSelf, DurationInDays: 5}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a plain user starts a review: %v", err)
	}
	if _, err := f.Svc.StartReview(entitlementtest.As(f.owner), entitlement.ReviewInput{AccessPackageID: f.reports.ID, ReviewerType: entitlement.ReviewerReviewers, DurationInDays: 0}); entitlementtest.ErrCode(err) != "invalidReview" {
		t.Fatalf("a review without reviewers or days: %v", err)
	}
	rev, err := f.Svc.StartReview(entitlementtest.As(f.owner), entitlement.ReviewInput{CatalogID: f.cat.ID, ReviewerType: entitlement.ReviewerReviewers,
		Reviewers: []entitlement.UserSet{entitlementtest.Single(f.owner)}, DurationInDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.ReviewByID(entitlementtest.As(plain), rev.ID); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a plain user reads the review: %v", err)
	}
	items := f.pending(f.owner)
	for holder, want := range map[string]string{
		"Ann Archer": "is no longer among the people who may request this access",
		"Ivy Idle":   "has not signed in to Steward for 30 days",
		"Ned Never":  "has never signed in to Steward",
	} {
		if it := items[holder]; it.Recommendation != entitlement.DecisionRemove || it.RecommendationNote != want {
			t.Errorf("recommendation for %s: %s (%s), want remove (%s)", holder, it.Recommendation, it.RecommendationNote, want)
		}
	}
	if _, err := f.Svc.DecideReview(entitlementtest.As(plain), []string{items["Ivy Idle"].ID}, entitlement.DecisionKeep, "looks fine"); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a non-reviewer decides: %v", err)
	}
	var ve *entitlement.ValidationError
	if _, err := f.Svc.DecideReview(entitlementtest.As(f.owner), []string{items["Ivy Idle"].ID}, entitlement.DecisionKeep, "  "); !errors.As(err, &ve) || ve.Fields["reason"] == "" {
		t.Errorf("a decision without a reason: %v", err)
	}
	f.decide(f.owner, items["Ivy Idle"], entitlement.DecisionRemove, "idle")
	if _, err := f.Svc.DecideReview(entitlementtest.As(f.owner), []string{items["Ivy Idle"].ID}, entitlement.DecisionKeep, "back from leave"); err != nil {
		t.Errorf("changing a decision while open: %v", err)
	}
	n, err := f.Svc.AcceptRecommendations(entitlementtest.As(f.owner), rev.ID)
	if err != nil || n != 2 {
		t.Fatalf("accept recommendations: %d, %v; want the two undecided", n, err)
	}
	got, err := f.Svc.ReviewByID(entitlementtest.As(f.owner), rev.ID)
	if err != nil || got.Decided != 3 || got.Total != 3 {
		t.Errorf("progress: %+v, %v", got, err)
	}
	all := f.items(got)
	if it := all["Ned Never"]; it.Decision != entitlement.DecisionRemove || !strings.Contains(it.Reason, "accepted the recommendation to remove: Ned Never has never signed in") {
		t.Errorf("accepted item: %+v", it)
	}
	if it := all["Ivy Idle"]; it.Decision != entitlement.DecisionKeep || it.Reason != "back from leave" {
		t.Errorf("changed decision: %+v", it)
	}
	if _, err := f.Svc.AcceptRecommendations(entitlementtest.As(f.owner), rev.ID); !errors.Is(err, entitlement.ErrConflict) {
		t.Errorf("accepting with nothing left: %v", err)
	}
}

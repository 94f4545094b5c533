package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/web/browsertest"
)

// grantFinanceReaders makes the Finance reports package grant membership of Finance readers.
func grantFinanceReaders(t *testing.T, f *adminFixture) {
	t.Helper()
	actx := f.ctxAs("admin@example.com")
	if _, err := f.env.Svc.AddResource(actx, f.finance.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: f.financeReaders.ID}); err != nil {
		t.Fatal(err)
	}
	res, err := f.env.Svc.ListResources(actx, f.finance.ID, entitlement.ListOptions{})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("resources: %+v %v", res.Items, err)
	}
	r := res.Items[0]
	for _, role := range r.Roles {
		if role.DisplayName == "Member" {
			if _, err := f.env.Svc.AddRoleScope(actx, f.financePkg.ID, r.ID, role.ID, r.RootScope().ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// requestFinance submits the person's request for Finance reports through its first policy.
func requestFinance(t *testing.T, f *adminFixture, email, why string) entitlement.Request {
	t.Helper()
	pols, err := f.env.Svc.PoliciesOfPackage(f.ctxAs("admin@example.com"), f.financePkg.ID)
	if err != nil || len(pols) == 0 {
		t.Fatalf("policies: %v", err)
	}
	r, err := f.env.Svc.SubmitRequest(f.ctxAs(email), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: f.financePkg.ID, PolicyID: pols[0].ID, Justification: why})
	if err != nil || r.RequestState != entitlement.StateDelivered {
		t.Fatalf("%s requests Finance reports: %+v %v", email, r.RequestState, err)
	}
	return r
}

// TestReviewPages: a one-off self-review of Finance reports. Reviewers decide only their own
// items, a decision needs a reason (422, in place and as a page), catalog pages refuse plain
// users, and the export is formula-safe.
func TestReviewPages(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	actx := f.ctxAs("admin@example.com")
	if _, err := env.Svc.CreatePolicy(actx, entitlement.PolicyInput{AccessPackageID: f.financePkg.ID, DisplayName: "Employees", DurationInDays: 90,
		RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}}); err != nil {
		t.Fatal(err)
	}
	requestFinance(t, f, "requester@example.com", "=HYPERLINK(\"http://evil.example\")")
	requestFinance(t, f, "manager@example.com", "Monthly numbers")
	rev, err := env.Svc.StartReview(actx, entitlement.ReviewInput{AccessPackageID: f.financePkg.ID, ReviewerType: entitlement.ReviewerSelf, DurationInDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	itemOf := func(email string) string {
		t.Helper()
		p, err := env.Svc.MyReviewItems(f.ctxAs(email), entitlement.ListOptions{})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("items of %s: %+v %v", email, p.Items, err)
		}
		return p.Items[0].ID
	}
	rileyItem, morganItem := itemOf("requester@example.com"), itemOf("manager@example.com")

	c, csrf := f.signIn(t, "requester@example.com")
	res, page := env.Get(t, c, "/reviews")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="review-item"`) || strings.Contains(page, "Morgan Manager holds") {
		t.Fatalf("GET /reviews: %d, want Riley's own item only", res.StatusCode)
	}
	for _, path := range []string{"/admin/reviews/" + rev.ID, "/admin/packages/" + f.financePkg.ID + "/reviews", "/admin/reviews/" + rev.ID + "/export.csv", "/admin/packages/" + f.financePkg.ID + "/reviews/new"} {
		if res, _ := env.Get(t, c, path); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a plain user: %d, want 403", path, res.StatusCode)
		}
	}
	if res, _ := env.PostForm(t, c, "/admin/packages/"+f.financePkg.ID+"/reviews/new", csrf, url.Values{"reviewerType": {"Self"}, "durationInDays": {"7"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a plain user starts a review: %d, want 403", res.StatusCode)
	}
	if res, _ := env.PostForm(t, c, "/reviews/items/"+morganItem+"/decide", csrf, url.Values{"decision": {"remove"}, "reason": {"not mine"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("deciding someone else's item: %d, want 403", res.StatusCode)
	}
	res, page = env.PostForm(t, c, "/reviews/items/"+rileyItem+"/decide", csrf, url.Values{"decision": {"keep"}, "reason": {" "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Say why, for the record of the review.") {
		t.Errorf("a decision without a reason: %d", res.StatusCode)
	}
	res, card := postHTMX(t, env, c, "/reviews/items/"+rileyItem+"/decide", csrf, url.Values{"decision": {"keep"}, "reason": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(card, `aria-invalid="true"`) || strings.Contains(card, "<html") {
		t.Errorf("htmx decision without a reason: %d %s", res.StatusCode, card)
	}
	res, card = postHTMX(t, env, c, "/reviews/items/"+rileyItem+"/decide", csrf, url.Values{"decision": {"keep"}, "reason": {"=SUM(A1)"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(card, `data-testid="review-decision"`) {
		t.Errorf("htmx decision: %d %s", res.StatusCode, card)
	}
	if res, _ := env.PostForm(t, c, "/reviews/decide", csrf, url.Values{"decision": {"keep"}, "reason": {"fine"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deciding none of several: %d, want 422", res.StatusCode)
	}

	ac, acsrf := f.signIn(t, "admin@example.com")
	if res, page := env.PostForm(t, ac, "/admin/packages/"+f.financePkg.ID+"/reviews/new", acsrf, url.Values{"reviewerType": {"Reviewers"}, "reviewers": {"nobody@example.com"}, "durationInDays": {"0"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Nobody in the directory is called") {
		t.Errorf("a one-off review with bad input: %d", res.StatusCode)
	}
	res, page = env.Get(t, ac, "/admin/reviews/"+rev.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "1 of 2 decided") {
		t.Errorf("review page: %d", res.StatusCode)
	}
	res, csv := env.Get(t, ac, "/admin/reviews/"+rev.ID+"/export.csv")
	if res.StatusCode != http.StatusOK || !strings.Contains(csv, "'=SUM(A1)") || strings.Contains(csv, ",=") {
		t.Errorf("export: %d\n%s", res.StatusCode, csv)
	}
	res, page = env.Get(t, ac, "/admin/packages/"+f.financePkg.ID+"/reviews")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="review-row"`) {
		t.Errorf("package reviews tab: %d", res.StatusCode)
	}
}

// TestJourneyMonthlySelfReview is the access review journey: an administrator turns on a monthly
// self-review in the policy wizard; a month later the review opens; Riley keeps his access,
// Morgan removes hers and, when the review closes, loses the Finance readers membership.
func TestJourneyMonthlySelfReview(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	grantFinanceReaders(t, f)
	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")
	step(t, b, "wizard", chromedp.Navigate(env.URL+"/admin/packages/"+f.financePkg.ID+"/policies/new"), wizardAt("basics"))
	step(t, b, "name", typeInto(`#name`, "Employees, reviewed monthly"), click(`[data-testid="wizard-next"]`), wizardAt("requestors"))
	step(t, b, "requestors", click(`input[name="scope"][value="`+entitlement.ScopeAllExistingDirectoryMembers+`"]`), settled(), click(`[data-testid="wizard-next"]`), wizardAt("approval"))
	step(t, b, "no approval", click(`input[name="stages"][value="0"]`), settled(), click(`[data-testid="wizard-next"]`), wizardAt("lifecycle"))
	step(t, b, "lifecycle", click(`[data-testid="wizard-next"]`), wizardAt("reviews"))
	step(t, b, "reviews on", click(`#review_enabled`), waitFor(`#review_recurrence`))
	step(t, b, "monthly", chromedp.SetValue(chromedp.CSS(`#review_recurrence`), "monthly"), chromedp.SetValue(chromedp.CSS(`#review_days`), "14"), click(`input[name="review_reviewer_type"][value="Self"]`), settled())
	if got := b.Text(`[data-testid="policy-wizard"]`); !strings.Contains(got, entitlement.FirstReviewRule) {
		t.Errorf("the wizard does not state the first-review rule: %q", got)
	}
	b.Screenshot("wizard-reviews-monthly")
	step(t, b, "summary", click(`[data-testid="wizard-next"]`), wizardAt("summary"))
	if got := b.Text(`[data-testid="policy-summary"]`); !strings.Contains(got, "Access is reviewed every month by the people who hold it") ||
		!strings.Contains(got, "The first review starts one month after the policy is saved") {
		t.Fatalf("summary shows %q", got)
	}
	step(t, b, "save", click(`[data-testid="wizard-save"]`), waitFor(`[data-testid="policy-card"]`))
	saved := env.Clock.Now()
	first := time.Date(saved.Year(), saved.Month()+1, saved.Day(), 0, 0, 0, 0, time.UTC)
	if got := b.Text(`[data-testid="policy-card"]`); !strings.Contains(got, "The first review starts on "+first.Format("2 Jan 2006")) {
		t.Errorf("the policy page shows %q, want the first review on %s", got, first.Format("2 Jan 2006"))
	}

	requestFinance(t, f, "requester@example.com", "Quarterly planning")
	requestFinance(t, f, "manager@example.com", "Budget season")
	w := entitlement.NewWorker(env.Svc, entitlement.WorkerOptions{Provisioner: entitlementtest.Connected})
	tick := func() {
		t.Helper()
		if _, err := w.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	env.Clock.Set(first.Add(9 * time.Hour))
	tick()

	decide := func(subject, name, decision, reason string) {
		t.Helper()
		b.SignIn(env.URL, subject, name)
		step(t, b, name+" reviews", chromedp.Navigate(env.URL+"/reviews"), waitFor(`[data-testid="review-item"]`))
		if got := b.Text(`[data-testid="review-item"]`); !strings.Contains(got, name+" holds Finance reports") {
			t.Fatalf("%s sees %q", name, got)
		}
		step(t, b, name+" decides", typeInto(`[data-testid="review-item"] textarea[name="reason"]`, reason),
			click(`[data-testid="review-item"] [data-testid="review-`+decision+`"]`), waitFor(`[data-testid="review-decision"]`))
		b.Screenshot("review-" + decision)
		b.SignOut()
	}
	decide("riley", "Riley Requester", "keep", "I still plan the quarter")
	decide("morgan", "Morgan Manager", "remove", "I moved teams")

	env.Clock.Set(first.AddDate(0, 0, 15))
	tick()
	riley, morgan := f.users["requester@example.com"], f.users["manager@example.com"]
	member := func(u entitlement.User) bool {
		ok := false
		if err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
			var err error
			ok, err = tx.Groups().IsMember(f.financeReaders.ID, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !member(riley) || member(morgan) {
		t.Errorf("after the review: Riley member %t (want true), Morgan member %t (want false)", member(riley), member(morgan))
	}

	b.SignIn(env.URL, "ada", "Ada Admin")
	step(t, b, "results", chromedp.Navigate(env.URL+"/admin/packages/"+f.financePkg.ID+"/reviews"), waitFor(`[data-testid="review-row"] a`),
		click(`[data-testid="review-row"] a`), waitFor(`[data-testid="review-results"]`))
	if got := b.Text(`[data-testid="review-decisions"]`); !strings.Contains(got, "Removed") || !strings.Contains(got, "Kept") {
		t.Errorf("results show %q", got)
	}
	b.Screenshot("review-results")
}

package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/demo"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/browsertest"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// The browser journeys run on the demo organisation (demo.Users, demo.Seed): Riley Requester
// reports to Morgan Manager; Avery Approver is the backup and second-stage approver.

// demoWorld names what the journeys need of the demo data.
type demoWorld struct {
	packages map[string]entitlement.AccessPackage    // by name
	policies map[string]entitlement.AssignmentPolicy // by package name (the first policy)
	users    map[string]entitlement.User             // by e-mail
	env      *webtest.Env
}

func startDemo(t *testing.T) *demoWorld {
	t.Helper()
	var users []demoidp.User
	var admins []string
	for _, u := range demo.Users {
		users = append(users, demoidp.User{Subject: u.Subject, Email: u.Email, Name: u.Name, Description: u.Description, Groups: u.Groups})
		if u.IsAdmin {
			admins = append(admins, u.Email)
		}
	}
	env := webtest.Start(t, webtest.Options{
		Users: users, Admins: admins,
		Seed: func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
			return demo.Seed(ctx, svc, st)
		},
		Start: time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC),
	})
	w := &demoWorld{env: env, packages: map[string]entitlement.AccessPackage{}, policies: map[string]entitlement.AssignmentPolicy{}, users: map[string]entitlement.User{}}
	err := env.Store.View(context.Background(), func(tx entitlement.Tx) error {
		pkgs, err := tx.AccessPackages().List(entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			return err
		}
		for _, p := range pkgs.Items {
			w.packages[p.DisplayName] = p
			pols, err := tx.Policies().ByPackage(p.ID)
			if err != nil {
				return err
			}
			if len(pols) > 0 {
				w.policies[p.DisplayName] = pols[0]
			}
		}
		us, err := tx.Users().List(entitlement.ListOptions{Limit: entitlement.MaxPageSize})
		if err != nil {
			return err
		}
		for _, u := range us.Items {
			w.users[u.Email] = u
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *demoWorld) pkg(t *testing.T, name string) entitlement.AccessPackage {
	t.Helper()
	p, ok := w.packages[name]
	if !ok {
		t.Fatalf("the demo has no package %q", name)
	}
	return p
}

// as acts as a demo person through the service, to set up what a journey starts from.
func (w *demoWorld) as(email string) context.Context {
	u := w.users[email]
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
}

func (w *demoWorld) submit(t *testing.T, email, pkgName, justification string) entitlement.Request {
	t.Helper()
	p := w.pkg(t, pkgName)
	r, err := w.env.Svc.SubmitRequest(w.as(email), entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: p.ID, PolicyID: w.policies[pkgName].ID, Justification: justification,
	})
	if err != nil {
		t.Fatalf("%s requests %s: %v", email, pkgName, err)
	}
	return r
}

// navApprovals is the Approvals item of the desktop navigation, with its count.
const navApprovals = `header nav[aria-label="Main"] a[href="/approvals"]`

// journey wraps the browser with the steps the journeys repeat.
type journey struct {
	*browsertest.Browser
	t   *testing.T
	url string
}

func newJourney(t *testing.T, w *demoWorld) *journey {
	return &journey{Browser: browsertest.New(t), t: t, url: w.env.URL}
}

func (j *journey) open(path string) {
	j.t.Helper()
	j.Do(chromedp.Navigate(j.url+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

func (j *journey) click(css string) {
	j.t.Helper()
	j.Do(chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// pick sets a field's value as a date picker does, and tells the page it changed.
func (j *journey) pick(css, value string) {
	j.t.Helper()
	sel, _ := json.Marshal(css)
	v, _ := json.Marshal(value)
	j.Do(chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector(` + string(sel) + `); e.value = ` + string(v) + `; e.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

func (j *journey) typeInto(css, text string) {
	j.t.Helper()
	j.Do(chromedp.SendKeys(chromedp.CSS(css), text, chromedp.NodeVisible))
}

// waitText waits until the element's text contains want (after a navigation, an htmx swap or a
// poll), and fails the test with what the page shows otherwise.
func (j *journey) waitText(css, want string) {
	j.t.Helper()
	sel, _ := json.Marshal(css)
	w, _ := json.Marshal(want)
	expr := `(() => { const e = document.querySelector(` + string(sel) + `); return !!e && e.innerText.replace(/\s+/g, " ").includes(` + string(w) + `); })()`
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// Errors are expected while a form submission navigates; the next round reads the new page.
		if ok, err := chromedp.Run(j.Ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, _ := chromedp.Run(j.Ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText`))
	j.t.Fatalf("%s never showed %q; the page shows:\n%s", css, want, got)
}

// lacks fails when the element's text contains unwanted.
func (j *journey) lacks(css, unwanted string) {
	j.t.Helper()
	if got := j.Text(css); strings.Contains(got, unwanted) {
		j.t.Errorf("%s shows %q: %s", css, unwanted, got)
	}
}

func (j *journey) as(subject, name string) {
	j.t.Helper()
	j.open("/")
	if signedIn, _ := chromedp.Run(j.Ctx, chromedp.Evaluate[bool](`!!document.querySelector('form[action="/logout"] button')`)); signedIn {
		j.SignOut()
	}
	j.SignIn(j.url, subject, name)
}

// shots takes a screenshot at 1280 px and at 360 px wide, and checks the layout at both
// (browsertest.CheckLayout: nothing wider than the screen or its box, no hidden navigation).
func (j *journey) shots(name string) {
	j.t.Helper()
	j.CheckLayout(name)
	j.Screenshot(name)
	j.Viewport(360, 740)
	j.CheckLayout(name)
	j.Screenshot(name + "-phone")
	j.Viewport(1280, 900)
}

// TestJourneyRequestApproveAndUse: Riley finds a package by typing, requests it with a
// justification and sees it pending with Morgan, their manager, as approver; Morgan approves it
// in place; Riley has the access.
func TestJourneyRequestApproveAndUse(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "GitHub maintainer")

	j.as("riley", "Riley Requester")
	j.shots("home-empty")
	j.click(`main a[href="/access/packages"]`)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`#package-q`)))
	j.waitText(`#package-results`, "Engineering starter kit")
	j.shots("find-access")
	j.typeInto(`#package-q`, "maint")
	j.waitText(`#package-results`, "1–1 of 1")
	j.lacks(`#package-results`, "Engineering starter kit")
	if !strings.Contains(j.Location(), "q=maint") {
		t.Errorf("the search is not in the address: %s", j.Location())
	}
	j.click(`#package-results a[href="/access/packages/` + pkg.ID + `"]`)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="request-form"]`)))
	j.waitText(`[data-testid="approver-preview"]`, "Morgan Manager (your manager)")
	j.shots("request-form")

	// With a pasted link, which must wrap wherever it is shown.
	j.typeInto(`#justification`, "I am on release duty for the mobile app this quarter: "+browsertest.LongURL)
	j.click(`[data-testid="submit-request"]`)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="request-timeline"]`)))
	j.waitText(`[data-testid="flashes"]`, "sent to Morgan Manager for approval")
	j.waitText(`main`, "Pending approval")
	j.waitText(`[data-testid="request-timeline"]`, "Waiting for approval · Morgan Manager")
	j.shots("request-pending")

	j.as("morgan", "Morgan Manager")
	j.waitText(navApprovals, "Approvals 1")
	j.shots("home-approver")
	j.open("/approvals")
	r := onlyRequest(t, w, "requester@example.com", pkg.ID)
	card := `#approval-` + r.ID
	j.waitText(card, "I am on release duty")
	j.shots("approvals")
	j.typeInto(card+` textarea[name="reason"]`, "Agreed for the release. "+browsertest.LongWord)
	j.click(card + ` [data-testid="approve"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You approved this request")
	j.lacks(navApprovals, "1")
	if !strings.HasSuffix(j.Location(), "/approvals") {
		t.Errorf("approving left the page: %s", j.Location())
	}
	j.shots("approved-in-place")

	deliver(t, w.env)
	j.as("riley", "Riley Requester")
	j.open("/access/assignments")
	j.waitText(`[data-testid="assignment-list"]`, "GitHub maintainer")
	j.waitText(`[data-testid="assignment-list"]`, "Active")
	j.waitText(`[data-testid="assignment-list"]`, "Ends on 8 Sep 2026")
	j.shots("my-access")
	j.open("/")
	j.waitText(`[data-testid="home-access"]`, "GitHub maintainer")
	j.shots("home")
	j.open("/access/requests/" + r.ID)
	j.waitText(`[data-testid="request-timeline"]`, "Approved · Morgan Manager")
	j.waitText(`[data-testid="request-timeline"]`, "Agreed for the release.")
	j.waitText(`[data-testid="request-timeline"]`, "Delivered")
	j.shots("request-delivered")
}

// TestJourneyDenyWithReason: Morgan denies, and Riley sees the reason.
func TestJourneyDenyWithReason(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "GitHub maintainer")

	j.as("riley", "Riley Requester")
	j.open("/access/packages/" + pkg.ID)
	j.typeInto(`#justification`, "I would like to merge my own pull requests.")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`main`, "Pending approval")

	j.as("morgan", "Morgan Manager")
	j.open("/approvals")
	r := onlyRequest(t, w, "requester@example.com", pkg.ID)
	card := `#approval-` + r.ID
	j.typeInto(card+` textarea[name="reason"]`, "Please ask a maintainer to review instead.")
	j.click(card + ` [data-testid="deny"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You denied this request")
	j.open("/approvals/history")
	j.waitText(`[data-testid="decision-list"]`, "Please ask a maintainer to review instead.")
	j.shots("approval-history")

	j.as("riley", "Riley Requester")
	j.open("/access/requests")
	j.click(`a[href="/access/requests?show=done"]`)
	j.waitText(`[data-testid="request-list"]`, "Denied by Morgan Manager")
	j.shots("my-requests")
	j.click(`[data-testid="request-list"] a[href="/access/requests/` + r.ID + `"]`)
	j.waitText(`main`, "Denied")
	j.waitText(`[data-testid="request-timeline"]`, "Please ask a maintainer to review instead.")
	j.shots("request-denied")
}

// TestJourneyTwoStages: stage 1 (the manager) approves, stage 2 (Avery, who must give a reason)
// denies; Riley's timeline shows both.
func TestJourneyTwoStages(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "Platform on-call")

	j.as("riley", "Riley Requester")
	j.open("/access/packages/" + pkg.ID)
	j.waitText(`[data-testid="approver-preview"]`, "Avery Approver")
	// Submitting without the required justification keeps the page, with the message by it.
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`#justification-error`, "Explain why the access is needed")
	j.shots("request-form-error")
	j.typeInto(`#justification`, "Joining the platform rotation in April.")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`main`, "Pending approval")
	r := onlyRequest(t, w, "requester@example.com", pkg.ID)

	j.as("morgan", "Morgan Manager")
	j.open("/approvals")
	card := `#approval-` + r.ID
	j.click(card + ` [data-testid="approve"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You approved this request")

	j.as("avery", "Avery Approver")
	j.open("/approvals")
	j.waitText(card, "Stage 2 of 2")
	// What stage 1 decided, and a link to the whole request.
	j.waitText(card+` [data-testid="earlier-stages"]`, "Approved by Morgan Manager")
	j.Do(chromedp.WaitVisible(chromedp.CSS(card + ` a[href="/access/requests/` + r.ID + `"]`)))
	// Denying without the reason this stage requires: the card says so, in place.
	j.click(card + ` [data-testid="deny"]`)
	j.waitText(card, "Give a reason for your decision")
	j.shots("approvals-reason-required")
	j.typeInto(card+` textarea[name="reason"]`, "Please finish the on-call training first.")
	j.click(card + ` [data-testid="deny"]`)
	j.waitText(card+` [data-testid="approval-outcome"]`, "You denied this request")

	j.as("riley", "Riley Requester")
	j.open("/access/requests/" + r.ID)
	tl := `[data-testid="request-timeline"]`
	j.waitText(tl, "Stage 1 of 2: approved · Morgan Manager")
	j.waitText(tl, "Stage 2 of 2: denied · Avery Approver")
	j.waitText(tl, "Please finish the on-call training first.")
	j.shots("request-two-stages")
}

// TestJourneyNoApproval: a package that needs no approval is delivered at once.
func TestJourneyNoApproval(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "Engineering starter kit")

	j.as("riley", "Riley Requester")
	j.open("/access/packages/" + pkg.ID)
	j.waitText(`[data-testid="no-approval"]`, "No approval needed")
	j.lacks(`[data-testid="request-form"]`, "approver")
	j.waitText(`[data-testid="submit-request"]`, "Get access")
	j.shots("request-form-no-approval")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`[data-testid="flashes"]`, "needs no approval")
	// The background worker provisions; the page follows by itself.
	deliver(t, w.env)
	j.waitText(`main`, "Delivered")
	j.shots("request-no-approval")
	j.open("/access/assignments")
	j.waitText(`[data-testid="assignment-list"]`, "Engineering starter kit")
	j.waitText(`[data-testid="assignment-list"]`, "GitHub Enterprise")
}

// TestJourneyExtendAndGiveBack: Riley extends their access (with approval) and gives it back.
func TestJourneyExtendAndGiveBack(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	r := w.submit(t, "requester@example.com", "GitHub maintainer", "Release duty")
	if _, err := w.env.Svc.Decide(w.as("manager@example.com"), r.ID, true, "OK"); err != nil {
		t.Fatal(err)
	}
	deliver(t, w.env)
	w.env.Clock.Advance(170 * 24 * time.Hour) // ten days before it ends

	j.as("riley", "Riley Requester")
	j.open("/access/assignments")
	j.waitText(`[data-testid="assignment-ends"]`, "Ends in 10 days")
	j.waitText(`[data-testid="assignment-list"]`, "Extending needs approval")
	j.shots("my-access-ending")
	j.click(`[data-testid="extend"]`)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="extend-form"]`)))
	j.typeInto(`#justification`, "The release moved to the next quarter.")
	// Before submitting, the form says what changes: the end now and the new end (the policy's
	// 180 days from the current end), and it follows a date the person picks.
	j.waitText(`[data-testid="current-end"]`, "8 Sep 2026")
	j.waitText(`[data-testid="new-end"]`, "7 Mar 2027")
	j.pick(`#end`, "2026-12-01T09:00")
	j.waitText(`[data-testid="new-end"]`, "1 Dec 2026, 09:00 UTC")
	j.pick(`#end`, "")
	j.waitText(`[data-testid="extend-preview"]`, "counted from the current end")
	j.shots("extend-form")
	j.click(`[data-testid="submit-extend"]`)
	j.waitText(`[data-testid="flashes"]`, "was sent for approval")
	j.waitText(`main`, "Extension")

	j.as("morgan", "Morgan Manager")
	j.open("/approvals")
	j.waitText(`[data-testid="approval-list"]`, "asks to extend")
	j.waitText(`[data-testid="approval-schedule"]`, "from 8 Sep 2026 to 7 Mar 2027")
	j.click(`[data-testid="approval-list"] [data-testid="approve"]`)
	j.waitText(`[data-testid="approval-outcome"]`, "You approved this request")

	j.as("riley", "Riley Requester")
	j.open("/access/assignments")
	j.waitText(`[data-testid="assignment-ends"]`, "Ends on 7 Mar 2027") // 180 more days from the end it had
	// Give back, through the confirmation dialog.
	j.click(`[data-testid="assignment-list"] a[data-dialog-open]`)
	j.Do(chromedp.WaitVisible(chromedp.CSS(`dialog[open]`)))
	j.waitText(`dialog[open]`, "Give back your access to GitHub maintainer?")
	j.shots("give-back-dialog")
	j.click(`dialog[open] button[type="submit"]:not([formmethod])`)
	j.waitText(`[data-testid="flashes"]`, "You gave back your access to GitHub maintainer.")
	j.waitText(`main`, "You have no access through Steward yet")
	j.open("/access/assignments?show=past")
	j.waitText(`[data-testid="assignment-list"]`, "Removed")
	j.shots("my-access-past")
}

// TestJourneyBulkApprove: Morgan approves three requests together.
func TestJourneyBulkApprove(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	w.submit(t, "requester@example.com", "GitHub maintainer", "Release duty")
	w.submit(t, "requester@example.com", "Platform on-call", "Joining the rotation")
	w.submit(t, "casey.brooks@example.com", "GitHub maintainer", "Maintaining the SRE tools, see "+browsertest.LongURL)

	j.as("morgan", "Morgan Manager")
	j.waitText(navApprovals, "Approvals 3")
	j.open("/approvals")
	j.waitText(`[data-testid="approval-list"]`, "Casey Brooks")
	nodes, err := chromedp.Run(j.Ctx, chromedp.Nodes(chromedp.CSSAll(`[data-testid="select-approval"]`), chromedp.AtLeast(3)))
	if err != nil || len(nodes) != 3 {
		t.Fatalf("want 3 checkboxes, got %d (%v)", len(nodes), err)
	}
	// Select all, with the keyboard: every row is ticked; unticking one clears "all".
	j.typeInto(`#select-all`, " ")
	if n, _ := chromedp.Run(j.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="select-approval"]:checked').length`)); n != 3 {
		t.Fatalf("select all ticked %d of 3", n)
	}
	j.Do(chromedp.MouseClickNode(nodes[0]))
	if all, _ := chromedp.Run(j.Ctx, chromedp.Evaluate[bool](`document.querySelector('#select-all').checked`)); all {
		t.Errorf("select all stays ticked with a row unticked")
	}
	j.Do(chromedp.MouseClickNode(nodes[0]))
	j.typeInto(`#bulk-reason`, "Approved in the weekly review.")
	j.shots("approvals-bulk")
	j.click(`[data-testid="bulk-approve"]`)
	j.waitText(`[data-testid="flashes"]`, "You approved 3 requests.")
	j.waitText(`main`, "Nothing is waiting for you")
	j.lacks(navApprovals, "3")
	j.shots("approvals-empty")
}

// TestJourneyPolicyChoice: choosing another policy updates who will approve, in place.
func TestJourneyPolicyChoice(t *testing.T) {
	w := startDemo(t)
	j := newJourney(t, w)
	pkg := w.pkg(t, "GitHub maintainer")
	second, err := w.env.Svc.CreatePolicy(adminCtx(), entitlement.PolicyInput{
		AccessPackageID: pkg.ID, DisplayName: "Release captains, owner approval", DurationInDays: 14,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 2, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetSingleUser, ID: w.users["owner@example.com"].ID}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	j.as("riley", "Riley Requester")
	j.open("/access/packages/" + pkg.ID)
	j.waitText(`[data-testid="approver-preview"]`, "Morgan Manager (your manager)")
	j.typeInto(`#justification`, "Release captain for 2.0")
	j.click(`[data-testid="policy-` + second.ID + `"]`)
	j.waitText(`[data-testid="approver-preview"]`, "Owen Owner")
	j.waitText(`#policy-details`, "Access lasts for 14 days")
	if got, _ := chromedp.Run(j.Ctx, chromedp.Value(chromedp.CSS(`#justification`))); got != "Release captain for 2.0" {
		t.Errorf("the justification typed was lost: %q", got)
	}
	if strings.Contains(j.Location(), "policyId") {
		t.Errorf("changing the policy navigated: %s", j.Location())
	}
	j.shots("request-form-two-policies")
	j.click(`[data-testid="submit-request"]`)
	j.waitText(`[data-testid="flashes"]`, "sent to Owen Owner for approval")
}

// onlyRequest returns the one request of the person for the package.
func onlyRequest(t *testing.T, w *demoWorld, email, packageID string) entitlement.Request {
	t.Helper()
	page, err := w.env.Svc.MyRequests(w.as(email), entitlement.RequestFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var out entitlement.Request
	for _, r := range page.Items {
		if r.AccessPackageID == packageID {
			out = r
		}
	}
	if out.ID == "" {
		t.Fatalf("%s has no request for %s", email, packageID)
	}
	return out
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func TestFindAccess(t *testing.T) {
	env, w := startPortal(t)
	c, _ := signedIn(t, env, "requester@example.com")

	res, body := env.Get(t, c, "/access/packages")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	page := text(body)
	for _, want := range []string{"Find access", "Finance reports", "GitHub organization", "Production on-call", "Travel booking", "Finance readers · Member", "No approval needed", "1–4 of 4"} {
		if !strings.Contains(page, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	// Search as you type: htmx gets the results region only.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/access/packages?q=fin", nil)
	req.Header.Set("HX-Request", "true")
	res, body = env.Follow(t, c, req)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="package-results"`) {
		t.Fatalf("htmx search: status %d, whole page or no results region:\n%s", res.StatusCode, body)
	}
	if page := text(body); !strings.Contains(page, "Finance reports") || strings.Contains(page, "GitHub") {
		t.Errorf("search for fin shows %q", page)
	}

	// Nothing matching says why and how to get back, in the whole page and in the results region
	// alone (which reads whether anything is offered only when it has nothing to show).
	_, body = env.Get(t, c, "/access/packages?q=zebra")
	if page := text(body); !strings.Contains(page, "Nothing matches your search") || !strings.Contains(page, "zebra") {
		t.Errorf("empty search: %q", page)
	}
	req, _ = http.NewRequest(http.MethodGet, env.URL+"/access/packages?q=zebra", nil)
	req.Header.Set("HX-Request", "true")
	_, body = env.Follow(t, c, req)
	if page := text(body); !strings.Contains(page, "Nothing matches your search") || strings.Contains(page, "No packages are open to you yet") {
		t.Errorf("empty htmx search: %q", page)
	}

	// The package page describes the policy in words and who approves.
	_, body = env.Get(t, c, "/access/packages/"+w.finance.ID)
	page = text(body)
	for _, want := range []string{"For everyone in the organization", "approved by your manager (Manny Manager)", "access for 90 days", "Justification required", "Who will approve", "Manny Manager (your manager)", "7 days to decide"} {
		if !strings.Contains(page, want) {
			t.Errorf("package page lacks %q:\n%s", want, page)
		}
	}
}

func TestPolicyChoiceWithoutJavaScript(t *testing.T) {
	env, w := startPortal(t)
	second, err := env.Svc.CreatePolicy(adminCtx(), entitlement.PolicyInput{
		AccessPackageID: w.finance.ID, DisplayName: "Auditors", ExpirationDateTime: ptr(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)),
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 3, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetSingleUser, ID: w.users["approver@example.com"].ID}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := signedIn(t, env, "requester@example.com")
	// The "Show approvers for this choice" button GETs the page with the form's values.
	_, body := env.Get(t, c, "/access/packages/"+w.finance.ID+"?policyId="+second.ID+"&justification=Audit+2026&end=2026-06-01T00%3A00")
	if !strings.Contains(body, `value="`+second.ID+`" checked`) {
		t.Errorf("the chosen policy is not checked")
	}
	page := text(body)
	for _, want := range []string{"Show approvers for this choice", "Dana Approver", "access until 31 Dec 2026", "Access lasts until 31 Dec 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q: %s", want, page)
		}
	}
	if !strings.Contains(body, ">Audit 2026</textarea>") || !strings.Contains(body, `value="2026-06-01T00:00"`) {
		t.Errorf("the typed values were not kept")
	}
}

func ptr[T any](v T) *T { return &v }

func TestFindAccessNothingOffered(t *testing.T) {
	env := start(t) // no packages at all
	c := env.Client(t)
	env.SignIn(t, c, "riley@example.com")
	_, body := env.Get(t, c, "/access/packages")
	if page := text(body); !strings.Contains(page, "No packages are open to you yet") || !strings.Contains(page, "Ask your manager") {
		t.Errorf("empty catalog: %q", page)
	}
}

func TestRequestFormKeepsInputOnErrors(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	pol := w.policies[w.finance.ID]
	path := "/access/packages/" + w.finance.ID + "/request"

	// No justification, where the policy requires one.
	res, body := env.PostForm(t, c, path, csrf, url.Values{"policyId": {pol.ID}, "end": {"2026-04-01T10:00"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	if !strings.Contains(body, `id="justification-error"`) || !strings.Contains(body, `aria-describedby="justification-help justification-error"`) {
		t.Errorf("no message by the justification field:\n%s", body)
	}
	if !strings.Contains(body, `value="2026-04-01T10:00"`) {
		t.Errorf("the end date typed was not kept")
	}

	// An end beyond what the policy allows (90 days), with the justification kept.
	res, body = env.PostForm(t, c, path, csrf, url.Values{"policyId": {pol.ID}, "justification": {"Quarterly close"}, "end": {"2027-01-01T00:00"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.StatusCode)
	}
	if !strings.Contains(body, `id="end-error"`) || !strings.Contains(text(body), "at the latest") {
		t.Errorf("no message by the end field:\n%s", text(body))
	}
	if !strings.Contains(body, ">Quarterly close</textarea>") {
		t.Errorf("the justification typed was not kept")
	}

	// A date that is not a date.
	res, body = env.PostForm(t, c, path, csrf, url.Values{"policyId": {pol.ID}, "justification": {"x"}, "start": {"tomorrow"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="start-error"`) {
		t.Errorf("bad start: status %d", res.StatusCode)
	}
}

func TestRequestSubmitAndFollow(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	pol := w.policies[w.finance.ID]

	res, _ := env.PostForm(t, c, "/access/packages/"+w.finance.ID+"/request", csrf, url.Values{"policyId": {pol.ID}, "justification": {"Quarterly close"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/access/requests/") {
		t.Fatalf("redirect to %q", loc)
	}
	_, body := env.Get(t, c, loc)
	page := text(body)
	for _, want := range []string{"Your request for Finance reports was sent to Manny Manager for approval.", "Pending approval", "Waiting for approval · Manny Manager", "Quarterly close", "Cancel request"} {
		if !strings.Contains(page, want) {
			t.Errorf("request page lacks %q:\n%s", want, page)
		}
	}
	if !strings.Contains(body, `title="12 Mar 2026, 09:00 UTC"`) {
		t.Errorf("times carry no exact time in a title")
	}

	// A second request for the same package is refused with the reason, input kept.
	res, body = env.PostForm(t, c, "/access/packages/"+w.finance.ID+"/request", csrf, url.Values{"policyId": {pol.ID}, "justification": {"Again"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(text(body), "already an open request") {
		t.Errorf("duplicate: status %d: %s", res.StatusCode, text(body))
	}
	// The package page says so instead of offering the form.
	_, body = env.Get(t, c, "/access/packages/"+w.finance.ID)
	if !strings.Contains(body, `data-testid="request-blocked"`) || strings.Contains(body, `data-testid="request-form"`) {
		t.Errorf("package page still offers the form")
	}

	// My requests lists it; the home page too.
	_, body = env.Get(t, c, "/access/requests")
	if page := text(body); !strings.Contains(page, "Finance reports") || !strings.Contains(page, "Waiting for Manny Manager") {
		t.Errorf("my requests: %s", page)
	}
	_, body = env.Get(t, c, "/")
	if page := text(body); !strings.Contains(page, "Open requests") || !strings.Contains(page, "Waiting for Manny Manager") {
		t.Errorf("home: %s", page)
	}
}

func TestRequestsOfOthersAreNotFound(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")

	other, csrf := signedIn(t, env, "other@example.com")
	if res, _ := env.Get(t, other, "/access/requests/"+r.ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("another employee reads the request: %d", res.StatusCode)
	}
	if res, _ := env.PostForm(t, other, "/access/requests/"+r.ID+"/cancel", csrf, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another employee cancels the request: %d", res.StatusCode)
	}
	if res, _ := env.PostForm(t, other, "/approvals/"+r.ID+"/decide", csrf, url.Values{"decision": {"approve"}}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Errorf("another employee approves the request: %d", res.StatusCode)
	}
	if res, _ := env.Get(t, other, "/access/requests/does-not-exist"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown request: %d", res.StatusCode)
	}
	// The approver may read it.
	mgr, _ := signedIn(t, env, "manager@example.com")
	if res, _ := env.Get(t, mgr, "/access/requests/"+r.ID); res.StatusCode != http.StatusOK {
		t.Errorf("the approver cannot read the request: %d", res.StatusCode)
	}
	// The requester cannot approve their own request.
	req, csrf := signedIn(t, env, "requester@example.com")
	if res, _ := env.PostForm(t, req, "/approvals/"+r.ID+"/decide", csrf, url.Values{"decision": {"approve"}}); res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusForbidden {
		t.Errorf("self-approval: %d", res.StatusCode)
	}
	if got, _ := env.Svc.RequestByID(w.as("requester@example.com"), r.ID); got.RequestState != entitlement.StatePendingApproval {
		t.Errorf("after refused decisions the request is %s", got.RequestState)
	}
}

func TestCancelRequest(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")
	c, csrf := signedIn(t, env, "requester@example.com")
	res, _ := env.PostForm(t, c, "/access/requests/"+r.ID+"/cancel", csrf, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	_, body := env.Get(t, c, res.Header.Get("Location"))
	if page := text(body); !strings.Contains(page, "Your request was canceled") || !strings.Contains(page, "Canceled") || strings.Contains(page, "Cancel request") {
		t.Errorf("after cancel: %s", page)
	}
	// Canceling again says why it cannot, as a flash.
	res, _ = env.PostForm(t, c, "/access/requests/"+r.ID+"/cancel", csrf, nil)
	_, body = env.Get(t, c, res.Header.Get("Location"))
	if !strings.Contains(text(body), "can no longer be canceled") {
		t.Errorf("second cancel: %s", text(body))
	}
}

func TestApproveInPlaceAndPlain(t *testing.T) {
	env, w := startPortal(t)
	r1 := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")
	r2 := w.submit(t, env, "other@example.com", w.finance, "Audit")
	mgr, csrf := signedIn(t, env, "manager@example.com")

	_, body := env.Get(t, mgr, "/approvals")
	page := text(body)
	for _, want := range []string{"Riley Requester requests Finance reports", "Olly Other requests Finance reports", "Quarterly close", "Stage 1 of 1", "Times out in 7 days", "Approve selected"} {
		if !strings.Contains(page, want) {
			t.Errorf("approvals lack %q:\n%s", want, page)
		}
	}
	if !strings.Contains(text(body), "Approvals 2 waiting for you") {
		t.Errorf("the nav shows no count of 2")
	}

	// In place, with htmx: the card comes back decided.
	res, frag := postHTMX(t, env, mgr, "/approvals/"+r1.ID+"/decide", csrf, url.Values{"decision": {"approve"}, "reason": {"Fine"}, "stage": {"1"}})
	if res.StatusCode != http.StatusOK || strings.Contains(frag, "<html") || !strings.Contains(frag, `id="approval-`+r1.ID+`"`) {
		t.Fatalf("htmx approve: %d\n%s", res.StatusCode, frag)
	}
	if got := text(frag); !strings.Contains(got, "You approved this request") || !strings.Contains(got, "Fine") {
		t.Errorf("decided card: %s", got)
	}
	if !strings.Contains(frag, `hx-swap-oob="innerHTML:[data-approvals-count]"`) || !strings.Contains(text(frag), "1 waiting for you") {
		t.Errorf("the decided card does not update the navigation count to 1:\n%s", frag)
	}

	// As a plain form post: 303 and a flash.
	res, _ = env.PostForm(t, mgr, "/approvals/"+r2.ID+"/decide", csrf, url.Values{"decision": {"deny"}, "reason": {"Not this quarter"}, "stage": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/approvals" {
		t.Fatalf("plain deny: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	deliver(t, env)
	_, body = env.Get(t, mgr, "/approvals")
	if page := text(body); !strings.Contains(page, "You denied the request of Olly Other for Finance reports.") || !strings.Contains(page, "Nothing is waiting for you") {
		t.Errorf("after the decisions: %s", page)
	}
	_, body = env.Get(t, mgr, "/approvals/history")
	if page := text(body); !strings.Contains(page, "Approved") || !strings.Contains(page, "Not this quarter") || !strings.Contains(page, "Delivered") {
		t.Errorf("history: %s", page)
	}

	// The requesters see the outcome, with the reason.
	c, _ := signedIn(t, env, "requester@example.com")
	_, body = env.Get(t, c, "/access/assignments")
	if !strings.Contains(text(body), "Finance reports") || !strings.Contains(text(body), "Active") {
		t.Errorf("requester's access: %s", text(body))
	}
	o, _ := signedIn(t, env, "other@example.com")
	_, body = env.Get(t, o, "/access/requests/"+r2.ID)
	if page := text(body); !strings.Contains(page, "Denied by Manny Manager") || !strings.Contains(page, "Not this quarter") {
		t.Errorf("denied request: %s", page)
	}
}

func TestDecisionByTwoApprovers(t *testing.T) {
	env, w := startPortal(t)
	// A policy whose one stage asks two people: the first to decide wins, the other is told.
	pol, err := env.Svc.CreatePolicy(adminCtx(), entitlement.PolicyInput{
		AccessPackageID: w.travel.ID, DisplayName: "Two approvers", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 3, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetSingleUser, ID: w.users["manager@example.com"].ID},
				{Type: entitlement.UserSetSingleUser, ID: w.users["approver@example.com"].ID},
			}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := env.Svc.SubmitRequest(w.as("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.travel.ID, PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}
	dana, dcsrf := signedIn(t, env, "approver@example.com")
	mgr, mcsrf := signedIn(t, env, "manager@example.com")
	_, body := env.Get(t, dana, "/approvals")
	if !strings.Contains(text(body), "Also asked: Manny Manager. The first decision counts.") {
		t.Errorf("Dana's card does not name the other approver: %s", text(body))
	}
	if res, _ := env.PostForm(t, mgr, "/approvals/"+r.ID+"/decide", mcsrf, url.Values{"decision": {"approve"}, "stage": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("manager approves: %d", res.StatusCode)
	}

	// Dana clicks on her stale page, in place: the card says who decided, no error.
	res, frag := postHTMX(t, env, dana, "/approvals/"+r.ID+"/decide", dcsrf, url.Values{"decision": {"deny"}, "reason": {"No"}, "stage": {"1"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("second decision: %d\n%s", res.StatusCode, frag)
	}
	if got := text(frag); !strings.Contains(got, "Already decided by Manny Manager") || !strings.Contains(got, "Approved") {
		t.Errorf("second decision card: %s", got)
	}
	// And without JavaScript: back to the list with the news.
	res, _ = env.PostForm(t, dana, "/approvals/"+r.ID+"/decide", dcsrf, url.Values{"decision": {"deny"}, "stage": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("plain second decision: %d", res.StatusCode)
	}
	_, body = env.Get(t, dana, "/approvals")
	if page := text(body); !strings.Contains(page, "Manny Manager") || !strings.Contains(page, "already") {
		t.Errorf("flash after a decision by someone else: %s", page)
	}
	deliver(t, env)
	if got, _ := env.Svc.RequestByID(w.as("requester@example.com"), r.ID); got.RequestState != entitlement.StateDelivered {
		t.Errorf("the request is %s, want Delivered (approved once)", got.RequestState)
	}
}

func TestReasonRequiredByStage(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.oncall, "Joining the rotation")
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	dana, csrf := signedIn(t, env, "approver@example.com")
	_, body := env.Get(t, dana, "/approvals")
	if page := text(body); !strings.Contains(page, "Stage 2 of 2") || !strings.Contains(page, "This stage requires a reason") {
		t.Errorf("stage 2 card: %s", page)
	}
	// htmx: the card comes back with the message by the reason (422, which htmx swaps).
	res, frag := postHTMX(t, env, dana, "/approvals/"+r.ID+"/decide", csrf, url.Values{"decision": {"deny"}, "stage": {"2"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(frag, `-reason-error"`) {
		t.Fatalf("deny without reason (htmx): %d\n%s", res.StatusCode, frag)
	}
	// Plain: the whole list with the message, 422.
	res, body = env.PostForm(t, dana, "/approvals/"+r.ID+"/decide", csrf, url.Values{"decision": {"deny"}, "stage": {"2"}, "reason": {"  "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(body), "Give a reason for your decision") {
		t.Fatalf("deny without reason: %d %s", res.StatusCode, text(body))
	}
	res, _ = env.PostForm(t, dana, "/approvals/"+r.ID+"/decide", csrf, url.Values{"decision": {"deny"}, "stage": {"2"}, "reason": {"Do the training first"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deny with reason: %d", res.StatusCode)
	}
	c, _ := signedIn(t, env, "requester@example.com")
	_, body = env.Get(t, c, "/access/requests/"+r.ID)
	page := text(body)
	for _, want := range []string{"Stage 1 of 2: approved · Manny Manager", "Stage 2 of 2: denied · Dana Approver", "Do the training first", "Denied by Dana Approver"} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %q: %s", want, page)
		}
	}
}

func TestBulkDecisions(t *testing.T) {
	env, w := startPortal(t)
	var ids []string
	for _, p := range []string{"finance", "travel", "oncall"} {
		pkg := map[string]entitlement.AccessPackage{"finance": w.finance, "travel": w.travel, "oncall": w.oncall}[p]
		ids = append(ids, w.submit(t, env, "requester@example.com", pkg, "Need it").ID+"@1")
	}
	mgr, csrf := signedIn(t, env, "manager@example.com")
	res, _ := env.PostForm(t, mgr, "/approvals/bulk", csrf, url.Values{"decision": {"approve"}, "reason": {"Agreed"}, "id": ids})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk: %d", res.StatusCode)
	}
	_, body := env.Get(t, mgr, "/approvals")
	if page := text(body); !strings.Contains(page, "You approved 3 requests.") || !strings.Contains(page, "Nothing is waiting for you") {
		t.Errorf("after bulk: %s", page)
	}
	// Nothing selected says so.
	res, _ = env.PostForm(t, mgr, "/approvals/bulk", csrf, url.Values{"decision": {"approve"}})
	_, body = env.Get(t, mgr, res.Header.Get("Location"))
	if !strings.Contains(text(body), "Select at least one request first") {
		t.Errorf("empty bulk: %s", text(body))
	}
}

func TestExtendAndGiveBack(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	res, _ := env.PostForm(t, c, "/access/packages/"+w.github.ID+"/request", csrf, url.Values{"policyId": {w.policies[w.github.ID].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	deliver(t, env)
	_, body := env.Get(t, c, res.Header.Get("Location"))
	if page := text(body); !strings.Contains(page, "Steward is delivering the access now.") || !strings.Contains(page, "Delivered") {
		t.Errorf("no-approval request: %s", page)
	}
	_, body = env.Get(t, c, "/access/assignments")
	// Extending opens two weeks before the end (11 Apr), not right after delivery.
	if page := text(body); !strings.Contains(page, "GitHub organization") || !strings.Contains(page, "You can extend it from 28 Mar 2026 (in 16 days), two weeks before it ends.") {
		t.Fatalf("my access: %s", page)
	}
	page, _ := env.Svc.MyAssignments(w.as("requester@example.com"), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	a := page.Items[0]
	if res, body := env.Get(t, c, "/access/assignments/"+a.ID+"/extend"); res.StatusCode != http.StatusConflict || !strings.Contains(text(body), "You can extend it from 28 Mar 2026") {
		t.Fatalf("extend form before the window: %d %s", res.StatusCode, text(body))
	}

	env.Clock.Advance(20 * 24 * time.Hour)
	c, csrf = signedIn(t, env, "requester@example.com") // twenty days later the sign-in has long expired
	if _, body = env.Get(t, c, "/access/assignments"); !strings.Contains(text(body), "Extending needs no approval") {
		t.Fatalf("my access in the last two weeks: %s", text(body))
	}
	_, body = env.Get(t, c, "/access/assignments/"+a.ID+"/extend")
	if !strings.Contains(body, `data-testid="extend-form"`) {
		t.Fatalf("no extend form: %s", text(body))
	}
	// An end beyond the policy: 422, kept.
	res, body = env.PostForm(t, c, "/access/assignments/"+a.ID+"/extend", csrf, url.Values{"end": {"2027-01-01T00:00"}, "justification": {"Still on the project"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, ">Still on the project</textarea>") {
		t.Fatalf("extend too far: %d %s", res.StatusCode, text(body))
	}
	res, _ = env.PostForm(t, c, "/access/assignments/"+a.ID+"/extend", csrf, url.Values{"justification": {"Still on the project"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/access/assignments" {
		t.Fatalf("extend: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = env.Get(t, c, "/access/assignments")
	// The policy's 30 days, counted from the end it had (11 Apr).
	if !strings.Contains(text(body), "Your access to GitHub organization now lasts until 11 May 2026.") {
		t.Errorf("after extending: %s", text(body))
	}

	// Give back, then it is in the past tab.
	res, _ = env.PostForm(t, c, "/access/assignments/"+a.ID+"/remove", csrf, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("give back: %d", res.StatusCode)
	}
	_, body = env.Get(t, c, "/access/assignments")
	if page := text(body); !strings.Contains(page, "You gave back your access to GitHub organization.") || !strings.Contains(page, "You have no access through Steward yet") {
		t.Errorf("after giving back: %s", page)
	}
	_, body = env.Get(t, c, "/access/assignments?show=past")
	if page := text(body); !strings.Contains(page, "GitHub organization") || !strings.Contains(page, "Removed") {
		t.Errorf("past access: %s", page)
	}

	// Someone else's assignment is not found.
	o, ocsrf := signedIn(t, env, "other@example.com")
	if res, _ := env.Get(t, o, "/access/assignments/"+a.ID+"/extend"); res.StatusCode != http.StatusNotFound {
		t.Errorf("other's extend form: %d", res.StatusCode)
	}
	if res, _ := env.PostForm(t, o, "/access/assignments/"+a.ID+"/remove", ocsrf, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("other's give back: %d", res.StatusCode)
	}
}

func TestPortalWritesNeedCSRF(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.finance, "x")
	mgr, _ := signedIn(t, env, "manager@example.com")
	res, err := mgr.PostForm(env.URL+"/approvals/"+r.ID+"/decide", url.Values{"decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("decision without CSRF token: %d", res.StatusCode)
	}
}

func TestPortalNeedsSignIn(t *testing.T) {
	env, _ := startPortal(t)
	c := env.Client(t)
	for _, path := range []string{"/access/packages", "/access/requests", "/access/assignments", "/approvals", "/approvals/history"} {
		res, err := c.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("%s signed out: %d → %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

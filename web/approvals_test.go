package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestApprovalCardContext: an approver's card links to the request; at stage 2 it shows what
// stage 1 decided, who and why; a guest's card names their organization.
func TestApprovalCardContext(t *testing.T) {
	env, w := startPortal(t)
	r := w.submit(t, env, "requester@example.com", w.oncall, "Joining the rotation")
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, "Riley is on the rota from Monday"); err != nil {
		t.Fatal(err)
	}

	// A guest of a partner requests through a policy open to guests.
	ctx := adminCtx()
	org, err := env.Svc.CreateConnectedOrganization(ctx, entitlement.ConnectedOrganizationInput{DisplayName: "Contoso",
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "contoso.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	guest, err := env.Svc.CreateUser(ctx, entitlement.UserInput{DisplayName: "Gina Guest", Email: "gina@contoso.example", UserType: entitlement.UserTypeGuest, ConnectedOrganizationID: org.ID, AccountEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.UpdateCatalog(ctx, w.travel.CatalogID, entitlement.CatalogInput{DisplayName: "Corporate", Description: "Everyday access", Published: true, IsExternallyVisible: true}); err != nil {
		t.Fatal(err)
	}
	pol, err := env.Svc.CreatePolicy(ctx, entitlement.PolicyInput{
		AccessPackageID: w.travel.ID, DisplayName: "Partners", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectorySubjects, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetSingleUser, ID: w.users["approver@example.com"].ID},
			}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gctx := entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: guest.ID, Name: guest.DisplayName, Email: guest.Email})
	gr, err := env.Svc.SubmitRequest(gctx, entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.travel.ID, PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}

	dana, _ := signedIn(t, env, "approver@example.com")
	_, body := env.Get(t, dana, "/approvals")
	page := text(body)
	if !strings.Contains(body, `href="/access/requests/`+r.ID+`"`) || !strings.Contains(body, `href="/access/requests/`+gr.ID+`"`) {
		t.Errorf("the cards do not link to their requests:\n%s", body)
	}
	for _, want := range []string{"Stage 1 of 2 Approved by Manny Manager", "Riley is on the rota from Monday", "Guest from Contoso"} {
		if !strings.Contains(page, want) {
			t.Errorf("approvals lack %q:\n%s", want, page)
		}
	}
	// The approver may open the request they link to.
	if res, _ := env.Get(t, dana, "/access/requests/"+r.ID); res.StatusCode != http.StatusOK {
		t.Errorf("the linked request: %d", res.StatusCode)
	}
	// The page of one approval says the same.
	_, body = env.Get(t, dana, "/approvals/"+r.ID)
	if page := text(body); !strings.Contains(page, "Stage 1 of 2 Approved by Manny Manager") || !strings.Contains(page, "Riley is on the rota from Monday") {
		t.Errorf("approval page: %s", page)
	}
}

// TestBulkDecisionFailures: when some of a bulk decision fail, the list comes back with those
// requests marked, still ticked, each with a short message of its own, and the others decided.
func TestBulkDecisionFailures(t *testing.T) {
	env, w := startPortal(t)
	// Dana approves stage 2 of on-call, which requires a reason, and the backup stage of nothing
	// else; make two on-call requests reach her and one travel request through a two-person policy.
	var ids []string
	for _, who := range []string{"requester@example.com", "other@example.com"} {
		r := w.submit(t, env, who, w.oncall, "Rotation")
		if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	pol, err := env.Svc.CreatePolicy(adminCtx(), entitlement.PolicyInput{
		AccessPackageID: w.travel.ID, DisplayName: "Dana approves", DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
		RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
			ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetSingleUser, ID: w.users["approver@example.com"].ID},
			}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	travel, err := env.Svc.SubmitRequest(w.as("requester@example.com"), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: w.travel.ID, PolicyID: pol.ID})
	if err != nil {
		t.Fatal(err)
	}

	dana, csrf := signedIn(t, env, "approver@example.com")
	_, body := env.Get(t, dana, "/approvals")
	if !strings.Contains(body, `data-testid="select-all"`) || !strings.Contains(text(body), "Select all 3 requests on this page") {
		t.Fatalf("no select-all control: %s", text(body))
	}
	// No reason: the two on-call requests need one, travel does not.
	res, body := env.PostForm(t, dana, "/approvals/bulk", csrf, url.Values{"decision": {"approve"}, "id": {ids[0] + "@2", ids[1] + "@2", travel.ID + "@1"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bulk with failures: %d %s", res.StatusCode, text(body))
	}
	page := text(body)
	for _, want := range []string{"You approved 1 request.", "2 requests were not approved.", "Give a reason for your decision"} {
		if !strings.Contains(page, want) {
			t.Errorf("after the bulk decision the page lacks %q:\n%s", want, page)
		}
	}
	for _, p := range a11yProblems(body) {
		t.Errorf("the list with failed rows: %s", p)
	}
	if n := strings.Count(body, `data-testid="bulk-error"`); n != 2 {
		t.Errorf("%d rows marked, want 2", n)
	}
	for _, id := range ids {
		card := body[strings.Index(body, `id="approval-`+id+`"`):]
		card = card[:strings.Index(card, "</article>")]
		if !strings.Contains(card, "checked") || !strings.Contains(card, `data-testid="bulk-error"`) {
			t.Errorf("the failed request %s is not marked and ticked:\n%s", id, card)
		}
	}
	if strings.Contains(body, `id="approval-`+travel.ID+`"`) {
		t.Errorf("the approved request is still listed")
	}

	// Select all without JavaScript: "all" decides every request the page showed.
	res, _ = env.PostForm(t, dana, "/approvals/bulk", csrf, url.Values{"decision": {"deny"}, "reason": {"Not now"}, "all": {"1"}, "shown": {ids[0] + "@2", ids[1] + "@2"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("select all: %d", res.StatusCode)
	}
	_, body = env.Get(t, dana, "/approvals")
	if page := text(body); !strings.Contains(page, "You denied 2 requests.") || !strings.Contains(page, "Nothing is waiting for you") {
		t.Errorf("after select all: %s", page)
	}
}

// TestInPlaceDecisionUpdatesTabCount: an htmx decision updates the "Waiting for you" tab's count
// out of band, as it does the navigation badge.
func TestInPlaceDecisionUpdatesTabCount(t *testing.T) {
	env, w := startPortal(t)
	r1 := w.submit(t, env, "requester@example.com", w.finance, "Quarterly close")
	w.submit(t, env, "other@example.com", w.finance, "Audit")
	mgr, csrf := signedIn(t, env, "manager@example.com")
	_, body := env.Get(t, mgr, "/approvals")
	if !strings.Contains(body, "data-approvals-tab-count") || !strings.Contains(text(body), "Waiting for you (2)") {
		t.Fatalf("the tab has no count to update: %s", text(body))
	}
	_, frag := postHTMX(t, env, mgr, "/approvals/"+r1.ID+"/decide", csrf, url.Values{"decision": {"approve"}, "stage": {"1"}})
	i := strings.Index(frag, `hx-swap-oob="innerHTML:[data-approvals-tab-count]"`)
	if i < 0 {
		t.Fatalf("no out-of-band update of the tab's count:\n%s", frag)
	}
	if got := frag[i:]; !strings.Contains(got, "(1)") {
		t.Errorf("the tab's count is not 1: %s", got)
	}
}

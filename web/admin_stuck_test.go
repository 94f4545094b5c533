package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/browsertest"
)

// pendingFinanceRequest gives the Finance package the Finance readers' membership and a policy
// that the approver decides, and has the requester ask for it: a request waiting for approval.
func pendingFinanceRequest(t *testing.T, f *adminFixture) entitlement.Request {
	t.Helper()
	admin := f.ctxAs("admin@example.com")
	pols, err := f.env.Svc.PoliciesOfPackage(admin, f.financePkg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pols) == 0 {
		rr, err := f.env.Svc.AddResource(admin, f.finance.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: f.financeReaders.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.env.Svc.AddRoleScope(admin, f.financePkg.ID, rr.Resource.ID, rr.Resource.Roles[0].ID, ""); err != nil {
			t.Fatal(err)
		}
		approver := entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: f.users["approver@example.com"].ID}
		pol, err := f.env.Svc.CreatePolicy(admin, entitlement.PolicyInput{
			AccessPackageID: f.financePkg.ID, DisplayName: "Approved by the approver", DurationInDays: 30,
			RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
			RequestApprovalSettings: entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle,
				ApprovalStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 7, PrimaryApprovers: []entitlement.UserSet{approver}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		pols = append(pols, pol)
	}
	r, err := f.env.Svc.SubmitRequest(f.ctxAs("requester@example.com"), entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: f.financePkg.ID, PolicyID: pols[0].ID,
	})
	if err != nil || r.RequestState != entitlement.StatePendingApproval {
		t.Fatalf("submit: %s %v", r.RequestState, err)
	}
	return r
}

func TestAdminCancelsAStuckRequestFromThePortal(t *testing.T) {
	f := startAdmin(t)
	r := pendingFinanceRequest(t, f)
	riley := f.users["requester@example.com"]
	cancelURL := "/admin/requests/" + r.ID + "/cancel"
	c, csrf := f.signIn(t, "admin@example.com")

	// The action sits by the open request, on the package's requests and on the person's page.
	for _, path := range []string{"/admin/packages/" + f.financePkg.ID + "/requests", "/admin/directory/users/" + riley.ID} {
		_, page := f.env.Get(t, c, path)
		if !strings.Contains(page, `action="`+cancelURL+`"`) || !strings.Contains(page, `for="cancel-reason-`+r.ID+`"`) {
			t.Errorf("%s offers no cancel with a labelled reason", path)
		}
		for _, p := range a11yProblems(page) {
			t.Errorf("%s: %s", path, p)
		}
	}
	// Without JavaScript, a page asks.
	res, page := f.env.Get(t, c, cancelURL+"?return=user")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `name="reason"`) || !strings.Contains(page, `name="return" value="user"`) {
		t.Fatalf("confirm page: %d", res.StatusCode)
	}
	// No reason: the page again, with the message by the field.
	res, page = f.env.PostForm(t, c, cancelURL, csrf, url.Values{"reason": {"  "}, "return": {"user"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `aria-invalid="true"`) || !strings.Contains(page, "Say why the request is canceled") {
		t.Fatalf("no reason: %d", res.StatusCode)
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("cancel page with a message: %s", p)
	}
	res, _ = f.env.PostForm(t, c, cancelURL, csrf, url.Values{"reason": {"Finance reports moved to the new catalog"}, "return": {"user"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/directory/users/"+riley.ID {
		t.Fatalf("cancel: %d to %q", res.StatusCode, loc)
	}
	if flash := html.UnescapeString(flashText(f.follow(t, c, res))); !strings.Contains(flash, "success: "+riley.DisplayName+"'s request was canceled.") {
		t.Errorf("flash %q", flash)
	}
	got, err := f.env.Svc.RequestByID(f.ctxAs("admin@example.com"), r.ID)
	if err != nil || got.RequestState != entitlement.StateCanceled {
		t.Fatalf("request %s, %v", got.RequestState, err)
	}
	// The requestor's timeline says who canceled and why.
	rc, _ := f.signIn(t, "requester@example.com")
	if _, page := f.env.Get(t, rc, "/access/requests/"+r.ID); !strings.Contains(page, "Finance reports moved to the new catalog") {
		t.Error("the requestor's timeline does not give the reason")
	}
	// Twice: a message, not an error page.
	res, _ = f.env.PostForm(t, c, cancelURL, csrf, url.Values{"reason": {"again"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/packages/"+f.financePkg.ID+"/requests" {
		t.Fatalf("cancel twice: %d to %q", res.StatusCode, loc)
	}
	if flash := flashText(f.follow(t, c, res)); !strings.Contains(flash, "error: The request was not canceled: the request is already canceled") {
		t.Errorf("flash %q", flash)
	}

	// The catalog's owner may cancel too; a person without a role in it may not.
	r2 := pendingFinanceRequest(t, f)
	pc, pcsrf := f.signIn(t, "approver@example.com")
	if res, _ := f.env.PostForm(t, pc, "/admin/requests/"+r2.ID+"/cancel", pcsrf, url.Values{"reason": {"mine"}}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("the approver cancels: %d", res.StatusCode)
	}
	oc, ocsrf := f.signIn(t, "owner@example.com")
	if _, page := f.env.Get(t, oc, "/admin/packages/"+f.financePkg.ID+"/requests"); !strings.Contains(page, `action="/admin/requests/`+r2.ID+`/cancel"`) {
		t.Error("the owner is not offered the cancel")
	}
	if res, _ := f.env.PostForm(t, oc, "/admin/requests/"+r2.ID+"/cancel", ocsrf, url.Values{"reason": {"duplicate"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner cancels: %d", res.StatusCode)
	}
}

// failedRole records an application role of the user whose provisioning ran out of attempts.
func failedRole(t *testing.T, f *adminFixture, u entitlement.User) entitlement.AssignmentResourceRole {
	t.Helper()
	role := entitlement.AssignmentResourceRole{
		ID: u.ID + "_scope", SubjectID: u.ID, ResourceID: entitlement.NewID(), RoleID: entitlement.NewID(),
		OriginSystem: entitlement.OriginApplication, ResourceOriginID: "app-ledger", OriginID: "role-user",
		ResourceName: "Ledger", RoleName: "User", Status: entitlement.RoleStatusFailed, LastError: "gave up after 8 attempts: connection refused",
		AssignmentIDs: []string{entitlement.NewID()},
	}
	if err := f.env.Store.Update(context.Background(), func(tx entitlement.Tx) error { return tx.AssignmentRoles().Put(role) }); err != nil {
		t.Fatal(err)
	}
	return role
}

func TestAdminRetriesAFailedRoleFromThePortal(t *testing.T) {
	f := startAdmin(t)
	riley := f.users["requester@example.com"]
	role := failedRole(t, f, riley)
	c, csrf := f.signIn(t, "admin@example.com")
	userURL := "/admin/directory/users/" + riley.ID
	_, page := f.env.Get(t, c, userURL)
	if !strings.Contains(page, `data-testid="user-roles"`) || !strings.Contains(page, "connection refused") || !strings.Contains(page, `value="`+role.ID+`"`) {
		t.Fatal("the user page shows no failed role to retry")
	}
	for _, p := range a11yProblems(page) {
		t.Errorf("user page: %s", p)
	}
	res, _ := f.env.PostForm(t, c, userURL+"/roles/retry", csrf, url.Values{"role": {role.ID}})
	if flash := flashText(f.follow(t, c, res)); !strings.Contains(flash, "success: Steward is granting the role again.") {
		t.Errorf("flash %q", flash)
	}
	roles, err := f.env.Svc.UserResourceRoles(f.ctxAs("admin@example.com"), riley.ID)
	if err != nil || len(roles) != 1 || roles[0].Status != entitlement.RoleStatusPendingFulfillment {
		t.Fatalf("roles %+v, %v", roles, err)
	}
	// Again, and with a role that does not exist: messages, not server errors.
	res, _ = f.env.PostForm(t, c, userURL+"/roles/retry", csrf, url.Values{"role": {role.ID}})
	if flash := flashText(f.follow(t, c, res)); !strings.Contains(flash, "error: Nothing was retried: the role User of Ledger has not failed") {
		t.Errorf("flash %q", flash)
	}
	if res, page := f.env.PostForm(t, c, userURL+"/roles/retry", csrf, url.Values{"role": {"nope"}}); res.StatusCode != http.StatusNotFound || !strings.Contains(page, `data-testid="error-page"`) {
		t.Errorf("unknown role: %d", res.StatusCode)
	}
	oc, ocsrf := f.signIn(t, "owner@example.com")
	if res, _ := f.env.PostForm(t, oc, userURL+"/roles/retry", ocsrf, url.Values{"role": {role.ID}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a catalog owner retries: %d", res.StatusCode)
	}
}

func TestAdminSignsAUserOutEverywhereFromThePortal(t *testing.T) {
	f := startAdmin(t)
	riley := f.users["requester@example.com"]
	rc, _ := f.signIn(t, "requester@example.com")
	c, csrf := f.signIn(t, "admin@example.com")
	userURL := "/admin/directory/users/" + riley.ID
	if _, page := f.env.Get(t, c, userURL); !strings.Contains(page, `action="`+userURL+`/sign-out"`) {
		t.Fatal("the user page offers no sign-out")
	}
	res, _ := f.env.PostForm(t, c, userURL+"/sign-out", csrf, nil)
	if flash := flashText(f.follow(t, c, res)); !strings.Contains(flash, "success: "+riley.DisplayName+" is signed out of 1 browser.") {
		t.Errorf("flash %q", flash)
	}
	res, err := rc.Get(f.env.URL + "/access/requests")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("the signed-out browser: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The administrator's own session is untouched.
	if res, _ := f.env.Get(t, c, userURL); res.StatusCode != http.StatusOK {
		t.Errorf("admin after signing someone out: %d", res.StatusCode)
	}
	oc, ocsrf := f.signIn(t, "owner@example.com")
	if res, _ := f.env.PostForm(t, oc, userURL+"/sign-out", ocsrf, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a catalog owner signs people out: %d", res.StatusCode)
	}
}

// TestJourneyAdminCancelsAStuckRequest: in the browser, the cancel dialog takes the reason from the
// keyboard and the request ends canceled; retrying a failed role and signing someone out
// everywhere ask first too.
func TestJourneyAdminCancelsAStuckRequest(t *testing.T) {
	f := startAdmin(t)
	r := pendingFinanceRequest(t, f)
	riley := f.users["requester@example.com"]
	b := browsertest.New(t)
	b.SignIn(f.env.URL, "ada", "Ada Admin")
	dialog := "cancel-request-" + r.ID

	step(t, b, "requests", chromedp.Navigate(f.env.URL+"/admin/packages/"+f.financePkg.ID+"/requests?state=open"), waitFor(`[data-dialog-open="`+dialog+`"]`))
	step(t, b, "open dialog", click(`[data-dialog-open="`+dialog+`"]`), waitFor(`dialog#`+dialog+`[open]`))
	step(t, b, "reason", typeInto(`#cancel-reason-`+r.ID, "Finance reports moved to the new catalog"))
	b.Screenshot("cancel-request-dialog")
	step(t, b, "cancel", click(`dialog#`+dialog+` button[type="submit"]:not([formmethod])`), waitFor(`[data-testid="flashes"]`))
	if got := flashOf(b); !strings.Contains(got, "Riley Requester's request was canceled.") {
		t.Fatalf("after canceling the page says %q", got)
	}
	if got := b.Text(`[data-testid="requests"]`); !strings.Contains(got, "Canceled") {
		t.Fatalf("requests show %q", got)
	}

	role := failedRole(t, f, riley)
	step(t, b, "user page", chromedp.Navigate(f.env.URL+"/admin/directory/users/"+riley.ID), waitFor(`[data-dialog-open="sign-out-user"]`))
	b.Screenshot("user-page")
	confirm(t, b, "retry-role-"+role.ID)
	step(t, b, "retried", waitForFlash("Steward is granting the role again."))
	if got := flashOf(b); !strings.Contains(got, "Steward is granting the role again.") {
		t.Fatalf("after retrying the page says %q", got)
	}
	confirm(t, b, "sign-out-user")
	step(t, b, "signed out", waitForFlash("Riley Requester was not signed in anywhere."))
	if got := flashOf(b); !strings.Contains(got, "Riley Requester was not signed in anywhere.") {
		t.Fatalf("after signing out the page says %q", got)
	}
}

// waitForFlash waits for a flash that says text: after a confirmation the page that answers
// replaces one whose flash may still show the step before, and a check made while the browser
// navigates fails, so it is tried again.
func waitForFlash(text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		var got string
		for range 100 {
			flash, err := chromedp.Evaluate[string](`(document.querySelector('[data-testid="flashes"]') || {textContent: ""}).textContent`)(ctx, target)
			if err == nil && strings.Contains(flash, text) {
				return chromedp.Void{}, nil
			}
			got = flash
			time.Sleep(100 * time.Millisecond)
		}
		return chromedp.Void{}, fmt.Errorf("no flash says %q; the last one said %q", text, got)
	}
}

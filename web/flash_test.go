package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestBulkDecisionReportsEveryOutcome selects, with one request the manager may decide, their own
// request (nobody approves their own) and a long list of requests that no longer exist (a stale or
// forged form). The decision that could be made is made and said, the others are summed up, and
// the answer is the list with its messages (422), not an error page after the approval was saved.
func TestBulkDecisionReportsEveryOutcome(t *testing.T) {
	env, w := startPortal(t)
	decidable := w.submit(t, env, "requester@example.com", w.travel, "Trip to the customer")
	own := w.submit(t, env, "manager@example.com", w.travel, "My own trip")
	form := url.Values{"decision": {"approve"}, "id": {decidable.ID + "@1", own.ID + "@1"}}
	for i := 0; i < 150; i++ {
		form.Add("id", fmt.Sprintf("01900000-0000-7000-8000-%012d@1", i))
	}
	mgr, csrf := signedIn(t, env, "manager@example.com")
	res, page := env.PostForm(t, mgr, "/approvals/bulk", csrf, form)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bulk: %d %s", res.StatusCode, text(page))
	}
	got := text(page)
	for _, want := range []string{"You approved 1 request.", "151 requests were not approved.", "you cannot approve or deny your own request", "And 146 more."} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q: %s", want, got)
		}
	}
	r, err := env.Svc.RequestByID(w.as("requester@example.com"), decidable.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.RequestState == entitlement.StatePendingApproval {
		t.Errorf("the decidable request is still %s", r.RequestState)
	}
}

// TestAssigningManyPeopleAtOnce assigns a package to a whole team in one go: the page after says
// so, instead of failing after the assignments were made because the message naming everyone
// does not fit in the session.
func TestAssigningManyPeopleAtOnce(t *testing.T) {
	env, w := startPortal(t)
	form := url.Values{"assign": {"1"}, "policy": {w.policies[w.github.ID].ID}}
	for i := 0; i < 150; i++ {
		u, err := env.Svc.CreateUser(adminCtx(), entitlement.UserInput{
			DisplayName: fmt.Sprintf("New Starter Number %03d", i), Email: fmt.Sprintf("starter%03d@example.com", i),
			UserType: entitlement.UserTypeMember, AccountEnabled: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		form.Add("users", u.ID)
	}
	c, csrf := signedIn(t, env, "admin@example.com")
	res, body := env.PostForm(t, c, "/admin/packages/"+w.github.ID+"/assignments/new", csrf, form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d %.300s", res.StatusCode, text(body))
	}
	_, page := env.Get(t, c, res.Header.Get("Location"))
	if got := text(page); !strings.Contains(got, "Assigned to 150 people.") {
		t.Errorf("the assignments page says: %s", got)
	}
}

// TestExtendingToAnEarlierEndIsAFieldError asks to extend access to a date before its current
// end: the form comes back (422) with the message by the end field, where it can be fixed.
func TestExtendingToAnEarlierEndIsAFieldError(t *testing.T) {
	env, w := startPortal(t)
	c, csrf := signedIn(t, env, "requester@example.com")
	res, _ := env.PostForm(t, c, "/access/packages/"+w.github.ID+"/request", csrf, url.Values{"policyId": {w.policies[w.github.ID].ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d", res.StatusCode)
	}
	deliver(t, env)
	page, err := env.Svc.MyAssignments(w.as("requester@example.com"), entitlement.AssignmentFilter{}, entitlement.ListOptions{})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("assignments: %v", err)
	}
	env.Clock.Advance(20 * 24 * time.Hour) // into the last two weeks, when extending opens
	c, csrf = signedIn(t, env, "requester@example.com")
	res, body := env.PostForm(t, c, "/access/assignments/"+page.Items[0].ID+"/extend", csrf, url.Values{"end": {"2026-03-20T00:00"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("extend to an earlier end: %d", res.StatusCode)
	}
	if !strings.Contains(body, `id="end-error"`) || !strings.Contains(text(body), "already lasts until") || !strings.Contains(body, `value="2026-03-20T00:00"`) {
		t.Errorf("no message by the end field: %s", text(body))
	}
}

package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestScheduledAccessShowsWhenItStarts: an approved request that waits for its start shows under
// "Access you have", on the home page and the access list, as starting on its date.
func TestScheduledAccessShowsWhenItStarts(t *testing.T) {
	env, w := startPortal(t)
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	r, err := env.Svc.SubmitRequest(w.as("requester@example.com"), entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: w.github.ID, PolicyID: w.policies[w.github.ID].ID,
		Schedule: entitlement.Schedule{StartDateTime: &start},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.RequestState != entitlement.StateScheduled {
		t.Fatalf("state %s, want Scheduled", r.RequestState)
	}
	c, _ := signedIn(t, env, "requester@example.com")
	for _, path := range []string{"/", "/access/assignments"} {
		_, body := env.Get(t, c, path)
		page := text(body)
		i := strings.Index(page, "Access you have")
		if i < 0 {
			t.Fatalf("%s: no Access you have", path)
		}
		if !strings.Contains(page[i:], w.github.DisplayName) || !strings.Contains(page[i:], "Starts on 1 Apr 2026") {
			t.Errorf("%s: the scheduled access is not shown as starting on its date: %s", path, page[i:])
		}
	}
}

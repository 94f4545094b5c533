package web_test

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/web/browsertest"
)

// TestBrowserSignInAndOut is the walking skeleton's journey: open the portal, sign in as a demo
// user through the demo provider, see the user's name, sign out.
func TestBrowserSignInAndOut(t *testing.T) {
	env := start(t)
	b := browsertest.New(t)
	b.SignIn(env.URL, "demo-riley", "Riley Requester")
	if got := b.Text(`[data-testid="user-name"]`); got != "Riley Requester" {
		t.Fatalf("home shows %q", got)
	}
	b.Screenshot("signed-in")
	b.SignOut()
	if body := b.Text("body"); strings.Contains(body, "Riley Requester") || !strings.Contains(body, "You are signed out") {
		t.Fatalf("after sign-out the page shows %q", body)
	}
	b.Screenshot("signed-out")
}

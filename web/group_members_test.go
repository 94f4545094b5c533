package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// A group's member list tells direct members from members through a package, and removing a
// member says what happens to each kind.
func TestGroupMembersBySource(t *testing.T) {
	env, w := startPortal(t)
	riley := w.users["requester@example.com"]
	r := w.submit(t, env, "requester@example.com", w.finance, "month-end close")
	if _, err := env.Svc.Decide(w.as("manager@example.com"), r.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	groups, err := env.Svc.ListGroups(adminCtx(), entitlement.ListOptions{Search: "Finance readers"})
	if err != nil || len(groups.Items) != 1 {
		t.Fatalf("groups = %+v, %v", groups, err)
	}
	group := "/admin/directory/groups/" + groups.Items[0].ID
	c, csrf := signedIn(t, env, "admin@example.com")

	_, page := env.Get(t, c, group)
	has(t, "members through a package", text(page), "Riley Requester", "Through Finance reports", "Ends with the access")

	// Only the package makes Riley a member: removal is refused with what to do instead.
	res, page := env.PostForm(t, c, group+"/members/remove", csrf, url.Values{"userId": {riley.ID}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("removing a member through a package: %d", res.StatusCode)
	}
	has(t, "refused removal", text(page), "Riley Requester is a member of Finance readers through the access package Finance reports, not directly")

	// Added directly too: both sources show, and removing the direct one keeps the other.
	res, _ = env.PostForm(t, c, group+"/members", csrf, url.Values{"pick": {"user:" + riley.ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding directly: %d", res.StatusCode)
	}
	_, page = env.Get(t, c, group)
	has(t, "both sources", text(page), "Added directly", "Through Finance reports", "End Riley Requester's direct membership of Finance readers?")
	res, _ = env.PostForm(t, c, group+"/members/remove", csrf, url.Values{"userId": {riley.ID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removing the direct membership: %d", res.StatusCode)
	}
	_, page = env.Get(t, c, group)
	has(t, "after ending the direct membership", text(page),
		"Riley Requester is no longer a direct member, and stays a member through Finance reports until that access ends.", "Through Finance reports")
}

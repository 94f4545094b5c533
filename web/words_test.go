package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward/entitlement"
)

// TestRefusalsNamingPeopleInOtherScriptsStayReadable adds a person whose name starts with an
// accented letter to a group twice: the refusal begins with her name, and capitalising its first
// byte used to leave half a character on the page.
func TestRefusalsNamingPeopleInOtherScriptsStayReadable(t *testing.T) {
	f := startAdmin(t)
	ctx := f.ctxAs("admin@example.com")
	elodie, err := f.env.Svc.CreateUser(ctx, entitlement.UserInput{DisplayName: "Élodie Martin", Email: "elodie@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.Svc.AddGroupMember(ctx, f.engineering.ID, elodie.ID); err != nil {
		t.Fatal(err)
	}
	c, csrf := f.signIn(t, "admin@example.com")
	res, page := f.env.PostForm(t, c, "/admin/directory/groups/"+f.engineering.ID+"/members", csrf, url.Values{"pick": {"user:" + elodie.ID}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("adding a member twice: %d", res.StatusCode)
	}
	if !utf8.ValidString(page) {
		t.Error("the refusal page is not valid UTF-8")
	}
	has(t, "409 group page", page, "Élodie Martin is already a member")
}

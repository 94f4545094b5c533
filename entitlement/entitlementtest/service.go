package entitlementtest

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// The makers below go through the service as RootAdmin, validated and audited, for tests whose
// subject is the admin services themselves or that count audit events.

// CreateUser creates a member named name with the e-mail first.last@example.com.
func CreateUser(t testing.TB, svc *entitlement.Service, name string) entitlement.User {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	u, err := svc.CreateUser(RootAdmin, entitlement.UserInput{DisplayName: name, Email: email})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// CreateGroup creates a group with the members.
func CreateGroup(t testing.TB, svc *entitlement.Service, name string, members ...entitlement.User) entitlement.Group {
	t.Helper()
	g, err := svc.CreateGroup(RootAdmin, entitlement.GroupInput{DisplayName: name})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	for _, m := range members {
		if err := svc.AddGroupMember(RootAdmin, g.ID, m.ID); err != nil {
			t.Fatalf("add %s to %s: %v", m.DisplayName, name, err)
		}
	}
	return g
}

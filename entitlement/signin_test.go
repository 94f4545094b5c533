package entitlement_test

import (
	"errors"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestSignInLinksByEmailOnlyOnce checks that an e-mail links a sign-in to a directory entry only
// while that entry has no sign-in of the same provider yet: a second account of the provider that
// carries the same address must not take the first one over.
func TestSignInLinksByEmailOnlyOnce(t *testing.T) {
	const iss = "https://idp.example"
	tests := []struct {
		name    string
		first   *entitlement.Claims // an earlier sign-in, if any
		then    entitlement.Claims
		refused bool
		same    bool // the second sign-in lands on the imported user
	}{
		{"first sign-in of an imported user links by e-mail", nil,
			entitlement.Claims{Issuer: iss, Subject: "alice", Email: "alice@corp.example"}, false, true},
		{"the same subject again", &entitlement.Claims{Issuer: iss, Subject: "alice", Email: "alice@corp.example"},
			entitlement.Claims{Issuer: iss, Subject: "alice", Email: "alice@corp.example"}, false, true},
		{"another subject of the same provider with the same e-mail", &entitlement.Claims{Issuer: iss, Subject: "alice", Email: "alice@corp.example"},
			entitlement.Claims{Issuer: iss, Subject: "mallory", Email: "ALICE@corp.example", Name: "Mallory"}, true, false},
		{"the same person after a move to another provider", &entitlement.Claims{Issuer: iss, Subject: "alice", Email: "alice@corp.example"},
			entitlement.Claims{Issuer: "https://new-idp.example", Subject: "a-1", Email: "alice@corp.example"}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := entitlementtest.New(t)
			alice := f.User("Alice", func(u *entitlement.User) { u.Email = "alice@corp.example" })
			if tc.first != nil {
				if _, err := f.Svc.SignIn(bg, *tc.first); err != nil {
					t.Fatalf("first sign-in: %v", err)
				}
			}
			u, err := f.Svc.SignIn(bg, tc.then)
			if tc.refused {
				if !errors.Is(err, entitlement.ErrForbidden) || entitlementtest.ErrCode(err) != "emailInUse" {
					t.Fatalf("sign-in: %+v, %v; want emailInUse", u, err)
				}
				if got, _ := f.UserRecord(alice.ID); got.Subject != tc.first.Subject || got.DisplayName != "Alice" {
					t.Fatalf("the account changed: subject %q, name %q", got.Subject, got.DisplayName)
				}
				return
			}
			if err != nil {
				t.Fatalf("sign-in: %v", err)
			}
			if (u.ID == alice.ID) != tc.same {
				t.Fatalf("signed in as %s; imported user %s (want same %v)", u.ID, alice.ID, tc.same)
			}
			if u.Issuer != tc.then.Issuer || u.Subject != tc.then.Subject {
				t.Fatalf("linked to %s/%s", u.Issuer, u.Subject)
			}
		})
	}
}

// TestSignInRecognisesConnectedOrganizations makes a first-time user a guest of the connected
// organization that their issuer, tenant or e-mail domain belongs to, and a member otherwise.
func TestSignInRecognisesConnectedOrganizations(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	byIssuer, err := svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Federated Co",
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceFederation, DomainName: "federated.example", IssuerURI: "https://sso.federated.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	byTenant, err := svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Tenant Co",
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceTenant, TenantID: "7d9a1c52-0000-4000-8000-00000000beef"}}})
	if err != nil {
		t.Fatal(err)
	}
	byDomain, err := svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Domain Co",
		IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: "partner.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		claims entitlement.Claims
		org    string
	}{
		{"issuer", entitlement.Claims{Issuer: "https://sso.federated.example", Subject: "f1", Email: "fay@elsewhere.example"}, byIssuer.ID},
		{"tenant", entitlement.Claims{Issuer: "https://login.example/common", Subject: "t1", Email: "tom@tenant.example", TenantID: "7D9A1C52-0000-4000-8000-00000000BEEF"}, byTenant.ID},
		{"e-mail domain", entitlement.Claims{Issuer: "https://idp.example", Subject: "d1", Email: "dee@Partner.Example"}, byDomain.ID},
		{"nobody's", entitlement.Claims{Issuer: "https://idp.example", Subject: "m1", Email: "max@corp.example"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := svc.SignIn(bg, tc.claims)
			if err != nil {
				t.Fatal(err)
			}
			wantType := entitlement.UserTypeGuest
			if tc.org == "" {
				wantType = entitlement.UserTypeMember
			}
			if u.ConnectedOrganizationID != tc.org || u.UserType != wantType {
				t.Fatalf("user %s of organization %q, want %s of %q", u.UserType, u.ConnectedOrganizationID, wantType, tc.org)
			}
		})
	}
}

package entitlement_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stewardhq/steward/entitlement"
)

// TestHugeInputsAreFieldErrors checks that values too long for an index key (bbolt refuses keys
// over 32 KiB) are refused as field errors instead of failing in the store with a 500.
func TestHugeInputsAreFieldErrors(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("a", 40000)
	tests := []struct {
		name  string
		field string
		run   func() error
	}{
		{"e-mail of a new user", "mail", func() error {
			_, err := f.Svc.CreateUser(rootAdmin, entitlement.UserInput{DisplayName: "Long", Email: long + "@example.com"})
			return err
		}},
		{"application name", "displayName", func() error {
			_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: long, Roles: []string{"User"}})
			return err
		}},
		{"site address", "url", func() error {
			_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginSite, DisplayName: "Site", URL: "https://sites.example/" + long, Roles: []string{"Read"}})
			return err
		}},
		{"application origin id", "originId", func() error {
			_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "App", OriginID: long, Roles: []string{"User"}})
			return err
		}},
		{"role name", "roles", func() error {
			_, err := f.Svc.AddResource(rootAdmin, f.catA.ID, entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: "App", Roles: []string{long}})
			return err
		}},
		{"tenant id", "identitySources", func() error {
			_, err := f.Svc.CreateConnectedOrganization(rootAdmin, entitlement.ConnectedOrganizationInput{DisplayName: "Org",
				IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceTenant, TenantID: long}}})
			return err
		}},
		{"subject at sign-in", "subject", func() error {
			_, err := f.Svc.SignIn(bg, entitlement.Claims{Issuer: "https://idp.example", Subject: long, Email: "s@example.com"})
			return err
		}},
		{"e-mail at sign-in", "email", func() error {
			_, err := f.Svc.SignIn(bg, entitlement.Claims{Issuer: "https://idp.example", Subject: "s-2", Email: long + "@example.com"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var ve *entitlement.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("err = %.300v; want a field error on %s", err, tc.field)
			}
		})
	}

	t.Run("a long name at sign-in is cut, not refused", func(t *testing.T) {
		name := strings.Repeat("é", 30000)
		u, err := f.Svc.SignIn(bg, entitlement.Claims{Issuer: "https://idp.example", Subject: "s-3", Email: "long.name@example.com", Name: name})
		if err != nil {
			t.Fatalf("sign-in: %.300v", err)
		}
		if len(u.DisplayName) > 200 || !utf8.ValidString(u.DisplayName) || !strings.HasPrefix(name, u.DisplayName) {
			t.Fatalf("display name of %d bytes, valid UTF-8 %v", len(u.DisplayName), utf8.ValidString(u.DisplayName))
		}
	})
}

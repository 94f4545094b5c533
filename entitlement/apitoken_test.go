package entitlement_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestCreateAPITokenValidates(t *testing.T) {
	env := entitlementtest.New(t)
	ada := env.User("Ada Lovelace")
	for _, tc := range []struct {
		name  string
		in    entitlement.APITokenInput
		field string // "" when the token is made
		days  int
	}{
		{"default life", entitlement.APITokenInput{Name: "deploy"}, "", 90},
		{"a year", entitlement.APITokenInput{Name: "yearly", Days: 365}, "", 365},
		{"one day", entitlement.APITokenInput{Name: " daily ", Days: 1}, "", 1},
		{"no name", entitlement.APITokenInput{Name: "  "}, "name", 0},
		{"long name", entitlement.APITokenInput{Name: strings.Repeat("x", 101)}, "name", 0},
		{"more than a year", entitlement.APITokenInput{Name: "forever", Days: 366}, "days", 0},
		{"negative", entitlement.APITokenInput{Name: "past", Days: -1}, "days", 0},
		{"same name again", entitlement.APITokenInput{Name: "DEPLOY"}, "name", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, rec, err := env.Svc.CreateAPIToken(entitlementtest.As(ada), tc.in)
			if tc.field != "" {
				var ve *entitlement.ValidationError
				if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
					t.Fatalf("err = %v, want a message on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(token, entitlement.APITokenPrefix) || len(token) < 40 {
				t.Errorf("token = %q", token)
			}
			if strings.Contains(rec.Hash, token) || rec.Hash == "" {
				t.Errorf("record keeps %q, want only a hash", rec.Hash)
			}
			if want := entitlementtest.T0.AddDate(0, 0, tc.days); !rec.ExpiresDateTime.Equal(want) || rec.UserID != ada.ID {
				t.Errorf("token %+v, want expiry %v for Ada", rec, want)
			}
		})
	}
	list, err := env.Svc.APITokens(entitlementtest.As(ada))
	if err != nil || len(list) != 3 || list[0].Name != "deploy" || list[2].Name != "daily" {
		t.Fatalf("APITokens = %+v, %v", list, err)
	}
}

func TestAuthenticateAPIToken(t *testing.T) {
	env := entitlementtest.Open(t, entitlementtest.Options{Admins: entitlement.AdminRule{Emails: []string{"boss@corp.example"}}})
	ada := env.User("Ada Lovelace")
	boss := env.User("Boss", func(u *entitlement.User) { u.Email = "boss@corp.example" })
	token, rec, err := env.Svc.CreateAPIToken(entitlementtest.As(ada), entitlement.APITokenInput{Name: "script", Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	bossToken, _, err := env.Svc.CreateAPIToken(entitlementtest.As(boss), entitlement.APITokenInput{Name: "admin script"})
	if err != nil {
		t.Fatal(err)
	}
	lastUse := func() *time.Time {
		var got entitlement.APIToken
		env.View(func(tx entitlement.Tx) error { var err error; got, err = tx.APITokens().Get(rec.ID); return err })
		return got.LastUsedDateTime
	}

	p, err := env.Svc.AuthenticateAPIToken(context.Background(), token)
	if err != nil || p.UserID != ada.ID || p.IsAdmin || p.IsServiceAccount() || p.Name != "Ada Lovelace" {
		t.Fatalf("AuthenticateAPIToken = %+v, %v", p, err)
	}
	if got := lastUse(); got == nil || !got.Equal(entitlementtest.T0) {
		t.Errorf("last use = %v, want %v", got, entitlementtest.T0)
	}
	// The configuration's rule makes administrators, as for the portal.
	if p, err := env.Svc.AuthenticateAPIToken(context.Background(), bossToken); err != nil || !p.IsAdmin {
		t.Errorf("the administrator's token = %+v, %v", p, err)
	}
	env.Clock.Advance(30 * time.Second)
	if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if got := lastUse(); !got.Equal(entitlementtest.T0) {
		t.Errorf("last use = %v after 30 s, want it unchanged (throttled)", got)
	}
	env.Clock.Advance(31 * time.Second)
	if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	if got := lastUse(); !got.Equal(entitlementtest.T0.Add(61 * time.Second)) {
		t.Errorf("last use = %v after 61 s, want it recorded", got)
	}

	for _, bad := range []string{"", "stw_", "stw_nothing", "garbage", token + "x", strings.TrimPrefix(token, "stw_")} {
		if _, err := env.Svc.AuthenticateAPIToken(context.Background(), bad); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("token %q: err = %v, want ErrUnauthorized", bad, err)
		}
	}

	t.Run("blocked owner", func(t *testing.T) {
		if err := env.Svc.SetUserBlocked(entitlementtest.RootAdmin, ada.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", err)
		}
		if err := env.Svc.SetUserBlocked(entitlementtest.RootAdmin, ada.ID, false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		env.Clock.Set(rec.ExpiresDateTime)
		if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", err)
		}
		env.Clock.Set(entitlementtest.T0.Add(time.Hour))
	})
	t.Run("revoked", func(t *testing.T) {
		// Someone else cannot revoke it, and learns nothing of it.
		if err := env.Svc.RevokeAPIToken(entitlementtest.As(env.User("Mallory")), rec.ID); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("revoke by another person: err = %v, want ErrNotFound", err)
		}
		if err := env.Svc.RevokeAPIToken(entitlementtest.As(ada), rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); !errors.Is(err, entitlement.ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", err)
		}
		if list, _ := env.Svc.APITokens(entitlementtest.As(ada)); len(list) != 0 {
			t.Errorf("tokens after revoking = %+v", list)
		}
	})
	audit, err := env.Svc.ListAudit(entitlementtest.RootAdmin, entitlement.AuditFilter{ObjectID: ada.ID, Action: "apiToken."}, entitlement.ListOptions{})
	if err != nil || audit.Total != 2 {
		t.Errorf("audit of Ada's tokens = %+v, %v; want the creation and the revocation", audit.Items, err)
	}
}

func TestServiceAccounts(t *testing.T) {
	env := entitlementtest.New(t)
	ada := env.User("Ada Lovelace")
	owner := env.User("Olivia Owner")
	cat := env.Catalog("Tools", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, owner))

	if _, err := env.Svc.CreateServiceAccount(entitlementtest.As(ada), entitlement.ServiceAccountInput{DisplayName: "Bot"}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Fatalf("a person creates a service account: err = %v, want ErrForbidden", err)
	}
	for _, bad := range []entitlement.ServiceAccountInput{{DisplayName: " "}, {DisplayName: strings.Repeat("b", 101)}, {DisplayName: "x", Description: strings.Repeat("d", 1001)}} {
		if _, err := env.Svc.CreateServiceAccount(entitlementtest.RootAdmin, bad); entitlementtest.ErrCode(err) != "invalidServiceAccount" {
			t.Errorf("create %+v: err = %v, want invalidServiceAccount", bad, err)
		}
	}
	bot, err := env.Svc.CreateServiceAccount(entitlementtest.RootAdmin, entitlement.ServiceAccountInput{DisplayName: "CI deploy bot", Description: "deploys"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.CreateServiceAccount(entitlementtest.RootAdmin, entitlement.ServiceAccountInput{DisplayName: "ci DEPLOY bot"}); entitlementtest.ErrCode(err) != "invalidServiceAccount" {
		t.Errorf("a second account with the name: err = %v", err)
	}
	if _, _, err := env.Svc.CreateServiceAccountToken(entitlementtest.As(ada), bot.ID, entitlement.APITokenInput{Name: "x"}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a person makes a token for the bot: err = %v, want ErrForbidden", err)
	}
	if _, _, err := env.Svc.CreateServiceAccountToken(entitlementtest.RootAdmin, ada.ID, entitlement.APITokenInput{Name: "x"}); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("a service-account token for a person: err = %v, want ErrNotFound", err)
	}
	token, _, err := env.Svc.CreateServiceAccountToken(entitlementtest.RootAdmin, bot.ID, entitlement.APITokenInput{Name: "pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := env.Svc.AuthenticateAPIToken(context.Background(), token)
	if err != nil || p.UserID != bot.ID || !p.IsServiceAccount() || p.IsAdmin || p.Name != "CI deploy bot (service account)" {
		t.Fatalf("principal = %+v, %v", p, err)
	}
	asBot := entitlement.WithPrincipal(context.Background(), p)

	// Not a person: no people list, no sign-in, no session, no own tokens, no access, no group.
	if page, err := env.Svc.ListUsers(entitlementtest.RootAdmin, entitlement.ListOptions{}); err != nil || page.Total != 2 {
		t.Errorf("ListUsers = %d users, %v; want the two people", page.Total, err)
	}
	if _, err := env.Svc.PrincipalFor(context.Background(), bot.ID); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Errorf("PrincipalFor(bot) = %v, want ErrUnauthorized", err)
	}
	if _, _, err := env.Svc.CreateAPIToken(asBot, entitlement.APITokenInput{Name: "mine"}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("the bot makes its own token: err = %v", err)
	}
	if _, err := env.Svc.UpdateUser(entitlementtest.RootAdmin, bot.ID, entitlement.UserInput{DisplayName: "Bot", Email: "bot@corp.example"}); entitlementtest.ErrCode(err) != entitlement.CodeServiceAccount {
		t.Errorf("edit the bot as a person: err = %v", err)
	}
	// Even with an e-mail address written into its record behind the service's back, it
	// cannot be signed in to.
	env.Update(func(tx entitlement.Tx) error {
		u, err := tx.Users().Get(bot.ID)
		if err != nil {
			return err
		}
		u.Email = "bot@corp.example"
		return tx.Users().Put(u)
	})
	if _, err := env.Svc.SignIn(context.Background(), entitlement.Claims{Issuer: "https://idp.example", Subject: "bot", Email: "bot@corp.example"}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("sign in as the bot: err = %v, want ErrForbidden", err)
	}
	g := env.Group("Ops")
	if err := env.Svc.AddGroupMember(entitlementtest.RootAdmin, g.ID, bot.ID); entitlementtest.ErrCode(err) != entitlement.CodeServiceAccount {
		t.Errorf("add the bot to a group: err = %v", err)
	}
	pkg := env.Package(cat, "Deploy rights")
	pol := env.Policy(pkg, entitlementtest.Scope(entitlement.ScopeAllExistingDirectoryMembers))
	if _, err := env.Svc.SubmitRequest(asBot, entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID}); entitlementtest.ErrCode(err) != entitlement.CodeServiceAccount {
		t.Errorf("the bot requests a package: err = %v", err)
	}

	// A catalog role through the catalog's roles, like a person's.
	if _, err := env.Svc.CatalogByID(asBot, cat.ID); !errors.Is(err, entitlement.ErrForbidden) && !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("the bot reads the catalog before it has a role: err = %v", err)
	}
	found, err := env.Svc.ServiceAccounts(entitlementtest.As(owner), entitlement.ListOptions{Search: "deploy"})
	if err != nil || len(found.Items) != 1 || found.Items[0].ID != bot.ID {
		t.Fatalf("the owner's picker finds %+v, %v", found.Items, err)
	}
	if err := env.Svc.AddCatalogRoleMember(entitlementtest.As(owner), cat.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: bot.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.CatalogByID(asBot, cat.ID); err != nil {
		t.Errorf("the bot reads the catalog it has a role in: %v", err)
	}
	roles, err := env.Svc.ServiceAccountCatalogRoles(entitlementtest.RootAdmin, bot.ID)
	if err != nil || len(roles) != 1 || roles[0].CatalogName != "Tools" || roles[0].Roles[0] != entitlement.RoleCatalogReader {
		t.Errorf("ServiceAccountCatalogRoles = %+v, %v", roles, err)
	}
	// The audit names the service account as such.
	if _, err := env.Svc.CreateCatalog(asBot, entitlement.CatalogInput{DisplayName: "Nope"}); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a reader creates a catalog: err = %v", err)
	}
	if _, err := env.Svc.UpdateServiceAccount(entitlementtest.RootAdmin, bot.ID, entitlement.ServiceAccountInput{DisplayName: "CI deploy bot", Administrator: true}); err != nil {
		t.Fatal(err)
	}
	p, _ = env.Svc.AuthenticateAPIToken(context.Background(), token)
	if !p.IsAdmin {
		t.Fatalf("after making it an administrator: %+v", p)
	}
	made, err := env.Svc.CreateCatalog(entitlement.WithPrincipal(context.Background(), p), entitlement.CatalogInput{DisplayName: "Made by a bot"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := env.Svc.ListAudit(entitlementtest.RootAdmin, entitlement.AuditFilter{ObjectID: made.ID}, entitlement.ListOptions{})
	if err != nil || len(ev.Items) == 0 || ev.Items[0].ActorName != "CI deploy bot (service account)" || ev.Items[0].ActorID != bot.ID {
		t.Errorf("audit of the bot's catalog = %+v, %v", ev.Items, err)
	}

	// Disabled: its tokens stop; enabled: they work again.
	if err := env.Svc.SetServiceAccountEnabled(entitlementtest.RootAdmin, bot.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Errorf("disabled: err = %v", err)
	}
	if err := env.Svc.SetServiceAccountEnabled(entitlementtest.RootAdmin, bot.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); err != nil {
		t.Errorf("enabled again: %v", err)
	}

	// Deleted: its tokens and roles go with it.
	if err := env.Svc.DeleteServiceAccount(entitlementtest.RootAdmin, ada.ID); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("DeleteServiceAccount of a person: err = %v, want ErrNotFound", err)
	}
	if err := env.Svc.DeleteServiceAccount(entitlementtest.RootAdmin, bot.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Svc.AuthenticateAPIToken(context.Background(), token); !errors.Is(err, entitlement.ErrUnauthorized) {
		t.Errorf("deleted: err = %v", err)
	}
	c, err := env.Svc.CatalogByID(entitlementtest.RootAdmin, cat.ID)
	if err != nil || len(c.Roles) != 1 {
		t.Errorf("catalog roles after the delete = %+v, %v; want the owner only", c.Roles, err)
	}
	entitlementtest.CheckInvariants(t, env.Store)
}

// BenchmarkAuthenticateAPIToken measures the check every API request makes: one read
// transaction, its last use written at most once a minute.
func BenchmarkAuthenticateAPIToken(b *testing.B) {
	env := entitlementtest.New(b)
	ada := env.User("Ada Lovelace")
	token, _, err := env.Svc.CreateAPIToken(entitlementtest.As(ada), entitlement.APITokenInput{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := env.Svc.AuthenticateAPIToken(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// edited is one kind of record a person edits: how to read its version and one value of it,
// change that value expecting a version, and delete it expecting a version.
type edited struct {
	name    string
	version func() int64
	value   func() string
	edit    func(ifVersion int64, value string) error
	del     func(ifVersion int64) error // nil for records that are not deleted this way
}

func editedRecords(t *testing.T, env *entitlementtest.Env, ctx context.Context) []edited {
	t.Helper()
	svc := env.Svc
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cat := env.Catalog("Finance")
	pkg := env.Package(cat, "Reports")
	pol := env.Policy(pkg)
	org := env.Org("Partner", entitlement.OrgConfigured, nil, nil)
	grp, err := svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: "Auditors"})
	must(err)
	usr, err := svc.CreateUser(ctx, entitlement.UserInput{DisplayName: "Bo Lind", Email: "bo@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true})
	must(err)
	getCat := func() entitlement.Catalog { c, err := svc.CatalogByID(ctx, cat.ID); must(err); return c }
	getPkg := func() entitlement.AccessPackage { p, err := svc.AccessPackageByID(ctx, pkg.ID); must(err); return p }
	getPol := func() entitlement.AssignmentPolicy { p, err := svc.PolicyByID(ctx, pol.ID); must(err); return p }
	getOrg := func() entitlement.ConnectedOrganization {
		o, err := svc.ConnectedOrganizationByID(ctx, org.ID)
		must(err)
		return o
	}
	getGrp := func() entitlement.Group { g, err := svc.GroupByID(ctx, grp.ID); must(err); return g }
	getUsr := func() entitlement.User { u, err := svc.UserByID(ctx, usr.ID); must(err); return u }
	getSet := func() entitlement.Settings { s, err := svc.Settings(ctx); must(err); return s }
	days := map[string]int{"A": 11, "B": 12, "C": 13}
	return []edited{
		{"catalog", func() int64 { return getCat().Version }, func() string { return getCat().Description },
			func(v int64, s string) error {
				_, err := svc.UpdateCatalog(ctx, cat.ID, entitlement.CatalogInput{DisplayName: "Finance", Description: s, Published: true, IfVersion: v})
				return err
			},
			func(v int64) error { return svc.DeleteCatalog(ctx, cat.ID, v) }},
		{"access package", func() int64 { return getPkg().Version }, func() string { return getPkg().Description },
			func(v int64, s string) error {
				_, err := svc.UpdateAccessPackage(ctx, pkg.ID, entitlement.AccessPackageInput{DisplayName: "Reports", Description: s, IfVersion: v})
				return err
			}, nil}, // deleted before its catalog below, in the delete step of the policy
		{"policy", func() int64 { return getPol().Version }, func() string { return getPol().Description },
			func(v int64, s string) error {
				in := noApprovalPolicy("", "Everyone")
				in.Description, in.IfVersion = s, v
				_, err := svc.ReplacePolicy(ctx, pol.ID, in)
				return err
			},
			func(v int64) error {
				if err := svc.DeletePolicy(ctx, pol.ID, v); err != nil {
					return err
				}
				// The package goes too, through the same check, so that its catalog can.
				p := getPkg()
				if err := svc.DeleteAccessPackage(ctx, pkg.ID, p.Version-1); !errors.Is(err, entitlement.ErrStale) {
					return fmt.Errorf("stale package delete: %w, want ErrStale", err)
				}
				return svc.DeleteAccessPackage(ctx, pkg.ID, p.Version)
			}},
		{"connected organization", func() int64 { return getOrg().Version }, func() string { return getOrg().Description },
			func(v int64, s string) error {
				_, err := svc.UpdateConnectedOrganization(ctx, org.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Partner", Description: s, State: entitlement.OrgConfigured, IfVersion: v})
				return err
			},
			func(v int64) error { return svc.DeleteConnectedOrganization(ctx, org.ID, v) }},
		{"group", func() int64 { return getGrp().Version }, func() string { return getGrp().Description },
			func(v int64, s string) error {
				_, err := svc.UpdateGroup(ctx, grp.ID, entitlement.GroupInput{DisplayName: "Auditors", Description: s, IfVersion: v})
				return err
			},
			func(v int64) error { return svc.DeleteGroup(ctx, grp.ID, v) }},
		{"user", func() int64 { return getUsr().Version }, func() string { return getUsr().Department },
			func(v int64, s string) error {
				_, err := svc.UpdateUser(ctx, usr.ID, entitlement.UserInput{DisplayName: "Bo Lind", Email: "bo@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true, Department: s, IfVersion: v})
				return err
			}, nil},
		{"settings", func() int64 { return getSet().Version }, func() string { return fmt.Sprint(getSet().DaysUntilExternalUserDeletedAfterBlocked) },
			func(v int64, s string) error {
				_, err := svc.UpdateSettings(ctx, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleBlockSignInAndDelete, DaysUntilExternalUserDeletedAfterBlocked: days[s], Version: v})
				return err
			}, nil},
	}
}

// TestStaleWritesAreRefused runs every edit method through the four cases: the version read is
// accepted and raises the version; a stale one is refused with who changed the record, and
// nothing is written; the same values sent again from the stale copy (a double click) are no
// conflict; 0 checks nothing. Deletes refuse a stale version and accept the current one.
func TestStaleWritesAreRefused(t *testing.T) {
	env := entitlementtest.New(t)
	ana := env.User("Ana Ruiz")
	ctx := entitlementtest.AsAdmin(ana)
	records := editedRecords(t, env, ctx)
	for _, r := range records {
		t.Run(r.name, func(t *testing.T) {
			opened := r.version()
			if opened < 1 {
				t.Fatalf("version %d, want at least 1", opened)
			}
			env.Clock.Advance(time.Minute)
			if err := r.edit(opened, "A"); err != nil {
				t.Fatalf("save with the version read: %v", err)
			}
			if got := r.version(); got != opened+1 {
				t.Fatalf("version after a save = %d, want %d", got, opened+1)
			}
			err := r.edit(opened, "B")
			if !errors.Is(err, entitlement.ErrStale) || !errors.Is(err, entitlement.ErrConflict) || entitlementtest.ErrCode(err) != entitlement.CodeStaleVersion {
				t.Fatalf("stale save: %v (code %q), want ErrStale with %s", err, entitlementtest.ErrCode(err), entitlement.CodeStaleVersion)
			}
			st, ok := entitlement.StaleOf(err)
			if !ok || st.By != "Ana Ruiz" || !st.At.Equal(env.Clock.Now()) || st.Version != opened+1 {
				t.Errorf("stale details %+v (%v), want Ana Ruiz at %s, version %d", st, ok, env.Clock.Now(), opened+1)
			}
			if got := r.value(); got != fmt.Sprint(map[bool]string{true: "11", false: "A"}[r.name == "settings"]) {
				t.Errorf("the stale save wrote %q", got)
			}
			if err := r.edit(opened, "A"); err != nil {
				t.Errorf("the same values sent again from the stale copy: %v", err)
			}
			if err := r.edit(0, "C"); err != nil {
				t.Errorf("unchecked save: %v", err)
			}
			if got := r.version(); got != opened+2 {
				t.Errorf("version after an unchecked save = %d, want %d", got, opened+2)
			}
		})
	}
	// Deletes last, the policy (and its package) before the catalog that holds them.
	for _, name := range []string{"policy", "catalog", "connected organization", "group"} {
		for _, r := range records {
			if r.name != name {
				continue
			}
			t.Run(name+" delete", func(t *testing.T) {
				v := r.version()
				if err := r.del(v - 1); !errors.Is(err, entitlement.ErrStale) {
					t.Fatalf("stale delete: %v, want ErrStale", err)
				}
				if err := r.del(v); err != nil {
					t.Fatalf("delete with the current version: %v", err)
				}
			})
		}
	}
	entitlementtest.CheckInvariants(t, env.Store)
}

// TestChangesBesidesTheFormMakeItStale: writes that other screens and the worker make to a record
// raise its version too, so a form opened before them is refused.
func TestChangesBesidesTheFormMakeItStale(t *testing.T) {
	t.Run("catalog roles, package roles, sponsors", func(t *testing.T) {
		env := entitlementtest.New(t)
		ana := env.User("Ana Ruiz")
		bo := env.User("Bo Lind")
		ctx := entitlementtest.AsAdmin(ana)
		cat := env.Catalog("Finance")
		res := env.AppResource(cat, "Ledger", "User")
		pkg := env.Package(cat, "Reports")
		org := env.Org("Partner", entitlement.OrgConfigured, nil, nil)
		for _, c := range []struct {
			name   string
			change func() error
			save   func(v int64) error
			v      int64
		}{
			{"catalog role", func() error {
				return env.Svc.AddCatalogRoleMember(ctx, cat.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: bo.ID})
			}, func(v int64) error {
				_, err := env.Svc.UpdateCatalog(ctx, cat.ID, entitlement.CatalogInput{DisplayName: "Money", Published: true, IfVersion: v})
				return err
			}, 1},
			{"package role", func() error {
				_, err := env.Svc.AddRoleScope(ctx, pkg.ID, res.ID, res.Roles[0].ID, "")
				return err
			}, func(v int64) error {
				_, err := env.Svc.UpdateAccessPackage(ctx, pkg.ID, entitlement.AccessPackageInput{DisplayName: "Money", IfVersion: v})
				return err
			}, 1},
			{"sponsor", func() error {
				return env.Svc.AddSponsor(ctx, org.ID, false, entitlementtest.UserSponsor(bo))
			}, func(v int64) error {
				_, err := env.Svc.UpdateConnectedOrganization(ctx, org.ID, entitlement.ConnectedOrganizationInput{DisplayName: "Other", State: entitlement.OrgConfigured, IfVersion: v})
				return err
			}, 1},
		} {
			if err := c.change(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if err := c.save(c.v); !errors.Is(err, entitlement.ErrStale) {
				t.Errorf("form opened before a %s change: %v, want ErrStale", c.name, err)
			}
			if err := c.save(c.v + 1); err != nil {
				t.Errorf("form opened after the %s change: %v", c.name, err)
			}
		}
	})
	t.Run("catalog creators and SCIM tokens do not make the settings form stale", func(t *testing.T) {
		// They are added and removed one by one, which the settings form cannot overwrite.
		env := entitlementtest.New(t)
		ana := env.User("Ana Ruiz")
		bo := env.User("Bo Lind")
		ctx := entitlementtest.AsAdmin(ana)
		set, err := env.Svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Svc.AddCatalogCreator(ctx, entitlementtest.UserSponsor(bo)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := env.Svc.CreateSCIMToken(ctx, "Entra"); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Svc.UpdateSettings(ctx, entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleNone, DaysUntilExternalUserDeletedAfterBlocked: 30, Version: set.Version}); err != nil {
			t.Fatalf("settings form opened before a creator and a token were added: %v", err)
		}
		after, err := env.Svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after.CatalogCreators) != 1 || len(after.SCIMTokens) != 1 || after.Version != set.Version+1 {
			t.Errorf("after the save: %d creators, %d tokens, version %d; want 1, 1, %d", len(after.CatalogCreators), len(after.SCIMTokens), after.Version, set.Version+1)
		}
	})
	t.Run("sign-ins", func(t *testing.T) {
		env := entitlementtest.New(t)
		ana := env.User("Ana Ruiz")
		admin := entitlementtest.AsAdmin(ana)
		claims := entitlement.Claims{Issuer: "https://idp.example", Subject: "bo", Email: "bo@example.com", Name: "Bo Lind"}
		bo, err := env.Svc.SignIn(bg, claims)
		if err != nil {
			t.Fatal(err)
		}
		edit := func(v int64) error {
			_, err := env.Svc.UpdateUser(admin, bo.ID, entitlement.UserInput{DisplayName: "Bo Lind", Email: "bo@example.com", UserType: entitlement.UserTypeMember, AccountEnabled: true, Department: "Sales", IfVersion: v})
			return err
		}
		opened, err := env.Svc.UserByID(admin, bo.ID)
		if err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(time.Hour)
		// A sign-in that only records itself is no change to the record a form shows.
		if _, err := env.Svc.SignIn(bg, claims); err != nil {
			t.Fatal(err)
		}
		if err := edit(opened.Version); err != nil {
			t.Fatalf("form opened before a plain sign-in: %v", err)
		}
		opened, _ = env.Svc.UserByID(admin, bo.ID)
		// A sign-in that brings a new name is, and it is not audited: the refusal names nobody
		// rather than the last person the audit trail knows (Ana, who set the department).
		env.Clock.Advance(time.Hour)
		claims.Name = "Bo Lindqvist"
		if _, err := env.Svc.SignIn(bg, claims); err != nil {
			t.Fatal(err)
		}
		err = edit(opened.Version)
		st, ok := entitlement.StaleOf(err)
		if !ok {
			t.Fatalf("form opened before a sign-in renamed the user: %v", err)
		}
		if st.By != "" {
			t.Errorf("the refusal names %q, who did not make the change", st.By)
		}
	})
	t.Run("worker blocks a guest", func(t *testing.T) {
		w := newWorld(t)
		admin := entitlementtest.AsAdmin(*w.bob)
		pol := w.Policy(w.teamPkg, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
		w.RequestAccess(*w.eve, pol)
		opened, err := w.Svc.UserByID(admin, w.eve.ID)
		if err != nil {
			t.Fatal(err)
		}
		w.Clock.Advance(24 * time.Hour)
		w.Drain(w.Worker(entitlement.WorkerOptions{}))
		in := entitlement.UserInput{DisplayName: opened.DisplayName, Email: opened.Email, UserType: opened.UserType,
			ConnectedOrganizationID: opened.ConnectedOrganizationID, AccountEnabled: true, Department: "Sales", IfVersion: opened.Version}
		_, err = w.Svc.UpdateUser(admin, w.eve.ID, in)
		st, ok := entitlement.StaleOf(err)
		if !ok {
			t.Fatalf("edit opened before the worker blocked the guest: %v, want a stale refusal", err)
		}
		if st.By != "Steward" {
			t.Errorf("changed by %q, want Steward (the worker)", st.By)
		}
		if u, _ := w.UserRecord(w.eve.ID); u.AccountEnabled {
			t.Error("the stale form unblocked the guest")
		}
	})
	t.Run("own mail preferences", func(t *testing.T) {
		env := entitlementtest.New(t)
		ana := env.User("Ana Ruiz")
		admin := entitlementtest.AsAdmin(ana)
		ctx := entitlementtest.As(ana)
		if err := env.Svc.SetMyNotificationPreferences(ctx, entitlement.NotificationPreferences{NoReminders: true}); err != nil {
			t.Fatal(err)
		}
		u, err := env.Svc.UserByID(admin, ana.ID)
		if err != nil || u.Version != 2 {
			t.Fatalf("after a change of preferences: version %d (%v), want 2", u.Version, err)
		}
	})
}

func TestETag(t *testing.T) {
	for _, v := range []int64{1, 7, 1234567} {
		tag := entitlement.ETag(v)
		if tag != fmt.Sprintf(`W/"%d"`, v) {
			t.Errorf("ETag(%d) = %s", v, tag)
		}
		for _, in := range []string{tag, fmt.Sprintf(`"%d"`, v), " " + tag + " "} {
			if got, err := entitlement.ParseETag(in); err != nil || got != v {
				t.Errorf("ParseETag(%q) = %d, %v; want %d", in, got, err, v)
			}
		}
	}
	if got, err := entitlement.ParseETag("*"); err != nil || got != 0 {
		t.Errorf(`ParseETag("*") = %d, %v; want 0 (any version)`, got, err)
	}
	for _, bad := range []string{"", "7", `W/7`, `"x"`, `"0"`, `"-3"`, `W/""`, `"`} {
		if _, err := entitlement.ParseETag(bad); err == nil {
			t.Errorf("ParseETag(%q) accepted", bad)
		}
	}
}

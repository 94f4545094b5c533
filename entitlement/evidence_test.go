package entitlement_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// TestEvidence exports a request approved in two stages, its extension and its removal, plus an
// expiry in another package, and checks every field of every step; then the range and package
// narrow it, the head in the file is found by the verification, and only administrators export.
func TestEvidence(t *testing.T) {
	env := entitlementtest.New(t)
	t0 := entitlementtest.T0
	ada, bob, cy, dan := env.User("Ada Lovelace"), env.User("Bob Approver"), env.User("Cy Controller"), env.User("Dan Temp")
	cat := env.Catalog("Finance")
	pkg := env.Package(cat, "Ledger access", entitlementtest.Member(env.GroupResource(cat, env.Group("Ledger team"))))
	pol := env.Policy(pkg, entitlementtest.Approval(entitlementtest.ApprovalStage(7, entitlementtest.Single(bob)), entitlementtest.ApprovalStage(7, entitlementtest.Single(cy))),
		func(p *entitlement.AssignmentPolicy) { p.CanExtend = true })
	vault := env.Package(cat, "Vault", entitlementtest.Member(env.GroupResource(cat, env.Group("Vault readers"))))
	daily := env.Policy(vault, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })

	add := env.Submit(entitlementtest.As(ada), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: pol.ID, Justification: "month-end close"})
	env.Clock.Advance(time.Hour)
	if _, err := env.Svc.Decide(entitlementtest.As(bob), add.ID, true, "needed for the close"); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(time.Hour)
	add, err := env.Svc.Decide(entitlementtest.As(cy), add.ID, true, "approved by finance")
	if err != nil {
		t.Fatal(err)
	}
	temp := env.RequestAccess(dan, daily) // at t0+2h, ends a day later
	env.Clock.Advance(2 * 24 * time.Hour)
	env.Drain(env.Worker(entitlement.WorkerOptions{}))
	a := env.Assignment(add.AssignmentID)
	extendAt := a.EndDateTime().Add(-3 * 24 * time.Hour)
	env.Clock.Set(extendAt)
	ext, err := env.Svc.ExtendAssignment(entitlementtest.As(ada), a.ID, "still closing", entitlement.Schedule{})
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(time.Hour)
	rm, err := env.Svc.SubmitRequest(entitlementtest.RootAdmin, entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID, Justification: "left the team"})
	if err != nil {
		t.Fatal(err)
	}
	var expiry entitlement.Request
	env.View(func(tx entitlement.Tx) error {
		p, err := tx.Requests().ByTarget(dan.ID, entitlement.RequestFilter{}, entitlement.ListOptions{})
		for _, r := range p.Items {
			if r.RequestType == entitlement.RequestSystemRemove {
				expiry = r
			}
		}
		return err
	})
	if expiry.ID == "" {
		t.Fatal("Dan's access did not expire")
	}

	type step struct {
		at     time.Time
		kind   string
		r      entitlement.Request
		stage  int
		actor  entitlement.User // zero: Steward
		reason string
	}
	admin := entitlement.User{ID: "0190f000-0000-7000-8000-000000000001", DisplayName: "Root Admin"}
	h := time.Hour
	ledger := []step{
		{t0, entitlement.EventSubmitted, add, 0, ada, "month-end close"},
		{t0, entitlement.EventStageStarted, add, 1, ada, "asked Bob Approver"},
		{t0.Add(h), entitlement.EventApproved, add, 1, bob, "needed for the close"},
		{t0.Add(h), entitlement.EventStageStarted, add, 2, bob, "asked Cy Controller"},
		{t0.Add(2 * h), entitlement.EventApproved, add, 2, cy, "approved by finance"},
		{t0.Add(2 * h), entitlement.EventDelivering, add, 0, cy, ""},
		{t0.Add(2 * h), entitlement.EventDelivered, add, 0, entitlement.User{}, ""},
	}
	vaultSteps := []step{
		{t0.Add(2 * h), entitlement.EventSubmitted, temp, 0, dan, ""},
		{t0.Add(2 * h), entitlement.EventDelivering, temp, 0, dan, ""},
		{t0.Add(2 * h), entitlement.EventDelivered, temp, 0, entitlement.User{}, ""},
		{t0.Add(50 * h), entitlement.EventSubmitted, expiry, 0, entitlement.User{}, "the access ended on 2026-03-03 11:00 UTC"},
		{t0.Add(50 * h), entitlement.EventExpired, expiry, 0, entitlement.User{}, "the access ended on 2026-03-03 11:00 UTC"},
		{t0.Add(50 * h), entitlement.EventDelivered, expiry, 0, entitlement.User{}, ""},
	}
	later := []step{
		{extendAt, entitlement.EventSubmitted, ext, 0, ada, "still closing"},
		{extendAt, entitlement.EventExtended, ext, 0, ada, "until 2026-05-01 11:00 UTC"},
		{extendAt, entitlement.EventDelivered, ext, 0, ada, ""},
		{extendAt.Add(h), entitlement.EventSubmitted, rm, 0, admin, "left the team"},
		{extendAt.Add(h), entitlement.EventRemoved, rm, 0, admin, "left the team"},
		{extendAt.Add(h), entitlement.EventDelivered, rm, 0, admin, ""},
	}
	names := map[string]string{ada.ID: "Ada Lovelace", dan.ID: "Dan Temp"}
	check := func(t *testing.T, got []entitlement.EvidenceEvent, want []step) {
		t.Helper()
		if len(got) != len(want) {
			for _, g := range got {
				t.Logf("got %s %s %s", g.At, g.Kind, g.RequestType)
			}
			t.Fatalf("%d events, want %d", len(got), len(want))
		}
		for i, w := range want {
			pkgID, pkgName := pkg.ID, "Ledger access"
			if w.r.AccessPackageID == vault.ID {
				pkgID, pkgName = vault.ID, "Vault"
			}
			actorName := w.actor.DisplayName
			if w.actor.ID == "" {
				actorName = "Steward"
			}
			exp := entitlement.EvidenceEvent{
				At: w.at, Kind: w.kind, RequestID: w.r.ID, RequestType: w.r.RequestType, AccessPackageID: pkgID, AccessPackageName: pkgName,
				TargetID: w.r.TargetID, TargetName: names[w.r.TargetID], AssignmentID: w.r.AssignmentID, Stage: w.stage,
				ActorID: w.actor.ID, ActorName: actorName, Reason: w.reason,
			}
			if got[i] != exp {
				t.Errorf("event %d:\n got %+v\nwant %+v", i+1, got[i], exp)
			}
		}
	}

	t.Run("everything, in time order", func(t *testing.T) {
		ev, err := env.Svc.Evidence(entitlementtest.RootAdmin, entitlement.EvidenceFilter{From: t0, To: extendAt.Add(2 * h)})
		if err != nil {
			t.Fatal(err)
		}
		all := append(append(append([]step{}, ledger...), vaultSteps...), later...)
		check(t, ev.Events, all)
		if ev.GeneratedBy != "root@example.com" || !ev.From.Equal(t0) || ev.AccessPackageID != "" || ev.AccessPackageName != "" {
			t.Errorf("header = %+v", ev)
		}
		// The head in the file is the chain's head with the export recorded, and stays findable.
		v, err := env.Svc.VerifyAudit(entitlementtest.RootAdmin, ev.AuditChain.Hash)
		if err != nil || !v.Intact || v.HeadHash != ev.AuditChain.Hash || v.ExportedAt != ev.AuditChain.Count {
			t.Fatalf("verification of the exported head %+v: %+v, %v", ev.AuditChain, v, err)
		}
		page, err := env.Svc.ListAudit(entitlementtest.RootAdmin, entitlement.AuditFilter{Action: "audit.exportEvidence"}, entitlement.ListOptions{})
		if err != nil || page.Total != 1 || page.Items[0].Hash != ev.AuditChain.Hash {
			t.Fatalf("the export's audit event: %+v, %v", page.Items, err)
		}
	})
	t.Run("one package, from the second stage on", func(t *testing.T) {
		ev, err := env.Svc.Evidence(entitlementtest.RootAdmin, entitlement.EvidenceFilter{From: t0.Add(2 * h), To: extendAt.Add(2 * h), AccessPackageID: pkg.ID})
		if err != nil {
			t.Fatal(err)
		}
		check(t, ev.Events, append(append([]step{}, ledger[4:]...), later...))
		if ev.AccessPackageID != pkg.ID || ev.AccessPackageName != "Ledger access" {
			t.Errorf("package in the header = %q %q", ev.AccessPackageID, ev.AccessPackageName)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		if _, err := env.Svc.Evidence(entitlementtest.As(bob), entitlement.EvidenceFilter{From: t0, To: t0.Add(h)}); !errors.Is(err, entitlement.ErrForbidden) {
			t.Errorf("an approver's export: %v", err)
		}
		if _, err := env.Svc.VerifyAudit(entitlementtest.As(bob), ""); !errors.Is(err, entitlement.ErrForbidden) {
			t.Errorf("an approver's verification: %v", err)
		}
		var ve *entitlement.ValidationError
		if _, err := env.Svc.Evidence(entitlementtest.RootAdmin, entitlement.EvidenceFilter{From: t0, To: t0}); !errors.As(err, &ve) || ve.Fields["to"] == "" {
			t.Errorf("an empty range: %v", err)
		}
		if _, err := env.Svc.Evidence(entitlementtest.RootAdmin, entitlement.EvidenceFilter{From: t0, To: t0.Add(h), AccessPackageID: entitlement.NewID()}); !errors.Is(err, entitlement.ErrNotFound) {
			t.Errorf("a missing package: %v", err)
		}
	})
}

// TestPackageChoices checks the evidence export's picker: the first packages by name with
// whether there are more, a rename seen at once (the names come through the configuration
// cache), and administrators only.
func TestPackageChoices(t *testing.T) {
	env := entitlementtest.New(t)
	owner := env.User("Olive Owner")
	cat := env.Catalog("Finance", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, owner))
	var pkgs []entitlement.AccessPackage
	for _, name := range []string{"Vault", "ledger", "Budgets", "Audit trail"} {
		pkgs = append(pkgs, env.Package(cat, name))
	}
	names := func(limit int) ([]string, bool) {
		t.Helper()
		refs, more, err := env.Svc.PackageChoices(entitlementtest.RootAdmin, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range refs {
			if r.ID == "" {
				t.Errorf("%q without its id", r.DisplayName)
			}
			out = append(out, r.DisplayName)
		}
		return out, more
	}
	for _, tc := range []struct {
		limit int
		want  []string
		more  bool
	}{
		{2, []string{"Audit trail", "Budgets"}, true},
		{4, []string{"Audit trail", "Budgets", "ledger", "Vault"}, false},
		{10, []string{"Audit trail", "Budgets", "ledger", "Vault"}, false},
	} {
		if got, more := names(tc.limit); !slices.Equal(got, tc.want) || more != tc.more {
			t.Errorf("PackageChoices(%d) = %v, more %v; want %v, more %v", tc.limit, got, more, tc.want, tc.more)
		}
	}
	if _, err := env.Svc.UpdateAccessPackage(entitlementtest.RootAdmin, pkgs[0].ID, entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: "Archive"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := names(2); !slices.Equal(got, []string{"Archive", "Audit trail"}) {
		t.Errorf("after a rename: %v", got)
	}
	if _, _, err := env.Svc.PackageChoices(entitlementtest.As(owner), 10); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("a catalog owner: %v, want forbidden", err)
	}
}

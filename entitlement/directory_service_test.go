package entitlement_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestUserInputValidation(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	boss := entitlementtest.CreateUser(t, svc, "Boss Person")
	good := entitlement.UserInput{DisplayName: "Ada Lovelace", Email: "ada@example.com"}
	for _, tc := range []struct {
		name        string
		edit        func(*entitlement.UserInput)
		field, hint string
	}{
		{"no name", func(in *entitlement.UserInput) { in.DisplayName = "  " }, "displayName", "enter the person's name"},
		{"long name", func(in *entitlement.UserInput) { in.DisplayName = strings.Repeat("a", 201) }, "displayName", "at most 200"},
		{"no mail", func(in *entitlement.UserInput) { in.Email = "" }, "mail", "enter an e-mail address"},
		{"bad mail", func(in *entitlement.UserInput) { in.Email = "ada at example" }, "mail", "such as ada@example.com"},
		{"mail with name", func(in *entitlement.UserInput) { in.Email = "Ada <ada@example.com>" }, "mail", "such as"},
		{"user type", func(in *entitlement.UserInput) { in.UserType = "Admin" }, "userType", "Member or Guest"},
		{"manager id", func(in *entitlement.UserInput) { in.ManagerID = "boss" }, "managerId", "choose the manager"},
		{"unknown manager", func(in *entitlement.UserInput) { in.ManagerID = entitlement.NewID() }, "managerId", "not in the directory"},
		{"taken mail", func(in *entitlement.UserInput) { in.Email = boss.Email }, "mail", "Boss Person already uses"},
		{"org needs guest", func(in *entitlement.UserInput) { in.ConnectedOrganizationID = entitlement.NewID() }, "userType", "choose Guest"},
		{"unknown org", func(in *entitlement.UserInput) {
			in.ConnectedOrganizationID = entitlement.NewID()
			in.UserType = entitlement.UserTypeGuest
		}, "connectedOrganizationId", "does not exist"},
		{"long department", func(in *entitlement.UserInput) { in.Department = strings.Repeat("d", 201) }, "department", "at most 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			_, err := svc.CreateUser(rootAdmin, in)
			wantField(t, err, tc.field, tc.hint)
		})
	}
	u, err := svc.CreateUser(rootAdmin, entitlement.UserInput{DisplayName: " Ada ", Email: " ADA@Example.com ", ManagerID: boss.ID})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.DisplayName != "Ada" || u.UserType != entitlement.UserTypeMember || !u.AccountEnabled || u.UserPrincipalName != u.Email {
		t.Errorf("created user = %+v", u)
	}
}

func TestUpdateUserRules(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	a := entitlementtest.CreateUser(t, svc, "Alice A")
	b := entitlementtest.CreateUser(t, svc, "Bob B")
	c := entitlementtest.CreateUser(t, svc, "Carol C")
	// b reports to a, c reports to b.
	if _, err := svc.UpdateUser(rootAdmin, b.ID, entitlement.UserInput{DisplayName: b.DisplayName, Email: b.Email, ManagerID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateUser(rootAdmin, c.ID, entitlement.UserInput{DisplayName: c.DisplayName, Email: c.Email, ManagerID: b.ID}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.UpdateUser(rootAdmin, a.ID, entitlement.UserInput{DisplayName: a.DisplayName, Email: a.Email, ManagerID: c.ID})
	wantField(t, err, "managerId", "Carol C already reports to this person")
	_, err = svc.UpdateUser(rootAdmin, a.ID, entitlement.UserInput{DisplayName: a.DisplayName, Email: a.Email, ManagerID: a.ID})
	wantField(t, err, "managerId", "their own manager")
	_, err = svc.UpdateUser(rootAdmin, entitlement.NewID(), entitlement.UserInput{DisplayName: "X", Email: "x@example.com"})
	wantErr(t, err, entitlement.ErrNotFound)

	// Renaming moves the search keys; the audit log says what changed.
	upd, err := svc.UpdateUser(rootAdmin, a.ID, entitlement.UserInput{DisplayName: "Alice Zed", Email: "alice.zed@example.com", Department: "Ops"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.UserPrincipalName != "alice.zed@example.com" {
		t.Errorf("UPN not moved with the e-mail: %q", upd.UserPrincipalName)
	}
	for q, want := range map[string]int{"zed": 1, "alice.a": 0, "alice": 1} {
		p, err := svc.ListUsers(rootAdmin, entitlement.ListOptions{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want {
			t.Errorf("search %q finds %d, want %d", q, p.Total, want)
		}
	}
	ev, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{ObjectID: a.ID}, entitlement.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Total != 2 || ev.Items[0].Action != "user.update" || !strings.Contains(ev.Items[0].Summary, `"Alice A" → "Alice Zed"`) {
		t.Errorf("audit = %+v", ev.Items)
	}
	// An update that changes nothing writes nothing.
	if _, err := svc.UpdateUser(rootAdmin, a.ID, entitlement.UserInput{DisplayName: "Alice Zed", Email: "alice.zed@example.com", Department: "Ops"}); err != nil {
		t.Fatal(err)
	}
	if n := auditCount(t, svc, a.ID); n != 2 {
		t.Errorf("no-op update appended an audit event: %d events", n)
	}

	reports, err := svc.DirectReports(entitlementtest.As(a), a.ID)
	if err != nil || len(reports) != 1 || reports[0].ID != b.ID {
		t.Errorf("DirectReports(a) = %v, %v", reports, err)
	}
	_, err = svc.DirectReports(entitlementtest.As(c), a.ID)
	wantErr(t, err, entitlement.ErrForbidden)
}

func TestSetUserBlocked(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	u := entitlementtest.CreateUser(t, svc, "Blocky")
	if err := svc.SetUserBlocked(rootAdmin, u.ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.UserByID(rootAdmin, u.ID)
	if got.AccountEnabled || got.BlockedDateTime == nil {
		t.Errorf("after block: %+v", got)
	}
	if _, err := svc.PrincipalFor(bg, u.ID); err == nil {
		t.Error("a blocked user still gets a principal")
	}
	if err := svc.SetUserBlocked(rootAdmin, u.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.UserByID(entitlementtest.As(got), u.ID) // a user reads themselves
	if !got.AccountEnabled || got.BlockedDateTime != nil {
		t.Errorf("after unblock: %+v", got)
	}
	if n := auditCount(t, svc, u.ID); n != 3 {
		t.Errorf("audit events = %d, want create+block+unblock", n)
	}
	self := entitlement.WithPrincipal(bg, entitlement.Principal{UserID: u.ID, IsAdmin: true})
	wantErr(t, svc.SetUserBlocked(self, u.ID, true), entitlement.ErrConflict)
	wantErr(t, svc.SetUserBlocked(entitlementtest.As(u), u.ID, true), entitlement.ErrForbidden)
}

func TestGroupMembership(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	ada := entitlementtest.CreateUser(t, svc, "Ada Lovelace")
	bob := entitlementtest.CreateUser(t, svc, "Bob Builder")
	g := entitlementtest.CreateGroup(t, svc, "Engineers", ada)

	wantErr(t, svc.AddGroupMember(rootAdmin, g.ID, ada.ID), entitlement.ErrConflict)
	wantErr(t, svc.AddGroupMember(rootAdmin, g.ID, entitlement.NewID()), entitlement.ErrNotFound)
	_, err := svc.RemoveGroupMember(rootAdmin, g.ID, bob.ID)
	wantErr(t, err, entitlement.ErrNotFound)
	wantErr(t, svc.AddGroupMember(entitlementtest.As(ada), g.ID, bob.ID), entitlement.ErrForbidden)
	if err := svc.AddGroupMember(rootAdmin, g.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	members, err := svc.GroupMembers(rootAdmin, g.ID, entitlement.ListOptions{})
	if err != nil || members.Total != 2 {
		t.Fatalf("members = %+v, %v", members, err)
	}
	found, err := svc.GroupMembers(rootAdmin, g.ID, entitlement.ListOptions{Search: "bui"})
	if err != nil || found.Total != 1 || found.Items[0].User.ID != bob.ID {
		t.Errorf("member search = %+v, %v", found, err)
	}
	groups, err := svc.GroupsOfUser(entitlementtest.As(bob), bob.ID)
	if err != nil || len(groups) != 1 || groups[0].ID != g.ID {
		t.Errorf("GroupsOfUser = %v, %v", groups, err)
	}
	_, err = svc.GroupsOfUser(entitlementtest.As(bob), ada.ID)
	wantErr(t, err, entitlement.ErrForbidden)
	if _, err := svc.GroupByID(entitlementtest.As(bob), g.ID); err != nil {
		t.Errorf("a member reads their group: %v", err)
	}
	if _, err := svc.RemoveGroupMember(rootAdmin, g.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if groups, _ := svc.GroupsOfUser(rootAdmin, bob.ID); len(groups) != 0 {
		t.Errorf("groups after removal = %v", groups)
	}
	// create + 3 member changes (ada, bob, remove bob)
	if n := auditCount(t, svc, g.ID); n != 4 {
		t.Errorf("group audit events = %d, want 4", n)
	}
}

func TestGroupNamesAreUnique(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	a := entitlementtest.CreateGroup(t, svc, "Finance")
	_, err := svc.CreateGroup(rootAdmin, entitlement.GroupInput{DisplayName: "FINANCE "})
	wantField(t, err, "displayName", `a group named "Finance" already exists`)
	_, err = svc.CreateGroup(rootAdmin, entitlement.GroupInput{DisplayName: ""})
	wantField(t, err, "displayName", "enter a name")
	_, err = svc.CreateGroup(rootAdmin, entitlement.GroupInput{DisplayName: "X", Description: strings.Repeat("d", 2001)})
	wantField(t, err, "description", "at most 2000")
	b := entitlementtest.CreateGroup(t, svc, "Sales")
	_, err = svc.UpdateGroup(rootAdmin, b.ID, entitlement.GroupInput{DisplayName: "finance"})
	wantField(t, err, "displayName", "already exists")
	if _, err := svc.UpdateGroup(rootAdmin, a.ID, entitlement.GroupInput{DisplayName: "Finance team"}); err != nil {
		t.Fatal(err)
	}
	// The old name is free again; the search index follows the rename.
	if _, err := svc.CreateGroup(rootAdmin, entitlement.GroupInput{DisplayName: "Finance"}); err != nil {
		t.Errorf("old name still taken: %v", err)
	}
	p, err := svc.ListGroups(rootAdmin, entitlement.ListOptions{Search: "team"})
	if err != nil || p.Total != 1 || p.Items[0].ID != a.ID {
		t.Errorf("search after rename = %+v, %v", p, err)
	}
}

func TestDirectoryReadsNeedAnAdministrativeRole(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	plain := entitlementtest.CreateUser(t, svc, "Plain User")
	other := entitlementtest.CreateUser(t, svc, "Other User")
	for i := range 3 {
		entitlementtest.CreateUser(t, svc, fmt.Sprintf("Person %d", i))
	}
	_, err := svc.ListUsers(entitlementtest.As(plain), entitlement.ListOptions{})
	wantErr(t, err, entitlement.ErrForbidden)
	_, err = svc.ListGroups(entitlementtest.As(plain), entitlement.ListOptions{})
	wantErr(t, err, entitlement.ErrForbidden)
	_, err = svc.UserByID(entitlementtest.As(plain), other.ID)
	wantErr(t, err, entitlement.ErrForbidden)
	if _, err := svc.UserByID(entitlementtest.As(plain), plain.ID); err != nil {
		t.Errorf("reading oneself: %v", err)
	}
	// A catalog reader may use the pickers.
	c, err := svc.CreateCatalog(rootAdmin, entitlement.CatalogInput{DisplayName: "C", Published: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCatalogRoleMember(rootAdmin, c.ID, entitlement.CatalogRoleMember{Role: entitlement.RoleCatalogReader, PrincipalID: plain.ID, PrincipalType: entitlement.PrincipalUser}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.ListUsers(entitlementtest.As(plain), entitlement.ListOptions{Search: "person"})
	if err != nil || p.Total != 3 {
		t.Errorf("reader lists users: %+v, %v", p, err)
	}
	_, err = svc.CreateUser(entitlementtest.As(plain), entitlement.UserInput{DisplayName: "New", Email: "new@example.com"})
	wantErr(t, err, entitlement.ErrForbidden)
}

// TestDeleteGroupNamedByAPolicy: a group that a policy names among who may request, as an
// approver (primary or escalation) or as a reviewer cannot be deleted, as a connected organization
// named by a policy cannot: the refusal names the policies, and the id never dangles.
func TestDeleteGroupNamedByAPolicy(t *testing.T) {
	f := newFixture(t)
	boss := entitlementtest.CreateUser(t, f.Svc, "Bea Boss")
	stage := func(sets ...entitlement.UserSet) entitlement.ApprovalSettings {
		return entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle, ApprovalStages: []entitlement.ApprovalStage{{
			ApprovalStageTimeOutInDays: 7, PrimaryApprovers: sets,
		}}}
	}
	for _, tc := range []struct {
		name, role string
		edit       func(in *entitlement.PolicyInput, g entitlement.UserSet)
	}{
		{"requestors", "requestors", func(in *entitlement.PolicyInput, g entitlement.UserSet) {
			in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificDirectorySubjects, AcceptRequests: true, AllowedRequestors: []entitlement.UserSet{g}}
		}},
		{"primary approvers", "approvers", func(in *entitlement.PolicyInput, g entitlement.UserSet) {
			in.RequestApprovalSettings = stage(g)
		}},
		{"escalation approvers", "approvers", func(in *entitlement.PolicyInput, g entitlement.UserSet) {
			in.RequestApprovalSettings = stage(entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: boss.ID})
			st := &in.RequestApprovalSettings.ApprovalStages[0]
			st.IsEscalationEnabled, st.EscalationTimeInMinutes, st.EscalationApprovers = true, 120, []entitlement.UserSet{g}
		}},
		{"reviewers", "reviewers", func(in *entitlement.PolicyInput, g entitlement.UserSet) {
			in.AccessReviewSettings = &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerReviewers, DurationInDays: 14, Reviewers: []entitlement.UserSet{g}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := entitlementtest.CreateGroup(t, f.Svc, "Named as "+tc.name)
			in := noApprovalPolicy(f.pkgA.ID, "Through "+tc.name)
			tc.edit(&in, entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: g.ID})
			pol, err := f.Svc.CreatePolicy(rootAdmin, in)
			if err != nil {
				t.Fatal(err)
			}
			err = f.Svc.DeleteGroup(rootAdmin, g.ID, 0)
			wantErr(t, err, entitlement.ErrConflict)
			want := fmt.Sprintf(`the policy(ies) "Engineering access / Through %s" name %q as %s; change those policies first`, tc.name, g.DisplayName, tc.role)
			if entitlementtest.ErrCode(err) != "groupInUse" || err.Error() != want {
				t.Errorf("refusal %q (%s)\nwant %q", err, entitlementtest.ErrCode(err), want)
			}
			if _, err := f.Svc.GroupByID(rootAdmin, g.ID); err != nil {
				t.Errorf("the refused group is gone: %v", err)
			}
			if err := f.Svc.DeletePolicy(rootAdmin, pol.ID, 0); err != nil {
				t.Fatal(err)
			}
			if err := f.Svc.DeleteGroup(rootAdmin, g.ID, 0); err != nil {
				t.Errorf("delete once no policy names it: %v", err)
			}
		})
	}
	// A policy that names the group in several parts says so once.
	g := entitlementtest.CreateGroup(t, f.Svc, "Everywhere")
	set := entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: g.ID}
	in := noApprovalPolicy(f.pkgA.ID, "All of it")
	in.RequestApprovalSettings = stage(set)
	in.AccessReviewSettings = &entitlement.ReviewSettings{IsEnabled: true, RecurrenceType: "quarterly", ReviewerType: entitlement.ReviewerReviewers, DurationInDays: 14, Reviewers: []entitlement.UserSet{set}}
	if _, err := f.Svc.CreatePolicy(rootAdmin, in); err != nil {
		t.Fatal(err)
	}
	err := f.Svc.DeleteGroup(rootAdmin, g.ID, 0)
	if want := `the policy(ies) "Engineering access / All of it" name "Everywhere" as approvers and reviewers; change those policies first`; err == nil || err.Error() != want {
		t.Errorf("refusal %v\nwant %s", err, want)
	}
}

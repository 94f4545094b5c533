package entitlement_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func TestImportUsers(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	boss := entitlementtest.CreateUser(t, svc, "Big Boss")

	// The manager of the first row comes later in the file; the second row updates nobody yet.
	good := "\ufeffdisplayName,mail,userType,department,jobTitle,managerMail\n" +
		"Ada Lovelace,ada@example.com,member,Engineering,Engineer,grace@example.com\n" +
		"\n" +
		"Grace Hopper,GRACE@example.com,,Engineering,Director," + boss.Email + "\n" +
		"\"Turing, Alan\",alan@example.com,Guest,,,\n"
	rep, err := svc.ImportUsers(rootAdmin, strings.NewReader(good))
	if err != nil {
		t.Fatalf("import: %v (%+v)", err, rep.Errors)
	}
	if rep.Rows != 3 || rep.Created != 3 || rep.Updated != 0 || len(rep.Errors) != 0 {
		t.Errorf("report = %+v", rep)
	}
	users, err := svc.ListUsers(rootAdmin, entitlement.ListOptions{Search: "engineer"})
	if err != nil {
		t.Fatal(err)
	}
	byMail := map[string]entitlement.User{}
	all, _ := svc.ListUsers(rootAdmin, entitlement.ListOptions{Limit: 100})
	for _, u := range all.Items {
		byMail[u.Email] = u
	}
	ada, grace, alan := byMail["ada@example.com"], byMail["grace@example.com"], byMail["alan@example.com"]
	if ada.ManagerID != grace.ID || grace.ManagerID != boss.ID || ada.UserType != entitlement.UserTypeMember || alan.UserType != entitlement.UserTypeGuest || alan.DisplayName != "Turing, Alan" {
		t.Errorf("imported: ada %+v, grace %+v, alan %+v", ada, grace, alan)
	}
	_ = users

	// Importing again with a changed title updates one person; a file without the manager
	// column keeps managers.
	again := "displayName,mail,jobTitle\nAda Lovelace,ada@example.com,Principal Engineer\nGrace Hopper,grace@example.com,Director\n"
	rep, err = svc.ImportUsers(rootAdmin, strings.NewReader(again))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 1 {
		t.Errorf("second import report = %+v", rep)
	}
	got, _ := svc.UserByID(rootAdmin, ada.ID)
	if got.JobTitle != "Principal Engineer" || got.ManagerID != grace.ID || got.Department != "Engineering" {
		t.Errorf("after update: %+v", got)
	}
	if n := auditCount(t, svc, ada.ID); n != 2 {
		t.Errorf("audit events of ada = %d, want create + update", n)
	}
}

func TestImportUsersRejectsBadRowsAndWritesNothing(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	existing := entitlementtest.CreateUser(t, svc, "Old Timer")
	before, _ := svc.ListAudit(rootAdmin, entitlement.AuditFilter{}, entitlement.ListOptions{})
	file := "displayName,mail,userType,department,jobTitle,managerMail\n" +
		"Fine Person,fine@example.com,Member,,,\n" + // line 2: fine, but must not be written
		",noname@example.com,,,,\n" + // 3: no name
		"Bad Mail,not-an-address,,,,\n" + // 4
		"Wrong Type,type@example.com,Admin,,,\n" + // 5
		"Dup,fine@example.com,,,,\n" + // 6: same mail as line 2
		"Lonely,lonely@example.com,,,,nobody@example.com\n" + // 7: unknown manager
		"Self,self@example.com,,,,self@example.com\n" + // 8: own manager
		"Loop A,loopa@example.com,,,,loopb@example.com\n" + // 9: loop with 10
		"Loop B,loopb@example.com,,,,loopa@example.com\n" + // 10
		"Short,short@example.com\n" // 11: too few values
	rep, err := svc.ImportUsers(rootAdmin, strings.NewReader(file))
	var ve *entitlement.ValidationError
	if !errors.As(err, &ve) || ve.Code != "importFailed" {
		t.Fatalf("err = %v, want importFailed", err)
	}
	if !strings.Contains(ve.Fields["file"], "nothing was imported") {
		t.Errorf("message = %q", ve.Fields["file"])
	}
	want := []struct {
		row         int
		field, hint string
	}{
		{3, "displayName", "enter the person's name"},
		{4, "mail", "such as ada@example.com"},
		{5, "userType", "Member or Guest"},
		{6, "mail", "also on line 2"},
		{7, "managerMail", "nobody with the address nobody@example.com"},
		{8, "managerMail", "their own manager"},
		{9, "managerMail", "already reports to this person"},
		{10, "managerMail", "already reports to this person"},
		{11, "", "has 2 values but the first line names 6 columns"},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors = %+v, want %d", rep.Errors, len(want))
	}
	for i, w := range want {
		e := rep.Errors[i]
		if e.Row != w.row || e.Field != w.field || !strings.Contains(e.Message, w.hint) {
			t.Errorf("error %d = %+v, want line %d %s %q", i, e, w.row, w.field, w.hint)
		}
	}
	all, _ := svc.ListUsers(rootAdmin, entitlement.ListOptions{})
	if all.Total != 1 || all.Items[0].ID != existing.ID {
		t.Errorf("users after a failed import = %d", all.Total)
	}
	after, _ := svc.ListAudit(rootAdmin, entitlement.AuditFilter{}, entitlement.ListOptions{})
	if after.Total != before.Total {
		t.Errorf("a failed import appended audit events")
	}

	for _, tc := range []struct {
		name, file, field, hint string
		row                     int
	}{
		{"empty file", "", "", "the file is empty", 1},
		{"header only", "displayName,mail\n", "", "no people in it", 2},
		{"unknown column", "displayName,mail,phone\nA,a@example.com,1\n", "phone", `unknown column "phone"`, 1},
		{"missing column", "displayName\nA\n", "mail", "add the column mail", 1},
		{"column twice", "displayName,mail,Mail\n", "mail", "appears twice", 1},
		{"broken quotes", "displayName,mail\n\"A,a@example.com\nB,b@example.com\n", "", "not valid CSV", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := svc.ImportUsers(rootAdmin, strings.NewReader(tc.file))
			if !errors.As(err, &ve) || len(rep.Errors) == 0 {
				t.Fatalf("err = %v, report %+v", err, rep)
			}
			e := rep.Errors[0]
			if e.Row != tc.row || e.Field != tc.field || !strings.Contains(e.Message, tc.hint) {
				t.Errorf("error = %+v, want line %d %q %q", e, tc.row, tc.field, tc.hint)
			}
		})
	}
	t.Run("too many rows", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("displayName,mail\n")
		for i := range entitlement.MaxImportRows + 1 {
			fmt.Fprintf(&b, "P%d,p%d@example.com\n", i, i)
		}
		rep, err := svc.ImportUsers(rootAdmin, strings.NewReader(b.String()))
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v", err)
		}
		last := rep.Errors[len(rep.Errors)-1]
		if last.Row != entitlement.MaxImportRows+2 || !strings.Contains(last.Message, "more than 10000 rows") {
			t.Errorf("last error = %+v", last)
		}
	})
	_, err = svc.ImportUsers(entitlementtest.As(existing), strings.NewReader("displayName,mail\nA,a@example.com\n"))
	wantErr(t, err, entitlement.ErrForbidden)
}

func TestImportGroups(t *testing.T) {
	svc := entitlementtest.New(t).Svc
	ada := entitlementtest.CreateUser(t, svc, "Ada Lovelace")
	bob := entitlementtest.CreateUser(t, svc, "Bob Builder")
	ops := entitlementtest.CreateGroup(t, svc, "Operations", ada)

	bad := "group,description,memberMail\n" +
		"Finance,Money people," + ada.Email + "\n" +
		"Finance,Other words," + bob.Email + "\n" + // 3: description differs
		",,x@example.com\n" + // 4: no group
		"Sales,,ghost@example.com\n" // 5: unknown member
	rep, err := svc.ImportGroups(rootAdmin, strings.NewReader(bad))
	var ve *entitlement.ValidationError
	if !errors.As(err, &ve) || ve.Code != "importFailed" || len(rep.Errors) != 3 {
		t.Fatalf("err = %v, errors %+v", err, rep.Errors)
	}
	for i, w := range []struct {
		row   int
		field string
	}{{3, "description"}, {4, "group"}, {5, "memberMail"}} {
		if rep.Errors[i].Row != w.row || rep.Errors[i].Field != w.field {
			t.Errorf("error %d = %+v, want line %d %s", i, rep.Errors[i], w.row, w.field)
		}
	}
	if p, _ := svc.ListGroups(rootAdmin, entitlement.ListOptions{}); p.Total != 1 {
		t.Errorf("groups after a failed import = %d", p.Total)
	}

	good := "group,description,memberMail\n" +
		"Finance,Money people," + ada.Email + "\n" +
		"finance,," + bob.Email + "\n" +
		"OPERATIONS,," + ada.Email + "\n" + // already a member: nothing to do
		"Operations,," + bob.Email + "\n" +
		"Empty group,Nobody yet,\n"
	rep, err = svc.ImportGroups(rootAdmin, strings.NewReader(good))
	if err != nil {
		t.Fatalf("import: %v %+v", err, rep.Errors)
	}
	if rep.Rows != 5 || rep.Created != 2 || rep.Updated != 1 {
		t.Errorf("report = %+v", rep)
	}
	members, _ := svc.GroupMembers(rootAdmin, ops.ID, entitlement.ListOptions{})
	if members.Total != 2 {
		t.Errorf("Operations members = %d", members.Total)
	}
	groups, _ := svc.GroupsOfUser(rootAdmin, bob.ID)
	if len(groups) != 2 || groups[0].DisplayName != "Finance" || groups[0].Description != "Money people" {
		t.Errorf("bob's groups = %+v", groups)
	}
	// The same file again changes nothing.
	rep, err = svc.ImportGroups(rootAdmin, strings.NewReader(good))
	if err != nil || rep.Created != 0 || rep.Updated != 0 {
		t.Errorf("re-import = %+v, %v", rep, err)
	}
}

// TestImportComparesUsersAsTheFormDoes imports a person whose only difference is the form of
// their stored address (as an older Steward kept it). The form normalises and records it, and
// the import, which decides what changed in the same place, must do the same: update the
// person, keep the principal name in step, and say so in the audit.
func TestImportComparesUsersAsTheFormDoes(t *testing.T) {
	env := entitlementtest.New(t)
	svc, st := env.Svc, env.Store
	dana := entitlement.User{ID: entitlement.NewID(), DisplayName: "Dana Lee", Email: "Dana.Lee@Example.com", UserPrincipalName: "Dana.Lee@Example.com",
		UserType: entitlement.UserTypeMember, AccountEnabled: true}
	if err := st.Update(bg, func(tx entitlement.Tx) error { return tx.Users().Put(dana) }); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.ImportUsers(rootAdmin, strings.NewReader("displayName,mail\nDana Lee,dana.lee@example.com\n"))
	if err != nil {
		t.Fatalf("import: %v (%+v)", err, rep.Errors)
	}
	if rep.Created != 0 || rep.Updated != 1 {
		t.Errorf("report = %+v, want one person updated", rep)
	}
	got, err := svc.UserByID(rootAdmin, dana.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "dana.lee@example.com" || got.UserPrincipalName != got.Email {
		t.Errorf("after the import: mail %q, principal name %q", got.Email, got.UserPrincipalName)
	}
	events, err := svc.ListAudit(rootAdmin, entitlement.AuditFilter{ObjectID: dana.ID}, entitlement.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events.Items) != 1 || !strings.Contains(events.Items[0].Summary, "mail") {
		t.Errorf("audit = %+v, want one update that names the mail", events.Items)
	}
}

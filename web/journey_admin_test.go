package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/browsertest"
)

// Helpers for the admin journeys: every step waits for what the next page or htmx swap shows, so
// a journey never races a navigation.

func click(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible)
}

func waitFor(css string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(css))
}

func typeInto(css, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(css), text, chromedp.NodeVisible)
}

func clearAndType(css, text string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.Clear(chromedp.CSS(css), chromedp.NodeVisible), chromedp.SendKeys(chromedp.CSS(css), text)}
}

// step runs browser actions with a deadline of its own, so a step that waits for something that
// never comes fails at once, naming itself, with a screenshot of what the page showed.
func step(t *testing.T, b *browsertest.Browser, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Screenshot("stuck-" + name)
		html, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body).innerText.slice(0, 600) + "\n--- inputs: " + Array.from(document.querySelectorAll('input[type=search]')).map(i => i.id + '=' + JSON.stringify(i.value)).join(' ') + "\n--- results: " + Array.from(document.querySelectorAll('[id$=-results]')).map(r => r.id + ':' + r.innerHTML.slice(0, 300)).join(' ')`))
		t.Fatalf("step %q: %v\npage: %s", name, err, html)
	}
}

// settled waits until htmx has finished swapping and processing new content, so that typing into
// a swapped-in field reaches its handlers.
func settled() chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`document.readyState === "complete" && typeof htmx !== "undefined" && document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added") === null`)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// pick types into a people picker and chooses the match whose button value ends with id.
func pick(t *testing.T, b *browsertest.Browser, pickerID, query, value string) {
	t.Helper()
	step(t, b, "pick-"+pickerID,
		settled(),
		waitFor("#"+pickerID),
		typeInto("#"+pickerID, query),
		waitFor(`#`+pickerID+`-results button[value="`+value+`"]`),
		click(`#`+pickerID+`-results button[value="`+value+`"]`),
	)
}

// wizardAt waits until the policy wizard shows the step.
func wizardAt(step string) chromedp.Action[chromedp.Void] {
	return waitFor(`[data-testid="policy-wizard"][data-step="` + step + `"]`)
}

func flashOf(b *browsertest.Browser) string { return b.Text(`[data-testid="flashes"]`) }

// TestJourneyAdminBuildsPackageAndPolicy is journey 1: an administrator creates a catalog, adds a
// directory group as a resource, creates a package granting the group's Member role, and runs the
// wizard for a two-stage policy (the requestor's manager, then a named approver; 30 days; extension
// allowed). The requester can then request the package.
func TestJourneyAdminBuildsPackageAndPolicy(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")

	step(t, b, "s1", chromedp.Navigate(env.URL+"/admin"), waitFor(`[data-testid="dashboard-counts"]`))
	b.Screenshot("admin-dashboard")

	// A new catalog.
	step(t, b, "s2", chromedp.Navigate(env.URL+"/admin/catalogs"), waitFor(`[data-testid="catalogs"]`))
	b.Screenshot("catalogs")
	step(t, b, "s3", click(`[data-testid="new-catalog"]`), waitFor(`[data-testid="catalog-form"]`))
	step(t, b, "s4", typeInto(`#displayName`, "Engineering tools"), typeInto(`#description`, "Repositories, build systems and the engineering wiki"))
	b.Screenshot("catalog-new")
	step(t, b, "s5", click(`[data-testid="save"]`), waitFor(`[data-testid="add-resource"]`))
	if got := flashOf(b); !strings.Contains(got, `Catalog "Engineering tools" created`) {
		t.Fatalf("after creating the catalog the page says %q", got)
	}

	// The Engineering group as its resource, through the group picker.
	// The audit note comes first; focusing the picker lists the groups, typing narrows them.
	step(t, b, "s6", click(`[data-testid="add-resource"]`), waitFor(`[data-testid="resource-form"]`),
		typeInto(`#justification`, "The tools team asked for it"), click(`#group-picker`),
		waitFor(`#group-picker-results button[value="group:`+f.engineering.ID+`"]`))
	b.Screenshot("resource-group-browse")
	pick(t, b, "group-picker", "Engin", "group:"+f.engineering.ID)
	step(t, b, "s7", waitFor(`[data-testid="resource-row"]`))
	if got := b.Text(`[data-testid="resources"]`); !strings.Contains(got, "Engineering") || !strings.Contains(got, "Member") {
		t.Fatalf("resources tab shows %q", got)
	}
	b.Screenshot("catalog-resources")

	// A package granting the group's Member role.
	step(t, b, "s8", click(`nav[aria-label="Catalog"] a[href$="/packages"]`), waitFor(`[data-testid="new-package"]`))
	step(t, b, "s9", click(`[data-testid="new-package"]`), waitFor(`[data-testid="package-form"]`))
	step(t, b, "s10", typeInto(`#displayName`, "Engineering workspace"), typeInto(`#description`, "Membership of the Engineering group: the wiki, the repositories and the build system"))
	step(t, b, "s11", click(`[data-testid="save"]`), waitFor(`[data-testid="add-role-scope"]`))
	var options []string
	opts, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#role option')).map(o => o.value + '=' + o.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	options = opts
	member := ""
	for _, o := range options {
		if strings.HasSuffix(o, "Engineering (Group) — Member") {
			member = strings.SplitN(o, "=", 2)[0]
		}
	}
	if member == "" {
		t.Fatalf("no Member role of Engineering offered: %q", options)
	}
	step(t, b, "s12", chromedp.SetValue(chromedp.CSS(`#role`), member), click(`[data-testid="add-role"]`), waitFor(`[data-testid="role-scope"]`))
	if got := b.Text(`[data-testid="role-scopes"]`); !strings.Contains(got, "Engineering") || !strings.Contains(got, "Member") {
		t.Fatalf("resource roles tab shows %q", got)
	}
	b.Screenshot("package-roles")

	// The policy wizard.
	step(t, b, "s13", click(`nav[aria-label="Access package"] a[href$="/policies"]`), waitFor(`[data-testid="new-policy"]`))
	b.Screenshot("package-policies-empty")
	step(t, b, "s14", click(`[data-testid="new-policy"]`), wizardAt("basics"))
	step(t, b, "s15", typeInto(`#name`, "Engineers, two approvals"))
	b.Screenshot("wizard-basics")
	step(t, b, "s16", click(`[data-testid="wizard-next"]`), wizardAt("requestors"))

	step(t, b, "s17", click(`input[name="scope"][value="`+entitlement.ScopeSpecificDirectorySubjects+`"]`), waitFor(`#pick-requestors`))
	pick(t, b, "pick-requestors", "Engin", "add:requestors:group:"+f.engineering.ID)
	step(t, b, "s18", waitFor(`[data-testid="requestors"] button[value="remove:requestors:0"]`))
	b.Screenshot("wizard-requestors")
	step(t, b, "s19", click(`[data-testid="wizard-next"]`), wizardAt("approval"))

	// Next without any approver: the step comes back with the message and the choice kept.
	step(t, b, "s20", click(`input[name="stages"][value="2"]`), waitFor(`[data-testid="stage-2"]`))
	step(t, b, "s21", click(`[data-testid="wizard-next"]`), waitFor(`[data-testid="form-errors"]`))
	if got := b.Text(`[data-testid="stage-1"]`); !strings.Contains(got, "Add at least one approver") {
		t.Fatalf("stage 1 without approvers shows %q", got)
	}
	step(t, b, "s22", click(`button[value="addrel:s0.primary:requestorManager:1"]`), waitFor(`[data-testid="approvers-1"] button[value="remove:s0.approvers:0"]`))
	pick(t, b, "pick-s0-backup", "Avery", "add:s0.backup:user:"+f.users["approver@example.com"].ID)
	step(t, b, "s23", waitFor(`[data-testid="backups-1"] button[value="remove:s0.approvers:1"]`))
	pick(t, b, "pick-s1-primary", "Avery", "add:s1.primary:user:"+f.users["approver@example.com"].ID)
	step(t, b, "s24", waitFor(`[data-testid="approvers-2"] button[value="remove:s1.approvers:0"]`))
	b.Screenshot("wizard-approval")
	step(t, b, "s25", click(`[data-testid="wizard-next"]`), wizardAt("lifecycle"))

	step(t, b, "s26", clearAndType(`#days`, "30")...)
	step(t, b, "s27", click(`#can_extend`), waitFor(`#extension_approval`))
	b.Screenshot("wizard-lifecycle")
	step(t, b, "s28", click(`[data-testid="wizard-next"]`), wizardAt("reviews"))
	b.Screenshot("wizard-reviews")
	step(t, b, "s29", click(`[data-testid="wizard-next"]`), wizardAt("summary"))

	// Back and forth keeps what was entered.
	step(t, b, "s30", click(`button[value="step:approval"]`), wizardAt("approval"))
	if got := b.Text(`[data-testid="approvers-2"]`); !strings.Contains(got, "Avery Approver") {
		t.Fatalf("going back to the approval step lost stage 2: %q", got)
	}
	step(t, b, "s31", click(`button[value="step:summary"]`), wizardAt("summary"))
	summary := b.Text(`[data-testid="policy-summary"]`)
	for _, want := range []string{
		"Members of Engineering can request.",
		"First, their manager approves within 7 days (if there is nobody to ask, Avery Approver does).",
		"Then Avery Approver approves within 7 days.",
		"Access lasts 30 days and can be extended without approval.",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	b.Screenshot("wizard-summary")
	// Nothing is saved before the summary is confirmed.
	if pols, err := env.Svc.PoliciesOfPackage(f.ctxAs("admin@example.com"), packageIDFrom(t, b.Location())); err != nil || len(pols) != 0 {
		t.Fatalf("policies before confirming: %v, %v", pols, err)
	}
	step(t, b, "s32", click(`[data-testid="wizard-save"]`), waitFor(`[data-testid="policy-card"]`))
	if got := flashOf(b); !strings.Contains(got, `Policy "Engineers, two approvals" created`) {
		t.Fatalf("after saving the policy the page says %q", got)
	}
	b.Screenshot("package-policies")

	pkgID := packageIDFrom(t, b.Location())
	pols, err := env.Svc.PoliciesOfPackage(f.ctxAs("admin@example.com"), pkgID)
	if err != nil || len(pols) != 1 {
		t.Fatalf("policies of the package: %v, %v", pols, err)
	}
	pol := pols[0]
	st := pol.RequestApprovalSettings.ApprovalStages
	if pol.DurationInDays != 30 || !pol.CanExtend || pol.RequestApprovalSettings.ApprovalMode != entitlement.ApprovalSerial || len(st) != 2 ||
		st[0].PrimaryApprovers[0].Type != entitlement.UserSetRequestorManager || st[1].PrimaryApprovers[0].ID != f.users["approver@example.com"].ID {
		t.Fatalf("saved policy = %+v", pol)
	}
	requesterCanRequest(t, f, pkgID)

	// The requester finds the package in My access and requests it; their manager is asked first.
	b.SignOut()
	b.SignIn(env.URL, "riley", "Riley Requester")
	step(t, b, "my access", chromedp.Navigate(env.URL+"/access/packages"), waitFor(`[data-testid="package-list"]`))
	if got := b.Text(`[data-testid="package-list"]`); !strings.Contains(got, "Engineering workspace") {
		t.Fatalf("My access lists %q", got)
	}
	b.Screenshot("requester-finds-package")
	step(t, b, "request it", chromedp.Navigate(env.URL+"/access/packages/"+pkgID), waitFor(`[data-testid="request-form"]`),
		click(`[data-testid="submit-request"]`), waitFor(`[data-testid="flashes"]`))
	if got := b.Text("main"); !strings.Contains(got, "Morgan Manager") {
		t.Fatalf("after requesting, the request page shows %q", got)
	}
	b.Screenshot("requester-request")
}

// packageIDFrom takes the package id out of a /admin/packages/<id>/… address.
func packageIDFrom(t *testing.T, loc string) string {
	t.Helper()
	_, rest, ok := strings.Cut(loc, "/admin/packages/")
	if !ok {
		t.Fatalf("not on a package page: %s", loc)
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// requesterCanRequest checks that the requester finds the package among what they may request
// (the list My access shows), through the policy the wizard made.
func requesterCanRequest(t *testing.T, f *adminFixture, pkgID string) {
	t.Helper()
	page, err := f.env.Svc.RequestablePackages(f.ctxAs("requester@example.com"), entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, rp := range page.Items {
		if rp.Package.ID == pkgID && len(rp.Policies) == 1 && rp.Policies[0].DisplayName == "Engineers, two approvals" {
			return
		}
	}
	t.Fatalf("the requester cannot request the package; requestable: %+v", page.Items)
}

// confirm opens a confirmation dialog and presses its confirm button.
func confirm(t *testing.T, b *browsertest.Browser, dialogID string) {
	t.Helper()
	step(t, b, "confirm-"+dialogID,
		click(`[data-dialog-open="`+dialogID+`"]`),
		waitFor(`dialog#`+dialogID+`[open]`),
		click(`dialog#`+dialogID+` button[type="submit"]:not([formmethod])`),
	)
}

// TestJourneyCatalogOwnerSeesOnlyTheirCatalog is journey 2: a catalog owner sees and manages only
// their own catalog; the pages of other catalogs and the directory refuse them; a plain user gets
// a 403 on the admin pages.
func TestJourneyCatalogOwnerSeesOnlyTheirCatalog(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	b := browsertest.New(t)
	b.SignIn(env.URL, "owen", "Owen Owner")

	step(t, b, "dashboard", chromedp.Navigate(env.URL+"/admin"), waitFor(`[data-testid="dashboard-counts"]`))
	nav := b.Text(`nav[aria-label="Admin"]`)
	if !strings.Contains(nav, "Catalogs") || strings.Contains(nav, "Users") || strings.Contains(nav, "Audit log") || strings.Contains(nav, "Settings") {
		t.Fatalf("a catalog owner's admin navigation shows %q", nav)
	}
	b.Screenshot("owner-dashboard")

	step(t, b, "catalogs", click(`nav[aria-label="Admin"] a[href="/admin/catalogs"]`), waitFor(`[data-testid="catalog-row"]`))
	list := b.Text(`[data-testid="catalogs"]`)
	if !strings.Contains(list, "Finance") || strings.Contains(list, "Marketing") || !strings.Contains(list, "Your role: Owner") {
		t.Fatalf("the owner's catalog list shows %q", list)
	}
	if n, err := chromedp.Run(b.Ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="new-catalog"]').length`)); err != nil || n != 0 {
		t.Fatalf("an owner who may not create catalogs is offered New catalog (%d, %v)", n, err)
	}
	b.Screenshot("owner-catalogs")

	// The owner manages their catalog: gives Avery the reader role through the people picker.
	step(t, b, "finance", click(`a[href="/admin/catalogs/`+f.finance.ID+`"]`), waitFor(`[data-testid="unpublish"]`))
	step(t, b, "roles", click(`nav[aria-label="Catalog"] a[href$="/roles"]`), waitFor(`[data-testid="add-role-form"]`))
	step(t, b, "choose reader", chromedp.SetValue(chromedp.CSS(`#role`), string(entitlement.RoleCatalogReader)))
	pick(t, b, "role-picker", "Avery", "user:"+f.users["approver@example.com"].ID)
	step(t, b, "reader added", waitFor(`[data-testid="flashes"]`))
	if got := flashOf(b); !strings.Contains(got, "Avery Approver is now a reader of this catalog") {
		t.Fatalf("after adding a reader the page says %q", got)
	}
	if got := b.Text(`[data-testid="catalog-roles"]`); !strings.Contains(got, "Readers") || !strings.Contains(got, "Avery Approver") {
		t.Fatalf("roles tab shows %q", got)
	}
	b.Screenshot("owner-catalog-roles")

	// Another catalog, the directory, the audit log and the settings are refused.
	for _, path := range []string{"/admin/catalogs/" + f.marketing.ID, "/admin/directory/users", "/admin/audit", "/admin/settings", "/admin/connected-organizations/new"} {
		step(t, b, "refused "+path, chromedp.Navigate(env.URL+path), waitFor(`[data-testid="error-page"]`))
		if got := b.Text(`[data-testid="error-page"]`); !strings.Contains(got, "403") {
			t.Fatalf("%s for the owner shows %q", path, got)
		}
	}
	b.Screenshot("owner-403")

	b.SignOut()
	b.SignIn(env.URL, "riley", "Riley Requester")
	if got := b.Text("header"); strings.Contains(got, "Admin") {
		t.Fatalf("a plain user's header offers Admin: %q", got)
	}
	step(t, b, "plain user", chromedp.Navigate(env.URL+"/admin"), waitFor(`[data-testid="error-page"]`))
	if got := b.Text(`[data-testid="error-page"]`); !strings.Contains(got, "Error 403") || !strings.Contains(got, "admin pages are for administrators") {
		t.Fatalf("/admin for a plain user shows %q", got)
	}
	b.Screenshot("plain-user-403")
}

// TestJourneyDirectAssignmentAndRemoval is journey 3: an administrator assigns a package directly
// (AdminAdd) and removes it again (AdminRemove); both show in the package's assignments and
// requests and in the audit log.
func TestJourneyDirectAssignmentAndRemoval(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	actx := f.ctxAs("admin@example.com")
	if _, err := env.Svc.CreatePolicy(actx, entitlement.PolicyInput{
		AccessPackageID: f.financePkg.ID, DisplayName: "Assigned by finance", DurationInDays: 90,
		RequestorSettings: entitlement.RequestorSettings{ScopeType: entitlement.ScopeNoSubjects, AcceptRequests: true},
	}); err != nil {
		t.Fatal(err)
	}
	riley := f.users["requester@example.com"]
	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")
	pkgURL := env.URL + "/admin/packages/" + f.financePkg.ID

	step(t, b, "assignments", chromedp.Navigate(pkgURL+"/assignments"), waitFor(`[data-testid="assign"]`))
	b.Screenshot("assignments-empty")
	step(t, b, "assign form", click(`[data-testid="assign"]`), waitFor(`[data-testid="assign-form"]`))
	pick(t, b, "assign-picker", "Riley", "user:"+riley.ID)
	step(t, b, "chosen", waitFor(`[data-testid="chosen-people"] button[value="`+riley.ID+`"]`))
	step(t, b, "reason", typeInto(`#justification`, "Covers the month-end close"))
	b.Screenshot("assign-form")
	step(t, b, "assign", click(`[data-testid="save"]`), waitFor(`[data-testid="assignment-row"]`))
	if got := flashOf(b); !strings.Contains(got, "Assigned to Riley Requester.") {
		t.Fatalf("after assigning the page says %q", got)
	}
	if got := b.Text(`[data-testid="assignments"]`); !strings.Contains(got, "Riley Requester") || !strings.Contains(got, "Active") || !strings.Contains(got, "Assigned by finance") {
		t.Fatalf("assignments show %q", got)
	}
	b.Screenshot("assignments-active")

	live, err := env.Svc.PackageAssignments(actx, f.financePkg.ID, entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered}}, entitlement.ListOptions{})
	if err != nil || len(live.Items) != 1 {
		t.Fatalf("live assignments: %+v %v", live.Items, err)
	}
	// The rows share one dialog, which works from the keyboard as a dialog of its own did: Enter on
	// Remove opens it on Cancel, Escape closes it and gives focus back to Remove.
	opener := `[data-testid="assignment-row"] button[data-dialog-open="remove-assignment"]`
	step(t, b, "remove by keyboard", chromedp.Focus(chromedp.CSS(opener), chromedp.NodeVisible), chromedp.KeyEvent(kb.Enter), waitFor(`dialog#remove-assignment[open]`))
	if got, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)); err != nil || got != "Cancel" {
		t.Fatalf("the open dialog focuses %q (%v), want Cancel", got, err)
	}
	step(t, b, "escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS(`dialog#remove-assignment`)))
	if back, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+"'"+opener+"'"+`)`)); err != nil || !back {
		t.Fatalf("after Escape the focus is not back on Remove (%v)", err)
	}
	// Remove fills the dialog with its own person and action.
	step(t, b, "remove", click(`[data-testid="assignment-row"] button[data-dialog-open="remove-assignment"][data-confirm-action$="/`+live.Items[0].ID+`/remove"]`),
		waitFor(`dialog#remove-assignment[open]`))
	if got := b.Text(`dialog#remove-assignment h2`); got != "Remove Riley Requester's access to "+f.financePkg.DisplayName+" now?" {
		t.Fatalf("the remove dialog asks %q", got)
	}
	// The shared dialog fits a phone as the page does.
	b.Viewport(360, 740)
	b.CheckLayout("the remove dialog")
	b.Screenshot("remove-dialog-phone")
	b.Viewport(1280, 900)
	step(t, b, "confirm remove", click(`dialog#remove-assignment button[type="submit"]:not([formmethod])`))
	step(t, b, "removed", waitFor(`[data-testid="flashes"]`), waitFor(`[data-testid="empty-state"]`))
	if got := flashOf(b); !strings.Contains(got, "Riley Requester's access was removed.") {
		t.Fatalf("after removing the page says %q", got)
	}
	step(t, b, "ended filter", chromedp.SetValue(chromedp.CSS(`#assignment-state`), string(entitlement.AssignmentExpired)),
		chromedp.Navigate(pkgURL+"/assignments?state="+string(entitlement.AssignmentExpired)), waitFor(`[data-testid="assignment-row"]`))
	if got := b.Text(`[data-testid="assignments"]`); !strings.Contains(got, "Riley Requester") || !strings.Contains(got, "Removed") {
		t.Fatalf("ended assignments show %q", got)
	}
	b.Screenshot("assignments-ended")

	step(t, b, "requests", click(`nav[aria-label="Access package"] a[href$="/requests"]`), waitFor(`[data-testid="request-row"]`))
	step(t, b, "timeline", click(`[data-testid="request-row"] summary`), waitFor(`[data-testid="request-timeline"]`))
	if got := b.Text(`[data-testid="requests"]`); !strings.Contains(got, "Assigned directly") || !strings.Contains(got, "Removed by an admin") || !strings.Contains(got, "Delivered") {
		t.Fatalf("requests show %q", got)
	}
	b.Screenshot("package-requests")

	step(t, b, "audit", chromedp.Navigate(env.URL+"/admin/audit?action=request."), waitFor(`[data-testid="audit-row"]`))
	audit := b.Text(`[data-testid="audit-events"]`)
	if !strings.Contains(audit, "Assigned Finance reports to Riley Requester") || !strings.Contains(audit, "Asked to remove Riley Requester's access to Finance reports") {
		t.Fatalf("the audit log shows %q", audit)
	}
	step(t, b, "audit all", chromedp.Navigate(env.URL+"/admin/audit"), waitFor(`[data-testid="audit-row"]`))
	b.Screenshot("audit-log")
}

// TestJourneyConnectedOrganizationAndPartnerRequest is journey 4: an administrator adds a
// connected organization by its domain with an internal sponsor, opens a package to it through
// the wizard, and the partner demo user, signing in for the first time, can request it.
func TestJourneyConnectedOrganizationAndPartnerRequest(t *testing.T) {
	f := startAdmin(t)
	env := f.env
	b := browsertest.New(t)
	b.SignIn(env.URL, "ada", "Ada Admin")

	step(t, b, "orgs", chromedp.Navigate(env.URL+"/admin/connected-organizations"), waitFor(`[data-testid="new-org"]`))
	b.Screenshot("orgs-empty")
	step(t, b, "new org", click(`[data-testid="new-org"]`), waitFor(`[data-testid="org-form"]`))
	step(t, b, "fill org", typeInto(`#displayName`, "Partner Co"), typeInto(`#description`, "Our implementation partner"), typeInto(`#domains`, "partner.example"))
	b.Screenshot("org-new")
	step(t, b, "save org", click(`[data-testid="save"]`), waitFor(`[data-testid="identity-sources"]`))
	if got := b.Text(`[data-testid="identity-sources"]`); !strings.Contains(got, "E-mail domain partner.example") {
		t.Fatalf("identity sources show %q", got)
	}
	pick(t, b, "internal-picker", "Owen", "user:"+f.users["owner@example.com"].ID)
	step(t, b, "sponsor added", waitFor(`[data-testid="internal-sponsors"] [data-testid="sponsor"]`))
	if got := b.Text(`[data-testid="internal-sponsors"]`); !strings.Contains(got, "Owen Owner") {
		t.Fatalf("internal sponsors show %q", got)
	}
	b.Screenshot("org-page")
	orgs, err := env.Svc.ListConnectedOrganizations(f.ctxAs("admin@example.com"), entitlement.ListOptions{})
	if err != nil || len(orgs.Items) != 1 {
		t.Fatalf("organizations: %+v %v", orgs.Items, err)
	}
	org := orgs.Items[0]

	// The Finance catalog opens to external users, and its package gets a policy for Partner Co.
	step(t, b, "edit catalog", chromedp.Navigate(env.URL+"/admin/catalogs/"+f.finance.ID+"/edit"), waitFor(`[data-testid="catalog-form"]`))
	step(t, b, "external", click(`#externallyVisible`), click(`[data-testid="save"]`), waitFor(`[data-testid="unpublish"]`))
	step(t, b, "wizard", chromedp.Navigate(env.URL+"/admin/packages/"+f.financePkg.ID+"/policies/new"), wizardAt("basics"))
	step(t, b, "name", typeInto(`#name`, "Partner Co consultants"), click(`[data-testid="wizard-next"]`), wizardAt("requestors"))
	step(t, b, "org scope", click(`input[name="scope"][value="`+entitlement.ScopeSpecificConnectedOrgSubjects+`"]`), waitFor(`#pick-requestors`))
	pick(t, b, "pick-requestors", "Partner", "add:requestors:org:"+org.ID)
	step(t, b, "org chosen", waitFor(`[data-testid="requestors"] button[value="remove:requestors:0"]`))
	b.Screenshot("wizard-partner-requestors")
	step(t, b, "to approval", click(`[data-testid="wizard-next"]`), wizardAt("approval"))
	step(t, b, "to lifecycle", click(`[data-testid="wizard-next"]`), wizardAt("lifecycle"))
	step(t, b, "to reviews", click(`[data-testid="wizard-next"]`), wizardAt("reviews"))
	step(t, b, "to summary", click(`[data-testid="wizard-next"]`), wizardAt("summary"))
	if got := b.Text(`[data-testid="policy-summary"]`); !strings.Contains(got, "Users of Partner Co can request.") || !strings.Contains(got, "No approval is needed") {
		t.Fatalf("summary shows %q", got)
	}
	step(t, b, "save policy", click(`[data-testid="wizard-save"]`), waitFor(`[data-testid="policy-card"]`))
	b.SignOut()

	// Pat signs in for the first time: a guest of Partner Co, who may request the package.
	b.SignIn(env.URL, "pat", "Pat Partner")
	pat, err := env.Svc.PrincipalFor(context.Background(), userIDByEmail(t, f, "partner@partner.example"))
	if err != nil {
		t.Fatal(err)
	}
	pctx := entitlement.WithPrincipal(context.Background(), pat)
	u, err := env.Svc.UserByID(pctx, pat.UserID)
	if err != nil || !u.IsGuest() || u.ConnectedOrganizationID != org.ID {
		t.Fatalf("the partner after sign-in: %+v %v", u, err)
	}
	page, err := env.Svc.RequestablePackages(pctx, entitlement.RequestableFilter{}, entitlement.ListOptions{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Package.ID != f.financePkg.ID {
		t.Fatalf("the partner may request %+v (%v)", page.Items, err)
	}
	step(t, b, "partner my access", chromedp.Navigate(env.URL+"/access/packages"), waitFor(`[data-testid="package-list"]`))
	if got := b.Text(`[data-testid="package-list"]`); !strings.Contains(got, "Finance reports") {
		t.Fatalf("the partner's My access lists %q", got)
	}
	step(t, b, "partner requests", chromedp.Navigate(env.URL+"/access/packages/"+f.financePkg.ID), waitFor(`[data-testid="request-form"]`),
		click(`[data-testid="submit-request"]`), waitFor(`[data-testid="flashes"]`))
	b.Screenshot("partner-request")
	mine, err := env.Svc.MyRequests(pctx, entitlement.RequestFilter{}, entitlement.ListOptions{})
	if err != nil || len(mine.Items) != 1 || mine.Items[0].RequestState != entitlement.StateDelivered {
		t.Fatalf("the partner's requests: %+v %v", mine.Items, err)
	}

	// The administrator sees the guest's access on the package.
	b.SignOut()
	b.SignIn(env.URL, "ada", "Ada Admin")
	step(t, b, "partner assignment", chromedp.Navigate(env.URL+"/admin/packages/"+f.financePkg.ID+"/assignments"), waitFor(`[data-testid="assignment-row"]`))
	if got := b.Text(`[data-testid="assignments"]`); !strings.Contains(got, "Pat Partner") || !strings.Contains(got, "Partner Co consultants") {
		t.Fatalf("assignments show %q", got)
	}
}

// userIDByEmail finds a user the journey did not seed (such as a guest created at sign-in).
func userIDByEmail(t *testing.T, f *adminFixture, email string) string {
	t.Helper()
	page, err := f.env.Svc.ListUsers(f.ctxAs("admin@example.com"), entitlement.ListOptions{Search: email})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range page.Items {
		if u.Email == email {
			return u.ID
		}
	}
	t.Fatalf("no user %s", email)
	return ""
}

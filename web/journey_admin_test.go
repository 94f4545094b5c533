package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	b.SignIn(env.URL, "demo-ada", "Ada Admin")

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
	step(t, b, "s6", click(`[data-testid="add-resource"]`), waitFor(`[data-testid="resource-form"]`))
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
	pick(t, b, "pick-s0-backup", "Dana", "add:s0.backup:user:"+f.users["approver@example.com"].ID)
	step(t, b, "s23", waitFor(`[data-testid="backups-1"] button[value="remove:s0.approvers:1"]`))
	pick(t, b, "pick-s1-primary", "Dana", "add:s1.primary:user:"+f.users["approver@example.com"].ID)
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
	if got := b.Text(`[data-testid="approvers-2"]`); !strings.Contains(got, "Dana Lee") {
		t.Fatalf("going back to the approval step lost stage 2: %q", got)
	}
	step(t, b, "s31", click(`button[value="step:summary"]`), wizardAt("summary"))
	summary := b.Text(`[data-testid="policy-summary"]`)
	for _, want := range []string{
		"Members of Engineering can request.",
		"First, their manager approves within 7 days (if there is nobody to ask, Dana Lee does).",
		"Then Dana Lee approves within 7 days.",
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

package views_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/chromedp/chromedp"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/static"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/web/browsertest"
)

// galleryNow is the fixed "now" of the sample data.
var galleryNow = time.Date(2026, 3, 12, 14, 5, 0, 0, time.UTC)

// galleryCtx renders the gallery with the default zone, UTC.
var galleryCtx = context.Background()

func galleryPage(title, section string) views.Page {
	return views.Page{
		Title: title, Section: section, CSRFToken: "token",
		User:             &views.PageUser{Name: "Riley Requester", Email: "requester@example.com"},
		PendingApprovals: 3,
	}
}

func samplePackages() []views.PackageCard {
	return []views.PackageCard{
		{ID: "p1", Name: "Finance reports (read)", Description: "Read access to the monthly finance reports and the budget dashboards in the reporting application.", Catalog: "Finance",
			Roles: []views.GrantedRole{{Resource: "Finance reports", Kind: "Group", Role: "Member"}, {Resource: "Budget dashboards", Kind: "Application", Role: "Reader"}}, Approval: "Needs approval"},
		{ID: "p2", Name: "GitHub organization", Description: "Membership of the company's GitHub organization, with access to internal repositories.", Catalog: "Engineering", Approval: "No approval needed"},
		{ID: "p3", Name: "Production on-call", Description: "Break-glass access to production for the on-call rotation. Two approvals: your manager, then the platform lead.", Catalog: "Engineering",
			Roles: []views.GrantedRole{{Resource: "prod-oncall", Kind: "Group", Role: "Member"}}, Approval: "Needs approval"},
		// What an administrator may type: a name with no space to wrap at, a pasted link.
		{ID: "p4", Name: browsertest.LongWord, Description: "Runbook: " + browsertest.LongURL, Catalog: browsertest.LongWord,
			Roles: []views.GrantedRole{{Resource: browsertest.LongWord, Kind: "Group", Role: "Member"}}, Approval: "Needs approval"},
	}
}

func sampleForm() views.RequestFormProps {
	pk := samplePackages()[0]
	return views.RequestFormProps{
		Package: pk,
		Policies: []views.PolicyChoice{
			{ID: "pol1", Name: "Employees", Summary: "For employees · approved by your manager · access for 90 days", Facts: []string{"Justification required", "Can be extended"},
				JustificationRequired: true, ApprovalRequired: true, Lifetime: "90 days", MaxEnd: "2026-06-10T14:05"},
			{ID: "pol2", Name: "Auditors", Summary: "For the audit team · approved by Dana Lee, then the Finance owners · access until 31 Dec 2026", Facts: []string{"Justification required"},
				JustificationRequired: true, ApprovalRequired: true, Lifetime: "until 31 Dec 2026"},
		},
		PolicyID: "pol1",
		Stages: []views.StagePreview{
			{Title: "Stage 1", Approvers: []string{"Manny Manager (your manager)"}, Detail: "Has 7 days to decide; after 2 days the Finance owners are asked too."},
		},
		Now: "2026-03-12T14:05",
	}
}

func sampleApprovals() []views.ApprovalItem {
	return []views.ApprovalItem{
		{ID: "r1", Requester: views.Person{ID: "u1", Name: "Riley Requester", Email: "requester@example.com"}, Package: "Finance reports (read)", Catalog: "Finance", Policy: "Employees",
			Justification: "I prepare the Q1 board pack and need the monthly reports.", Stage: "Stage 1 of 1", Waiting: "3 days", TimesOut: views.At(galleryCtx, galleryNow, galleryNow.Add(4*24*time.Hour)),
			Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-3*24*time.Hour)), Schedule: "From approval until 10 Jun 2026", OtherApprovers: []string{"Dana Lee"}},
		{ID: "r2", Requester: views.Person{ID: "u2", Name: "Sam Summer", Email: "sam@example.com"}, Package: "Production on-call", Catalog: "Engineering", Policy: "On-call engineers",
			Stage: "Stage 2 of 2", Waiting: "5 hours", TimesOut: views.At(galleryCtx, galleryNow, galleryNow.Add(40*time.Hour)), Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-5*time.Hour)), ReasonRequired: true,
			Error: "Enter a reason: this stage requires one.", Escalated: true, BulkError: "Give a reason for your decision: this stage requires one.", Selected: true,
			Earlier: []views.StageOutcome{{Stage: "Stage 1 of 2", Decision: views.State{Label: "Approved", Tone: components.ToneSuccess}, By: "Manny Manager",
				At: views.At(galleryCtx, galleryNow, galleryNow.Add(-2*time.Hour)), Reason: "Sam joins the rota on Monday; see " + browsertest.LongURL}}},
		{ID: "r6", Requester: views.Person{ID: "u6", Name: "Gina Guest", Email: "gina@contoso.example", Guest: true, Organization: browsertest.LongName}, Package: "Travel booking", Catalog: "Corporate", Policy: "Partners",
			Kind: "Extension", Stage: "Stage 1 of 1", Waiting: "1 hour", Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-time.Hour)), Schedule: "from 11 Apr 2026 to 11 May 2026"},
		{ID: "r3", Requester: views.Person{ID: "u3", Name: "Ola Ostrowska", Email: "ola@example.com"}, Package: "GitHub organization", Catalog: "Engineering", Policy: "Contractors",
			Justification: "Contract work on the mobile app.", Stage: "Stage 1 of 1", Decided: true, Decision: views.State{Label: "Approved", Tone: components.ToneSuccess},
			DecidedBy: "Dana Lee", DecidedBySomeoneElse: true, DecidedAt: views.At(galleryCtx, galleryNow, galleryNow.Add(-10*time.Minute)), DecisionReason: "Fine for the duration of the contract."},
		// A pasted link as the justification, and names with no space to wrap at.
		{ID: "r4", Requester: views.Person{ID: "u4", Name: browsertest.LongWord, Email: "a." + browsertest.LongWord + "@example.com"}, Package: browsertest.LongWord, Catalog: browsertest.LongWord, Policy: browsertest.LongWord,
			Justification: "See " + browsertest.LongURL, Stage: "Stage 1 of 1", Waiting: "1 hour", TimesOut: views.At(galleryCtx, galleryNow, galleryNow.Add(6*24*time.Hour)),
			Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-time.Hour)), Schedule: "From approval until 10 Jun 2026", OtherApprovers: []string{browsertest.LongWord}},
		{ID: "r5", Requester: views.Person{ID: "u5", Name: "Lee Long", Email: "lee@example.com"}, Package: "GitHub organization", Catalog: "Engineering", Policy: "Contractors",
			Justification: browsertest.LongWord, Stage: "Stage 1 of 1", Decided: true, Decision: views.State{Label: "Denied", Tone: components.ToneDanger},
			DecidedBy: browsertest.LongWord, DecidedBySomeoneElse: true, DecidedAt: views.At(galleryCtx, galleryNow, galleryNow.Add(-20*time.Minute)), DecisionReason: browsertest.LongURL},
	}
}

func galleryPages() map[string]templ.Component {
	pks := samplePackages()
	live := []views.AssignmentRow{
		{ID: "a1", PackageID: "p2", Package: "GitHub organization", Catalog: "Engineering", State: views.State{Label: "Active", Tone: components.ToneSuccess},
			Started: views.At(galleryCtx, galleryNow, galleryNow.Add(-80*24*time.Hour)), Ends: views.At(galleryCtx, galleryNow, galleryNow.Add(5*24*time.Hour)), EndsWords: "Ends in 5 days", EndsSoon: true,
			CanExtend: true, ExtendApproval: true, CanGiveBack: true, Roles: []views.GrantedRole{{Resource: "stewardhq", Kind: "Application", Role: "Member"}}},
		{ID: "a2", PackageID: "p1", Package: "Finance reports (read)", Catalog: "Finance", State: views.State{Label: "Active", Tone: components.ToneSuccess},
			Started: views.At(galleryCtx, galleryNow, galleryNow.Add(-2*24*time.Hour)), EndsWords: "No end date", CanGiveBack: true, ExtendNote: "This policy does not allow extensions.",
			Roles: pks[0].Roles},
		{ID: "a3", PackageID: "p4", Package: pks[3].Name, Catalog: pks[3].Catalog, State: views.State{Label: "Active", Tone: components.ToneSuccess},
			Started: views.At(galleryCtx, galleryNow, galleryNow.Add(-24*time.Hour)), EndsWords: "No end date", CanGiveBack: true, Roles: pks[3].Roles},
	}
	open := []views.RequestRow{
		{ID: "r1", Package: "Production on-call", Kind: "Access request", State: views.State{Label: "Pending approval", Tone: components.ToneWaiting}, Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-5*time.Hour)), Status: "Waiting for Manny Manager (stage 1 of 2)"},
		{ID: "r2", Package: "Travel booking", Kind: "Access request", State: views.State{Label: "Scheduled", Tone: components.ToneScheduled}, Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-26*time.Hour)), Status: "Starts on 1 Apr 2026"},
		{ID: "r5", Package: pks[3].Name, Kind: "Access request", State: views.State{Label: "Pending approval", Tone: components.ToneWaiting}, Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-2*time.Hour)), Status: "Waiting for " + browsertest.LongWord},
	}
	all := append(append([]views.RequestRow{}, open...),
		views.RequestRow{ID: "r3", Package: "GitHub organization", Kind: "Access request", State: views.State{Label: "Delivered", Tone: components.ToneSuccess}, Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-80*24*time.Hour)), Status: "Delivered"},
		views.RequestRow{ID: "r4", Package: "Payroll admin", Kind: "Access request", State: views.State{Label: "Denied", Tone: components.ToneDanger}, Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-9*24*time.Hour)), Status: "Denied by Manny Manager"},
	)
	pg := components.PaginationProps{Label: "1–4 of 4"}
	tabs := func(cur int, labels ...string) []components.NavLink {
		var out []components.NavLink
		for i, l := range labels {
			out = append(out, components.NavLink{Label: l, URL: "#", Current: i == cur})
		}
		return out
	}
	form := sampleForm()
	formErr := sampleForm()
	formErr.Justification = ""
	formErr.End = "2026-12-31T00:00"
	formErr.Errors = map[string]string{"justification": "Enter why you need this access; this policy requires it.", "schedule.expiration.endDateTime": "This policy gives access until 2026-06-10 14:05 UTC at the latest; choose that date or an earlier one."}
	noApproval := sampleForm()
	noApproval.Package = pks[1]
	noApproval.Policies = []views.PolicyChoice{{ID: "x", Name: "Everyone", Summary: "For all members · no approval · access until you give it back", Lifetime: "until you give it back"}}
	noApproval.PolicyID = "x"
	noApproval.Stages = nil
	noApproval.RolesHidden = true
	longForm := sampleForm()
	longForm.Package = pks[3]
	longForm.Justification = browsertest.LongURL
	longForm.Policies[0].Name = browsertest.LongWord
	longForm.Policies[0].Summary = "For " + browsertest.LongWord + " · approved by " + browsertest.LongWord
	longForm.Stages = []views.StagePreview{{Title: "Stage 1", Approvers: []string{browsertest.LongWord}, Detail: "Has 7 days to decide; after 2 days " + browsertest.LongWord + " is asked too."}}

	detail := views.RequestDetailProps{
		ID: "r9", Package: pks[2], Policy: "On-call engineers", Kind: "Access request", State: views.State{Label: "Denied", Tone: components.ToneDanger},
		Status: "Denied at stage 2 by Dana Lee.", Requester: views.Person{ID: "u1", Name: "Riley Requester"}, Justification: "Joining the on-call rotation from April.",
		Submitted: views.At(galleryCtx, galleryNow, galleryNow.Add(-50*time.Hour)), Start: "When approved", End: "90 days after the start",
		Timeline: components.TimelineProps{Label: "Request history", Items: []components.TimelineItem{
			{Title: "Submitted", Who: "Riley Requester", When: "2 days ago", WhenExact: "10 Mar 2026, 12:05 UTC", Detail: "“Joining the on-call rotation from April.”", Tone: components.ToneNeutral},
			{Title: "Stage 1 approved", Who: "Manny Manager", When: "yesterday", WhenExact: "11 Mar 2026, 09:12 UTC", Detail: "“Yes, Riley joins the rotation.”", Tone: components.ToneSuccess},
			{Title: "Stage 2 denied", Who: "Dana Lee", When: "3 hours ago", WhenExact: "12 Mar 2026, 11:01 UTC", Detail: "“Please do the on-call training first.”", Tone: components.ToneDanger},
		}},
	}
	pending := detail
	pending.State = views.State{Label: "Pending approval", Tone: components.ToneWaiting}
	pending.Status = "Waiting for Manny Manager."
	pending.CanCancel = true
	pending.Timeline = components.TimelineProps{Label: "Request history", Items: []components.TimelineItem{
		{Title: "Submitted", Who: "Riley Requester", When: "2 days ago", WhenExact: "10 Mar 2026, 12:05 UTC", Detail: "“Joining the on-call rotation from April.”"},
		{Title: "Stage 1 of 2: waiting for approval", Who: "Manny Manager", Detail: "Times out in 5 days.", Tone: components.ToneWaiting, Current: true},
		{Title: "Stage 2 of 2", Who: "Dana Lee", Upcoming: true},
		{Title: "Delivered", Upcoming: true},
	}, Next: "Manny Manager decides; if approved, Dana Lee is asked next."}

	// Everything on the request page that a person typed, at its longest.
	long := detail
	long.Package = pks[3]
	long.Policy = browsertest.LongWord
	long.Requester = views.Person{ID: "u4", Name: browsertest.LongWord}
	long.Justification = "See " + browsertest.LongURL
	long.Status = "Denied at stage 1 by " + browsertest.LongWord + "."
	long.CanCancel = true
	long.Timeline = components.TimelineProps{Label: "Request history", Items: []components.TimelineItem{
		{Title: "Submitted", Who: browsertest.LongWord, When: "2 days ago", WhenExact: "10 Mar 2026, 12:05 UTC", Detail: "“See " + browsertest.LongURL + "”"},
		{Title: "Stage 1 denied", Who: browsertest.LongWord, When: "3 hours ago", WhenExact: "12 Mar 2026, 11:01 UTC", Detail: "“" + browsertest.LongWord + "”", Tone: components.ToneDanger},
	}, Next: browsertest.LongWord + " decides."}
	longPage := galleryPage("Request", views.SectionAccess)
	longPage.User = &views.PageUser{Name: browsertest.LongWord, Email: browsertest.LongWord + "@example.com"}
	longPage.Flashes = []views.Flash{{Kind: "success", Message: "Your request for " + browsertest.LongWord + " was sent: " + browsertest.LongURL}}

	history := sampleApprovals()
	for i := range history {
		history[i].Decided = true
		history[i].Decision = views.State{Label: "Approved", Tone: components.ToneSuccess}
		history[i].DecidedAt = views.At(galleryCtx, galleryNow, galleryNow.Add(-time.Duration(i+1)*7*time.Hour))
		history[i].RequestState = views.State{Label: "Delivered", Tone: components.ToneSuccess}
	}
	history[1].Decision = views.State{Label: "Denied", Tone: components.ToneDanger}
	history[1].DecisionReason = "Please do the on-call training first."
	history[1].RequestState = views.State{Label: "Denied", Tone: components.ToneDanger}

	return map[string]templ.Component{
		"home": views.HomePage(galleryPage("My access", views.SectionAccess), views.HomeProps{
			Requestable: pks, RequestableTotal: 7, Live: live, LiveTotal: 2, Open: open, OpenTotal: 2, PendingApprovals: 3}),
		"home-empty": views.HomePage(galleryPage("My access", views.SectionAccess), views.HomeProps{}),
		"packages": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{
			Items: pks, Total: 3, Pagination: components.PaginationProps{Label: "1–3 of 3"},
			Catalogs: []components.SelectOption{{Value: "c1", Label: "Engineering"}, {Value: "c2", Label: "Finance"}}}),
		"packages-nomatch": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{Query: "zebra",
			Catalogs: []components.SelectOption{{Value: "c1", Label: "Engineering"}, {Value: "c2", Label: "Finance"}}}),
		"packages-none": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{NothingOffered: true}),
		"packages-catalog-field": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{
			Items: pks, Total: 3, Pagination: components.PaginationProps{Label: "1–3 of 3"}, CatalogField: true, CatalogName: "Finance", CatalogID: "c2"}),
		"packages-catalog-unknown": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{
			Query: "reports", CatalogField: true, CatalogName: "Fnance", CatalogUnknown: true}),
		"packages-catalog-same-name": views.PackagesPage(galleryPage("Find access", views.SectionAccess), views.PackagesProps{
			CatalogField: true, CatalogName: "shared tools", SameName: []views.CatalogLink{
				{URL: "/access/packages?catalog=c3", Name: "Shared tools", Description: "Tools of the support desk."},
				{URL: "/access/packages?catalog=c4", Name: "Shared tools", Description: "Tools of the design studio."}}}),
		"package":            views.PackagePage(galleryPage("Finance reports (read)", views.SectionAccess), form),
		"package-errors":     views.PackagePage(galleryPage("Finance reports (read)", views.SectionAccess), formErr),
		"package-noapproval": views.PackagePage(galleryPage("GitHub organization", views.SectionAccess), noApproval),
		"package-long":       views.PackagePage(galleryPage("Long", views.SectionAccess), longForm),
		"requests": views.RequestsPage(galleryPage("My requests", views.SectionAccess), views.RequestsProps{
			Filter: "all", Tabs: tabs(2, "Open", "Finished", "All"), Items: all, Total: 4, Pagination: pg}),
		"request-denied":  views.RequestPage(galleryPage("Request", views.SectionAccess), detail),
		"request-pending": views.RequestPage(galleryPage("Request", views.SectionAccess), pending),
		"request-long":    views.RequestPage(longPage, long),
		"assignments": views.AssignmentsPage(galleryPage("Your access", views.SectionAccess), views.AssignmentsProps{
			Filter: "live", Tabs: tabs(0, "Active", "Past"), Items: live, Total: 2, Pagination: components.PaginationProps{Label: "1–2 of 2"}}),
		"extend": views.ExtendPage(galleryPage("Extend", views.SectionAccess), views.ExtendProps{Assignment: live[0], Lifetime: "90 more days from today",
			Approval: "Manny Manager (your manager) approves extensions.", MaxEnd: "2026-06-10T14:05",
			NewEnd: views.At(galleryCtx, galleryNow, galleryNow.Add(95*24*time.Hour)), ExtensionDays: 90}),
		"approvals": views.ApprovalsPage(galleryPage("Approvals", views.SectionApprovals), views.ApprovalsProps{
			Tabs: views.ApprovalTabs("waiting", 5), Items: sampleApprovals(), Total: 5,
			Bulk: views.BulkOutcome{Failed: 2, Approve: true, Gone: []string{"The request of Olly Other for Finance reports: already decided by " + browsertest.LongName}}}),

		"profile": views.ProfilePage(views.ProfileProps{Page: galleryPage("Your profile", views.SectionAccess), Name: "Riley Requester", Email: "requester@example.com",
			Reminders: true, TimeZone: "Europe/Paris"}),
		"profile-zone-error": views.ProfilePage(views.ProfileProps{Page: galleryPage("Your profile", views.SectionAccess), Name: browsertest.LongWord, Email: "requester@example.com",
			TimeZone: browsertest.LongWord, ZoneError: "Choose a time zone from the list."}),
		"audit": views.AuditPage(views.AuditProps{Page: galleryPage("Audit log", views.SectionAdmin), Now: galleryNow, Events: sampleAudit(),
			Evidence: views.EvidenceForm{From: "2026-02-10", To: "2026-03-12", Format: "csv"}, Packages: []components.SelectOption{{Value: "", Label: "All access packages"}}}),
		"approvals-empty": views.ApprovalsPage(galleryPage("Approvals", views.SectionApprovals), views.ApprovalsProps{Tabs: tabs(0, "Waiting for you", "Your decisions")}),
		"approval-history": views.ApprovalHistoryPage(galleryPage("Approvals", views.SectionApprovals), views.ApprovalHistoryProps{
			Tabs: tabs(1, "Waiting for you", "Your decisions"), Items: history, Total: 3, Pagination: components.PaginationProps{Label: "1–3 of 3"}}),
	}
}

// TestGallery renders every portal page with sample data, some of it text with no space to wrap
// at, in Chromium at desktop and phone widths, and fails on any layout problem
// (browsertest.LayoutProblems: a page wider than the window, text running out of its box, a
// sideways scroll with no hint, a navigation link out of sight). With STEWARD_SCREENSHOTS=<dir> it keeps the
// screenshots there for a person to look at; the journey tests in package web prove the pages work.
func TestGallery(t *testing.T) {
	pages := galleryPages()
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", http.FileServerFS(static.FS)))
	for name, comp := range pages {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			var b bytes.Buffer
			if err := comp.Render(context.Background(), &b); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(b.Bytes())
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := browsertest.New(t)
	only := os.Getenv("GALLERY")
	for name := range pages {
		if only != "" && only != name {
			continue
		}
		b.Do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/"+name), chromedp.WaitVisible(chromedp.CSS("main")))
		b.Screenshot(name)
		b.CheckLayout(name)
		b.Do(chromedp.EmulateViewport(360, 740), chromedp.Navigate(srv.URL+"/"+name), chromedp.WaitVisible(chromedp.CSS("main")))
		b.Screenshot(name + "-phone")
		b.CheckLayout(name)
	}
	// The confirmation dialog names the package: open it where the name is longest.
	if only == "" || only == "request-long" {
		for _, size := range [][2]int64{{1280, 900}, {360, 740}} {
			b.Do(chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(srv.URL+"/request-long"), chromedp.WaitVisible(chromedp.CSS("main")),
				chromedp.Click(chromedp.CSS("[data-dialog-open]"), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS("dialog[open]")))
			b.Screenshot(fmt.Sprintf("request-long-dialog-%d", size[0]))
			b.CheckLayout("request-long with its dialog open")
		}
	}
}

// sampleAudit is a page of audit events as the domain records them, for DescribeAudit to tell.
func sampleAudit() []entitlement.AuditEvent {
	at := func(h int) time.Time { return galleryNow.Add(-time.Duration(h) * time.Hour) }
	return []entitlement.AuditEvent{
		{ID: "e1", At: at(1), ActorID: "u1", ActorName: "Ada Admin", Action: "user.signin", ObjectType: "user", ObjectID: "u1", ObjectName: "Ada Admin", Summary: "signed in"},
		{ID: "e2", At: at(2), ActorID: "u2", ActorName: "Manny Manager", Action: "request.approve", ObjectType: "request", ObjectID: "r1", ObjectName: "Finance reports",
			Summary: "stage 1 of 2; reason: covers the quarter close, see " + browsertest.LongURL},
		{ID: "e3", At: at(3), ActorID: "u3", ActorName: "Riley Requester", Action: "request.submit", ObjectType: "request", ObjectID: "r2", ObjectName: "GitHub organization", Summary: "asked to remove their access"},
		{ID: "e4", At: at(30), ActorID: "u1", ActorName: "Ada Admin", Action: "policy.create", ObjectType: "policy", ObjectID: "p1", ObjectName: "Partners",
			Summary: "added to Finance reports: partner organizations, 2 named, can request; 1 approval stage; access lasts 90 days; can be extended; no reviews"},
		{ID: "e5", At: at(50), ActorName: "Steward", Action: "assignment.expire", ObjectType: "assignment", ObjectID: "a1", ObjectName: browsertest.LongWord, Summary: "Riley Requester's access expired"},
	}
}

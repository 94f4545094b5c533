package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Access serves finding access packages and requesting them.
type Access struct {
	*Base
}

// List renders /access/packages: the packages the person may request, searchable, by catalog,
// page by page. An htmx request (search as you type, paging) gets only the results region.
func (h Access) List(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	catalogID := c.QueryParam("catalog")
	opt, from := listOptions(c)
	page, err := h.Svc.RequestablePackages(ctx, entitlement.RequestableFilter{Search: q, CatalogID: catalogID}, opt)
	if err != nil {
		return err
	}
	d := views.PackagesProps{Query: q, CatalogID: catalogID, Total: page.Total}
	for _, rp := range page.Items {
		d.Items = append(d.Items, packageCard(rp))
	}
	d.Pagination = pagination(c, "/access/packages", page, from, "#package-results")
	// The catalogs that offer the person anything, for the filter; and whether anything at all is
	// offered, for the empty state. The eligible set is small (the policies naming the person or
	// covering everyone), so one unfiltered page of the largest size covers it.
	all, err := h.Svc.RequestablePackages(ctx, entitlement.RequestableFilter{}, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
	if err != nil {
		return err
	}
	d.NothingOffered = all.Total == 0
	seen := map[string]bool{}
	for _, rp := range all.Items {
		if !seen[rp.Catalog.ID] {
			seen[rp.Catalog.ID] = true
			d.Catalogs = append(d.Catalogs, components.SelectOption{Value: rp.Catalog.ID, Label: rp.Catalog.DisplayName})
		}
	}
	sort.Slice(d.Catalogs, func(i, j int) bool { return d.Catalogs[i].Label < d.Catalogs[j].Label })
	if IsHTMX(c) {
		return Render(c, http.StatusOK, views.PackageResults(d))
	}
	p, err := h.Page(c, "Find access", views.SectionAccess)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.PackagesPage(p, d))
}

// packageCard is a requestable package as lists show it.
func packageCard(rp entitlement.RequestablePackage) views.PackageCard {
	c := views.PackageCard{
		ID: rp.Package.ID, Name: rp.Package.DisplayName, Description: rp.Package.Description,
		Catalog: rp.Catalog.DisplayName, Roles: grantedRoles(rp.Roles),
	}
	approval, none := 0, 0
	for _, pol := range rp.Policies {
		if pol.IsApprovalRequired() {
			approval++
		} else {
			none++
		}
	}
	switch {
	case approval > 0 && none == 0:
		c.Approval = "Needs approval"
	case none > 0 && approval == 0:
		c.Approval = "No approval needed"
	}
	return c
}

// requestForm is what the request form sent, or what a GET carries back (no-JS policy change).
type requestForm struct {
	PolicyID      string `form:"policyId" query:"policyId"`
	Justification string `form:"justification" query:"justification"`
	Start         string `form:"start" query:"start"`
	End           string `form:"end" query:"end"`
}

// Show renders /access/packages/{id}: the package, what it grants, and the request form. The
// query may carry the form's values, when the person changed the policy without JavaScript or
// htmx refreshed the policy details.
func (h Access) Show(c echo.Context) error {
	f := requestForm{
		PolicyID: c.QueryParam("policyId"), Justification: c.QueryParam("justification"),
		Start: c.QueryParam("start"), End: c.QueryParam("end"),
	}
	return h.renderPackage(c, http.StatusOK, f, nil)
}

// Request handles POST /access/packages/{id}/request: submit the request, then 303 to its page;
// a form that does not pass comes back with the input and a message by each field (422), a
// refusal by a rule (a request already open, access already held) with its message.
func (h Access) Request(c echo.Context) error {
	var f requestForm
	f.PolicyID = c.FormValue("policyId")
	f.Justification = c.FormValue("justification")
	f.Start = c.FormValue("start")
	f.End = c.FormValue("end")
	errs := map[string]string{}
	start, err := parseFormTime(f.Start, h.now())
	if err != nil {
		errs["schedule.startDateTime"] = sentence(err.Error())
	}
	end, err := parseFormTime(f.End, h.now())
	if err != nil {
		errs["schedule.expiration.endDateTime"] = sentence(err.Error())
	}
	if f.PolicyID == "" {
		errs["policyId"] = "Choose how you want to request this access."
	}
	if len(errs) > 0 {
		return h.renderPackage(c, http.StatusUnprocessableEntity, f, errs)
	}
	in := entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: c.Param("id"), PolicyID: f.PolicyID,
		Justification: f.Justification, Schedule: entitlement.Schedule{StartDateTime: start},
	}
	if end != nil {
		in.Schedule.Expiration = entitlement.Expiration{Type: entitlement.ExpirationAfterDateTime, EndDateTime: end}
	}
	r, err := h.Svc.SubmitRequest(c.Request().Context(), in)
	if fields, ok := FieldErrors(err); ok {
		errs = fieldMessages(fields)
		if m, ok := errs["assignmentPolicyId"]; ok {
			errs["policyId"] = m
			delete(errs, "assignmentPolicyId")
		}
		return h.renderPackage(c, http.StatusUnprocessableEntity, f, errs)
	}
	if msg, ok := refusalMessage(err); ok {
		status := http.StatusConflict
		if errors.Is(err, entitlement.ErrForbidden) {
			status = http.StatusForbidden
		}
		return h.renderPackage(c, status, f, map[string]string{"": msg})
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/access/requests/"+r.ID, submittedMessage(c, h.Base, r))
}

// submittedMessage says what happens next after a request was submitted.
func submittedMessage(c echo.Context, b *Base, r entitlement.Request) string {
	described, err := b.Svc.DescribeRequests(c.Request().Context(), []entitlement.Request{r})
	if err != nil || len(described) == 0 {
		return "Your request was submitted."
	}
	v := described[0]
	switch r.RequestState {
	case entitlement.StatePendingApproval:
		return fmt.Sprintf("Your request for %s was sent to %s for approval.", v.PackageName, words.JoinOr(currentApprovers(v)))
	case entitlement.StateDelivered:
		return fmt.Sprintf("You now have access to %s.", v.PackageName)
	case entitlement.StateSubmitted, entitlement.StateDelivering:
		return fmt.Sprintf("Your request for %s needs no approval: Steward is delivering the access now.", v.PackageName)
	case entitlement.StateScheduled:
		if st := r.Schedule.StartDateTime; st != nil {
			return fmt.Sprintf("Your access to %s is scheduled to start on %s.", v.PackageName, st.UTC().Format(views.TimeFormat))
		}
		return fmt.Sprintf("Your access to %s is scheduled.", v.PackageName)
	case entitlement.StateDenied:
		return fmt.Sprintf("Your request for %s was denied: %s.", v.PackageName, r.StatusDetail)
	}
	return fmt.Sprintf("Your request for %s was submitted.", v.PackageName)
}

// renderPackage renders the package page with the form's values and errors (the key "" holds a
// message for the whole form).
func (h Access) renderPackage(c echo.Context, status int, f requestForm, errs map[string]string) error {
	ctx := c.Request().Context()
	offer, err := h.Svc.PackageOffer(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	now := h.now()
	d := views.RequestFormProps{
		Package: packageCard(offer.RequestablePackage), RolesHidden: !offer.Package.IsRoleScopesVisible,
		Justification: f.Justification, Start: f.Start, End: f.End, Errors: errs,
		Now: now.Format(formInputTime),
	}
	for _, pol := range offer.Policies {
		if pol.ID == f.PolicyID {
			d.PolicyID = pol.ID
		}
	}
	if d.PolicyID == "" && len(offer.Policies) > 0 {
		d.PolicyID = offer.Policies[0].ID
	}
	for _, pol := range offer.Policies {
		stages, err := h.Svc.PreviewApprovers(ctx, pol.ID)
		if err != nil {
			return err
		}
		d.Policies = append(d.Policies, policyChoice(pol, stages, offer.Names, now))
		if pol.ID == d.PolicyID {
			d.Stages = stagePreviews(stages)
		}
	}
	switch {
	case offer.OpenRequest != nil && status < 300:
		r := offer.OpenRequest
		d.Blocked = fmt.Sprintf("You asked for this access on %s, and your request is %s.", r.CreatedDateTime.UTC().Format(views.DateFormat), strings.ToLower(requestState(r.RequestState).Label))
		d.BlockedURL, d.BlockedLink = "/access/requests/"+r.ID, "Follow your request"
	case offer.LiveAssignment != nil && status < 300:
		a := offer.LiveAssignment
		d.Blocked = "You already have this access."
		if end := a.EndDateTime(); end != nil {
			d.Blocked = fmt.Sprintf("You already have this access, until %s.", end.UTC().Format(views.DateFormat))
		}
		d.BlockedURL, d.BlockedLink = "/access/assignments", "See your access"
	case len(offer.Policies) == 0:
		d.Blocked = fmt.Sprintf("None of the policies of this package lets you request it. If you need it, ask an owner of the %s catalog.", offer.Catalog.DisplayName)
	}
	p, err := h.Page(c, offer.Package.DisplayName, views.SectionAccess)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "Find access", URL: "/access/packages"}, {Label: offer.Package.DisplayName, Current: true}}
	return Render(c, status, views.PackagePage(p, d))
}

// policyChoice describes a policy in words: who it is for, who approves, how long access lasts.
func policyChoice(pol entitlement.AssignmentPolicy, stages []entitlement.StagePreview, names map[string]string, now time.Time) views.PolicyChoice {
	ch := views.PolicyChoice{
		ID: pol.ID, Name: pol.DisplayName,
		JustificationRequired: pol.RequestApprovalSettings.IsRequestorJustificationRequired,
		ApprovalRequired:      pol.IsApprovalRequired(),
		Lifetime:              lifetime(pol),
	}
	if end := pol.AssignmentEnd(now); end != nil {
		ch.MaxEnd = end.UTC().Format(formInputTime)
	}
	parts := []string{scopeWords(pol, names)}
	if ch.ApprovalRequired {
		var steps []string
		for _, st := range stages {
			steps = append(steps, approverWords(st.Approvers, 3))
		}
		parts = append(parts, "approved by "+strings.Join(steps, ", then "))
	} else {
		parts = append(parts, "no approval needed")
	}
	parts = append(parts, "access "+ch.Lifetime)
	ch.Summary = sentence(strings.Join(parts, " · "))
	ch.Summary = strings.TrimSuffix(ch.Summary, ".")
	if ch.JustificationRequired {
		ch.Facts = append(ch.Facts, "Justification required")
	}
	if pol.CanExtend {
		if pol.RequestApprovalSettings.IsApprovalRequiredForExtension && ch.ApprovalRequired {
			ch.Facts = append(ch.Facts, "Can be extended, with approval")
		} else {
			ch.Facts = append(ch.Facts, "Can be extended")
		}
	}
	ch.About = pol.Description
	return ch
}

// lifetime says how long access through the policy lasts: "for 90 days", "until 31 Dec 2026",
// "until you give it back".
func lifetime(pol entitlement.AssignmentPolicy) string {
	switch {
	case pol.ExpirationDateTime != nil:
		return "until " + pol.ExpirationDateTime.UTC().Format(views.DateFormat)
	case pol.DurationInDays > 0:
		return "for " + words.Plural(pol.DurationInDays, "day", "days")
	}
	return "until you give it back"
}

// scopeWords says whom a policy is for.
func scopeWords(pol entitlement.AssignmentPolicy, names map[string]string) string {
	rs := pol.RequestorSettings
	var who []string
	for _, u := range rs.AllowedRequestors {
		n := names[u.ID]
		if n == "" {
			continue
		}
		if u.Type == entitlement.UserSetGroupMembers {
			n = "members of " + n
		}
		who = append(who, n)
	}
	switch entitlement.NormalizeScopeType(rs.ScopeType) {
	case entitlement.ScopeAllExistingDirectoryMembers:
		return "for everyone in the organization"
	case entitlement.ScopeAllExistingDirectorySubjects:
		return "for everyone in the directory, guests included"
	case entitlement.ScopeSpecificDirectorySubjects:
		if len(who) > 0 {
			return "for " + words.JoinOr(who)
		}
		return "for named people and groups"
	case entitlement.ScopeSpecificConnectedOrgSubjects:
		if len(who) > 0 {
			return "for people from " + words.JoinOr(who)
		}
		return "for people from partner organizations"
	case entitlement.ScopeAllConfiguredConnectedOrgs:
		return "for people from connected organizations"
	case entitlement.ScopeAllExternalSubjects:
		return "for external users"
	}
	return "for you"
}

// approverWords names who approves a stage: "your manager (Manny Manager)", "Dana Lee", "any of
// the 6 members of Security". At most limit people are named one by one.
func approverWords(ps []entitlement.ApproverPreview, limit int) string {
	if len(ps) == 0 {
		return "nobody (no approver could be found)"
	}
	groups := map[string]int{}
	for _, p := range ps {
		groups[strings.TrimPrefix(p.Via, "backup approver: ")]++
	}
	var out []string
	done := map[string]bool{}
	for _, p := range ps {
		via := strings.TrimPrefix(p.Via, "backup approver: ")
		switch {
		case via == "manager":
			out = append(out, "your manager ("+p.DisplayName+")")
		case via == "second-level manager":
			out = append(out, "your manager's manager ("+p.DisplayName+")")
		case strings.HasPrefix(via, "member of ") && groups[via] > limit:
			if !done[via] {
				done[via] = true
				out = append(out, fmt.Sprintf("any of the %d members of %s", groups[via], strings.TrimPrefix(via, "member of ")))
			}
		default:
			out = append(out, p.DisplayName)
		}
	}
	return words.JoinOr(out)
}

// stagePreviews describes each stage's approvers for the request form.
func stagePreviews(stages []entitlement.StagePreview) []views.StagePreview {
	out := make([]views.StagePreview, 0, len(stages))
	for _, st := range stages {
		sp := views.StagePreview{Title: fmt.Sprintf("Stage %d", st.Stage)}
		for _, a := range st.Approvers {
			sp.Approvers = append(sp.Approvers, approverName(a))
		}
		var detail []string
		if st.TimeoutInDays > 0 {
			detail = append(detail, fmt.Sprintf("They have %s to decide; after that the request is denied.", words.Plural(st.TimeoutInDays, "day", "days")))
		}
		var esc []string
		for _, a := range st.EscalationApprovers {
			if !slices.ContainsFunc(st.Approvers, func(p entitlement.ApproverPreview) bool { return p.UserID == a.UserID }) {
				esc = append(esc, a.DisplayName)
			}
		}
		if st.EscalationInMinutes > 0 && len(esc) > 0 {
			detail = append(detail, fmt.Sprintf("If nobody decides within %s, %s %s asked too.", words.Minutes(st.EscalationInMinutes), words.JoinAnd(esc), isAre(len(esc))))
		}
		sp.Detail = strings.Join(detail, " ")
		switch {
		case st.NoApprover:
			sp.Note = "Nobody could be found to approve this stage, so a request would be denied at once. " + sentence(strings.Join(st.Notes, "; "))
		case st.UsedBackup:
			sp.Note = "The backup approvers are asked, because " + strings.Join(st.Notes, "; ") + "."
		}
		out = append(out, sp)
	}
	return out
}

func approverName(a entitlement.ApproverPreview) string {
	via := a.Via
	backup := strings.HasPrefix(via, "backup approver: ")
	via = strings.TrimPrefix(via, "backup approver: ")
	var s string
	switch {
	case via == "manager":
		s = a.DisplayName + " (your manager)"
	case via == "second-level manager":
		s = a.DisplayName + " (your manager's manager)"
	case strings.HasPrefix(via, "member of "), strings.Contains(via, "sponsor of "):
		s = a.DisplayName + " (" + via + ")"
	default:
		s = a.DisplayName
	}
	if backup {
		s += ", as backup"
	}
	return s
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

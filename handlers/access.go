package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

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

// selectCatalogs is how many catalogs the find-access page's catalog filter lists in a select;
// with more, it is a text field with suggestions (Catalogs), so that the page does not grow with
// the catalogs and a person with many types rather than scrolls.
const selectCatalogs = 12

// catalogSuggestions is how many catalogs the catalog field suggests at a time.
const catalogSuggestions = 10

// List renders /access/packages: the packages the person may request, searchable, by catalog,
// page by page. An htmx request (search as you type, paging) gets only the results region. The
// catalog comes as ?catalog=<id> (the select, links) or as the name typed in the catalog field
// (?catalogName=, which resolveCatalogName reads with the id the field keeps).
func (h Access) List(c echo.Context) error {
	ctx := c.Request().Context()
	q := strings.TrimSpace(c.QueryParam("q"))
	d := views.PackagesProps{Query: q, CatalogID: c.QueryParam("catalog")}
	if c.QueryParams().Has("catalogName") {
		if err := h.resolveCatalogName(c, &d); err != nil {
			return err
		}
	}
	if !d.CatalogUnknown && len(d.SameName) == 0 {
		opt, from := listOptions(c)
		page, err := h.Svc.RequestablePackages(ctx, entitlement.RequestableFilter{Search: q, CatalogID: d.CatalogID}, opt)
		if err != nil {
			return err
		}
		d.Total = page.Total
		for _, rp := range page.Items {
			d.Items = append(d.Items, packageCard(rp))
		}
		d.Pagination = pagination(c, "/access/packages", page, from, "#package-results")
	}
	// The catalog filter, and whether anything at all is offered, for the empty state. The
	// results region alone (search as you type, paging) shows neither while it has packages to
	// show, so it does not read them.
	htmx := IsHTMX(c)
	if !htmx || len(d.Items) == 0 {
		if err := h.catalogFilter(c, &d, htmx); err != nil {
			return err
		}
	}
	if htmx {
		return Render(c, http.StatusOK, views.PackageResults(d))
	}
	p, err := h.Page(c, "Find access", views.SectionAccess)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.PackagesPage(p, d))
}

// resolveCatalogName turns the name typed in the catalog field into the catalog the person can
// request from that has it (in any case); an empty name is every catalog. The field keeps the
// id of the catalog it was filled with, so that one of several catalogs that share a name stays
// chosen while its name is not changed. When no catalog has the name, or several do and none was
// chosen, the page says so instead of listing packages.
func (h Access) resolveCatalogName(c echo.Context, d *views.PackagesProps) error {
	chosen := d.CatalogID
	d.CatalogID, d.CatalogName = "", strings.TrimSpace(c.QueryParam("catalogName"))
	if d.CatalogName == "" {
		return nil
	}
	found, _, err := h.Svc.FindRequestableCatalogs(c.Request().Context(), entitlement.CatalogQuery{Name: d.CatalogName, Limit: catalogSuggestions})
	if err != nil {
		return err
	}
	switch i := slices.IndexFunc(found, func(cat entitlement.Catalog) bool { return cat.ID == chosen }); {
	case len(found) == 0:
		d.CatalogUnknown = true
	case i >= 0:
		d.CatalogID = found[i].ID
	case len(found) == 1:
		d.CatalogID = found[0].ID
	default:
		for _, cat := range found {
			v := url.Values{"catalog": {cat.ID}}
			if d.Query != "" {
				v.Set("q", d.Query)
			}
			d.SameName = append(d.SameName, views.CatalogLink{URL: "/access/packages?" + v.Encode(), Name: cat.DisplayName, Description: cat.Description})
		}
	}
	return nil
}

// catalogFilter fills the catalog filter: the select of the few catalogs the person can request
// from, or, when there are more, the text field with the chosen catalog's name. A results
// region needs only whether anything is offered.
func (h Access) catalogFilter(c echo.Context, d *views.PackagesProps, regionOnly bool) error {
	limit := selectCatalogs
	if regionOnly {
		limit = 0
	}
	cats, total, err := h.Svc.FindRequestableCatalogs(c.Request().Context(), entitlement.CatalogQuery{Limit: limit})
	if err != nil {
		return err
	}
	d.NothingOffered = total == 0
	if regionOnly {
		return nil
	}
	if total <= selectCatalogs {
		for _, cat := range cats {
			d.Catalogs = append(d.Catalogs, components.SelectOption{Value: cat.ID, Label: cat.DisplayName})
		}
		return nil
	}
	d.CatalogField = true
	if d.CatalogName != "" || d.CatalogID == "" {
		return nil
	}
	chosen, _, err := h.Svc.FindRequestableCatalogs(c.Request().Context(), entitlement.CatalogQuery{ID: d.CatalogID, Limit: 1})
	if err != nil {
		return err
	}
	if len(chosen) == 1 {
		d.CatalogName = chosen[0].DisplayName
	}
	return nil
}

// Catalogs serves GET /access/catalogs?catalogName=…, the catalog field's suggestions as it is
// typed in: the first few catalogs the person can request from whose name the words start, each
// name once.
func (h Access) Catalogs(c echo.Context) error {
	cats, _, err := h.Svc.FindRequestableCatalogs(c.Request().Context(), entitlement.CatalogQuery{Search: c.QueryParam("catalogName"), Limit: catalogSuggestions})
	if err != nil {
		return err
	}
	var names []string
	for _, cat := range cats {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, cat.DisplayName) }) {
			names = append(names, cat.DisplayName)
		}
	}
	return Render(c, http.StatusOK, views.CatalogSuggestions(names))
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
	// For is the id of the person the request is for, ForEmail their address; both empty for
	// the signed-in person.
	For, ForEmail string
	Answers       map[string]string // by question id
}

// readAnswers collects the answer_<question id> fields of a form or query.
func readAnswers(values map[string][]string) map[string]string {
	out := map[string]string{}
	for k, v := range values {
		if id, ok := strings.CutPrefix(k, "answer_"); ok && id != "" && len(v) > 0 {
			out[id] = v[0]
		}
	}
	return out
}

// Show renders /access/packages/{id}: the package, what it grants, and the request form. The
// query may carry the form's values, when the person changed the policy without JavaScript or
// htmx refreshed the policy details.
func (h Access) Show(c echo.Context) error {
	f := requestForm{
		PolicyID: c.QueryParam("policyId"), Justification: c.QueryParam("justification"),
		Start: c.QueryParam("start"), End: c.QueryParam("end"),
		For: c.QueryParam("for"), ForEmail: strings.TrimSpace(c.QueryParam("forEmail")),
		Answers: readAnswers(c.QueryParams()),
	}
	return h.renderPackage(c, http.StatusOK, f, nil)
}

// Request handles POST /access/packages/{id}/request: submit the request, then 303 to its page;
// a form that does not pass comes back with the input and a message by each field (422), a
// refusal by a rule (a request already open, access already held) with its message.
func (h Access) Request(c echo.Context) error {
	ctx := c.Request().Context()
	var f requestForm
	f.PolicyID = c.FormValue("policyId")
	f.Justification = c.FormValue("justification")
	f.Start = c.FormValue("start")
	f.End = c.FormValue("end")
	f.For = c.FormValue("for")
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	f.Answers = readAnswers(form)
	errs := map[string]string{}
	start, err := parseFormTime(ctx, f.Start, h.now())
	if err != nil {
		errs["schedule.startDateTime"] = words.Sentence(err.Error())
	}
	end, err := parseFormTime(ctx, f.End, h.now())
	if err != nil {
		errs["schedule.expiration.endDateTime"] = words.Sentence(err.Error())
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
		TargetID: f.For, Answers: f.Answers,
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
	ctx := c.Request().Context()
	described, err := b.Svc.DescribeRequests(c.Request().Context(), []entitlement.Request{r})
	if err != nil || len(described) == 0 {
		return "Your request was submitted."
	}
	v := described[0]
	if r.IsOnBehalf() {
		who := v.Person(r.TargetID).Name
		switch r.RequestState {
		case entitlement.StatePendingApproval:
			return fmt.Sprintf("Your request for %s to get %s was sent to %s for approval. %s is told.", who, v.PackageName, words.JoinOr(currentApprovers(v)), who)
		case entitlement.StateDenied:
			return fmt.Sprintf("Your request for %s to get %s was denied: %s.", who, v.PackageName, r.StatusDetail)
		}
		return fmt.Sprintf("Your request for %s to get %s was submitted; they are told when the access is in place.", who, v.PackageName)
	}
	switch r.RequestState {
	case entitlement.StatePendingApproval:
		return fmt.Sprintf("Your request for %s was sent to %s for approval.", v.PackageName, words.JoinOr(currentApprovers(v)))
	case entitlement.StateDelivered:
		return fmt.Sprintf("You now have access to %s.", v.PackageName)
	case entitlement.StateSubmitted, entitlement.StateDelivering:
		return fmt.Sprintf("Your request for %s needs no approval: Steward is delivering the access now.", v.PackageName)
	case entitlement.StateScheduled:
		if st := r.Schedule.StartDateTime; st != nil {
			return fmt.Sprintf("Your access to %s is scheduled to start on %s.", v.PackageName, views.FormatDateTime(ctx, *st))
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
	target := cmp.Or(f.ForEmail, f.For)
	offer, err := h.Svc.PackageOfferFor(ctx, c.Param("id"), target)
	forError := ""
	var re *entitlement.RuleError
	if errors.As(err, &re) && (re.Code == "targetNotFound" || re.Code == "targetBlocked") {
		// Someone the person cannot request for, or who is not there: say so by the field and
		// show the page for themselves.
		forError, f.For = words.Sentence(re.Message), ""
		if status < 300 {
			status = http.StatusUnprocessableEntity
		}
		offer, err = h.Svc.PackageOffer(ctx, c.Param("id"))
	}
	if err != nil {
		return err
	}
	now := h.now()
	d := views.RequestFormProps{
		Package: packageCard(offer.RequestablePackage), RolesHidden: !offer.Package.IsRoleScopesVisible,
		Justification: f.Justification, Start: f.Start, End: f.End, Errors: errs,
		Now: views.FormTime(ctx, now),
	}
	d.RequestFor = views.RequestFor{ForAnyone: offer.ForAnyone, ForEmail: f.ForEmail, ForError: forError, Answers: f.Answers}
	if len(offer.Reports) > 0 {
		d.ForChoices = []components.SelectOption{{Value: "", Label: "Myself"}}
		for _, r := range offer.Reports {
			d.ForChoices = append(d.ForChoices, components.SelectOption{Value: r.ID, Label: r.Name})
		}
	}
	if offer.Target != nil {
		d.For, d.ForName = offer.Target.ID, offer.Target.Name
		if !slices.ContainsFunc(d.ForChoices, func(o components.SelectOption) bool { return o.Value == d.For }) {
			d.ForChoices = append(d.ForChoices, components.SelectOption{Value: d.For, Label: d.ForName})
		}
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
		stages, err := h.Svc.PreviewApproversFor(ctx, pol.ID, d.For)
		if err != nil {
			return err
		}
		d.Policies = append(d.Policies, views.DescribePolicyChoice(ctx, pol, stages, offer.Names, now))
		if pol.ID == d.PolicyID {
			d.Stages = views.StagePreviews(stages)
		}
	}
	switch {
	case offer.Target != nil && offer.OpenRequest != nil && status < 300:
		r := offer.OpenRequest
		d.Blocked = fmt.Sprintf("%s already has a request for this access, submitted on %s, and it is %s.", d.ForName, r.CreatedDateTime.UTC().Format(views.DateFormat), strings.ToLower(requestState(r.RequestState).Label))
	case offer.Target != nil && offer.LiveAssignment != nil && status < 300:
		d.Blocked = d.ForName + " already has this access."
	case offer.Target != nil && len(offer.Policies) == 0:
		d.Blocked = fmt.Sprintf("None of the policies of this package lets you request it for %s.", d.ForName)
	case offer.OpenRequest != nil && status < 300:
		r := offer.OpenRequest
		d.Blocked = fmt.Sprintf("You asked for this access on %s, and your request is %s.", views.FormatDate(ctx, r.CreatedDateTime), strings.ToLower(requestState(r.RequestState).Label))
		d.BlockedURL, d.BlockedLink = "/access/requests/"+r.ID, "Follow your request"
	case offer.LiveAssignment != nil && status < 300:
		a := offer.LiveAssignment
		d.Blocked = "You already have this access."
		if end := a.EndDateTime(); end != nil {
			d.Blocked = fmt.Sprintf("You already have this access, until %s.", views.FormatDate(ctx, *end))
		}
		d.BlockedURL, d.BlockedLink = "/access/assignments", "See your access"
	case len(offer.Policies) == 0 && d.ChoosesFor():
		d.Blocked = "None of the policies of this package lets you request it for yourself. Choose someone above to request it for them."
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

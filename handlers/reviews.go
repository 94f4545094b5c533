package handlers

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Reviews serves the reviewer's page: the access waiting for their decision, decided one at a
// time in place or several together, and accepting a review's recommendations at once.
type Reviews struct {
	*Base
}

// List renders GET /reviews.
func (h Reviews) List(c echo.Context) error {
	return h.renderList(c, http.StatusOK, nil, "", "")
}

// renderList renders the waiting items; override replaces the card of one item (a decision that
// did not go through), bulkReason and bulkError refill the form for several items.
func (h Reviews) renderList(c echo.Context, status int, override *views.ReviewItem, bulkReason, bulkError string) error {
	ctx := c.Request().Context()
	opt, from := listOptions(c)
	page, err := h.Svc.MyReviewItems(ctx, opt)
	if err != nil {
		return err
	}
	now := h.now()
	d := views.ReviewsProps{Total: page.Total, Pagination: pagination(c, "/reviews", page, from, ""), BulkReason: bulkReason, BulkError: bulkError}
	groups := map[string]int{}
	for _, v := range page.Items {
		it := reviewItem(ctx, v, now, "")
		if override != nil && override.ID == it.ID {
			it = *override
		}
		d.Items = append(d.Items, it)
		if i, ok := groups[v.ReviewID]; ok {
			d.Reviews[i].Waiting++
			continue
		}
		groups[v.ReviewID] = len(d.Reviews)
		d.Reviews = append(d.Reviews, views.ReviewGroup{ID: v.ReviewID, Name: v.ReviewName, Closes: views.At(ctx, now, v.ReviewEnds), Waiting: 1})
	}
	p, err := h.Page(c, "Reviews", views.SectionReviews)
	if err != nil {
		return err
	}
	return Render(c, status, views.ReviewsPage(p, d))
}

// reviewItem is a review item as a page shows it; me names the signed-in reviewer ("You").
func reviewItem(ctx context.Context, v entitlement.ReviewItemView, now time.Time, me string) views.ReviewItem {
	it := views.ReviewItem{
		ID: v.ID, ReviewID: v.ReviewID, ReviewName: v.ReviewName, Holder: v.Holder.Name, HolderEmail: v.Holder.Email,
		Package: v.PackageName, Since: views.At(ctx, now, v.AssignedSince), Ends: views.AtPtr(ctx, now, v.AssignmentEnds),
		Justification: v.Justification, LastSignIn: views.AtPtr(ctx, now, v.LastSignInDateTime),
		RecommendRemove: v.Recommendation == entitlement.DecisionRemove, RecommendationNote: words.Sentence(v.Holder.Name + " " + v.RecommendationNote),
		Closes: views.At(ctx, now, v.ReviewEnds), Reviewers: words.JoinAnd(v.ReviewerNames), ReviewersNote: words.Sentence(v.ReviewersNote),
		Decided: v.Decision != "", DecisionRemove: v.Decision == entitlement.DecisionRemove, Reason: v.Reason,
		DecidedBy: v.DecidedByName, DecidedAt: views.AtPtr(ctx, now, v.DecidedDateTime), Outcome: outcomeWords(v.Outcome),
	}
	if it.Reviewers == "" {
		it.Reviewers = "nobody"
	}
	if me != "" && v.DecidedBy == me {
		it.DecidedBy = "You decided"
	}
	return it
}

func outcomeWords(o string) string {
	switch o {
	case entitlement.OutcomeKept:
		return "Kept"
	case entitlement.OutcomeRemoved:
		return "Removed"
	case entitlement.OutcomeAlreadyEnded:
		return "Had already ended"
	}
	return ""
}

// reviewDecision reads keep or remove from the form.
func reviewDecision(c echo.Context) (string, bool) {
	switch c.FormValue("decision") {
	case "keep":
		return entitlement.DecisionKeep, true
	case "remove":
		return entitlement.DecisionRemove, true
	}
	return "", false
}

// Decide handles POST /reviews/items/{id}/decide. With htmx the item's card is replaced in place
// by the decision (or by the card with its message); without, the reviewer goes back to the list
// with a flash.
func (h Reviews) Decide(c echo.Context) error {
	ctx := c.Request().Context()
	decision, ok := reviewDecision(c)
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Keep or Remove.")
	}
	id, reason := c.Param("id"), c.FormValue("reason")
	who, _ := entitlement.PrincipalFrom(ctx)
	selectable := c.FormValue("selectable") == "true"
	_, err := h.Svc.DecideReview(ctx, []string{id}, decision, reason)
	fields, invalid := FieldErrors(err)
	msg, refused := ruleMessage(err)
	if err != nil && !invalid && !refused {
		return err
	}
	items, lerr := h.Svc.ReviewItemsByID(ctx, []string{id})
	if lerr != nil {
		return lerr
	}
	it := reviewItem(ctx, items[0], h.now(), who.UserID)
	switch {
	case invalid:
		it.Decided, it.TypedReason, it.ReasonError = false, reason, words.Sentence(fields["reason"])
		if IsHTMX(c) {
			return h.card(c, http.StatusUnprocessableEntity, it, selectable)
		}
		return h.renderList(c, http.StatusUnprocessableEntity, &it, "", "")
	case refused:
		if IsHTMX(c) {
			it.Error = msg
			return h.card(c, http.StatusOK, it, selectable)
		}
		if err := h.Flash(c, components.FlashError, msg); err != nil {
			return err
		}
		return h.SeeOther(c, "/reviews", "")
	}
	if IsHTMX(c) {
		return h.card(c, http.StatusOK, it, selectable)
	}
	return h.SeeOther(c, "/reviews", fmt.Sprintf("You decided to %s the access of %s to %s.", strings.ToLower(it.DecisionLabel()), it.Holder, it.Package))
}

func (h Reviews) card(c echo.Context, status int, it views.ReviewItem, selectable bool) error {
	p, err := h.Page(c, "", views.SectionReviews)
	if err != nil {
		return err
	}
	return Render(c, status, views.ReviewItemCard(p, it, selectable))
}

// Bulk handles POST /reviews/decide: keep or remove the selected items with one reason.
func (h Reviews) Bulk(c echo.Context) error {
	ctx := c.Request().Context()
	decision, ok := reviewDecision(c)
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Keep selected or Remove selected.")
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	reason := c.FormValue("reason")
	done, err := h.Svc.DecideReview(ctx, form["id"], decision, reason)
	if fields, ok := FieldErrors(err); ok {
		msg := fields["reason"]
		if fields["items"] != "" {
			msg = "Tick the people below first; then " + fields["items"]
		}
		return h.renderList(c, http.StatusUnprocessableEntity, nil, reason, words.Sentence(msg))
	}
	if msg, ok := ruleMessage(err); ok {
		if err := h.Flash(c, components.FlashError, msg); err != nil {
			return err
		}
		return h.SeeOther(c, "/reviews", "")
	}
	if err != nil {
		return err
	}
	verb := "keep"
	if decision == entitlement.DecisionRemove {
		verb = "remove"
	}
	return h.SeeOther(c, "/reviews", fmt.Sprintf("You decided to %s %s.", verb, words.Plural(len(done), "person's access", "people's access")))
}

// Accept handles POST /reviews/{id}/accept: every waiting item of the review decided as
// recommended.
func (h Reviews) Accept(c echo.Context) error {
	n, err := h.Svc.AcceptRecommendations(c.Request().Context(), c.Param("id"))
	if msg, ok := ruleMessage(err); ok {
		if err := h.Flash(c, components.FlashError, msg); err != nil {
			return err
		}
		return h.SeeOther(c, "/reviews", "")
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/reviews", fmt.Sprintf("You accepted the recommendations for %s.", words.Plural(n, "person", "people")))
}

// AdminReviews serves the administrators' review pages: a package's reviews, one review with its
// results and export, and starting a one-off review of a package or a catalog.
type AdminReviews struct {
	*Base
}

// reviewRow is a review with its progress, in words.
func reviewRow(ctx context.Context, r entitlement.Review, now time.Time) views.ReviewRow {
	row := views.ReviewRow{
		ID: r.ID, Name: r.DisplayName, Open: r.Status == entitlement.ReviewInProgress, OneOff: r.PolicyID == "",
		Starts: views.At(ctx, now, r.StartDateTime), Ends: views.At(ctx, now, r.EndDateTime), CompletedAt: views.AtPtr(ctx, now, r.CompletedAt),
		Decided: r.Decided, Total: r.Total, Removed: r.Removed, StartedBy: r.CreatedBy,
		Undecided: entitlement.DescribeUndecided(r.TimeoutBehavior),
	}
	if row.OneOff {
		row.StartedBy += ", by hand"
	} else {
		row.StartedBy += ", on the policy's schedule"
	}
	var named []string
	for _, u := range r.Reviewers {
		named = append(named, cmp.Or(u.Description, "a reviewer"))
	}
	switch r.ReviewerType {
	case entitlement.ReviewerSelf:
		row.Reviewers = "the people who hold the access"
	case entitlement.ReviewerManager:
		row.Reviewers = "their managers, or else " + words.JoinAnd(named)
	default:
		row.Reviewers = words.JoinAnd(named)
	}
	return views.NewReviewRow(row)
}

// PackageList renders GET /admin/packages/{id}/reviews.
func (h AdminReviews) PackageList(c echo.Context) error {
	pp, err := h.packageProps(c, c.Param("id"), views.PackageTabReviews)
	if err != nil {
		return err
	}
	opt, from := listOptions(c)
	page, err := h.Svc.ReviewsOfPackage(c.Request().Context(), pp.Package.ID, opt)
	if err != nil {
		return err
	}
	props := views.PackageReviewsProps{PackageProps: pp, Pagination: pagination(c, pp.URL()+"/reviews", page, from, "")}
	for _, r := range page.Items {
		props.Reviews = append(props.Reviews, reviewRow(c.Request().Context(), r, h.now()))
	}
	return Render(c, http.StatusOK, views.PackageReviewsPage(props))
}

// Show renders GET /admin/reviews/{id}.
func (h AdminReviews) Show(c echo.Context) error {
	ctx := c.Request().Context()
	rev, err := h.Svc.ReviewByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	opt, from := listOptions(c)
	page, err := h.Svc.ReviewItems(ctx, rev.ID, opt)
	if err != nil {
		return err
	}
	crumbs := []views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}}
	if len(rev.AccessPackageIDs) == 1 {
		crumbs = append(crumbs, views.NavItem{Label: "Reviews of the package", URL: "/admin/packages/" + rev.AccessPackageIDs[0] + "/reviews"})
	}
	p, _, err := h.adminPage(c, rev.DisplayName, navCatalogs, append(crumbs, views.NavItem{Label: rev.DisplayName})...)
	if err != nil {
		return err
	}
	now := h.now()
	props := views.ReviewProps{Page: p, Review: reviewRow(ctx, rev, now), Pagination: pagination(c, "/admin/reviews/"+rev.ID, page, from, "")}
	for _, v := range page.Items {
		props.Items = append(props.Items, reviewItem(ctx, v, now, ""))
	}
	return Render(c, http.StatusOK, views.ReviewPage(props))
}

// ExportCSV serves GET /admin/reviews/{id}/export.csv: every decision and outcome.
func (h AdminReviews) ExportCSV(c echo.Context) error {
	ctx := c.Request().Context()
	rev, err := h.Svc.ReviewByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	items, err := entitlement.CollectAll(func(o entitlement.ListOptions) (entitlement.Page[entitlement.ReviewItemView], error) {
		return h.Svc.ReviewItems(ctx, rev.ID, o)
	})
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="review-`+rev.ID+`.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	_ = w.Write([]string{"person", "email", "package", "since", "ends", "last sign-in", "recommendation", "recommendation reason", "reviewers", "decision", "reason", "decided by", "decided at", "outcome"})
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, v := range items {
		it := reviewItem(ctx, v, h.now(), "")
		decision := ""
		if it.Decided {
			decision = it.DecisionLabel()
		}
		_ = w.Write([]string{csvSafe(it.Holder), csvSafe(it.HolderEmail), csvSafe(it.Package), day(&v.AssignedSince), day(v.AssignmentEnds), day(v.LastSignInDateTime),
			it.Recommendation(), csvSafe(v.RecommendationNote), csvSafe(it.Reviewers), decision, csvSafe(v.Reason), csvSafe(v.DecidedByName),
			day(v.DecidedDateTime), outcomeWords(v.Outcome)})
	}
	w.Flush()
	return w.Error()
}

// NewForPackage renders GET /admin/packages/{id}/reviews/new.
func (h AdminReviews) NewForPackage(c echo.Context) error {
	return h.startForm(c, http.StatusOK, c.Param("id"), "", defaultStartProps(), nil)
}

// NewForCatalog renders GET /admin/catalogs/{id}/reviews/new.
func (h AdminReviews) NewForCatalog(c echo.Context) error {
	return h.startForm(c, http.StatusOK, "", c.Param("id"), defaultStartProps(), nil)
}

func defaultStartProps() views.StartReviewProps {
	return views.StartReviewProps{ReviewerType: entitlement.ReviewerSelf, Days: "14", Undecided: entitlement.ReviewTimeoutKeep}
}

// startForm renders the form of a one-off review of the package, or of the catalog.
func (h AdminReviews) startForm(c echo.Context, status int, packageID, catalogID string, props views.StartReviewProps, errs map[string]string) error {
	ctx := c.Request().Context()
	var crumbs []views.NavItem
	if packageID != "" {
		pkg, err := h.Svc.AccessPackageByID(ctx, packageID)
		if err != nil {
			return err
		}
		props.Scope, props.Action, props.CancelURL = pkg.DisplayName, "/admin/packages/"+pkg.ID+"/reviews/new", "/admin/packages/"+pkg.ID+"/reviews"
		catalogID = pkg.CatalogID
		crumbs = append(crumbs, views.NavItem{Label: pkg.DisplayName, URL: props.CancelURL})
	}
	cat, err := h.Svc.CatalogByID(ctx, catalogID)
	if err != nil {
		return err
	}
	if packageID == "" {
		props.Scope, props.Action, props.CancelURL = "every package of the catalog "+cat.DisplayName, "/admin/catalogs/"+cat.ID+"/reviews/new", "/admin/catalogs/"+cat.ID+"/packages"
	}
	crumbs = append([]views.NavItem{{Label: "Catalogs", URL: "/admin/catalogs"}, {Label: cat.DisplayName, URL: "/admin/catalogs/" + cat.ID}}, crumbs...)
	p, caps, err := h.adminPage(c, "Start a review", navCatalogs, append(crumbs, views.NavItem{Label: "Start a review"})...)
	if err != nil {
		return err
	}
	if !caps.CanManageAssignments(cat.ID) {
		return &entitlement.RuleError{Code: "forbidden", Kind: entitlement.ErrForbidden,
			Message: "Only administrators and the owners, access package managers and assignment managers of the catalog " + cat.DisplayName + " can start a review."}
	}
	props.Page, props.Errors = p, fieldMessages(errs)
	return Render(c, status, views.StartReviewPage(props))
}

// StartForPackage handles POST /admin/packages/{id}/reviews/new.
func (h AdminReviews) StartForPackage(c echo.Context) error {
	return h.start(c, c.Param("id"), "")
}

// StartForCatalog handles POST /admin/catalogs/{id}/reviews/new.
func (h AdminReviews) StartForCatalog(c echo.Context) error {
	return h.start(c, "", c.Param("id"))
}

func (h AdminReviews) start(c echo.Context, packageID, catalogID string) error {
	ctx := c.Request().Context()
	props := views.StartReviewProps{
		ReviewerType: c.FormValue("reviewerType"), Reviewers: c.FormValue("reviewers"),
		Days: strings.TrimSpace(c.FormValue("durationInDays")), Undecided: c.FormValue("timeoutBehavior"),
	}
	errs := map[string]string{}
	in := entitlement.ReviewInput{AccessPackageID: packageID, CatalogID: catalogID, ReviewerType: props.ReviewerType, TimeoutBehavior: props.Undecided}
	in.DurationInDays = number(errs, "durationInDays", props.Days, "enter how many days the review stays open, such as 14")
	if props.ReviewerType != entitlement.ReviewerSelf {
		sets, err := h.reviewerSets(c, props.Reviewers)
		var ve *entitlement.ValidationError
		if errors.As(err, &ve) {
			errs["reviewers"] = ve.Fields["reviewers"]
		} else if err != nil {
			return err
		}
		in.Reviewers = sets
	}
	rev, err := h.Svc.StartReview(ctx, in)
	if fields, ok := FieldErrors(err); ok {
		for k, v := range fields {
			if errs[k] == "" {
				errs[k] = v
			}
		}
	} else if msg, ok := ruleMessage(err); ok {
		errs[""] = msg
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		return h.startForm(c, http.StatusUnprocessableEntity, packageID, catalogID, props, errs)
	}
	return h.SeeOther(c, "/admin/reviews/"+rev.ID, fmt.Sprintf("The review started: %s to decide, until %s.", words.Plural(rev.Total, "person's access", "people's access"), views.FormatDate(ctx, rev.EndDateTime)))
}

// exactly returns the id of the first of items whose name (as keyOf gives it) is name, ignoring
// case: a search finds by the start of words, a reviewer is named in full.
func exactly[T any](items []T, name string, keyOf func(T) (key, id string)) (string, bool) {
	for _, it := range items {
		if key, id := keyOf(it); strings.EqualFold(key, name) {
			return id, true
		}
	}
	return "", false
}

// reviewerSets reads the reviewers typed one per line: an e-mail address names a user, anything
// else a group by its name.
func (h AdminReviews) reviewerSets(c echo.Context, text string) ([]entitlement.UserSet, error) {
	ctx := c.Request().Context()
	var out []entitlement.UserSet
	var unknown []string
	for _, line := range strings.Split(text, "\n") {
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		var set entitlement.UserSet
		var found bool
		if strings.Contains(name, "@") {
			users, err := h.Svc.ListUsers(ctx, entitlement.ListOptions{Search: name, Limit: 5})
			if err != nil {
				return nil, err
			}
			set.Type = entitlement.UserSetSingleUser
			set.ID, found = exactly(users.Items, name, func(u entitlement.User) (string, string) { return u.Email, u.ID })
		} else {
			groups, err := h.Svc.ListGroups(ctx, entitlement.ListOptions{Search: name, Limit: 5})
			if err != nil {
				return nil, err
			}
			set.Type = entitlement.UserSetGroupMembers
			set.ID, found = exactly(groups.Items, name, func(g entitlement.Group) (string, string) { return g.DisplayName, g.ID })
		}
		if !found {
			unknown = append(unknown, name)
			continue
		}
		out = append(out, set)
	}
	if len(unknown) > 0 {
		return nil, &entitlement.ValidationError{Code: "invalidReview", Fields: map[string]string{
			"reviewers": fmt.Sprintf("nobody in the directory is called %s; use an e-mail address or a group's exact name", words.JoinAnd(quoted(unknown))),
		}}
	}
	return out, nil
}

func quoted(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

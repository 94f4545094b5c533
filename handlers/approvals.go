package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Approvals serves the approver's pages: what waits for them, deciding (one at a time, in place,
// or several together) and what they decided.
type Approvals struct {
	*Base
}

// List renders /approvals: the requests waiting for the signed-in person's decision.
func (h Approvals) List(c echo.Context) error {
	p, d, err := h.listProps(c)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.ApprovalsPage(p, d))
}

// listProps loads the pending list as the page shows it.
func (h Approvals) listProps(c echo.Context) (views.Page, views.ApprovalsProps, error) {
	ctx := c.Request().Context()
	opt, from := listOptions(c)
	page, err := h.Svc.DescribeWaitingForMe(ctx, opt)
	if err != nil {
		return views.Page{}, views.ApprovalsProps{}, err
	}
	who, _ := entitlement.PrincipalFrom(ctx)
	now := h.now()
	d := views.ApprovalsProps{Total: page.Total, Tabs: views.ApprovalTabs("waiting", page.Total), Pagination: pagination(c, "/approvals", page, from, "")}
	for _, v := range page.Items {
		d.Items = append(d.Items, approvalItem(ctx, v, who.UserID, now))
	}
	p, err := h.Page(c, "Approvals", views.SectionApprovals)
	return p, d, err
}

// renderWithCard renders the pending list with the card of one request replaced (a decision
// that did not go through, with its message and the reason typed).
func (h Approvals) renderWithCard(c echo.Context, status int, card views.ApprovalItem) error {
	p, d, err := h.listProps(c)
	if err != nil {
		return err
	}
	for i := range d.Items {
		if d.Items[i].ID == card.ID {
			d.Items[i] = card
		}
	}
	return Render(c, status, views.ApprovalsPage(p, d))
}

// History renders /approvals/history: the requests the person decided, with their decision.
func (h Approvals) History(c echo.Context) error {
	ctx := c.Request().Context()
	opt, from := listOptions(c)
	opt.Desc = true // newest first
	page, err := h.Svc.DescribeMyDecisions(ctx, opt)
	if err != nil {
		return err
	}
	waiting, err := h.Svc.PendingApprovalCount(ctx)
	if err != nil {
		return err
	}
	who, _ := entitlement.PrincipalFrom(ctx)
	now := h.now()
	d := views.ApprovalHistoryProps{Total: page.Total, Tabs: views.ApprovalTabs("history", waiting), Pagination: pagination(c, "/approvals/history", page, from, "")}
	for _, v := range page.Items {
		for i, st := range v.Stages {
			if st.DecidedBy != who.UserID {
				continue
			}
			it := approvalItem(ctx, v, who.UserID, now)
			it.Stage = stageLabel(v.Request, i)
			fillDecision(ctx, &it, v, i, who.UserID, now)
			it.RequestState = requestState(v.RequestState)
			d.Items = append(d.Items, it)
		}
	}
	p, err := h.Page(c, "Your decisions", views.SectionApprovals)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.ApprovalHistoryPage(p, d))
}

// Show renders GET /approvals/{id}: one request as its approver sees it, the page mail links to.
// While it waits for the person it has the decision form; once someone decided (or it was
// canceled or timed out) it says who and when. People who were never asked are sent to the
// request's own page, which the service lets them read or not.
func (h Approvals) Show(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	v, err := h.describedRequest(ctx, id)
	if err != nil {
		return err
	}
	r := v.Request
	who, _ := entitlement.PrincipalFrom(ctx)
	idx := -1
	for i, st := range r.Stages {
		if slices.Contains(st.Approvers, who.UserID) || slices.Contains(st.EscalationApprovers, who.UserID) || st.DecidedBy == who.UserID {
			idx = i
		}
	}
	if idx < 0 {
		return c.Redirect(http.StatusSeeOther, "/access/requests/"+id)
	}
	now := h.now()
	it := approvalItem(ctx, v, who.UserID, now)
	waiting := r.RequestState == entitlement.StatePendingApproval && idx == r.CurrentStage && slices.Contains(r.PendingApprovers(), who.UserID)
	if !waiting {
		it.Stage = stageLabel(r, idx)
		fillDecision(ctx, &it, v, idx, who.UserID, now)
	}
	p, err := h.Page(c, "Approval: "+v.PackageName, views.SectionApprovals)
	if err != nil {
		return err
	}
	p.Breadcrumbs = []views.NavItem{{Label: "Approvals", URL: "/approvals"}, {Label: v.PackageName, Current: true}}
	return Render(c, http.StatusOK, views.ApprovalPage(views.ApprovalProps{Page: p, Item: it}))
}

// approvalItem is a request as the approver sees it.
func approvalItem(ctx context.Context, v entitlement.RequestView, me string, now time.Time) views.ApprovalItem {
	r := v.Request
	it := views.ApprovalItem{
		ID: r.ID, Requester: person(v.Person(r.RequestorID)), Target: person(v.Person(r.TargetID)),
		Package: v.PackageName, PackageDescription: v.PackageDescription, Catalog: v.CatalogName, Policy: v.PolicyName,
		Kind: requestKind(r.RequestType), Justification: r.Justification, Submitted: views.At(ctx, now, r.CreatedDateTime),
		RequestState: requestState(r.RequestState), Answers: views.Answers(r.Answers),
	}
	start, end := views.ScheduleWords(ctx, v)
	if r.RequestType == entitlement.RequestUserExtend {
		it.Schedule = views.ExtensionSpan(r.ExtendsFrom, r.Schedule.Expiration.EndDateTime)
	} else if strings.HasSuffix(end, " after it starts") {
		it.Schedule = words.Uncapitalize(start) + ", for " + strings.TrimSuffix(end, " after it starts")
	} else {
		it.Schedule = words.Uncapitalize(start) + ", until " + words.Uncapitalize(end)
	}
	if r.CurrentStage < len(r.Stages) {
		st := r.Stages[r.CurrentStage]
		it.Earlier = earlierStages(ctx, v, r.CurrentStage, me, now)
		it.Stage = stageLabel(r, r.CurrentStage)
		it.StageNumber = r.CurrentStage + 1
		it.ReasonRequired = st.JustificationRequired
		if st.TimeoutDateTime != nil {
			it.TimesOut = views.Deadline(ctx, now, *st.TimeoutDateTime)
		}
		since := r.CreatedDateTime
		if st.StartedDateTime != nil {
			since = *st.StartedDateTime
		}
		it.Waiting = views.Span(now.Sub(since))
		it.Escalated = st.Escalated && slices.Contains(st.EscalationApprovers, me) && !slices.Contains(st.Approvers, me)
		for _, id := range r.PendingApprovers() {
			if id != me {
				it.OtherApprovers = append(it.OtherApprovers, v.Person(id).Name)
			}
		}
	}
	return it
}

// earlierStages are the decisions of the stages before stage idx: who, when and why.
func earlierStages(ctx context.Context, v entitlement.RequestView, idx int, me string, now time.Time) []views.StageOutcome {
	var out []views.StageOutcome
	for i := 0; i < idx && i < len(v.Stages); i++ {
		st := v.Stages[i]
		if st.DecidedBy == "" {
			continue
		}
		by := cmp.Or(st.DecidedByName, v.Person(st.DecidedBy).Name)
		if st.DecidedBy == me {
			by = "you"
		}
		out = append(out, views.StageOutcome{
			Stage: stageLabel(v.Request, i), Decision: stageDecision(st), By: by,
			At: views.AtPtr(ctx, now, st.DecidedDateTime), Reason: st.DecisionJustification,
		})
	}
	return out
}

// stageDecision is what a stage decided, as a badge.
func stageDecision(st entitlement.StageState) views.State {
	if st.Decision == entitlement.DecisionDeny || st.Status == entitlement.StageDenied {
		return views.State{Label: "Denied", Tone: components.ToneDanger}
	}
	return views.State{Label: "Approved", Tone: components.ToneSuccess}
}

// fillDecision marks an item decided with stage idx's decision; "you" when me decided it.
func fillDecision(ctx context.Context, it *views.ApprovalItem, v entitlement.RequestView, idx int, me string, now time.Time) {
	st := v.Stages[idx]
	it.Decided = true
	it.Earlier = earlierStages(ctx, v, idx, me, now)
	it.Decision = stageDecision(st)
	switch {
	case st.DecidedBy == me:
		it.DecidedBy = "You " + strings.ToLower(it.Decision.Label) + " this request"
	case st.DecidedBy != "":
		it.DecidedBySomeoneElse = true
		it.DecidedBy = cmp.Or(st.DecidedByName, v.Person(st.DecidedBy).Name)
	default:
		// Ended without a decision of this stage: canceled, timed out.
		it.DecidedBySomeoneElse = true
		it.DecidedBy = "Steward"
		it.Decision = requestState(v.RequestState)
	}
	it.DecidedAt = views.AtPtr(ctx, now, st.DecidedDateTime)
	it.DecisionReason = st.DecisionJustification
}

// decision reads the decision form: approve or deny, and the stage it was meant for.
func decision(c echo.Context) (approve bool, ok bool) {
	switch c.FormValue("decision") {
	case "approve":
		return true, true
	case "deny":
		return false, true
	}
	return false, false
}

// Decide handles POST /approvals/{id}/decide. With htmx the request's card is replaced in place
// by its decided state (or by the card with the message when the decision did not go through);
// without, the person is sent back to the list with a flash.
func (h Approvals) Decide(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	approve, ok := decision(c)
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Approve or Deny.")
	}
	stage, _ := strconv.Atoi(c.FormValue("stage"))
	reason := c.FormValue("reason")
	who, _ := entitlement.PrincipalFrom(ctx)
	r, err := h.Svc.DecideStage(ctx, id, stage, approve, reason)
	if fields, ok := FieldErrors(err); ok {
		it, lerr := h.item(ctx, id, who.UserID)
		if lerr != nil {
			return lerr
		}
		it.Reason = reason
		it.ReasonError = words.Sentence(cmp.Or(fields["justification"], fields[""]))
		if it.ReasonError == "" {
			it.Error = words.Sentence(strings.Join(mapValues(fields), "; "))
		}
		if IsHTMX(c) {
			p, perr := h.Page(c, "", views.SectionApprovals)
			if perr != nil {
				return perr
			}
			return Render(c, http.StatusUnprocessableEntity, views.ApprovalCard(p, it, c.FormValue("selectable") == "true"))
		}
		return h.renderWithCard(c, http.StatusUnprocessableEntity, it)
	}
	var re *entitlement.RuleError
	if errors.As(err, &re) && re.Code == entitlement.CodeAlreadyDecided {
		r, err = h.Svc.RequestByID(ctx, id)
		if err != nil {
			return err
		}
		return h.decided(c, r, stage, who.UserID, words.Sentence(re.Message))
	}
	if msg, ok := ruleMessage(err); ok {
		if IsHTMX(c) {
			it, lerr := h.item(ctx, id, who.UserID)
			if lerr != nil {
				return lerr
			}
			it.Reason, it.Error = reason, msg
			p, perr := h.Page(c, "", views.SectionApprovals)
			if perr != nil {
				return perr
			}
			return Render(c, http.StatusOK, views.ApprovalCard(p, it, false))
		}
		if ferr := h.Flash(c, components.FlashError, msg); ferr != nil {
			return ferr
		}
		return h.SeeOther(c, "/approvals", "")
	}
	if err != nil {
		return err
	}
	return h.decided(c, r, stage, who.UserID, "")
}

// decided answers a decision with the request's decided card (htmx) or a flash and the list.
// note, when set, says that someone else decided first.
func (h Approvals) decided(c echo.Context, r entitlement.Request, stage int, me, note string) error {
	ctx := c.Request().Context()
	described, err := h.Svc.DescribeRequests(ctx, []entitlement.Request{r})
	if err != nil {
		return err
	}
	v := described[0]
	now := h.now()
	idx := stage - 1
	if idx < 0 || idx >= len(v.Stages) {
		// The stage decided last (by the person, or by whoever came first).
		idx = 0
		for i, st := range v.Stages {
			if st.DecidedDateTime != nil {
				idx = i
			}
		}
		for i, st := range v.Stages {
			if st.DecidedBy == me {
				idx = i
			}
		}
	}
	it := approvalItem(ctx, v, me, now)
	it.Stage = stageLabel(r, idx)
	if idx < len(v.Stages) {
		fillDecision(ctx, &it, v, idx, me, now)
	}
	if IsHTMX(c) {
		p, err := h.Page(c, "", views.SectionApprovals)
		if err != nil {
			return err
		}
		return Render(c, http.StatusOK, views.DecidedCard(p, it))
	}
	if it.DecidedBySomeoneElse {
		msg := note
		if msg == "" {
			msg = fmt.Sprintf("The request of %s for %s was already decided by %s.", it.Requester.Label(), it.Package, it.DecidedBy)
		}
		if err := h.Flash(c, components.FlashInfo, msg); err != nil {
			return err
		}
		return h.SeeOther(c, "/approvals", "")
	}
	return h.SeeOther(c, "/approvals", fmt.Sprintf("You %s the request of %s for %s.", strings.ToLower(it.Decision.Label), it.Requester.Label(), it.Package))
}

// item loads one request as the approver's card.
func (h Approvals) item(ctx context.Context, id, me string) (views.ApprovalItem, error) {
	v, err := h.describedRequest(ctx, id)
	if err != nil {
		return views.ApprovalItem{}, err
	}
	return approvalItem(ctx, v, me, h.now()), nil
}

// Bulk handles POST /approvals/bulk: approve or deny the selected requests (values "<id>@<stage>",
// and with "all" every request the page showed) with one reason. When all went through, back to
// the list with what happened; otherwise the list again, with the requests that failed marked,
// still ticked, each with its reason.
func (h Approvals) Bulk(c echo.Context) error {
	ctx := c.Request().Context()
	approve, ok := decision(c)
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose Approve selected or Deny selected.")
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	selected := form["id"]
	if form.Get("all") != "" {
		selected = append(selected, form["shown"]...)
	}
	slices.Sort(selected)
	selected = slices.Compact(selected)
	if len(selected) == 0 {
		if err := h.Flash(c, components.FlashError, "Select at least one request first: tick the box beside each request you want to decide."); err != nil {
			return err
		}
		return h.SeeOther(c, "/approvals", "")
	}
	reason := c.FormValue("reason")
	done := 0
	failed := map[string]string{} // request id → why, in a few words
	missing := map[string]int{}   // 1 for the requests that no longer exist
	for _, sel := range selected {
		id, stageText, _ := strings.Cut(sel, "@")
		stage, _ := strconv.Atoi(stageText)
		_, err := h.Svc.DecideStage(ctx, id, stage, approve, reason)
		if err == nil {
			done++
			continue
		}
		// A refusal of one request (decided meanwhile, or one the person may not decide, such as
		// their own) must not hide what happened to the others, which are already decided.
		if fields, ok := FieldErrors(err); ok {
			failed[id] = words.Sentence(cmp.Or(fields["justification"], strings.Join(mapValues(fields), "; ")))
		} else if msg, ok := refusalMessage(err); ok {
			failed[id] = msg
		} else if errors.Is(err, entitlement.ErrNotFound) {
			failed[id], missing[id] = "It no longer exists.", 1
		} else {
			return err
		}
	}
	verb := "denied"
	if approve {
		verb = "approved"
	}
	if len(failed) == 0 {
		return h.SeeOther(c, "/approvals", fmt.Sprintf("You %s %s.", verb, words.Plural(done, "request", "requests")))
	}
	p, d, err := h.listProps(c)
	if err != nil {
		return err
	}
	if done > 0 {
		p.Flashes = append(p.Flashes, views.Flash{Kind: components.FlashSuccess, Message: fmt.Sprintf("You %s %s.", verb, words.Plural(done, "request", "requests"))})
	}
	d.Bulk = views.BulkOutcome{Failed: len(failed), Approve: approve, Reason: reason}
	for i := range d.Items {
		if msg, ok := failed[d.Items[i].ID]; ok {
			d.Items[i].BulkError, d.Items[i].Selected = msg, true
			delete(failed, d.Items[i].ID)
		}
	}
	// Refusals of real requests first: those of requests that no longer exist name nothing.
	ids := slices.SortedFunc(maps.Keys(failed), func(a, b string) int {
		return cmp.Or(cmp.Compare(missing[a], missing[b]), cmp.Compare(a, b))
	})
	for _, id := range ids {
		if len(d.Bulk.Gone) == bulkGoneShown {
			d.Bulk.More++
			continue
		}
		d.Bulk.Gone = append(d.Bulk.Gone, h.requestLabel(ctx, id)+": "+words.Uncapitalize(strings.TrimSuffix(failed[id], ".")))
	}
	return Render(c, http.StatusUnprocessableEntity, views.ApprovalsPage(p, d))
}

// bulkGoneShown is how many refused requests that are no longer on the list a bulk decision's
// answer names; the rest are counted, so that a stale or forged form of hundreds stays readable.
const bulkGoneShown = 5

// requestLabel names a request for a message: "Riley Requester's request for Finance reports".
func (h Approvals) requestLabel(ctx context.Context, id string) string {
	v, err := h.describedRequest(ctx, id)
	if err != nil {
		return "A request"
	}
	r := v.Request
	return fmt.Sprintf("The request of %s for %s", v.Person(r.RequestorID).Name, v.PackageName)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

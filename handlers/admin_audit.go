package handlers

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// AdminAudit serves the audit log and its exports.
type AdminAudit struct {
	*Base
}

// auditFilter reads the filter from the query: the actor may be a user id, an e-mail address or
// the start of a name, which must name one person.
func (h AdminAudit) auditFilter(c echo.Context) (views.AuditFilterForm, entitlement.AuditFilter, string, map[string]string, error) {
	q := c.QueryParams()
	form := views.AuditFilterForm{
		Actor: strings.TrimSpace(q.Get("actor")), Object: strings.TrimSpace(q.Get("object")), ObjectType: q.Get("type"),
		Action: q.Get("action"), From: q.Get("from"), To: q.Get("to"),
	}
	f := entitlement.AuditFilter{ObjectID: form.Object, ObjectType: form.ObjectType, Action: form.Action}
	errs := map[string]string{}
	label := ""
	if form.Actor != "" {
		ctx := c.Request().Context()
		if _, err := uuid.Parse(form.Actor); err == nil {
			f.ActorID = form.Actor
			label, _ = h.person(ctx, form.Actor)
		} else {
			page, err := h.Svc.ListUsers(ctx, entitlement.ListOptions{Search: form.Actor, Limit: 10})
			if err != nil {
				return form, f, "", nil, err
			}
			var match []entitlement.User
			for _, u := range page.Items {
				if strings.EqualFold(u.Email, form.Actor) {
					match = []entitlement.User{u}
					break
				}
				match = append(match, u)
			}
			switch len(match) {
			case 0:
				errs["actor"] = "Nobody in the directory matches; type an e-mail address or the start of a name."
				f.ActorID = "-" // matches nothing
			case 1:
				f.ActorID, label = match[0].ID, match[0].Label()+" ("+match[0].Email+")"
			default:
				errs["actor"] = "Several people match; type their e-mail address."
				f.ActorID = "-"
			}
		}
	}
	if form.From != "" {
		if t, err := time.Parse(dateLayout, form.From); err == nil {
			f.From = t
		} else {
			errs["from"] = "Choose a date."
		}
	}
	if form.To != "" {
		if t, err := time.Parse(dateLayout, form.To); err == nil {
			f.To = t.Add(24 * time.Hour)
		} else {
			errs["to"] = "Choose a date."
		}
	}
	if len(errs) == 0 {
		errs = nil
	}
	return form, f, label, errs, nil
}

// List renders GET /admin/audit.
func (h AdminAudit) List(c echo.Context) error {
	today := h.Svc.Clock().Now().UTC()
	ev := views.EvidenceForm{From: today.AddDate(0, 0, -30).Format(dateLayout), To: today.Format(dateLayout), Format: "csv"}
	return h.page(c, ev, nil)
}

// page renders the audit log with the evidence form as given, and its errors (422) if any.
func (h AdminAudit) page(c echo.Context, ev views.EvidenceForm, evErrs map[string]string) error {
	p, _, err := h.adminPage(c, "Audit log", navAudit)
	if err != nil {
		return err
	}
	form, f, label, errs, err := h.auditFilter(c)
	if err != nil {
		return err
	}
	opt := adminListOptions(c)
	opt.Search = ""
	page, err := h.Svc.ListAudit(c.Request().Context(), f, opt)
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"actor": form.Actor, "object": form.Object, "type": form.ObjectType, "action": form.Action, "from": form.From, "to": form.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	status := http.StatusOK
	if errs != nil || evErrs != nil {
		status = http.StatusUnprocessableEntity
	}
	pkgs, more, err := h.Svc.PackageChoices(c.Request().Context(), entitlement.MaxPageSize)
	if err != nil {
		return err
	}
	options := []components.SelectOption{{Value: "", Label: "All access packages"}}
	for _, pk := range pkgs {
		options = append(options, components.SelectOption{Value: pk.ID, Label: pk.DisplayName})
	}
	return Render(c, status, views.AuditPage(views.AuditProps{
		Page: p, Filter: form, ActorLabel: label, Errors: errs, Events: page.Items,
		Pager: pageLinks(c, "/admin/audit", page, opt), Now: h.Svc.Clock().Now(), ExportQuery: q.Encode(),
		Evidence: ev, EvidenceErrors: evErrs, Packages: options, MorePackages: more,
	}))
}

// Verify serves POST /admin/audit/verify: it checks the audit chain and tells the result in a
// flash, the head hash included, so that an administrator can note it.
func (h AdminAudit) Verify(c echo.Context) error {
	exported := strings.TrimSpace(c.FormValue("head"))
	v, err := h.Svc.VerifyAudit(c.Request().Context(), exported)
	if err != nil {
		return err
	}
	var msg string
	switch {
	case !v.Intact:
		msg = fmt.Sprintf("The audit trail is broken at event %d (%s): %s.", v.Position, v.Problem, v.Detail)
	case exported != "" && v.ExportedAt == 0:
		msg = fmt.Sprintf("The audit trail is intact (%d events, head hash %s) but does not hold the exported head %s.", v.Count, v.HeadHash, exported)
	}
	if msg != "" {
		if err := h.flashError(c, msg); err != nil {
			return err
		}
		return h.SeeOther(c, "/admin/audit", "")
	}
	msg = fmt.Sprintf("The audit trail is intact: %d events, head hash %s.", v.Count, v.HeadHash)
	if v.Count == 0 {
		msg = "The audit trail is intact: no events yet."
	}
	if exported != "" {
		msg += fmt.Sprintf(" The exported head is event %d: the trail has only grown since.", v.ExportedAt)
	}
	return h.SeeOther(c, "/admin/audit", msg)
}

// Evidence serves POST /admin/audit/evidence: the evidence of a range of days, as CSV or JSON.
// It is a POST because each export is recorded in the audit log.
func (h AdminAudit) Evidence(c echo.Context) error {
	ev := views.EvidenceForm{
		From: c.FormValue("evidenceFrom"), To: c.FormValue("evidenceTo"),
		Package: c.FormValue("evidencePackage"), Format: c.FormValue("evidenceFormat"),
	}
	errs := map[string]string{}
	var f entitlement.EvidenceFilter
	if t, err := time.Parse(dateLayout, ev.From); err == nil {
		f.From = t
	} else {
		errs["evidenceFrom"] = "Choose the first day."
	}
	if t, err := time.Parse(dateLayout, ev.To); err == nil {
		f.To = t.Add(24 * time.Hour) // the last day is included
	} else {
		errs["evidenceTo"] = "Choose the last day."
	}
	if ev.Format != "csv" && ev.Format != "json" {
		errs["evidenceFormat"] = "Choose CSV or JSON."
	}
	if len(errs) > 0 {
		return h.page(c, ev, errs)
	}
	f.AccessPackageID = ev.Package
	out, err := h.Svc.Evidence(c.Request().Context(), f)
	if fields, ok := FieldErrors(err); ok {
		for k, msg := range fields {
			errs["evidence"+strings.ToUpper(k[:1])+k[1:]] = words.Sentence(msg)
		}
		return h.page(c, ev, errs)
	}
	if err != nil {
		return err
	}
	name := "steward-evidence-" + out.From.Format("20060102") + "-" + out.To.Add(-time.Nanosecond).Format("20060102") + "." + ev.Format
	res := c.Response()
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	if ev.Format == "json" {
		res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		res.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(res)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.WriteHeader(http.StatusOK)
	return writeEvidenceCSV(res, out)
}

// writeEvidenceCSV writes the export's facts as name,value rows (the audit chain's head among
// them), then a header and one row per step.
func writeEvidenceCSV(out io.Writer, ev entitlement.Evidence) error {
	w := csv.NewWriter(out)
	facts := [][]string{
		{"generatedAt", ev.GeneratedAt.UTC().Format(time.RFC3339)},
		{"generatedBy", csvSafe(ev.GeneratedBy)},
		{"from", ev.From.Format(time.RFC3339)},
		{"to", ev.To.Format(time.RFC3339)},
		{"accessPackageId", ev.AccessPackageID},
		{"accessPackageName", csvSafe(ev.AccessPackageName)},
		{"auditChainEvents", strconv.FormatUint(ev.AuditChain.Count, 10)},
		{"auditChainHeadHash", ev.AuditChain.Hash},
	}
	for _, r := range facts {
		_ = w.Write(r)
	}
	_ = w.Write([]string{"at", "kind", "requestId", "requestType", "accessPackageId", "accessPackageName", "targetId", "targetName",
		"assignmentId", "stage", "actorId", "actorName", "reason"})
	for _, e := range ev.Events {
		stage := ""
		if e.Stage > 0 {
			stage = strconv.Itoa(e.Stage)
		}
		_ = w.Write([]string{e.At.UTC().Format(time.RFC3339), e.Kind, e.RequestID, e.RequestType, e.AccessPackageID, csvSafe(e.AccessPackageName),
			e.TargetID, csvSafe(e.TargetName), e.AssignmentID, stage, e.ActorID, csvSafe(e.ActorName), csvSafe(e.Reason)})
	}
	w.Flush()
	return w.Error()
}

// exportLimit bounds one export, so that an unfiltered export of a large tenant stays a file a
// person can open; the filter narrows it.
const exportLimit = 100000

// events reads every event the filter selects, newest first, up to exportLimit.
func (h AdminAudit) events(c echo.Context) ([]entitlement.AuditEvent, error) {
	if _, _, err := h.adminPage(c, "Audit log", navAudit); err != nil {
		return nil, err
	}
	_, f, _, errs, err := h.auditFilter(c)
	if err != nil {
		return nil, err
	}
	if errs != nil {
		return nil, &entitlement.ValidationError{Code: "invalidFilter", Fields: errs}
	}
	var out []entitlement.AuditEvent
	opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
	for len(out) < exportLimit {
		page, err := h.Svc.ListAudit(c.Request().Context(), f, opt)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			break
		}
		opt.After = page.Next
	}
	return out, nil
}

func exportName(ext string, now time.Time) string {
	return "steward-audit-" + now.UTC().Format("20060102-150405") + "." + ext
}

// ExportCSV serves GET /admin/audit/export.csv: the filtered events as CSV.
func (h AdminAudit) ExportCSV(c echo.Context) error {
	events, err := h.events(c)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+exportName("csv", h.Svc.Clock().Now())+`"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	// The columns people read come first, in the words of the audit page; the ids and the chain
	// position after them let a row be traced back to the event.
	_ = w.Write([]string{"When (UTC)", "Who", "What", "Details", "Object type", "Object", "Event id", "Actor id", "Object id", "Chain position", "Hash"})
	for _, e := range events {
		l := views.DescribeAudit(e)
		_ = w.Write([]string{e.At.UTC().Format(time.RFC3339), csvSafe(l.Who), csvSafe(words.Capitalize(l.What)), csvSafe(l.Detail), views.ObjectTypeLabel(e.ObjectType), csvSafe(e.ObjectName),
			e.ID, e.ActorID, e.ObjectID, strconv.FormatUint(e.Seq, 10), e.Hash})
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV injection): names and
// summaries come from people.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ExportJSON serves GET /admin/audit/export.json: the filtered events as a JSON array.
func (h AdminAudit) ExportJSON(c echo.Context) error {
	events, err := h.events(c)
	if err != nil {
		return err
	}
	if events == nil {
		events = []entitlement.AuditEvent{}
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+exportName("json", h.Svc.Clock().Now())+`"`)
	res.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(res)
	enc.SetIndent("", "  ")
	return enc.Encode(events)
}

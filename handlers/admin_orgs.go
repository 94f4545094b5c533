package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// AdminOrgs serves the connected organizations: list, create, edit, delete, and their sponsors.
type AdminOrgs struct {
	*Base
}

const orgsURL = "/admin/connected-organizations"

// List renders GET /admin/connected-organizations. Like an organization's own page it is for
// administrators: catalog managers may find organizations in a policy's picker, but they cannot
// open, add or change them here.
func (h AdminOrgs) List(c echo.Context) error {
	p, caps, err := h.adminPage(c, "Connected organizations", navOrgs)
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return refused("Only administrators manage connected organizations.")
	}
	opt := adminListOptions(c)
	page, err := h.Svc.ListConnectedOrganizations(c.Request().Context(), opt)
	if err != nil {
		return err
	}
	return Render(c, http.StatusOK, views.OrgListPage(views.OrgListProps{Page: p, Query: opt.Search, Orgs: page.Items, Pager: pageLinks(c, orgsURL, page, opt)}))
}

// orgInput turns the form into the domain's input: one identity source per domain and tenant
// line, and the federation when either of its fields is filled in.
func orgInput(f views.OrgForm) entitlement.ConnectedOrganizationInput {
	in := entitlement.ConnectedOrganizationInput{DisplayName: f.DisplayName, Description: f.Description, State: f.State, IfVersion: f.Version}
	for _, d := range lines(f.Domains) {
		in.IdentitySources = append(in.IdentitySources, entitlement.IdentitySource{Type: entitlement.SourceDomain, DomainName: d})
	}
	for _, t := range lines(f.Tenants) {
		in.IdentitySources = append(in.IdentitySources, entitlement.IdentitySource{Type: entitlement.SourceTenant, TenantID: t})
	}
	if strings.TrimSpace(f.FederationDomain) != "" || strings.TrimSpace(f.Issuer) != "" {
		in.IdentitySources = append(in.IdentitySources, entitlement.IdentitySource{Type: entitlement.SourceFederation, DomainName: f.FederationDomain, IssuerURI: f.Issuer})
	}
	return in
}

func orgForm(o entitlement.ConnectedOrganization) views.OrgForm {
	f := views.OrgForm{DisplayName: o.DisplayName, Description: o.Description, State: o.State, Version: o.Version}
	var domains, tenants []string
	for _, s := range o.IdentitySources {
		switch s.Type {
		case entitlement.SourceDomain:
			domains = append(domains, s.DomainName)
		case entitlement.SourceTenant:
			tenants = append(tenants, s.TenantID)
		case entitlement.SourceFederation:
			f.FederationDomain, f.Issuer = s.DomainName, s.IssuerURI
		}
	}
	f.Domains, f.Tenants = strings.Join(domains, "\n"), strings.Join(tenants, "\n")
	return f
}

// lines splits text into its non-empty trimmed lines (commas separate too).
func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func readOrgForm(c echo.Context) views.OrgForm {
	return views.OrgForm{
		DisplayName: c.FormValue("displayName"), Description: c.FormValue("description"), State: c.FormValue("state"),
		Domains: c.FormValue("domains"), Tenants: c.FormValue("tenants"),
		FederationDomain: c.FormValue("federationDomain"), Issuer: c.FormValue("issuer"),
		Version: formVersion(c),
	}
}

func (h AdminOrgs) form(c echo.Context, status int, id string, f views.OrgForm, errs map[string]string, stale *views.Stale) error {
	title, action, cancel := "New connected organization", orgsURL+"/new", orgsURL
	crumbs := []views.NavItem{{Label: "Connected organizations", URL: orgsURL}}
	if id != "" {
		// The breadcrumb names the organization as saved, not as typed (which may be empty).
		o, err := h.Svc.ConnectedOrganizationByID(c.Request().Context(), id)
		if err != nil {
			return err
		}
		title, action, cancel = "Edit connected organization", orgsURL+"/"+id+"/edit", orgsURL+"/"+id
		crumbs = append(crumbs, views.NavItem{Label: o.DisplayName, URL: cancel})
	}
	p, caps, err := h.adminPage(c, title, navOrgs, append(crumbs, views.NavItem{Label: title})...)
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return refused("Only administrators can add and change connected organizations.")
	}
	return Render(c, status, views.OrgFormPage(views.OrgFormProps{Page: p, Editing: id != "", Values: f, Errors: fieldMessages(errs), Action: action, CancelURL: cancel, Stale: stale}))
}

// New renders GET /admin/connected-organizations/new.
func (h AdminOrgs) New(c echo.Context) error {
	return h.form(c, http.StatusOK, "", views.OrgForm{State: entitlement.OrgConfigured}, nil, nil)
}

// Create handles POST /admin/connected-organizations/new.
func (h AdminOrgs) Create(c echo.Context) error {
	f := readOrgForm(c)
	o, err := h.Svc.CreateConnectedOrganization(c.Request().Context(), orgInput(f))
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, "", f, errs, nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, orgsURL+"/"+o.ID, "\""+o.DisplayName+"\" added. Add its sponsors, then open packages to it in a policy.")
}

// Edit renders GET /admin/connected-organizations/:id/edit.
func (h AdminOrgs) Edit(c echo.Context) error {
	o, err := h.Svc.ConnectedOrganizationByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.form(c, http.StatusOK, o.ID, orgForm(o), nil, nil)
}

// Update handles POST /admin/connected-organizations/:id/edit.
func (h AdminOrgs) Update(c echo.Context) error {
	id := c.Param("id")
	f := readOrgForm(c)
	in := orgInput(f)
	if len(in.IdentitySources) == 0 {
		// An empty input keeps the current sources in the domain; the form means "none".
		return h.form(c, http.StatusUnprocessableEntity, id, f, map[string]string{"identitySources": "add how the organization's users are recognised: an e-mail domain, a tenant id or a federation issuer"}, nil)
	}
	o, err := h.Svc.UpdateConnectedOrganization(c.Request().Context(), id, in)
	if errs, ok := FieldErrors(err); ok {
		return h.form(c, http.StatusUnprocessableEntity, id, f, errs, nil)
	}
	if stale, ok := h.staleNotice(err, "this connected organization"); ok {
		cur, err := h.Svc.ConnectedOrganizationByID(c.Request().Context(), id)
		if err != nil {
			return err
		}
		now := orgForm(cur)
		stale.Current = []views.CurrentValue{
			{Label: "Name", Value: now.DisplayName}, {Label: "Description", Value: now.Description},
			{Label: "State", Value: views.OrgStateLabel(now.State)}, {Label: "E-mail domains", Value: strings.ReplaceAll(now.Domains, "\n", ", ")},
			{Label: "Microsoft Entra tenant ids", Value: strings.ReplaceAll(now.Tenants, "\n", ", ")},
			{Label: "Federated domain", Value: now.FederationDomain}, {Label: "Issuer", Value: now.Issuer},
		}
		f.Version = cur.Version
		return h.form(c, http.StatusConflict, id, f, nil, stale)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, orgsURL+"/"+o.ID, "\""+o.DisplayName+"\" saved.")
}

// Delete handles POST /admin/connected-organizations/:id/delete.
func (h AdminOrgs) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	o, err := h.Svc.ConnectedOrganizationByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.Svc.DeleteConnectedOrganization(ctx, o.ID, formVersion(c)); err != nil {
		if msg, ok := h.deleteRefusal(c, err, "this connected organization"); ok {
			if err := h.flashError(c, "The organization was not deleted: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, orgsURL+"/"+o.ID)
		}
		return err
	}
	return h.SeeOther(c, orgsURL, "\""+o.DisplayName+"\" deleted.")
}

// Show renders GET /admin/connected-organizations/:id.
func (h AdminOrgs) Show(c echo.Context) error {
	return h.show(c, http.StatusOK, "", "", "", false)
}

// show renders the organization; searchKind is the sponsor list whose picker was searched
// without JavaScript, msg a refusal to show by that list.
func (h AdminOrgs) show(c echo.Context, status int, searchKind, query, msg string, searched bool) error {
	ctx := c.Request().Context()
	o, err := h.Svc.ConnectedOrganizationByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p, caps, err := h.adminPage(c, o.DisplayName, navOrgs, views.NavItem{Label: "Connected organizations", URL: orgsURL}, views.NavItem{Label: o.DisplayName})
	if err != nil {
		return err
	}
	if !caps.IsAdmin {
		return refused("Only administrators manage connected organizations.")
	}
	n := newNameBook(ctx, h.Svc)
	rows := func(list []entitlement.Sponsor) []views.SponsorRow {
		var out []views.SponsorRow
		for _, s := range list {
			detail := "User"
			if s.Type == entitlement.PrincipalGroup {
				detail = "Group: each member sponsors"
			}
			out = append(out, views.SponsorRow{ID: s.ID, Type: s.Type, Label: n.principal(s.ID, s.Type), Detail: detail})
		}
		return out
	}
	props := views.OrgProps{Page: p, Org: o, Internal: rows(o.InternalSponsors), External: rows(o.ExternalSponsors)}
	picker := func(kind, label, help string) views.PickerProps {
		pp := views.PickerProps{ID: kind + "-picker", Label: label, Help: help, Kinds: "user,group", Name: "pick", SearchName: "search", SearchValue: kind, QueryName: "q", Sponsors: kind + ":" + o.ID}
		if kind == searchKind {
			pp.Query, pp.Searched = query, searched
			if searched {
				pp.Results, _ = searchSponsors(ctx, h.Svc, o.ID, kind == "external", query)
			}
		}
		return pp
	}
	props.InternalPicker = picker("internal", "Add an internal sponsor", "A person or group of your own organization.")
	props.ExternalPicker = picker("external", "Add an external sponsor", "A guest from "+o.DisplayName+", or a group.")
	// The refusal shows under the list's picker (as "<kind>-sponsor-error") and describes its box.
	switch {
	case msg == "":
	case searchKind == "external":
		props.ExternalError, props.ExternalPicker.ListErrorID = msg, "external-sponsor-error"
	default:
		props.InternalError, props.InternalPicker.ListErrorID = msg, "internal-sponsor-error"
	}
	return Render(c, status, views.OrgPage(props))
}

// AddSponsor handles POST /admin/connected-organizations/:id/sponsors: a search without
// JavaScript, or the choice (pick=user:<id> or group:<id>) for kind internal or external.
func (h AdminOrgs) AddSponsor(c echo.Context) error {
	id := c.Param("id")
	kind := c.FormValue("kind")
	if kind != "external" {
		kind = "internal"
	}
	pick := c.FormValue("pick")
	if pick == "" {
		return h.show(c, http.StatusOK, kind, c.FormValue("q"), "", true)
	}
	k, pid, ok := cutKind(pick)
	if !ok || (k != "user" && k != "group") {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a person or a group from the list.")
	}
	sp := entitlement.Sponsor{ID: pid, Type: entitlement.PrincipalUser}
	if k == "group" {
		sp.Type = entitlement.PrincipalGroup
	}
	err := h.Svc.AddSponsor(c.Request().Context(), id, kind == "external", sp)
	if errs, ok := FieldErrors(err); ok {
		return h.show(c, http.StatusUnprocessableEntity, kind, c.FormValue("q"), firstMessage(errs), false)
	}
	if msg, ok := ruleRefusal(err, entitlement.ErrConflict); ok {
		return h.show(c, http.StatusConflict, kind, c.FormValue("q"), words.Sentence(msg), false)
	}
	if err != nil {
		return err
	}
	label := newNameBook(c.Request().Context(), h.Svc).principal(sp.ID, sp.Type)
	return h.SeeOther(c, orgsURL+"/"+id, label+" is now an "+kind+" sponsor.")
}

// RemoveSponsor handles POST /admin/connected-organizations/:id/sponsors/remove.
func (h AdminOrgs) RemoveSponsor(c echo.Context) error {
	id := c.Param("id")
	kind := c.FormValue("kind")
	if err := h.Svc.RemoveSponsor(c.Request().Context(), id, kind == "external", c.FormValue("id")); err != nil {
		return err
	}
	return h.SeeOther(c, orgsURL+"/"+id, "Sponsor removed.")
}

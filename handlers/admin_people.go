package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// AdminPeople serves the people picker's search: users, groups and connected organizations that
// match what was typed, as choose buttons for the form the picker sits in.
type AdminPeople struct {
	*Base
}

// pickerLimit is how many matches of each kind a picker shows.
const pickerLimit = 8

// Search renders GET /admin/people?kinds=user,group&name=op&prefix=add:x:&qname=q_x&q_x=ada.
func (h AdminPeople) Search(c echo.Context) error {
	qname := c.QueryParam("qname")
	if qname == "" {
		qname = "q"
	}
	q := c.QueryParam(qname)
	kinds := c.QueryParam("kinds")
	var results []views.Choice
	var err error
	if kind, orgID, ok := strings.Cut(c.QueryParam("sponsors"), ":"); ok {
		results, err = searchSponsors(c.Request().Context(), h.Svc, orgID, kind == "external", q)
	} else {
		results, err = searchPeople(c.Request().Context(), h.Svc, kinds, q)
	}
	if err != nil {
		return err
	}
	if !IsHTMX(c) {
		return h.page(c, q, results)
	}
	return Render(c, http.StatusOK, views.PickerResults(views.PickerResultsProps{
		Results: results, Searched: strings.TrimSpace(q) != "" || (views.PickerProps{Kinds: kinds}).Browses(),
		Name: c.QueryParam("name"), Prefix: c.QueryParam("prefix"),
	}))
}

// page renders the search as a whole page, for a request not made by a picker's htmx (a link,
// a reload), which would otherwise get a bare fragment.
func (h AdminPeople) page(c echo.Context, q string, results []views.Choice) error {
	p, _, err := h.adminPage(c, "Find people", navUsers)
	if err != nil {
		return err
	}
	d := views.PeopleSearchProps{Kinds: c.QueryParam("kinds"), Query: strings.TrimSpace(q), Results: results}
	return Render(c, http.StatusOK, views.PeopleSearchPage(p, d))
}

// searchPeople finds up to pickerLimit users, groups, organizations and service accounts of
// each of the kinds ("user,group,org,service") with a word of their name or e-mail starting with each word of q. An empty q
// finds nothing, except for a picker of groups only, which lists the first groups to browse.
func searchPeople(ctx context.Context, svc *entitlement.Service, kinds, q string) ([]views.Choice, error) {
	q = strings.TrimSpace(q)
	if q == "" && !(views.PickerProps{Kinds: kinds}).Browses() {
		return nil, nil
	}
	opt := entitlement.ListOptions{Search: q, Limit: pickerLimit}
	var out []views.Choice
	for _, k := range strings.Split(kinds, ",") {
		switch strings.TrimSpace(k) {
		case "user":
			page, err := svc.ListUsers(ctx, opt)
			if err != nil {
				return nil, err
			}
			for _, u := range page.Items {
				if u.AccountEnabled {
					out = append(out, userChoice(u))
				}
			}
		case "service":
			// Service accounts hold catalog roles as people do, and are chosen as users.
			page, err := svc.ServiceAccounts(ctx, opt)
			if err != nil {
				return nil, err
			}
			for _, a := range page.Items {
				if a.AccountEnabled {
					out = append(out, views.Choice{Kind: "user", ID: a.ID, Label: a.Label(), Detail: "Service account"})
				}
			}
		case "group":
			page, err := svc.ListGroups(ctx, opt)
			if err != nil {
				return nil, err
			}
			for _, g := range page.Items {
				out = append(out, views.Choice{Kind: "group", ID: g.ID, Label: g.DisplayName, Detail: g.Description})
			}
		case "org":
			page, err := svc.ListConnectedOrganizations(ctx, opt)
			if err != nil {
				return nil, err
			}
			for _, o := range page.Items {
				out = append(out, views.Choice{Kind: "org", ID: o.ID, Label: o.DisplayName, Detail: strings.Join(o.Domains(), ", ")})
			}
		}
	}
	return out, nil
}

func userChoice(u entitlement.User) views.Choice {
	detail := u.Email
	if u.IsGuest() {
		detail += " · guest"
	}
	return views.Choice{Kind: "user", ID: u.ID, Label: u.Label(), Detail: detail}
}

// searchSponsors is searchPeople for a sponsor list of an organization: the people who may be
// its external (its own guests) or internal (members) sponsors, and groups.
func searchSponsors(ctx context.Context, svc *entitlement.Service, orgID string, external bool, q string) ([]views.Choice, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil
	}
	users, err := svc.SponsorCandidates(ctx, orgID, external, q, pickerLimit)
	if err != nil {
		return nil, err
	}
	out := make([]views.Choice, 0, len(users))
	for _, u := range users {
		out = append(out, userChoice(u))
	}
	groups, err := searchPeople(ctx, svc, "group", q)
	return append(out, groups...), err
}

// names looks up the labels of users, groups and organizations for chips and summaries. Entries
// that are gone (or that the caller may not see) are left out, and the page shows them as unknown.
type nameBook struct {
	ctx context.Context
	svc *entitlement.Service
	m   map[string]string
}

func newNameBook(ctx context.Context, svc *entitlement.Service) *nameBook {
	return &nameBook{ctx: ctx, svc: svc, m: map[string]string{}}
}

// add looks up one user set; kinds that name nobody in particular need no lookup.
func (n *nameBook) add(u entitlement.UserSet) error {
	key := views.NameKey(u)
	if _, ok := n.m[key]; ok || u.ID == "" {
		return nil
	}
	var label string
	var err error
	switch u.Type {
	case entitlement.UserSetSingleUser:
		var x entitlement.User
		if x, err = n.svc.UserByID(n.ctx, u.ID); err == nil {
			label = x.Label()
			if x.IsServiceAccount() {
				label += " (service account)"
			}
		}
	case entitlement.UserSetGroupMembers:
		var x entitlement.Group
		if x, err = n.svc.GroupByID(n.ctx, u.ID); err == nil {
			label = x.DisplayName
		}
	case entitlement.UserSetConnectedOrgMembers:
		var x entitlement.ConnectedOrganization
		if x, err = n.svc.ConnectedOrganizationByID(n.ctx, u.ID); err == nil {
			label = x.DisplayName
		}
	default:
		return nil
	}
	if errors.Is(err, entitlement.ErrNotFound) || errors.Is(err, entitlement.ErrForbidden) {
		return nil
	}
	if err != nil {
		return err
	}
	n.m[key] = label
	return nil
}

func (n *nameBook) addAll(sets ...[]entitlement.UserSet) error {
	for _, s := range sets {
		for _, u := range s {
			if err := n.add(u); err != nil {
				return err
			}
		}
	}
	return nil
}

// principal names a catalog role member or sponsor (a user or a group), with its kind.
func (n *nameBook) principal(id, typ string) string {
	u := entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: id}
	if typ == entitlement.PrincipalGroup {
		u.Type = entitlement.UserSetGroupMembers
	}
	if err := n.add(u); err != nil {
		return id
	}
	if l, ok := n.m[views.NameKey(u)]; ok {
		return l
	}
	return "Unknown (" + id + ")"
}

// addDraft looks up the names of everyone a policy draft names.
func (n *nameBook) addDraft(d views.PolicyDraft) error {
	if err := n.addAll(d.Requestors, d.Review.Reviewers); err != nil {
		return err
	}
	for _, s := range d.Stages {
		if err := n.addAll(s.Approvers, s.EscalationApprovers); err != nil {
			return err
		}
	}
	return nil
}

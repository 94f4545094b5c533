package graph

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

var orgFilters = []string{"id", "displayname", "description", "state", "createdby", "createddatetime", "modifiedby", "modifieddatetime"}

func orgField(o entitlement.ConnectedOrganization, p string) any {
	switch p {
	case "id":
		return o.ID
	case "displayname":
		return o.DisplayName
	case "description":
		return o.Description
	case "state":
		return o.State
	case "createdby":
		return o.CreatedBy
	case "createddatetime":
		return o.CreatedDateTime
	case "modifiedby":
		return o.ModifiedBy
	case "modifieddatetime":
		return o.ModifiedDateTime
	}
	return nil
}

func (a *api) sponsors(c echo.Context, list []entitlement.Sponsor) []DirectoryObject {
	out := make([]DirectoryObject, 0, len(list))
	for _, s := range list {
		d := DirectoryObject{Type: odataType("user"), ID: s.ID}
		if s.Type == entitlement.PrincipalGroup {
			d.Type = odataType("group")
			if g, err := a.svc.GroupByID(ctxOf(c), s.ID); err == nil {
				d.DisplayName = g.DisplayName
			}
		} else if u, err := a.svc.UserByID(ctxOf(c), s.ID); err == nil {
			d.DisplayName, d.Mail = u.DisplayName, u.Email
		}
		out = append(out, d)
	}
	return out
}

func (a *api) fullOrg(c echo.Context, o entitlement.ConnectedOrganization, q odata.Query) ConnectedOrganization {
	v := toOrg(o)
	if _, ok := expands(q, "internalSponsors"); ok {
		s := a.sponsors(c, o.InternalSponsors)
		v.InternalSponsors = &s
	}
	if _, ok := expands(q, "externalSponsors"); ok {
		s := a.sponsors(c, o.ExternalSponsors)
		v.ExternalSponsors = &s
	}
	return v
}

func (a *api) listOrgs(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, ConnectedOrganization{}, "internalSponsors", "externalSponsors"); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, orgFilters, orgField)
	if err != nil {
		return err
	}
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.ConnectedOrganization], error) {
		return a.svc.ListConnectedOrganizations(ctxOf(c), o)
	}, keep)
	if err != nil {
		return err
	}
	out := make([]ConnectedOrganization, 0, len(page.Items))
	for _, o := range page.Items {
		out = append(out, a.fullOrg(c, o, q))
	}
	return writeCollection(a, c, emContext+"connectedOrganizations", out, page.Next, page.Count, q)
}

func (a *api) getOrg(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, ConnectedOrganization{}, "internalSponsors", "externalSponsors"); err != nil {
		return err
	}
	o, err := a.svc.ConnectedOrganizationByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"connectedOrganizations/$entity", a.fullOrg(c, o, q), q)
}

type orgBody struct {
	DisplayName     *string           `json:"displayName"`
	Description     *string           `json:"description"`
	State           *string           `json:"state"`
	IdentitySources *[]IdentitySource `json:"identitySources"`
}

func (b orgBody) apply(in *entitlement.ConnectedOrganizationInput) {
	if b.DisplayName != nil {
		in.DisplayName = *b.DisplayName
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if b.State != nil {
		in.State = *b.State
	}
	if b.IdentitySources != nil {
		in.IdentitySources = fromSources(*b.IdentitySources)
	}
}

func (a *api) createOrg(c echo.Context) error {
	var b orgBody
	if err := decode(c, &b); err != nil {
		return err
	}
	var in entitlement.ConnectedOrganizationInput
	b.apply(&in)
	o, err := a.svc.CreateConnectedOrganization(ctxOf(c), in)
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusCreated, emContext+"connectedOrganizations/$entity", toOrg(o), odata.Query{})
}

func (a *api) patchOrg(c echo.Context) error {
	var b orgBody
	if err := decode(c, &b); err != nil {
		return err
	}
	cur, err := a.svc.ConnectedOrganizationByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if err := ifMatch(c, cur.Version); err != nil {
		return err
	}
	in := entitlement.ConnectedOrganizationInput{DisplayName: cur.DisplayName, Description: cur.Description, State: cur.State, IdentitySources: cur.IdentitySources}
	b.apply(&in)
	in.IfVersion = cur.Version
	if _, err := a.svc.UpdateConnectedOrganization(ctxOf(c), cur.ID, in); err != nil {
		return err
	}
	return noContent(c)
}

func (a *api) deleteOrg(c echo.Context) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteConnectedOrganization(ctxOf(c), c.Param("id"), version); err != nil {
		return err
	}
	return noContent(c)
}

func (a *api) listSponsors(external bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := parse(c, "$select", "$top", "$skiptoken", "$count", "$filter")
		if err != nil {
			return err
		}
		if err := checkSelect(q.Select, DirectoryObject{}); err != nil {
			return err
		}
		keep, err := matcher(q.Filter, []string{"id", "displayname", "mail"}, func(d DirectoryObject, p string) any {
			switch p {
			case "id":
				return d.ID
			case "displayname":
				return d.DisplayName
			}
			return d.Mail
		})
		if err != nil {
			return err
		}
		o, err := a.svc.ConnectedOrganizationByID(ctxOf(c), c.Param("id"))
		if err != nil {
			return err
		}
		list := o.InternalSponsors
		if external {
			list = o.ExternalSponsors
		}
		page, err := inMemory(q, a.sponsors(c, list), keep)
		if err != nil {
			return err
		}
		return writeCollection(a, c, "directoryObjects", page.Items, page.Next, page.Count, q)
	}
}

type refBody struct {
	ID string `json:"@odata.id"`
}

func (a *api) addSponsor(external bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b refBody
		if err := decode(c, &b); err != nil {
			return err
		}
		id, group, err := idOf(b.ID)
		if err != nil {
			return err
		}
		sp := entitlement.Sponsor{ID: id, Type: entitlement.PrincipalUser}
		if group {
			sp.Type = entitlement.PrincipalGroup
		} else if strings.Contains(strings.ToLower(b.ID), "/directoryobjects/") {
			// A directoryObject URL does not say what it names: a group if there is one.
			if _, gerr := a.svc.GroupByID(ctxOf(c), id); gerr == nil {
				sp.Type = entitlement.PrincipalGroup
			}
		}
		if err := a.svc.AddSponsor(ctxOf(c), c.Param("id"), external, sp); err != nil {
			return err
		}
		return noContent(c)
	}
}

func (a *api) removeSponsor(external bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.svc.RemoveSponsor(ctxOf(c), c.Param("id"), external, c.Param("sponsor")); err != nil {
			return err
		}
		return noContent(c)
	}
}

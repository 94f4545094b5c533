package graph

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

var userFilters = []string{"id", "displayname", "mail", "userprincipalname", "usertype", "accountenabled", "department", "jobtitle"}

func userField(u entitlement.User, p string) any {
	switch p {
	case "id":
		return u.ID
	case "displayname":
		return u.DisplayName
	case "mail":
		return u.Email
	case "userprincipalname":
		return u.UserPrincipalName
	case "usertype":
		return u.UserType
	case "accountenabled":
		return u.AccountEnabled
	case "department":
		return u.Department
	case "jobtitle":
		return u.JobTitle
	}
	return nil
}

// searchFor returns the text the directory's search index can narrow a filter by: the value of
// an equality or startswith on mail or displayName. The whole filter still decides.
func searchFor(f odata.Expr, paths ...string) string {
	for _, p := range paths {
		if v, ok := odata.Equality(f, p); ok {
			return v
		}
	}
	if m, ok := f.(odata.Match); ok && m.Func == "startswith" {
		if p, ok := m.Subject.(odata.Path); ok {
			for _, want := range paths {
				if p.Name == want {
					v, _ := m.Value.(odata.Literal).Value.(string)
					return v
				}
			}
		}
	}
	return ""
}

func (a *api) listUsers(c echo.Context) error {
	q, err := parse(c, "$filter", "$select", "$top", "$skiptoken", "$count", "$orderby")
	if err != nil {
		return err
	}
	if err := checkSelect(q.Select, User{}); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, userFilters, userField)
	if err != nil {
		return err
	}
	search := searchFor(q.Filter, "mail", "displayname", "userprincipalname")
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
		o.Search, o.NameOrder = search, true
		return a.svc.ListUsers(ctxOf(c), o)
	}, keep)
	if err != nil {
		return err
	}
	out := make([]User, 0, len(page.Items))
	for _, u := range page.Items {
		out = append(out, toUser(u))
	}
	return writeCollection(a, c, "users", out, page.Next, page.Count, q)
}

func (a *api) getUser(c echo.Context) error {
	q, err := parse(c, "$select")
	if err != nil {
		return err
	}
	if err := checkSelect(q.Select, User{}); err != nil {
		return err
	}
	u, err := a.svc.UserByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, "users/$entity", toUser(u), q)
}

var groupFilters = []string{"id", "displayname", "description", "mail"}

func groupField(g entitlement.Group, p string) any {
	switch p {
	case "id":
		return g.ID
	case "displayname":
		return g.DisplayName
	case "description":
		return g.Description
	}
	return nil
}

func (a *api) listGroups(c echo.Context) error {
	q, err := parse(c, "$filter", "$select", "$top", "$skiptoken", "$count", "$orderby")
	if err != nil {
		return err
	}
	if err := checkSelect(q.Select, Group{}); err != nil {
		return err
	}
	if _, err := orderDesc(q, "displayname", false); err != nil {
		return err
	}
	keep, err := matcher(q.Filter, groupFilters, groupField)
	if err != nil {
		return err
	}
	search := searchFor(q.Filter, "displayname")
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Group], error) {
		o.Search, o.NameOrder = search, true
		return a.svc.ListGroups(ctxOf(c), o)
	}, keep)
	if err != nil {
		return err
	}
	out := make([]Group, 0, len(page.Items))
	for _, g := range page.Items {
		out = append(out, toGroup(g))
	}
	return writeCollection(a, c, "groups", out, page.Next, page.Count, q)
}

func (a *api) getGroup(c echo.Context) error {
	q, err := parse(c, "$select")
	if err != nil {
		return err
	}
	if err := checkSelect(q.Select, Group{}); err != nil {
		return err
	}
	g, err := a.svc.GroupByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, "groups/$entity", toGroup(g), q)
}

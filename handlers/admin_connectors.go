package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// ConnectorRunner reaches connectors' targets for the resource page (provision.Dispatcher): a
// connection test, and the comparison of the target's members with what Steward granted.
type ConnectorRunner interface {
	Test(ctx context.Context, c entitlement.Connector) error
	Reconcile(ctx context.Context, c entitlement.Connector, granted []entitlement.GrantedMember) (entitlement.Drift, error)
}

// AdminConnectors serves a resource's page: its roles and, for the catalog's owners, its
// connector's settings, a connection test and its recent calls.
type AdminConnectors struct {
	*Base
	Connectors ConnectorRunner
}

// Show renders GET /admin/resources/:id?kind=.
func (h AdminConnectors) Show(c echo.Context) error {
	return h.page(c, http.StatusOK, "", nil, nil, nil)
}

func (h AdminConnectors) page(c echo.Context, status int, kind string, values, errs map[string]string, drift *views.DriftProps) error {
	ctx := c.Request().Context()
	res, err := h.Svc.ResourceByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	cat, err := h.Svc.CatalogByID(ctx, res.CatalogID)
	if err != nil {
		return err
	}
	p, caps, err := h.adminPage(c, res.DisplayName, navCatalogs,
		views.NavItem{Label: "Catalogs", URL: "/admin/catalogs"}, views.NavItem{Label: cat.DisplayName, URL: "/admin/catalogs/" + cat.ID + "/resources"}, views.NavItem{Label: res.DisplayName})
	if err != nil {
		return err
	}
	props := views.ResourceProps{Page: p, Resource: res, Catalog: cat, CanManage: caps.CanManageCatalog(cat.ID), Values: values, Errors: errs, Drift: drift}
	if props.CanManage {
		if props.Connector, err = h.Svc.ResourceConnector(ctx, res.ID); err != nil {
			return err
		}
		calls, err := h.Svc.ConnectorCalls(ctx, res.ID)
		if err != nil {
			return err
		}
		now := h.Svc.Clock().Now()
		for _, call := range calls {
			props.Calls = append(props.Calls, views.ConnectorCallRow{Call: call, At: views.At(ctx, now, call.At)})
		}
		tasks, err := h.Svc.ProvisionTasks(ctx, entitlement.TaskFilter{ResourceID: res.ID, ListOptions: entitlement.ListOptions{Limit: 1}})
		if err != nil {
			return err
		}
		props.OpenTasks = tasks.Total
		if r := props.Connector.LastReconcile; r != nil {
			props.LastCompared = views.At(ctx, now, r.At)
		}
		if n := props.Connector.NextReconcile; n != nil {
			props.NextCompare = views.At(ctx, now, *n)
		}
		props.ScheduleErr = errs["every"]
	}
	props.Kind = props.Connector.Kind
	if props.Kind == "" {
		props.Kind = entitlement.ConnectorManual
	}
	if k := c.QueryParam("kind"); k != "" {
		kind = k
	}
	if kind != "" {
		props.Kind = kind
	}
	if len(entitlement.ConnectorFields(props.Kind)) == 0 && props.Kind != entitlement.ConnectorManual {
		props.Kind = entitlement.ConnectorManual
	}
	return Render(c, status, views.ResourcePage(props))
}

// Save handles POST /admin/resources/:id/connector: fields "setting.<name>" and
// "secret.<name>"; an empty secret keeps the saved one.
func (h AdminConnectors) Save(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	in := entitlement.ConnectorInput{Kind: form.Get("kind"), Settings: map[string]string{}, Secrets: map[string]string{}}
	values := map[string]string{}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "setting."); ok && len(v) > 0 {
			in.Settings[name], values[name] = v[0], v[0]
		}
		if name, ok := strings.CutPrefix(k, "secret."); ok && len(v) > 0 {
			in.Secrets[name] = v[0] // never sent back to the page
		}
	}
	err = h.Svc.SaveConnector(c.Request().Context(), c.Param("id"), in)
	if fields, ok := FieldErrors(err); ok {
		return h.page(c, http.StatusUnprocessableEntity, in.Kind, values, fieldMessages(fields), nil)
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/resources/"+c.Param("id"), "Connector saved: "+strings.ToLower(entitlement.ConnectorKindLabel(in.Kind))+".")
}

// Test handles POST /admin/resources/:id/connector/test.
func (h AdminConnectors) Test(c echo.Context) error {
	ctx := c.Request().Context()
	back := "/admin/resources/" + c.Param("id")
	conn, err := h.Svc.TestableConnector(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if h.Connectors == nil {
		return h.flashAndBack(c, back, "No connector can be tested here: provisioning is not running.")
	}
	if err := h.Connectors.Test(ctx, conn); err != nil {
		return h.flashAndBack(c, back, "The connection test failed: "+words.Finish(err.Error()))
	}
	return h.SeeOther(c, back, "The connection works.")
}

func (h AdminConnectors) flashAndBack(c echo.Context, back, msg string) error {
	if err := h.flashError(c, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// Reconcile handles POST /admin/resources/:id/reconcile: the page again with what differs between
// the target's members and Steward's grants. It changes nothing.
func (h AdminConnectors) Reconcile(c echo.Context) error {
	ctx := c.Request().Context()
	back := "/admin/resources/" + c.Param("id")
	conn, err := h.Svc.TestableConnector(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	granted, err := h.Svc.GrantedMembers(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if h.Connectors == nil {
		return h.flashAndBack(c, back, "Nothing can be compared here: provisioning is not running.")
	}
	drift, err := h.Connectors.Reconcile(ctx, conn, granted)
	if err != nil {
		return h.flashAndBack(c, back, "The comparison failed: "+words.Finish(err.Error()))
	}
	return h.page(c, http.StatusOK, "", nil, nil, &views.DriftProps{Drift: drift, Granted: len(granted)})
}

// Repair handles POST /admin/resources/:id/reconcile/repair: the grants found missing (role=…)
// are sent again through the outbox; nothing is removed from the target.
func (h AdminConnectors) Repair(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	n, err := h.Svc.ResendGrants(c.Request().Context(), c.Param("id"), form["role"])
	if err != nil {
		return err
	}
	back := "/admin/resources/" + c.Param("id")
	if n == 0 {
		return h.flashAndBack(c, back, "Nothing was sent: those grants are no longer in place in Steward.")
	}
	return h.SeeOther(c, back, words.Plural(n, "missing grant is", "missing grants are")+" being sent again.")
}

// Schedule handles POST /admin/resources/:id/reconcile/schedule: every="" (off), "daily" or
// "weekly". A scheduled comparison only reports what it finds.
func (h AdminConnectors) Schedule(c echo.Context) error {
	every := c.FormValue("every")
	err := h.Svc.SetReconcileSchedule(c.Request().Context(), c.Param("id"), every)
	if fields, ok := FieldErrors(err); ok {
		return h.page(c, http.StatusUnprocessableEntity, "", nil, fieldMessages(fields), nil)
	}
	if err != nil {
		return err
	}
	msg := "The target is compared only when you ask."
	if every != "" {
		msg = "The target will be compared " + every + "."
	}
	return h.SeeOther(c, "/admin/resources/"+c.Param("id"), msg)
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

// PolicyHooks renders GET /admin/policies/:id/hooks: the webhooks the policy calls at the
// stages of a request, for those who may change the policy.
func (h AdminPolicies) PolicyHooks(c echo.Context) error {
	return h.hooksPage(c, http.StatusOK, nil, nil)
}

func (h AdminPolicies) hooksPage(c echo.Context, status int, values, errs map[string]string) error {
	t, err := h.loadForPolicy(c)
	if err != nil {
		return err
	}
	if err := h.requireManage(c, t); err != nil {
		return err
	}
	p, _, err := h.adminPage(c, "Webhooks of "+t.policy.DisplayName, navCatalogs,
		views.NavItem{Label: "Catalogs", URL: "/admin/catalogs"},
		views.NavItem{Label: t.catalog.DisplayName, URL: "/admin/catalogs/" + t.catalog.ID + "/packages"},
		views.NavItem{Label: t.pkg.DisplayName, URL: t.back()},
		views.NavItem{Label: "Webhooks"})
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	failing, err := h.Svc.FailingPolicyHooks(ctx, t.policy.ID, 20)
	if err != nil {
		return err
	}
	props := views.PolicyHooksProps{Page: p, Policy: *t.policy, Package: t.pkg, Values: values, Errors: errs}
	now := h.Svc.Clock().Now()
	for _, f := range failing {
		props.Failing = append(props.Failing, views.FailingHookRow{Call: f, At: views.At(ctx, now, f.At)})
	}
	return Render(c, status, views.PolicyHooksPage(props))
}

// SavePolicyHooks handles POST /admin/policies/:id/hooks: fields "url.<stage>" and
// "key.<stage>"; an empty key keeps the saved one, an empty address calls nothing there.
func (h AdminPolicies) SavePolicyHooks(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	var in []entitlement.CustomExtensionInput
	values := map[string]string{}
	for _, st := range entitlement.CustomExtensionStages {
		values[st] = form.Get("url." + st)
		in = append(in, entitlement.CustomExtensionInput{Stage: st, EndpointURL: form.Get("url." + st), Key: form.Get("key." + st)})
	}
	pol, err := h.Svc.SetPolicyCustomExtensions(c.Request().Context(), c.Param("id"), in)
	if fields, ok := FieldErrors(err); ok {
		return h.hooksPage(c, http.StatusUnprocessableEntity, values, fieldMessages(fields))
	}
	if err != nil {
		return err
	}
	return h.SeeOther(c, "/admin/packages/"+pol.AccessPackageID+"/policies", "Webhooks of "+pol.DisplayName+" saved.")
}

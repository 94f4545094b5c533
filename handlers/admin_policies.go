package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
	"github.com/stewardhq/steward/words"
)

// AdminPolicies serves the policy wizard (create and edit an assignment policy in steps) and the
// deletion of policies.
type AdminPolicies struct {
	*Base
}

// wizardTarget is what the wizard works on: a package, and the policy when editing.
type wizardTarget struct {
	pkg     entitlement.AccessPackage
	catalog entitlement.Catalog
	policy  *entitlement.AssignmentPolicy
}

func (t wizardTarget) action() string {
	if t.policy != nil {
		return "/admin/policies/" + t.policy.ID + "/edit"
	}
	return "/admin/packages/" + t.pkg.ID + "/policies/new"
}

func (t wizardTarget) back() string { return "/admin/packages/" + t.pkg.ID + "/policies" }

func (h AdminPolicies) loadForPackage(c echo.Context) (wizardTarget, error) {
	ctx := c.Request().Context()
	pkg, err := h.Svc.AccessPackageByID(ctx, c.Param("id"))
	if err != nil {
		return wizardTarget{}, err
	}
	cat, err := h.Svc.CatalogByID(ctx, pkg.CatalogID)
	if err != nil {
		return wizardTarget{}, err
	}
	return wizardTarget{pkg: pkg, catalog: cat}, nil
}

func (h AdminPolicies) loadForPolicy(c echo.Context) (wizardTarget, error) {
	ctx := c.Request().Context()
	pol, err := h.Svc.PolicyByID(ctx, c.Param("id"))
	if err != nil {
		return wizardTarget{}, err
	}
	pkg, err := h.Svc.AccessPackageByID(ctx, pol.AccessPackageID)
	if err != nil {
		return wizardTarget{}, err
	}
	cat, err := h.Svc.CatalogByID(ctx, pkg.CatalogID)
	if err != nil {
		return wizardTarget{}, err
	}
	return wizardTarget{pkg: pkg, catalog: cat, policy: &pol}, nil
}

// New renders GET /admin/packages/:id/policies/new: the first step with a fresh draft.
func (h AdminPolicies) New(c echo.Context) error {
	t, err := h.loadForPackage(c)
	if err != nil {
		return err
	}
	if err := h.requireManage(c, t); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, t, wizardState{draft: views.NewPolicyDraft(), step: views.StepBasics})
}

// Edit renders GET /admin/policies/:id/edit: the first step filled with the policy; every step
// can be reached at once.
func (h AdminPolicies) Edit(c echo.Context) error {
	t, err := h.loadForPolicy(c)
	if err != nil {
		return err
	}
	if err := h.requireManage(c, t); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, t, wizardState{draft: draftFromPolicy(*t.policy), step: views.StepBasics, reached: len(views.PolicySteps) - 1})
}

// requireManage refuses people who may read the package but not change its policies, before
// they fill in a wizard whose save would be refused.
func (h AdminPolicies) requireManage(c echo.Context, t wizardTarget) error {
	caps, err := h.Svc.Capabilities(c.Request().Context())
	if err != nil {
		return err
	}
	if !caps.CanManagePackages(t.pkg.CatalogID) {
		return refused("Only owners and access package managers of the catalog " + t.catalog.DisplayName + " can change the policies of its packages.")
	}
	return nil
}

// StepNew handles POST /admin/packages/:id/policies/new: one move of the wizard. Like opening
// the wizard, moving through it needs the right to change the package's policies.
func (h AdminPolicies) StepNew(c echo.Context) error {
	t, err := h.loadForPackage(c)
	if err != nil {
		return err
	}
	if err := h.requireManage(c, t); err != nil {
		return err
	}
	return h.step(c, t)
}

// StepEdit handles POST /admin/policies/:id/edit.
func (h AdminPolicies) StepEdit(c echo.Context) error {
	t, err := h.loadForPolicy(c)
	if err != nil {
		return err
	}
	if err := h.requireManage(c, t); err != nil {
		return err
	}
	return h.step(c, t)
}

// wizardState is one rendering of the wizard.
type wizardState struct {
	draft   views.PolicyDraft
	step    string
	reached int
	errs    map[string]string
	general []string
	picker  views.PickerState
	stale   *views.Stale
}

// step reads the posted draft and the current step's fields, then does what the button asked:
// a list operation or a picker search (same step), back (no checks), next or a later step (the
// steps so far must be valid: 422 otherwise), or save (everything valid, then create or replace).
func (h AdminPolicies) step(c echo.Context, t wizardTarget) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	st := wizardState{draft: views.NewPolicyDraft(), step: form.Get("step")}
	if raw := form.Get("draft"); raw != "" {
		var d views.PolicyDraft
		if err := json.Unmarshal([]byte(raw), &d); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The policy form was damaged; start again from the package.")
		}
		d.Normalize()
		st.draft = d
	}
	if views.StepIndex(st.step) < 0 {
		st.step = views.StepBasics
	}
	st.reached, _ = strconv.Atoi(form.Get("reached"))
	st.reached = max(st.reached, views.StepIndex(st.step))
	readStep(&st.draft, st.step, form)

	op, nav := form.Get("op"), form.Get("nav")
	switch {
	case strings.HasPrefix(op, "add:") || strings.HasPrefix(op, "addrel:") || strings.HasPrefix(op, "remove:"):
		if err := applyOp(&st.draft, op); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "That change to the policy could not be made; reload the page and try again.")
		}
		return h.render(c, http.StatusOK, t, st)
	case strings.HasPrefix(op, "question:"):
		if err := applyQuestionOp(&st.draft, op); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "That change to the questions could not be made; reload the page and try again.")
		}
		return h.render(c, http.StatusOK, t, st)
	case op == "refresh" || strings.HasPrefix(op, "search:"):
		// A search button, or Enter in a picker's search box (the form's default button is
		// refresh): show the matches of the picker that has something typed.
		target := strings.TrimPrefix(op, "search:")
		if op == "refresh" {
			target = ""
			for k, v := range form {
				if strings.HasPrefix(k, "q_") && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
					target = strings.TrimPrefix(k, "q_")
				}
			}
		}
		if target != "" {
			q := form.Get("q_" + target)
			results, err := searchPeople(c.Request().Context(), h.Svc, pickerKinds(target, st.draft), q)
			if err != nil {
				return err
			}
			st.picker = views.PickerState{Target: target, Query: q, Results: results}
		}
		return h.render(c, http.StatusOK, t, st)
	}

	cur := views.StepIndex(st.step)
	switch {
	case nav == "back":
		st.step = views.PolicySteps[max(cur-1, 0)].Key
		return h.render(c, http.StatusOK, t, st)
	case strings.HasPrefix(nav, "step:"):
		to := strings.TrimPrefix(nav, "step:")
		i := views.StepIndex(to)
		if i < 0 || i > st.reached {
			return h.render(c, http.StatusOK, t, st)
		}
		if i <= cur {
			st.step = to
			return h.render(c, http.StatusOK, t, st)
		}
		return h.forward(c, t, st, to)
	case nav == "save":
		return h.save(c, t, st)
	}
	// "next", and Enter in a field of a form without JavaScript.
	next := views.PolicySteps[min(cur+1, len(views.PolicySteps)-1)].Key
	return h.forward(c, t, st, next)
}

// pickerKinds is what a wizard list's picker searches.
func pickerKinds(list string, d views.PolicyDraft) string {
	if list == "requestors" && d.Scope == entitlement.ScopeSpecificConnectedOrgSubjects {
		return "org"
	}
	return "user,group"
}

// check validates the draft as the domain would save it and returns the messages by field path.
func (h AdminPolicies) check(c echo.Context, t wizardTarget, d views.PolicyDraft) (map[string]string, error) {
	in, errs := buildPolicy(d, t.pkg.ID)
	if errs == nil {
		errs = map[string]string{}
	}
	err := h.Svc.ValidatePolicy(c.Request().Context(), in)
	if fields, ok := FieldErrors(err); ok {
		for k, v := range fields {
			if _, have := errs[k]; !have {
				errs[k] = v
			}
		}
	} else if err != nil {
		return nil, err
	}
	d.InChosenUnits(errs)
	return errs, nil
}

// forward moves to step to when every step before it is valid; otherwise it stays on (or goes
// back to) the first step with a message, with 422.
func (h AdminPolicies) forward(c echo.Context, t wizardTarget, st wizardState, to string) error {
	all, err := h.check(c, t, st.draft)
	if err != nil {
		return err
	}
	before := views.PolicySteps[views.StepIndex(to)-1].Key
	errs, first := errorsUpTo(all, before)
	if len(errs) > 0 {
		st.step, st.errs = first, errs
		return h.render(c, http.StatusUnprocessableEntity, t, st)
	}
	st.step = to
	st.reached = max(st.reached, views.StepIndex(to))
	return h.render(c, http.StatusOK, t, st)
}

// save creates or replaces the policy when the whole draft is valid. Messages go to the step
// where they can be fixed; a refusal that is not about a field shows on the summary.
func (h AdminPolicies) save(c echo.Context, t wizardTarget, st wizardState) error {
	ctx := c.Request().Context()
	in, errs := buildPolicy(st.draft, t.pkg.ID)
	if errs == nil {
		var pol entitlement.AssignmentPolicy
		var err error
		if t.policy != nil {
			pol, err = h.Svc.ReplacePolicy(ctx, t.policy.ID, in)
		} else {
			pol, err = h.Svc.CreatePolicy(ctx, in)
		}
		if err == nil {
			verb := "created"
			if t.policy != nil {
				verb = "saved"
			}
			return h.SeeOther(c, t.back(), "Policy \""+pol.DisplayName+"\" "+verb+".")
		}
		if notice, ok := h.staleNotice(err, "this policy"); ok && t.policy != nil {
			return h.staleSave(c, t, st, notice)
		}
		fields, ok := FieldErrors(err)
		if !ok {
			var re *entitlement.RuleError
			if errors.As(err, &re) && errors.Is(err, entitlement.ErrConflict) {
				st.step, st.general = views.StepSummary, []string{words.Sentence(re.Message)}
				return h.render(c, http.StatusConflict, t, st)
			}
			return err
		}
		errs = fields
		st.draft.InChosenUnits(errs)
	}
	all, first := errorsUpTo(errs, views.StepSummary)
	st.step, st.errs = first, all
	return h.render(c, http.StatusUnprocessableEntity, t, st)
}

// staleSave answers a save refused because the policy changed after the wizard was opened: the
// summary of the person's draft, with the current policy in plain words above it, and the current
// version, so that confirming again saves their draft on purpose.
func (h AdminPolicies) staleSave(c echo.Context, t wizardTarget, st wizardState, notice *views.Stale) error {
	ctx := c.Request().Context()
	cur, err := h.Svc.PolicyByID(ctx, t.policy.ID)
	if err != nil {
		return err
	}
	d := draftFromPolicy(cur)
	n := newNameBook(ctx, h.Svc)
	if err := n.addDraft(d); err != nil {
		return err
	}
	in, _ := buildPolicy(d, t.pkg.ID)
	notice.Current = []views.CurrentValue{{Label: "Name", Value: cur.DisplayName}, {Label: "Description", Value: cur.Description}}
	for _, sec := range views.PolicySummary(in, n.m) {
		notice.Current = append(notice.Current, views.CurrentValue{Label: sec.Title, Value: strings.Join(sec.Lines, " ")})
	}
	st.stale = notice
	st.draft.Version = cur.Version
	st.step = views.StepSummary
	return h.render(c, http.StatusConflict, t, st)
}

// render shows the wizard at st.step.
func (h AdminPolicies) render(c echo.Context, status int, t wizardTarget, st wizardState) error {
	title := "New policy"
	if t.policy != nil {
		title = "Edit policy " + t.policy.DisplayName
	}
	p, _, err := h.adminPage(c, title, navCatalogs,
		views.NavItem{Label: "Catalogs", URL: "/admin/catalogs"},
		views.NavItem{Label: t.catalog.DisplayName, URL: "/admin/catalogs/" + t.catalog.ID},
		views.NavItem{Label: t.pkg.DisplayName, URL: t.back()},
		views.NavItem{Label: title},
	)
	if err != nil {
		return err
	}
	d := st.draft
	n := newNameBook(c.Request().Context(), h.Svc)
	if err := n.addDraft(d); err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	props := views.PolicyWizardProps{
		Page: p, Package: t.pkg, CatalogName: t.catalog.DisplayName,
		Action: t.action(), CancelURL: t.back(), Editing: t.policy != nil,
		Step: st.step, Draft: d, DraftJSON: string(raw), Errors: fieldMessages(st.errs), Names: n.m,
		Picker: st.picker, Reached: max(st.reached, views.StepIndex(st.step)), General: st.general,
		ErrorSteps: map[string]bool{}, Stale: st.stale,
	}
	for path := range st.errs {
		props.ErrorSteps[stepOf(path)] = true
	}
	if st.step == views.StepSummary {
		in, _ := buildPolicy(d, t.pkg.ID)
		props.Summary = views.PolicySummary(in, n.m)
		// Messages that belong to no step (such as the package itself) show on the summary.
		for path, msg := range st.errs {
			if stepOf(path) == views.StepSummary {
				props.General = append(props.General, words.Sentence(msg))
			}
		}
	}
	return Render(c, status, views.PolicyWizardPage(props))
}

// Delete handles POST /admin/policies/:id/delete; a policy with live assignments or open
// requests is refused, and the reason shows on the package's policies.
func (h AdminPolicies) Delete(c echo.Context) error {
	ctx := c.Request().Context()
	pol, err := h.Svc.PolicyByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	back := "/admin/packages/" + pol.AccessPackageID + "/policies"
	if err := h.Svc.DeletePolicy(ctx, pol.ID, formVersion(c)); err != nil {
		if msg, ok := h.deleteRefusal(c, err, "this policy"); ok {
			if err := h.flashError(c, "The policy was not deleted: "+words.Finish(msg)); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, back)
		}
		return err
	}
	return h.SeeOther(c, back, "Policy \""+pol.DisplayName+"\" deleted.")
}

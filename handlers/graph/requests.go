package graph

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

// subject returns the accessPackageSubject of a user, from the directory when the caller may
// read it, else with the id alone.
func (a *api) subject(c echo.Context, cache map[string]*Subject, userID string) *Subject {
	if userID == "" {
		return nil
	}
	if s, ok := cache[userID]; ok {
		return s
	}
	s := &Subject{ID: userID, ObjectID: userID, Type: "User"}
	if u, err := a.svc.UserByID(ctxOf(c), userID); err == nil {
		s = toSubject(u)
	}
	cache[userID] = s
	return s
}

// packageOf returns an expanded accessPackage, nil when the caller cannot read it.
func (a *api) packageOf(c echo.Context, cache map[string]*AccessPackage, id string) (*AccessPackage, error) {
	if p, ok := cache[id]; ok {
		return p, nil
	}
	pkg, err := a.svc.AccessPackageByID(ctxOf(c), id)
	if isMissing(err) {
		cache[id] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	v := toPackage(pkg)
	cache[id] = &v
	return &v, nil
}

var requestFilters = []string{"id", "requesttype", "requeststate", "requeststatus", "isvalidationonly", "justification", "createddatetime", "completeddate",
	"accesspackage/id", "accesspackageassignment/id", "accesspackageassignment/targetid", "accesspackageassignment/assignmentpolicyid", "accesspackageassignment/accesspackageid",
	"requestor/objectid", "requestor/id", "target/objectid", "target/id"}

func requestField(r entitlement.Request, p string) any {
	switch p {
	case "id":
		return r.ID
	case "requesttype":
		return r.RequestType
	case "requeststate":
		return string(r.RequestState)
	case "requeststatus":
		return r.RequestStatus
	case "isvalidationonly":
		return r.IsValidationOnly
	case "justification":
		return r.Justification
	case "createddatetime":
		return r.CreatedDateTime
	case "completeddate":
		return r.CompletedDate
	case "accesspackage/id", "accesspackageassignment/accesspackageid":
		return r.AccessPackageID
	case "accesspackageassignment/id":
		return r.AssignmentID
	case "accesspackageassignment/targetid", "target/objectid", "target/id":
		return r.TargetID
	case "accesspackageassignment/assignmentpolicyid":
		return r.PolicyID
	case "requestor/objectid", "requestor/id":
		return firstNonEmpty(r.RequestorID, r.TargetID)
	}
	return nil
}

var requestExpands = []string{"accessPackage", "accessPackageAssignment", "requestor"}

func (a *api) fullRequest(c echo.Context, r entitlement.Request, q odata.Query, subjects map[string]*Subject, pkgs map[string]*AccessPackage) (Request, error) {
	v := toRequest(r)
	if _, ok := expands(q, "requestor"); ok {
		v.Requestor = a.subject(c, subjects, firstNonEmpty(r.RequestorID, r.TargetID))
	}
	if _, ok := expands(q, "accessPackage"); ok {
		p, err := a.packageOf(c, pkgs, r.AccessPackageID)
		if err != nil {
			return v, err
		}
		v.AccessPackage = p
	}
	// accessPackageAssignment is always written inline (Graph lists it among the properties).
	return v, nil
}

// listRequests serves the filters Graph documents from indexes: accessPackage/id through the
// package's requests (for readers of its catalog), target through the person's; anything else
// filters the requests the caller may read (ListRequests, from indexes) within the scan budget.
func (a *api) listRequests(c echo.Context) error {
	q, err := parse(c, listOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Request{}, requestExpands...); err != nil {
		return err
	}
	desc, err := orderDesc(q, "createddatetime", true)
	if err != nil {
		return err
	}
	keep, err := matcher(q.Filter, requestFilters, requestField)
	if err != nil {
		return err
	}
	ctx := ctxOf(c)
	var f entitlement.RequestFilter
	var page pageResult[entitlement.Request]
	pkgID, byPackage := odata.Equality(q.Filter, "accessPackage/id")
	target, byTarget := odata.Equality(q.Filter, "accessPackageAssignment/targetId")
	if !byTarget {
		target, byTarget = odata.Equality(q.Filter, "target/objectId")
	}
	me := caller(c)
	readable := func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
		return a.svc.ListRequests(ctx, f, o)
	}
	switch id, byID := odata.Equality(q.Filter, "id"); {
	case byID:
		page, err = one(q, func() (entitlement.Request, error) { return a.svc.RequestByID(ctx, id) }, keep)
	case byPackage && !desc:
		readsPackage := true
		page, err = collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			p, err := a.svc.PackageRequests(ctx, pkgID, f, o)
			if isMissing(err) {
				readsPackage = false
				return entitlement.Page[entitlement.Request]{}, nil
			}
			return p, err
		}, exactly(q, keep, "accesspackage/id"))
		switch {
		case err != nil || readsPackage:
		case me.IsAdmin:
			// Administrators read every package: there is no such package.
			page = empty[entitlement.Request](q)
		default:
			// Not a reader of the package's catalog: only the requests they may read
			// otherwise (their own, those they approve), from the indexes of those.
			page, err = collect(q, false, readable, keep)
		}
	case byTarget && strings.EqualFold(target, me.UserID):
		page, err = collect(q, desc, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			return a.svc.MyRequests(ctx, f, o)
		}, exactly(q, keep, "target/objectid", "accesspackageassignment/targetid"))
	case byTarget && me.IsAdmin:
		page, err = collect(q, desc, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
			p, err := a.svc.UserRequests(ctx, target, f, o)
			if isMissing(err) {
				return entitlement.Page[entitlement.Request]{}, nil
			}
			return p, err
		}, exactly(q, keep, "target/objectid", "accesspackageassignment/targetid"))
	default:
		page, err = collect(q, desc, readable, keep)
	}
	if err != nil {
		return err
	}
	subjects, pkgs := map[string]*Subject{}, map[string]*AccessPackage{}
	out := make([]Request, 0, len(page.Items))
	for _, r := range page.Items {
		v, err := a.fullRequest(c, r, q, subjects, pkgs)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeCollection(a, c, emContext+"accessPackageAssignmentRequests", out, page.Next, page.Count, q)
}

func (a *api) getRequest(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Request{}, requestExpands...); err != nil {
		return err
	}
	r, err := a.svc.RequestByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.fullRequest(c, r, q, map[string]*Subject{}, map[string]*AccessPackage{})
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentRequests/$entity", v, q)
}

type requestBody struct {
	RequestType      string         `json:"requestType"`
	Justification    string         `json:"justification"`
	IsValidationOnly bool           `json:"isValidationOnly"`
	Schedule         *Schedule      `json:"schedule"`
	Assignment       *AssignmentRef `json:"accessPackageAssignment"`
	Answers          []struct {
		QuestionID string `json:"questionId"`
		Value      string `json:"value"`
	} `json:"answers"`
}

// createRequest submits a request. As in Graph, the answer is 201 with the request as accepted
// (requestState Submitted, requestStatus Accepted, no dates yet); what became of it is read with
// GET, where it shows PendingApproval, Delivered and so on.
func (a *api) createRequest(c echo.Context) error {
	var b requestBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if b.Assignment == nil {
		return invalidField("invalidRequest", "accessPackageAssignment", "describe the assignment: targetId, assignmentPolicyId and accessPackageId to add, or id to remove")
	}
	in := entitlement.RequestInput{
		RequestType: b.RequestType, AccessPackageID: b.Assignment.AccessPackageID, PolicyID: b.Assignment.AssignmentPolicyID,
		TargetID: b.Assignment.TargetID, AssignmentID: b.Assignment.ID, Justification: b.Justification,
		Schedule: fromSchedule(b.Schedule), IsValidationOnly: b.IsValidationOnly,
	}
	if len(b.Answers) > 0 {
		in.Answers = map[string]string{}
		for _, ans := range b.Answers {
			in.Answers[ans.QuestionID] = ans.Value
		}
	}
	r, err := a.svc.SubmitRequest(ctxOf(c), in)
	if err != nil {
		return err
	}
	v := toRequest(r)
	v.RequestState, v.RequestStatus = string(entitlement.StateSubmitted), entitlement.RequestStatusAccepted
	v.CreatedDateTime, v.CompletedDate = nil, nil
	v.IsValidationOnly = b.IsValidationOnly
	return a.writeEntity(c, http.StatusCreated, emContext+"accessPackageAssignmentRequests/$entity", v, odata.Query{})
}

type cancelBody struct {
	Justification string `json:"justification"`
}

// cancelRequest cancels a request that waits for approval or for its start: the requestor's
// own, or (with a reason) any in a catalog whose assignments the caller manages. 204 as in
// Graph's later cancel action.
func (a *api) cancelRequest(c echo.Context) error {
	var b cancelBody
	if err := decodeOptional(c, &b); err != nil {
		return err
	}
	id := c.Param("id")
	r, err := a.svc.RequestByID(ctxOf(c), id)
	if err != nil {
		return err
	}
	me := caller(c)
	if r.TargetID == me.UserID || r.RequestorID == me.UserID {
		err = a.svc.CancelRequest(ctxOf(c), id)
	} else {
		err = a.svc.AdminCancelRequest(ctxOf(c), id, b.Justification)
	}
	if err != nil {
		return err
	}
	return noContent(c)
}

// approvals (Steward's extension, modelled on Graph's later accessPackageAssignmentApprovals)

func (a *api) listApprovals(c echo.Context) error {
	q, err := parse(c, "$top", "$skiptoken", "$count", "$select", "$expand")
	if err != nil {
		return err
	}
	if err := checkQuery(q, Approval{}, "request"); err != nil {
		return err
	}
	me := caller(c).UserID
	if _, withRequest := expands(q, "request"); withRequest {
		return approvalsPage(a, c, q, a.svc.WaitingForMe, func(r entitlement.Request) Approval {
			v := toApproval(entitlement.StagesOf(r), me)
			x := toRequest(r)
			v.Request = &x
			return v
		})
	}
	// Without the request, only each request's stages are read.
	return approvalsPage(a, c, q, a.svc.StagesWaitingForMe, func(r entitlement.RequestStages) Approval { return toApproval(r, me) })
}

// approvalsPage answers with the page of list that q asks for, each record made an Approval.
// Both lists walk the caller's waiting index, so their skip tokens are the same.
func approvalsPage[T any](a *api, c echo.Context, q odata.Query, list func(context.Context, entitlement.ListOptions) (entitlement.Page[T], error), approval func(T) Approval) error {
	page, err := collect(q, false, func(o entitlement.ListOptions) (entitlement.Page[T], error) {
		return list(ctxOf(c), o)
	}, nil)
	if err != nil {
		return err
	}
	out := make([]Approval, 0, len(page.Items))
	for _, r := range page.Items {
		out = append(out, approval(r))
	}
	return writeCollection(a, c, emContext+"accessPackageAssignmentApprovals", out, page.Next, page.Count, q)
}

func (a *api) getApproval(c echo.Context) error {
	q, err := parse(c, entityOptions...)
	if err != nil {
		return err
	}
	if err := checkQuery(q, Approval{}, "request"); err != nil {
		return err
	}
	r, err := a.svc.RequestByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	v := toApproval(entitlement.StagesOf(r), caller(c).UserID)
	if _, ok := expands(q, "request"); ok {
		x := toRequest(r)
		v.Request = &x
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentApprovals/$entity", v, q)
}

// stageOf finds the stage an approval path names (1-based), or 404.
func stageOf(r entitlement.Request, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > len(r.Stages) {
		return 0, &entitlement.RuleError{Code: "stageNotFound", Message: "the request has no stage " + strconv.Quote(s) + "; stages are numbered from 1", Kind: entitlement.ErrNotFound, Object: "approval stage"}
	}
	return n, nil
}

func (a *api) getApprovalStage(c echo.Context) error {
	q, err := parse(c, "$select")
	if err != nil {
		return err
	}
	if err := checkSelect(q.Select, ApprovalStep{}); err != nil {
		return err
	}
	r, err := a.svc.RequestByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	n, err := stageOf(r, c.Param("stage"))
	if err != nil {
		return err
	}
	return a.writeEntity(c, http.StatusOK, emContext+"accessPackageAssignmentApprovals('"+r.ID+"')/stages/$entity", toApproval(entitlement.StagesOf(r), caller(c).UserID).Stages[n-1], q)
}

type decisionBody struct {
	ReviewResult  string `json:"reviewResult"`
	Justification string `json:"justification"`
}

// decideStage approves or denies one stage of a request: PATCH with reviewResult Approve or Deny
// and a justification, answered 204 as Graph's approval stage update is.
func (a *api) decideStage(c echo.Context) error {
	var b decisionBody
	if err := decode(c, &b); err != nil {
		return err
	}
	var approve bool
	switch strings.ToLower(b.ReviewResult) {
	case "approve":
		approve = true
	case "deny":
	default:
		return invalidField("invalidDecision", "reviewResult", "set reviewResult to Approve or Deny")
	}
	r, err := a.svc.RequestByID(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	n, err := stageOf(r, c.Param("stage"))
	if err != nil {
		return err
	}
	if _, err := a.svc.DecideStage(ctxOf(c), r.ID, n, approve, b.Justification); err != nil {
		return err
	}
	return noContent(c)
}

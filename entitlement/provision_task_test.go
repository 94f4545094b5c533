package entitlement_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

// manualTenant is a catalog owned by Olive with a package granting the Maintainer role of an
// application that no connector reaches, and the membership of a directory group.
type manualTenant struct {
	*entitlementtest.Env
	owner, riley, outsider entitlement.User
	app                    entitlement.Resource
	team                   entitlement.Group
	pol                    entitlement.AssignmentPolicy
}

func newManualTenant(t *testing.T) manualTenant {
	e := entitlementtest.New(t)
	m := manualTenant{Env: e, owner: e.User("Olive Owner"), riley: e.User("Riley Chen"), outsider: e.User("Otto")}
	cat := e.Catalog("Engineering", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, m.owner))
	m.app = e.AppResource(cat, "GitHub Enterprise", "Maintainer")
	m.team = e.Group("Team")
	pkg := e.Package(cat, "Maintainers", entitlementtest.Role(m.app, "Maintainer"), entitlementtest.Member(e.GroupResource(cat, m.team)))
	m.pol = e.Policy(pkg)
	return m
}

func (m manualTenant) openTasks(t *testing.T) []entitlement.ProvisionTask {
	t.Helper()
	p, err := m.Svc.ProvisionTasks(entitlementtest.As(m.owner), entitlement.TaskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// A role of a resource without a connector waits for a person: the request says so instead of
// Delivered, the owners see the task, and marking it done delivers the request. The group
// membership in Steward's own directory is granted at once as before.
func TestManualRoleWaitsForItsOwnersUntilDone(t *testing.T) {
	m := newManualTenant(t)
	r := m.RequestAccess(m.riley, m.pol)
	m.Drain(m.Worker(entitlement.WorkerOptions{}))

	got := m.Request(r.ID)
	if got.RequestState != entitlement.StateDelivering || got.RequestStatus != entitlement.RequestStatusWaitingForPerson {
		t.Fatalf("request %s (%s), want Delivering and waiting for manual fulfilment", got.RequestState, got.RequestStatus)
	}
	if !slices.Contains(entitlementtest.EventKinds(got), entitlement.EventWaitingForPerson) {
		t.Errorf("timeline %v has no waiting-for-a-person entry", entitlementtest.EventKinds(got))
	}
	if !m.IsMember(m.team, m.riley) {
		t.Error("the directory group's membership waited too; it is granted at once")
	}
	tasks := m.openTasks(t)
	if len(tasks) != 1 || tasks[0].Sentence() != "Give Riley Chen the Maintainer role in GitHub Enterprise" {
		t.Fatalf("tasks %+v", tasks)
	}
	if n, err := m.Svc.OpenTaskCount(entitlementtest.As(m.owner)); err != nil || n != 1 {
		t.Errorf("owner's badge %d, %v; want 1", n, err)
	}
	if n, err := m.Svc.OpenTaskCount(entitlementtest.As(m.outsider)); err != nil || n != 0 {
		t.Errorf("outsider's badge %d, %v; want 0", n, err)
	}
	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.outsider), tasks[0].ID, true, ""); entitlementtest.ErrCode(err) == "" || err == nil {
		t.Errorf("an outsider closed the task: %v", err)
	}
	byRes, err := m.Svc.ProvisionTasks(entitlementtest.As(m.owner), entitlement.TaskFilter{ResourceID: m.app.ID})
	if err != nil || len(byRes.Items) != 1 {
		t.Fatalf("tasks of the resource: %v %+v", err, byRes.Items)
	}

	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.owner), tasks[0].ID, true, "added in the org settings"); err != nil {
		t.Fatal(err)
	}
	if got := m.Request(r.ID); got.RequestState != entitlement.StateDelivered {
		t.Fatalf("request %s after the task was done, want Delivered", got.RequestState)
	}
	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.owner), tasks[0].ID, true, ""); entitlementtest.ErrCode(err) != "taskClosed" {
		t.Errorf("closing twice: %v", err)
	}
	if len(m.openTasks(t)) != 0 {
		t.Error("the done task is still open")
	}

	// Removing the access opens the removal task; done takes the role record away.
	a := m.Assignment(m.Request(r.ID).AssignmentID)
	if _, err := m.Svc.SubmitRequest(entitlementtest.AsAdmin(m.owner), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID, TargetID: m.riley.ID, AccessPackageID: a.AccessPackageID}); err != nil {
		t.Fatal(err)
	}
	m.Drain(m.Worker(entitlement.WorkerOptions{}))
	tasks = m.openTasks(t)
	if len(tasks) != 1 || tasks[0].Sentence() != "Take the Maintainer role in GitHub Enterprise away from Riley Chen" {
		t.Fatalf("removal tasks %+v", tasks)
	}
	roles := m.rolesOf(t, m.riley)
	if len(roles) != 1 || roles[0].Status != entitlement.RoleStatusPendingManualRemoval {
		t.Fatalf("roles while the removal waits: %+v", roles)
	}
	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.owner), tasks[0].ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if roles := m.rolesOf(t, m.riley); len(roles) != 0 {
		t.Errorf("roles after the removal was done: %+v", roles)
	}
	entitlementtest.CheckInvariants(t, m.Store)
}

func (m manualTenant) rolesOf(t *testing.T, u entitlement.User) []entitlement.AssignmentResourceRole {
	t.Helper()
	var out []entitlement.AssignmentResourceRole
	m.View(func(tx entitlement.Tx) error {
		var err error
		out, err = tx.AssignmentRoles().BySubject(u.ID)
		return err
	})
	return out
}

// A task marked failed needs a note; the role is Failed with it and the request partially
// delivered, with the note as the reason.
func TestManualTaskFailedLeavesTheRequestPartiallyDelivered(t *testing.T) {
	m := newManualTenant(t)
	r := m.RequestAccess(m.riley, m.pol)
	m.Drain(m.Worker(entitlement.WorkerOptions{}))
	task := m.openTasks(t)[0]
	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.owner), task.ID, false, "  "); entitlementtest.ErrCode(err) != "invalidNote" {
		t.Fatalf("failed without a note: %v", err)
	}
	if err := m.Svc.CloseProvisionTask(entitlementtest.As(m.owner), task.ID, false, "no seats left in the licence"); err != nil {
		t.Fatal(err)
	}
	got := m.Request(r.ID)
	if got.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(got.StatusDetail, "no seats left in the licence") {
		t.Fatalf("request %s: %q", got.RequestState, got.StatusDetail)
	}
	if roles := m.rolesOf(t, m.riley); !slices.ContainsFunc(roles, func(r entitlement.AssignmentResourceRole) bool {
		return r.Status == entitlement.RoleStatusFailed && strings.Contains(r.LastError, "no seats left")
	}) {
		t.Errorf("roles %+v; want the Maintainer role Failed with the note", roles)
	}
	// The owner may retry it: a new task opens.
	roles := m.rolesOf(t, m.riley)
	var failed entitlement.AssignmentResourceRole
	for _, x := range roles {
		if x.Status == entitlement.RoleStatusFailed {
			failed = x
		}
	}
	if err := m.Svc.RetryAssignmentRole(entitlementtest.As(m.owner), failed.ID); err != nil {
		t.Fatalf("the owner retries: %v", err)
	}
	m.Drain(m.Worker(entitlement.WorkerOptions{}))
	if tasks := m.openTasks(t); len(tasks) != 1 || tasks[0].ID == task.ID {
		t.Errorf("after the retry, open tasks %+v; want one new task", tasks)
	}
	entitlementtest.CheckInvariants(t, m.Store)
}

// Access that ends before anyone granted it leaves no task behind: nothing is to be taken away.
func TestManualGrantCanceledWhenTheAccessEndsFirst(t *testing.T) {
	m := newManualTenant(t)
	r := m.RequestAccess(m.riley, m.pol)
	m.Drain(m.Worker(entitlement.WorkerOptions{}))
	a := m.Assignment(m.Request(r.ID).AssignmentID)
	if _, err := m.Svc.SubmitRequest(entitlementtest.AsAdmin(m.owner), entitlement.RequestInput{RequestType: entitlement.RequestAdminRemove, AssignmentID: a.ID, TargetID: m.riley.ID, AccessPackageID: a.AccessPackageID}); err != nil {
		t.Fatal(err)
	}
	m.Drain(m.Worker(entitlement.WorkerOptions{}))
	if tasks := m.openTasks(t); len(tasks) != 0 {
		t.Errorf("open tasks %+v; want none", tasks)
	}
	p, err := m.Svc.ProvisionTasks(entitlementtest.As(m.owner), entitlement.TaskFilter{State: entitlement.TaskCanceled})
	if err != nil || len(p.Items) != 1 {
		t.Errorf("canceled tasks %v %+v; want the grant", err, p.Items)
	}
	entitlementtest.CheckInvariants(t, m.Store)
}

// A connector that gives up leaves the role Failed, the request partially delivered, and a task
// for the owners, which a retry closes.
func TestConnectorFailureOpensATask(t *testing.T) {
	m := newManualTenant(t)
	r := m.RequestAccess(m.riley, m.pol)
	down := entitlement.ProvisionerFunc(func(_ ctxT, _ entitlement.ProvisionAction) error { return errDown })
	m.Drain(m.Worker(entitlement.WorkerOptions{Provisioner: down, MaxAttempts: 1}))
	if got := m.Request(r.ID); got.RequestState != entitlement.StatePartiallyDelivered || !strings.Contains(got.StatusDetail, "connection refused") {
		t.Fatalf("request %s %q", got.RequestState, got.StatusDetail)
	}
	tasks := m.openTasks(t)
	if len(tasks) != 1 || tasks[0].Reason != entitlement.TaskConnectorFailed || !strings.Contains(tasks[0].Detail, "connection refused") {
		t.Fatalf("tasks %+v", tasks)
	}
	if err := m.Svc.RetryAssignmentRole(entitlementtest.As(m.owner), tasks[0].RoleID); err != nil {
		t.Fatal(err)
	}
	if len(m.openTasks(t)) != 0 {
		t.Error("the retry left the task open")
	}
	m.Drain(m.Worker(entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}))
	if got := m.Assignment(m.Request(r.ID).AssignmentID); got.AssignmentStatus != entitlement.StatusDelivered {
		t.Errorf("assignment %s after a good retry", got.AssignmentStatus)
	}
	entitlementtest.CheckInvariants(t, m.Store)
}

type ctxT = context.Context

var errDown = errors.New("dial tcp 10.0.0.9:443: connection refused")

// The Tasks badge counts what each caller's Tasks page lists: every open task for an
// administrator, those of the catalogs they own for an owner of one or two catalogs, and none
// for a catalog's reader or package manager, or for anyone else.
func TestOpenTaskBadgeForEachKindOfCaller(t *testing.T) {
	m := newManualTenant(t)
	fay, rita, pat := m.User("Fay Finance"), m.User("Rita Reader"), m.User("Pat Packager")
	finance := m.Catalog("Finance", entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, m.owner),
		entitlementtest.WithCatalogRole(entitlement.RoleCatalogOwner, fay), entitlementtest.WithCatalogRole(entitlement.RoleCatalogReader, rita))
	ledger := m.AppResource(finance, "Ledger", "Clerk")
	financePol := m.Policy(m.Package(finance, "Clerks", entitlementtest.Role(ledger, "Clerk")))
	m.Catalog("Marketing", entitlementtest.WithCatalogRole(entitlement.RoleAccessPackageManager, pat))
	m.RequestAccess(m.riley, m.pol)
	m.RequestAccess(m.riley, financePol)
	m.RequestAccess(m.outsider, financePol)
	m.Drain(m.Worker(entitlement.WorkerOptions{}))

	for _, c := range []struct {
		who  string
		ctx  context.Context
		want int
	}{
		{"administrator", entitlementtest.AsAdmin(m.outsider), 3},
		{"owner of both catalogs", entitlementtest.As(m.owner), 3},
		{"owner of one", entitlementtest.As(fay), 2},
		{"reader", entitlementtest.As(rita), 0},
		{"package manager of a catalog without tasks", entitlementtest.As(pat), 0},
		{"requestor", entitlementtest.As(m.riley), 0},
	} {
		n, err := m.Svc.OpenTaskCount(c.ctx)
		if err != nil || n != c.want {
			t.Errorf("%s: badge %d, %v; want %d", c.who, n, err, c.want)
		}
		if c.want == 0 {
			continue
		}
		if p, err := m.Svc.ProvisionTasks(c.ctx, entitlement.TaskFilter{}); err != nil || p.Total != n || len(p.Items) != n {
			t.Errorf("%s: the Tasks page lists %d of %d, %v; the badge says %d", c.who, len(p.Items), p.Total, err, n)
		}
	}
}

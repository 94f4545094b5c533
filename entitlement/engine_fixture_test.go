package entitlement_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// ctxBG is the context of calls that need no principal (the worker).
var ctxBG = context.Background()

// t0 is when every engine test starts.

// fixture is a real bbolt store with a service and a manual clock. Records are written straight
// through the store, because the admin services are not what these tests are about.
type engineFixture struct {
	t     testing.TB
	path  string
	st    *store.Store
	clock *entitlement.ManualClock
	svc   *entitlement.Service
	seq   atomic.Int64
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEngineFixture(t testing.TB) *engineFixture {
	t.Helper()
	f := &engineFixture{t: t, path: filepath.Join(t.TempDir(), "x.db"), clock: entitlement.NewManualClock(t0)}
	f.open()
	t.Cleanup(func() {
		if f.st != nil {
			_ = f.st.Close()
		}
	})
	return f
}

func (f *engineFixture) open() {
	f.t.Helper()
	st, err := store.Open(f.path)
	if err != nil {
		f.t.Fatalf("open store: %v", err)
	}
	f.st = st
	f.svc = entitlement.NewService(entitlement.Options{Store: st, Clock: f.clock, Logger: quietLog})
}

func (f *engineFixture) update(fn func(tx entitlement.Tx) error) {
	f.t.Helper()
	if err := f.st.Update(context.Background(), fn); err != nil {
		f.t.Fatalf("fixture update: %v", err)
	}
}

func (f *engineFixture) view(fn func(tx entitlement.Tx) error) {
	f.t.Helper()
	if err := f.st.View(context.Background(), fn); err != nil {
		f.t.Fatalf("fixture view: %v", err)
	}
}

func (f *engineFixture) next() int64 { return f.seq.Add(1) }

// as returns a context signed in as u.
func (f *engineFixture) as(u entitlement.User) context.Context {
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.Label(), Email: u.Email})
}

// asAdmin returns a context signed in as u with administrator rights.
func (f *engineFixture) asAdmin(u entitlement.User) context.Context {
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.Label(), Email: u.Email, IsAdmin: true})
}

func (f *engineFixture) user(name string, opts ...func(*entitlement.User)) entitlement.User {
	f.t.Helper()
	u := entitlement.User{
		ID: entitlement.NewID(), DisplayName: name, Email: fmt.Sprintf("%s.%d@corp.example", strings.ToLower(strings.ReplaceAll(name, " ", ".")), f.next()),
		UserType: entitlement.UserTypeMember, AccountEnabled: true, CreatedDateTime: f.clock.Now(),
	}
	u.UserPrincipalName = u.Email
	for _, o := range opts {
		o(&u)
	}
	f.update(func(tx entitlement.Tx) error { return tx.Users().Put(u) })
	return u
}

func managedBy(m entitlement.User) func(*entitlement.User) {
	return func(u *entitlement.User) { u.ManagerID = m.ID }
}

func guestOf(orgID string) func(*entitlement.User) {
	return func(u *entitlement.User) {
		u.UserType = entitlement.UserTypeGuest
		u.ConnectedOrganizationID = orgID
		u.Email = strings.Replace(u.Email, "@corp.example", "@partner.example", 1)
	}
}

func disabled(u *entitlement.User) { u.AccountEnabled = false }

func (f *engineFixture) group(name string, members ...entitlement.User) entitlement.Group {
	f.t.Helper()
	g := entitlement.Group{ID: entitlement.NewID(), DisplayName: name, CreatedDateTime: f.clock.Now()}
	f.update(func(tx entitlement.Tx) error {
		if err := tx.Groups().Put(g); err != nil {
			return err
		}
		for _, m := range members {
			if err := tx.Groups().AddMember(g.ID, m.ID, entitlement.MemberDirect); err != nil {
				return err
			}
		}
		return nil
	})
	return g
}

func (f *engineFixture) org(name, state string, sponsorsIn, sponsorsOut []entitlement.Sponsor) entitlement.ConnectedOrganization {
	f.t.Helper()
	n := f.next()
	o := entitlement.ConnectedOrganization{
		ID: entitlement.NewID(), DisplayName: name, State: state,
		IdentitySources:  []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: fmt.Sprintf("org%d.example", n)}},
		InternalSponsors: sponsorsIn, ExternalSponsors: sponsorsOut, CreatedDateTime: f.clock.Now(),
	}
	f.update(func(tx entitlement.Tx) error { return tx.ConnectedOrganizations().Put(o) })
	return o
}

func userSponsor(u entitlement.User) entitlement.Sponsor {
	return entitlement.Sponsor{ID: u.ID, Type: entitlement.PrincipalUser}
}

func groupSponsor(g entitlement.Group) entitlement.Sponsor {
	return entitlement.Sponsor{ID: g.ID, Type: entitlement.PrincipalGroup}
}

func (f *engineFixture) catalog(name string, opts ...func(*entitlement.Catalog)) entitlement.Catalog {
	f.t.Helper()
	c := entitlement.Catalog{
		ID: entitlement.NewID(), DisplayName: name, CatalogType: entitlement.CatalogTypeUserManaged,
		CatalogStatus: entitlement.CatalogStatusPublished, IsExternallyVisible: true, CreatedDateTime: f.clock.Now(),
	}
	for _, o := range opts {
		o(&c)
	}
	f.update(func(tx entitlement.Tx) error { return tx.Catalogs().Put(c) })
	return c
}

func withCatalogRole(role entitlement.CatalogRole, u entitlement.User) func(*entitlement.Catalog) {
	return func(c *entitlement.Catalog) {
		c.Roles = append(c.Roles, entitlement.CatalogRoleMember{Role: role, PrincipalID: u.ID, PrincipalType: entitlement.PrincipalUser})
	}
}

// groupResource onboards a directory group into a catalog with its Member and Owner roles.
func (f *engineFixture) groupResource(c entitlement.Catalog, g entitlement.Group) entitlement.Resource {
	f.t.Helper()
	r := entitlement.Resource{
		ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: g.DisplayName, ResourceType: "Security Group",
		OriginID: g.ID, OriginSystem: entitlement.OriginGroup, AddedOn: f.clock.Now(),
		Roles: []entitlement.ResourceRole{
			{ID: entitlement.NewID(), DisplayName: "Member", OriginID: "Member_" + g.ID, OriginSystem: entitlement.OriginGroup},
			{ID: entitlement.NewID(), DisplayName: "Owner", OriginID: "Owner_" + g.ID, OriginSystem: entitlement.OriginGroup},
		},
		Scopes: []entitlement.ResourceScope{{ID: entitlement.NewID(), DisplayName: "Root", IsRootScope: true, OriginID: g.ID, OriginSystem: entitlement.OriginGroup}},
	}
	f.update(func(tx entitlement.Tx) error { return tx.Resources().Put(r) })
	return r
}

// appResource onboards an application with the named roles.
func (f *engineFixture) appResource(c entitlement.Catalog, name string, roles ...string) entitlement.Resource {
	f.t.Helper()
	r := entitlement.Resource{
		ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: name, ResourceType: "Application",
		OriginID: "app-" + strings.ToLower(name), OriginSystem: entitlement.OriginApplication, AddedOn: f.clock.Now(),
		Scopes: []entitlement.ResourceScope{{ID: entitlement.NewID(), DisplayName: "Root", IsRootScope: true, OriginID: "app-" + strings.ToLower(name), OriginSystem: entitlement.OriginApplication}},
	}
	for _, n := range roles {
		r.Roles = append(r.Roles, entitlement.ResourceRole{ID: entitlement.NewID(), DisplayName: n, OriginID: "role-" + strings.ToLower(n), OriginSystem: entitlement.OriginApplication})
	}
	f.update(func(tx entitlement.Tx) error { return tx.Resources().Put(r) })
	return r
}

// grant names one role of a resource for a package.
type grant struct {
	res  entitlement.Resource
	role string
}

func member(r entitlement.Resource) grant { return grant{r, "Member"} }

func (f *engineFixture) pkg(c entitlement.Catalog, name string, grants ...grant) entitlement.AccessPackage {
	return f.pkgWith(c, name, nil, grants...)
}

func (f *engineFixture) pkgWith(c entitlement.Catalog, name string, opt func(*entitlement.AccessPackage), grants ...grant) entitlement.AccessPackage {
	f.t.Helper()
	p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: c.ID, DisplayName: name, CreatedDateTime: f.clock.Now()}
	for _, g := range grants {
		var roleID string
		for _, r := range g.res.Roles {
			if r.DisplayName == g.role {
				roleID = r.ID
			}
		}
		if roleID == "" {
			f.t.Fatalf("resource %s has no role %s", g.res.DisplayName, g.role)
		}
		scope := g.res.RootScope()
		p.RoleScopes = append(p.RoleScopes, entitlement.RoleScope{ID: entitlement.RoleScopeID(roleID, scope.ID), ResourceID: g.res.ID, RoleID: roleID, ScopeID: scope.ID})
	}
	if opt != nil {
		opt(&p)
	}
	f.update(func(tx entitlement.Tx) error { return tx.AccessPackages().Put(p) })
	return p
}

// policy adds a policy to a package: by default every member may request, no approval, 30 days.
func (f *engineFixture) policy(p entitlement.AccessPackage, opts ...func(*entitlement.AssignmentPolicy)) entitlement.AssignmentPolicy {
	f.t.Helper()
	pol := entitlement.AssignmentPolicy{
		ID: entitlement.NewID(), AccessPackageID: p.ID, CatalogID: p.CatalogID, DisplayName: "Policy " + fmt.Sprint(f.next()),
		DurationInDays: 30,
		RequestorSettings: entitlement.RequestorSettings{
			ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true,
		},
		RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
		CreatedDateTime:         f.clock.Now(),
	}
	for _, o := range opts {
		o(&pol)
	}
	f.update(func(tx entitlement.Tx) error { return tx.Policies().Put(pol) })
	return pol
}

func scope(scopeType string, sets ...entitlement.UserSet) func(*entitlement.AssignmentPolicy) {
	return func(p *entitlement.AssignmentPolicy) {
		p.RequestorSettings.ScopeType = scopeType
		p.RequestorSettings.AllowedRequestors = sets
	}
}

func approval(stages ...entitlement.ApprovalStage) func(*entitlement.AssignmentPolicy) {
	return func(p *entitlement.AssignmentPolicy) {
		p.RequestApprovalSettings.IsApprovalRequired = true
		p.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSingle
		if len(stages) > 1 {
			p.RequestApprovalSettings.ApprovalMode = entitlement.ApprovalSerial
		}
		p.RequestApprovalSettings.ApprovalStages = stages
	}
}

func approvalStage(timeoutDays int, approvers ...entitlement.UserSet) entitlement.ApprovalStage {
	return entitlement.ApprovalStage{ApprovalStageTimeOutInDays: timeoutDays, PrimaryApprovers: approvers}
}

func single(u entitlement.User) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: u.ID}
}

func groupSet(g entitlement.Group) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: g.ID}
}

func orgSet(o entitlement.ConnectedOrganization) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetConnectedOrgMembers, ID: o.ID}
}

func managerOf(level int) entitlement.UserSet {
	return entitlement.UserSet{Type: entitlement.UserSetRequestorManager, ManagerLevel: level}
}

func (f *engineFixture) settings(fn func(*entitlement.Settings)) {
	f.t.Helper()
	f.update(func(tx entitlement.Tx) error {
		s, err := tx.Settings()
		if err != nil {
			return err
		}
		fn(&s)
		return tx.PutSettings(s)
	})
}

func (f *engineFixture) request(id string) entitlement.Request {
	f.t.Helper()
	var r entitlement.Request
	f.view(func(tx entitlement.Tx) error {
		var err error
		r, err = tx.Requests().Get(id)
		return err
	})
	return r
}

func (f *engineFixture) assignment(id string) entitlement.Assignment {
	f.t.Helper()
	var a entitlement.Assignment
	f.view(func(tx entitlement.Tx) error {
		var err error
		a, err = tx.Assignments().Get(id)
		return err
	})
	return a
}

func (f *engineFixture) userRecord(id string) (entitlement.User, bool) {
	f.t.Helper()
	var u entitlement.User
	found := true
	f.view(func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().Get(id)
		if errors.Is(err, entitlement.ErrNotFound) {
			found = false
			return nil
		}
		return err
	})
	return u, found
}

func (f *engineFixture) isMember(g entitlement.Group, u entitlement.User) bool {
	f.t.Helper()
	var ok bool
	f.view(func(tx entitlement.Tx) error {
		var err error
		ok, err = tx.Groups().IsMember(g.ID, u.ID)
		return err
	})
	return ok
}

func (f *engineFixture) countRequests() int {
	f.t.Helper()
	var n int
	f.view(func(tx entitlement.Tx) error {
		p, err := tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 1})
		n = p.Total
		return err
	})
	return n
}

func (f *engineFixture) worker(opt entitlement.WorkerOptions) *entitlement.Worker {
	return entitlement.NewWorker(f.svc, opt)
}

// drain ticks until a tick changes nothing, and fails when that takes too many ticks.
func (f *engineFixture) drain(w *entitlement.Worker) {
	f.t.Helper()
	for i := 0; i < 50; i++ {
		res, err := w.Tick(context.Background())
		if err != nil {
			f.t.Fatalf("tick: %v", err)
		}
		if res == (entitlement.TickResult{}) {
			return
		}
	}
	f.t.Fatalf("the worker did not settle in 50 ticks")
}

// submit submits a request and fails the test on error.
func (f *engineFixture) submit(ctx context.Context, in entitlement.RequestInput) entitlement.Request {
	f.t.Helper()
	r, err := f.svc.SubmitRequest(ctx, in)
	if err != nil {
		f.t.Fatalf("submit %s: %v", in.RequestType, err)
	}
	return r
}

func (f *engineFixture) requestAccess(u entitlement.User, pol entitlement.AssignmentPolicy) entitlement.Request {
	f.t.Helper()
	return f.submit(f.as(u), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID})
}

func (f *engineFixture) decide(u entitlement.User, r entitlement.Request, approve bool) entitlement.Request {
	f.t.Helper()
	out, err := f.svc.Decide(f.as(u), r.ID, approve, "ok")
	if err != nil {
		f.t.Fatalf("decide by %s: %v", u.DisplayName, err)
	}
	return out
}

// outboxMessages lists every outbox message, in id order.
func (f *engineFixture) outboxMessages() []entitlement.OutboxMessage {
	f.t.Helper()
	var out []entitlement.OutboxMessage
	f.view(func(tx entitlement.Tx) error {
		opt := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
		for {
			p, err := tx.Outbox().List(opt)
			if err != nil {
				return err
			}
			out = append(out, p.Items...)
			if p.Next == "" {
				return nil
			}
			opt.After = p.Next
		}
	})
	return out
}

func (f *engineFixture) notifications(event string) []entitlement.OutboxMessage {
	var out []entitlement.OutboxMessage
	for _, m := range f.outboxMessages() {
		if m.Kind == entitlement.OutboxNotify && m.Topic == event {
			out = append(out, m)
		}
	}
	return out
}

// errCode returns the code of a ValidationError or RuleError, or "" for other errors.
func errCode(err error) string {
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		return ve.Code
	}
	var re *entitlement.RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

func eventKinds(r entitlement.Request) []string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Kind)
	}
	return out
}

// checkInvariants asserts what must hold in every committed state:
//   - at most one live assignment per subject and package;
//   - every delivered assignment holds a role for each role scope of its package, and each of its
//     roles lists it;
//   - every role's assignments are live and list the role; a role without assignments is only one
//     on its way out of an origin system (PendingRemoval, RemovalFailed);
//   - the members of every group onboarded as a resource are exactly the subjects holding a
//     fulfilled membership role of it (the fixtures never add members to such groups by hand);
//   - at most one open add request per subject and package, and every delivered add request
//     points at an assignment.
func checkInvariants(t testing.TB, st entitlement.Store) {
	t.Helper()
	err := st.View(context.Background(), func(tx entitlement.Tx) error {
		var assignments []entitlement.Assignment
		for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
			p, err := tx.Assignments().List(entitlement.AssignmentFilter{}, opt)
			if err != nil {
				return err
			}
			assignments = append(assignments, p.Items...)
			if p.Next == "" {
				break
			}
			opt.After = p.Next
		}
		var roles []entitlement.AssignmentResourceRole
		for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
			p, err := tx.AssignmentRoles().List(opt)
			if err != nil {
				return err
			}
			roles = append(roles, p.Items...)
			if p.Next == "" {
				break
			}
			opt.After = p.Next
		}
		byID := map[string]entitlement.Assignment{}
		live := map[string]string{}
		for _, a := range assignments {
			byID[a.ID] = a
			if !a.IsLive() {
				continue
			}
			k := a.TargetID + "/" + a.AccessPackageID
			if other, dup := live[k]; dup {
				t.Errorf("invariant: two live assignments %s and %s of one subject and package", other, a.ID)
			}
			live[k] = a.ID
		}
		roleByID := map[string]entitlement.AssignmentResourceRole{}
		for _, r := range roles {
			roleByID[r.ID] = r
		}
		for _, a := range assignments {
			if a.AssignmentState != entitlement.AssignmentDelivered {
				continue
			}
			pkg, err := tx.AccessPackages().Get(a.AccessPackageID)
			if err != nil {
				return err
			}
			for _, rs := range pkg.RoleScopes {
				id := entitlement.AssignmentResourceRoleID(a.TargetID, rs.ID)
				if !slices.Contains(a.ResourceRoleIDs, id) {
					t.Errorf("invariant: delivered assignment %s lacks role %s", a.ID, id)
				}
			}
			for _, id := range a.ResourceRoleIDs {
				r, ok := roleByID[id]
				if !ok || !slices.Contains(r.AssignmentIDs, a.ID) {
					t.Errorf("invariant: delivered assignment %s: role %s missing or does not list it", a.ID, id)
				}
			}
		}
		members := map[string][]string{} // group id → subjects with a fulfilled membership role
		for _, r := range roles {
			if len(r.AssignmentIDs) == 0 && r.Status != entitlement.RoleStatusPendingRemoval && r.Status != entitlement.RoleStatusRemovalFailed {
				t.Errorf("invariant: role %s has no assignment but status %s", r.ID, r.Status)
			}
			for _, aid := range r.AssignmentIDs {
				a, ok := byID[aid]
				if !ok || !a.IsLive() || !slices.Contains(a.ResourceRoleIDs, r.ID) {
					t.Errorf("invariant: role %s lists assignment %s, which is missing, ended or does not list it", r.ID, aid)
				}
			}
			if r.OriginSystem == entitlement.OriginGroup && strings.HasPrefix(r.OriginID, "Member_") && r.Status == entitlement.RoleStatusFulfilled && len(r.AssignmentIDs) > 0 {
				if !slices.Contains(members[r.ResourceOriginID], r.SubjectID) {
					members[r.ResourceOriginID] = append(members[r.ResourceOriginID], r.SubjectID)
				}
			}
		}
		groups := map[string]bool{}
		for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
			p, err := tx.Catalogs().List(opt)
			if err != nil {
				return err
			}
			for _, c := range p.Items {
				rp, err := tx.Resources().ByCatalog(c.ID, entitlement.ListOptions{Limit: entitlement.MaxPageSize})
				if err != nil {
					return err
				}
				for _, res := range rp.Items {
					if res.OriginSystem == entitlement.OriginGroup {
						groups[res.OriginID] = true
					}
				}
			}
			if p.Next == "" {
				break
			}
			opt.After = p.Next
		}
		for gid := range groups {
			var got []string
			for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
				p, err := tx.Groups().MemberIDs(gid, opt)
				if err != nil {
					return err
				}
				got = append(got, p.Items...)
				if p.Next == "" {
					break
				}
				opt.After = p.Next
			}
			want := members[gid]
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("invariant: group %s has members %v, fulfilled membership roles say %v", gid, got, want)
			}
		}
		open := map[string]string{}
		for opt := (entitlement.ListOptions{Limit: entitlement.MaxPageSize}); ; {
			p, err := tx.Requests().List(entitlement.RequestFilter{}, opt)
			if err != nil {
				return err
			}
			for _, r := range p.Items {
				add := r.RequestType == entitlement.RequestUserAdd || r.RequestType == entitlement.RequestAdminAdd
				if r.IsOpen() && (add || r.RequestType == entitlement.RequestUserExtend) {
					k := r.TargetID + "/" + r.AccessPackageID
					if other, dup := open[k]; dup {
						t.Errorf("invariant: two open requests %s and %s for one subject and package", other, r.ID)
					}
					open[k] = r.ID
				}
				if add && (r.RequestState == entitlement.StateDelivered || r.RequestState == entitlement.StatePartiallyDelivered) {
					if _, ok := byID[r.AssignmentID]; !ok {
						t.Errorf("invariant: delivered request %s has no assignment", r.ID)
					}
				}
				if add && r.RequestState == entitlement.StateDelivering {
					if a, ok := byID[r.AssignmentID]; !ok || a.AssignmentState != entitlement.AssignmentDelivering {
						t.Errorf("invariant: delivering request %s has no assignment being delivered", r.ID)
					}
				}
			}
			if p.Next == "" {
				break
			}
			opt.After = p.Next
		}
		return nil
	})
	if err != nil {
		t.Fatalf("check invariants: %v", err)
	}
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/store"
	"github.com/stewardhq/steward/web/demoidp"
	"github.com/stewardhq/steward/web/webtest"
)

// The portal tests use the demo organisation's people: a requester who reports to a manager, an
// approver who is the backup and the second stage, an administrator.
var portalUsers = []demoidp.User{
	{Subject: "demo-admin", Email: "admin@example.com", Name: "Ada Admin", Description: "Administrator"},
	{Subject: "demo-manager", Email: "manager@example.com", Name: "Manny Manager", Description: "Riley's manager"},
	{Subject: "demo-requester", Email: "requester@example.com", Name: "Riley Requester", Description: "Requests access"},
	{Subject: "demo-approver", Email: "approver@example.com", Name: "Dana Approver", Description: "Approves on-call access"},
	{Subject: "demo-other", Email: "other@example.com", Name: "Olly Other", Description: "Another employee"},
}

// world is what seedPortal created, for the tests to use.
type world struct {
	users map[string]entitlement.User // by e-mail
	// finance: one stage, the requester's manager approves (Dana as backup), justification
	// required, 90 days, extensible with approval, shows its roles.
	finance entitlement.AccessPackage
	// github: no approval, 30 days, extensible without approval.
	github entitlement.AccessPackage
	// oncall: two stages, the manager then Dana, who must give a reason.
	oncall entitlement.AccessPackage
	// travel: one stage, the manager approves.
	travel   entitlement.AccessPackage
	policies map[string]entitlement.AssignmentPolicy // by package id
}

// adminCtx is a context acting as an administrator, for creating fixtures through the service.
func adminCtx() context.Context {
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: "seed-admin", Name: "Seed", IsAdmin: true})
}

// as returns a context acting as the user, to set up state through the service.
func (w *world) as(email string) context.Context {
	u := w.users[email]
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email})
}

func seedPortal(w *world) func(ctx context.Context, svc *entitlement.Service, st *store.Store) error {
	return func(_ context.Context, svc *entitlement.Service, _ *store.Store) error {
		ctx := adminCtx()
		w.users = map[string]entitlement.User{}
		mk := func(name, email, manager string) error {
			in := entitlement.UserInput{DisplayName: name, Email: email, UserType: entitlement.UserTypeMember, AccountEnabled: true}
			if manager != "" {
				in.ManagerID = w.users[manager].ID
			}
			u, err := svc.CreateUser(ctx, in)
			w.users[email] = u
			return err
		}
		for _, u := range [][3]string{
			{"Ada Admin", "admin@example.com", ""},
			{"Manny Manager", "manager@example.com", ""},
			{"Riley Requester", "requester@example.com", "manager@example.com"},
			{"Dana Approver", "approver@example.com", ""},
			{"Olly Other", "other@example.com", "manager@example.com"},
		} {
			if err := mk(u[0], u[1], u[2]); err != nil {
				return fmt.Errorf("user %s: %w", u[1], err)
			}
		}
		cat, err := svc.CreateCatalog(ctx, entitlement.CatalogInput{DisplayName: "Corporate", Description: "Everyday access", Published: true})
		if err != nil {
			return err
		}
		w.policies = map[string]entitlement.AssignmentPolicy{}
		pkg := func(name, desc, resource string, app bool, pol entitlement.PolicyInput) (entitlement.AccessPackage, error) {
			in := entitlement.ResourceInput{OriginSystem: entitlement.OriginApplication, DisplayName: resource, Roles: []string{"Member"}}
			if !app {
				g, err := svc.CreateGroup(ctx, entitlement.GroupInput{DisplayName: resource})
				if err != nil {
					return entitlement.AccessPackage{}, err
				}
				in = entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: g.ID}
			}
			rr, err := svc.AddResource(ctx, cat.ID, in)
			if err != nil {
				return entitlement.AccessPackage{}, fmt.Errorf("resource %s: %w", resource, err)
			}
			p, err := svc.CreateAccessPackage(ctx, entitlement.AccessPackageInput{CatalogID: cat.ID, DisplayName: name, Description: desc, IsRoleScopesVisible: true})
			if err != nil {
				return p, err
			}
			if _, err := svc.AddRoleScope(ctx, p.ID, rr.ResourceID, rr.Resource.Roles[0].ID, ""); err != nil {
				return p, fmt.Errorf("role scope %s: %w", name, err)
			}
			pol.AccessPackageID = p.ID
			created, err := svc.CreatePolicy(ctx, pol)
			if err != nil {
				return p, fmt.Errorf("policy %s: %w", name, err)
			}
			w.policies[p.ID] = created
			return p, nil
		}
		everyone := entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true}
		dana := w.users["approver@example.com"].ID
		managerStage := entitlement.ApprovalStage{
			ApprovalStageTimeOutInDays: 7,
			PrimaryApprovers: []entitlement.UserSet{
				{Type: entitlement.UserSetRequestorManager, ManagerLevel: 1},
				{Type: entitlement.UserSetSingleUser, ID: dana, IsBackup: true},
			},
		}
		if w.finance, err = pkg("Finance reports", "Read access to the monthly finance reports.", "Finance readers", false, entitlement.PolicyInput{
			DisplayName: "Employees", DurationInDays: 90, CanExtend: true, RequestorSettings: everyone,
			RequestApprovalSettings: entitlement.ApprovalSettings{
				IsApprovalRequired: true, IsApprovalRequiredForExtension: true, IsRequestorJustificationRequired: true,
				ApprovalMode: entitlement.ApprovalSingle, ApprovalStages: []entitlement.ApprovalStage{managerStage},
			},
		}); err != nil {
			return err
		}
		if w.github, err = pkg("GitHub organization", "Membership of the company's GitHub organization.", "GitHub", true, entitlement.PolicyInput{
			DisplayName: "Everyone", DurationInDays: 30, CanExtend: true, RequestorSettings: everyone,
			RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone},
		}); err != nil {
			return err
		}
		if w.oncall, err = pkg("Production on-call", "Break-glass access to production for the on-call rotation.", "prod-oncall", false, entitlement.PolicyInput{
			DisplayName: "On-call engineers", DurationInDays: 30, RequestorSettings: everyone,
			RequestApprovalSettings: entitlement.ApprovalSettings{
				IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSerial,
				ApprovalStages: []entitlement.ApprovalStage{managerStage, {
					ApprovalStageTimeOutInDays: 7, IsApproverJustificationRequired: true,
					PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: dana}},
				}},
			},
		}); err != nil {
			return err
		}
		if w.travel, err = pkg("Travel booking", "Book business travel.", "Travel", true, entitlement.PolicyInput{
			DisplayName: "Travellers", DurationInDays: 180, RequestorSettings: everyone,
			RequestApprovalSettings: entitlement.ApprovalSettings{
				IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle, ApprovalStages: []entitlement.ApprovalStage{managerStage},
			},
		}); err != nil {
			return err
		}
		return nil
	}
}

// startPortal boots the server with the portal's people and packages.
func startPortal(t *testing.T) (*webtest.Env, *world) {
	t.Helper()
	w := &world{}
	env := webtest.Start(t, webtest.Options{
		Users: portalUsers, Admins: []string{"admin@example.com"}, Seed: seedPortal(w),
		Start: time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC),
	})
	return env, w
}

// signedIn returns a client signed in as the user, and the CSRF token of its first page.
func signedIn(t *testing.T, env *webtest.Env, email string) (*http.Client, string) {
	t.Helper()
	c := env.Client(t)
	page := env.SignIn(t, c, email)
	return c, webtest.CSRF(t, page)
}

// submit makes a request through the service, as the user.
func (w *world) submit(t *testing.T, env *webtest.Env, email string, pkg entitlement.AccessPackage, justification string) entitlement.Request {
	t.Helper()
	r, err := env.Svc.SubmitRequest(w.as(email), entitlement.RequestInput{
		RequestType: entitlement.RequestUserAdd, AccessPackageID: pkg.ID, PolicyID: w.policies[pkg.ID].ID, Justification: justification,
	})
	if err != nil {
		t.Fatalf("submit %s for %s: %v", pkg.DisplayName, email, err)
	}
	return r
}

// deliver runs the engine's worker once, as the server's background worker would: it carries
// out the provisioning that delivers approved access, with every application connected (the
// tests of manual fulfilment use the default, which leaves it to a person).
func deliver(t *testing.T, env *webtest.Env) {
	t.Helper()
	for i := 0; i < 5; i++ {
		res, err := entitlement.NewWorker(env.Svc, entitlement.WorkerOptions{Provisioner: entitlementtest.Connected}).Tick(context.Background())
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
		if !res.More && res.OutboxDelivered == 0 {
			return
		}
	}
}

// postHTMX posts a form as htmx does (HX-Request, the CSRF token in the header).
func postHTMX(t *testing.T, env *webtest.Env, c *http.Client, path, csrf string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res, b.String()
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

// text strips tags and squeezes spaces, for checking what a page says.
func text(html string) string {
	s := tagRe.ReplaceAllString(html, " ")
	s = strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

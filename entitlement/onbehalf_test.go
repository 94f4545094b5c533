package entitlement_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
)

func onBehalf(managers bool) func(*entitlement.AssignmentPolicy) {
	return func(p *entitlement.AssignmentPolicy) {
		p.RequestorSettings.EnableOnBehalfRequestorsToAddAccess = true
		if managers {
			p.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager, ManagerLevel: 1}}
		}
	}
}

// TestRequestOnBehalf: a manager requests for a direct report, an assignment manager for anyone
// the policy covers; the target's eligibility is what counts, approvers are neither the
// requestor nor the target, and the target is told.
func TestRequestOnBehalf(t *testing.T) {
	e := entitlementtest.New(t)
	morgan := e.User("Morgan Manager")
	riley := e.User("Riley Report", entitlementtest.ManagedBy(morgan))
	olly := e.User("Olly Stranger")
	blocked := e.User("Blake Blocked", entitlementtest.ManagedBy(morgan), entitlementtest.Disabled)
	am := e.User("Asa Assigner")
	dana := e.User("Dana Backup")
	team := e.Group("Team", riley, olly)
	cat := e.Catalog("Tools", entitlementtest.WithCatalogRole(entitlement.RoleAssignmentManager, am))
	pkg := e.Package(cat, "Wiki")
	stage := entitlementtest.ApprovalStage(7, entitlementtest.ManagerOf(1), entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: dana.ID, IsBackup: true})
	// Only the team may get access: Morgan is not in it, yet may ask for Riley.
	pol := e.Policy(pkg, entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(team)), entitlementtest.Approval(stage), onBehalf(true))
	selfOnly := e.Policy(pkg, entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(team)))
	adminsOnly := e.Policy(e.Package(cat, "Chat"), entitlementtest.Scope(entitlement.ScopeSpecificDirectorySubjects, entitlementtest.GroupSet(team)), onBehalf(false))

	submit := func(as entitlement.User, target entitlement.User, p entitlement.AssignmentPolicy) (entitlement.Request, error) {
		return e.Svc.SubmitRequest(entitlementtest.As(as), entitlement.RequestInput{
			RequestType: entitlement.RequestUserAdd, AccessPackageID: p.AccessPackageID, PolicyID: p.ID, TargetID: target.ID,
		})
	}
	for _, tc := range []struct {
		name       string
		as, target entitlement.User
		pol        entitlement.AssignmentPolicy
		code       string
	}{
		{"a policy without requests for others", morgan, riley, selfOnly, "requestForOthers"},
		{"someone else's report", morgan, olly, pol, "notOnBehalfRequestor"},
		{"managers are not named", morgan, riley, adminsOnly, "notOnBehalfRequestor"},
		{"a target outside the scope", am, morgan, pol, "notInScope"},
		{"a blocked target", morgan, blocked, pol, "targetBlocked"},
	} {
		_, err := submit(tc.as, tc.target, tc.pol)
		if got := entitlementtest.ErrCode(err); got != tc.code {
			t.Errorf("%s: %v (code %q), want %s", tc.name, err, got, tc.code)
		}
	}
	if _, err := submit(morgan, olly, pol); !errors.Is(err, entitlement.ErrForbidden) {
		t.Errorf("for a stranger: %v, want ErrForbidden", err)
	}

	r, err := submit(morgan, riley, pol)
	if err != nil {
		t.Fatalf("Morgan for Riley: %v", err)
	}
	if !r.IsOnBehalf() || r.RequestorID != morgan.ID || r.TargetID != riley.ID || r.RequestState != entitlement.StatePendingApproval {
		t.Fatalf("request = %+v", r)
	}
	// Riley's manager is Morgan, who asked: the backup approves instead.
	if got := r.PendingApprovers(); !slices.Equal(got, []string{dana.ID}) {
		t.Errorf("approvers = %v, want only Dana", got)
	}
	to := map[string]bool{}
	for _, m := range e.Notifications(entitlement.NotifyRequestSubmitted) {
		for _, id := range []string{morgan.ID, riley.ID} {
			if strings.Contains(string(m.Payload), id) {
				to[id] = true
			}
		}
	}
	if !to[riley.ID] {
		t.Errorf("Riley was not told of the request made for them")
	}
	// The assignment manager asks for Olly through the policy that names no managers.
	r2, err := submit(am, olly, adminsOnly)
	if err != nil || r2.TargetID != olly.ID || r2.RequestState != entitlement.StateDelivered && r2.RequestState != entitlement.StateDelivering {
		t.Errorf("assignment manager for Olly: %+v, %v", r2.RequestState, err)
	}

	// What the package page offers Morgan for Riley, and who would approve.
	offer, err := e.Svc.PackageOfferFor(entitlementtest.As(morgan), pkg.ID, riley.ID)
	if err != nil {
		t.Fatal(err)
	}
	if offer.Target == nil || offer.Target.ID != riley.ID || len(offer.Policies) != 1 || offer.Policies[0].ID != pol.ID || offer.OpenRequest == nil {
		t.Errorf("offer for Riley = %+v", offer)
	}
	if len(offer.Reports) != 1 || offer.ForAnyone { // Blake's account is blocked
		t.Errorf("Morgan's reports = %+v, for anyone %v", offer.Reports, offer.ForAnyone)
	}
	if _, err := e.Svc.PackageOfferFor(entitlementtest.As(morgan), pkg.ID, olly.ID); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("offer for a stranger: %v, want ErrNotFound", err)
	}
	if _, err := e.Svc.PackageOfferFor(entitlementtest.As(morgan), pkg.ID, olly.Email); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("a manager looking someone up by e-mail: %v, want ErrNotFound", err)
	}
	if o, err := e.Svc.PackageOfferFor(entitlementtest.As(am), pkg.ID, strings.ToUpper(riley.Email)); err != nil || o.Target == nil || o.Target.ID != riley.ID || !o.ForAnyone {
		t.Errorf("assignment manager by e-mail: %+v, %v", o.Target, err)
	}
	stages, err := e.Svc.PreviewApproversFor(entitlementtest.As(morgan), pol.ID, riley.ID)
	if err != nil || len(stages) != 1 || len(stages[0].Approvers) != 1 || stages[0].Approvers[0].UserID != dana.ID {
		t.Errorf("preview for Riley = %+v, %v", stages, err)
	}
	if _, err := e.Svc.PreviewApproversFor(entitlementtest.As(morgan), pol.ID, olly.ID); !errors.Is(err, entitlement.ErrNotFound) {
		t.Errorf("preview for a stranger: %v, want ErrNotFound", err)
	}
	entitlementtest.CheckInvariants(t, e.Store)
}

// TestPolicyOnBehalfSettings: the setting is validated and normalized with the policy.
func TestPolicyOnBehalfSettings(t *testing.T) {
	e := entitlementtest.New(t)
	admin := e.User("Ada Admin")
	cat := e.Catalog("Tools")
	pkg := e.Package(cat, "Wiki")
	base := func() entitlement.PolicyInput {
		return entitlement.PolicyInput{AccessPackageID: pkg.ID, DisplayName: "Employees", DurationInDays: 30,
			RequestorSettings:       entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true},
			RequestApprovalSettings: entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}}
	}
	ctx := entitlementtest.AsAdmin(admin)
	in := base()
	in.RequestorSettings.EnableOnBehalfRequestorsToAddAccess = true
	in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager, ManagerLevel: 2}}
	pol, err := e.Svc.CreatePolicy(ctx, in)
	if err != nil || !pol.RequestorSettings.ManagersMayRequestForReports() || pol.RequestorSettings.OnBehalfRequestors[0].ManagerLevel != 1 {
		t.Fatalf("create = %+v, %v", pol.RequestorSettings, err)
	}
	in = base()
	in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetTargetManager}}
	if pol, err := e.Svc.CreatePolicy(ctx, in); err != nil || len(pol.RequestorSettings.OnBehalfRequestors) != 0 {
		t.Errorf("a list without the switch = %+v, %v; want it dropped", pol.RequestorSettings, err)
	}
	for name, edit := range map[string]func(*entitlement.PolicyInput){
		"requestorSettings.enableOnBehalfRequestorsToAddAccess": func(in *entitlement.PolicyInput) {
			in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeNoSubjects, EnableOnBehalfRequestorsToAddAccess: true}
		},
		"requestorSettings.onBehalfRequestors": func(in *entitlement.PolicyInput) {
			in.RequestorSettings.EnableOnBehalfRequestorsToAddAccess = true
			in.RequestorSettings.OnBehalfRequestors = []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: admin.ID}}
		},
	} {
		in := base()
		edit(&in)
		_, err := e.Svc.CreatePolicy(ctx, in)
		var ve *entitlement.ValidationError
		if !errors.As(err, &ve) || ve.Fields[name] == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

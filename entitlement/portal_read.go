package entitlement

import (
	"context"
	"slices"
	"strings"
	"time"
)

// This file holds the read models of the self-service and approver pages. The people involved in
// a request (its requestor, its subject, its approvers) are not catalog readers, so the
// catalog-scoped reads (AccessPackageByID, UserByID, …) refuse them; these methods give them
// exactly the names and facts they need, with the same authorization as RequestByID and
// AssignmentByID.

// PersonRef names a person on a page.
type PersonRef struct {
	ID    string
	Name  string
	Email string
	// Guest is set for external users; Organization names the connected organization they come
	// from, when known, so that approvers see whom they let in.
	Guest        bool
	Organization string
}

// PackageOffer is what a package's page shows the signed-in person: the package and its
// catalog, the policies they may request it through (empty when none), the roles it grants when
// it shows them, the names of the groups and organizations the policies are open to, and what of
// theirs already stands in the way of a new request. When it is offered for someone else
// (Target), the policies, the open request and the live assignment are that person's.
type PackageOffer struct {
	RequestablePackage
	// Names maps the ids of the policies' allowed requestors (users, groups, connected
	// organizations) to their names, for describing who a policy is for.
	Names map[string]string
	// OpenRequest is the caller's (or the target's) open request for the package, if any.
	OpenRequest *Request
	// LiveAssignment is the caller's (or the target's) live assignment of the package, if any.
	LiveAssignment *Assignment
	// Target is the person the caller requests for; nil when they request for themselves.
	Target *PersonRef
	// Reports are the caller's direct reports, when a policy of the package lets managers request
	// for them.
	Reports []PersonRef
	// ForAnyone tells that the caller may request the package for anyone a policy covers: they
	// are an administrator or assignment manager of the catalog, and a policy takes requests on
	// behalf of others.
	ForAnyone bool
}

// PackageOffer returns the package as its page shows it to the caller. Hidden packages are
// included (their link is how people reach them). A package that the caller may not request,
// for themselves or for others, does not hold, has no open request for and whose catalog they
// may not read is reported as not found, so that hidden packages do not leak.
func (s *Service) PackageOffer(ctx context.Context, packageID string) (PackageOffer, error) {
	return s.PackageOfferFor(ctx, packageID, "")
}

// PackageOfferFor returns the package as its page shows it when the caller requests for someone
// else: target is their user id, or their e-mail address when the caller may request for anyone.
// The policies are those that cover the target and let the caller ask for them (none when no
// policy does). An empty target, or the caller's own id, is PackageOffer. A person who is not the
// caller's report, unless the caller may request for anyone, is not found (targetNotFound), so
// that nobody learns who is in the directory.
func (s *Service) PackageOfferFor(ctx context.Context, packageID, target string) (PackageOffer, error) {
	p, err := principal(ctx)
	if err != nil {
		return PackageOffer{}, err
	}
	var out PackageOffer
	err = s.store.View(ctx, func(tx Tx) error {
		acc, err := s.loadAccess(tx, p)
		if err != nil {
			return err
		}
		pkg, cat, eligible, err := eligibleIn(tx, p.UserID, packageID)
		if err != nil {
			return err
		}
		pols, err := tx.Policies().ByPackage(pkg.ID)
		if err != nil {
			return err
		}
		out = PackageOffer{RequestablePackage: RequestablePackage{Package: pkg, Catalog: publicCatalog(cat), Policies: eligible}, Names: map[string]string{}}
		managers := false
		for _, pol := range pols {
			if !pol.RequestorSettings.EnableOnBehalfRequestorsToAddAccess {
				continue
			}
			managers = managers || pol.RequestorSettings.ManagersMayRequestForReports()
			out.ForAnyone = out.ForAnyone || acc.canManageAssignments(cat.ID)
		}
		if managers {
			reports, err := tx.Users().Reports(p.UserID)
			if err != nil {
				return err
			}
			for _, u := range reports {
				if u.AccountEnabled {
					out.Reports = append(out.Reports, PersonRef{ID: u.ID, Name: u.Label(), Email: u.Email})
				}
			}
			slices.SortFunc(out.Reports, func(a, b PersonRef) int { return cmpString(a.Name, b.Name) })
		}
		whose := p.UserID
		if target != "" && target != p.UserID && target != p.Email {
			subj, err := s.offerTarget(tx, acc, target, out.ForAnyone)
			if err != nil {
				return err
			}
			out.Target = &PersonRef{ID: subj.user.ID, Name: subj.user.Label(), Email: subj.user.Email}
			out.Policies = nil
			for _, pol := range pols {
				if mayRequestFor(acc, pol, subj) && subj.checkRequestable(pol, cat) == nil {
					out.Policies = append(out.Policies, pol)
				}
			}
			slices.SortFunc(out.Policies, func(a, b AssignmentPolicy) int { return cmpString(a.DisplayName, b.DisplayName) })
			whose = subj.user.ID
		}
		if r, err := tx.Requests().Open(whose, pkg.ID); err == nil {
			out.OpenRequest = &r
		} else if !isNotFound(err) {
			return err
		}
		if a, err := tx.Assignments().Live(whose, pkg.ID); err == nil {
			out.LiveAssignment = &a
		} else if !isNotFound(err) {
			return err
		}
		if out.Target == nil && len(out.Policies) == 0 && out.OpenRequest == nil && out.LiveAssignment == nil &&
			len(out.Reports) == 0 && !out.ForAnyone && !acc.canReadCatalog(cat.ID) {
			return notFoundAs("accessPackageNotFound", "access package", packageID)
		}
		if pkg.IsRoleScopesVisible {
			if out.Roles, err = grantedRoles(tx.Resources().Get, pkg); err != nil {
				return err
			}
		}
		for _, pol := range out.Policies {
			for _, u := range pol.RequestorSettings.AllowedRequestors {
				if u.ID == "" || out.Names[u.ID] != "" {
					continue
				}
				out.Names[u.ID] = userSetName(tx, u)
			}
		}
		return nil
	})
	return out, err
}

// offerTarget finds the person an offer is for. Only callers who may request for anyone may name
// them by e-mail; the others choose among their reports, by id, and learn nothing of the rest.
func (s *Service) offerTarget(tx Tx, acc *access, target string, forAnyone bool) (subject, error) {
	notFound := ruleError(ErrNotFound, "targetNotFound", "nobody you can request for has this address")
	id := target
	if strings.Contains(target, "@") {
		if !forAnyone {
			return subject{}, notFound
		}
		u, err := tx.Users().ByEmail(target)
		if isNotFound(err) {
			return subject{}, ruleError(ErrNotFound, "targetNotFound", "nobody in the directory has the address %s", strings.TrimSpace(target))
		} else if err != nil {
			return subject{}, err
		}
		id = u.ID
	}
	subj, err := loadSubject(tx, id)
	if isNotFound(err) {
		return subj, notFound
	} else if err != nil {
		return subj, err
	}
	if !forAnyone && subj.user.ManagerID != acc.p.UserID {
		return subject{}, notFound
	}
	if !subj.user.AccountEnabled {
		return subj, ruleError(ErrConflict, "targetBlocked", "%s's account is blocked, so they cannot get access", subj.user.Label())
	}
	return subj, nil
}

// userSetName names the user, group or connected organization of a userSet, or says what kind
// it is when it is gone.
func userSetName(tx Tx, u UserSet) string {
	switch u.Type {
	case UserSetSingleUser:
		if usr, err := tx.Users().Get(u.ID); err == nil {
			return usr.Label()
		}
	case UserSetGroupMembers:
		if g, err := tx.Groups().Get(u.ID); err == nil {
			return g.DisplayName
		}
	case UserSetConnectedOrgMembers:
		if o, err := tx.ConnectedOrganizations().Get(u.ID); err == nil {
			return o.DisplayName
		}
	}
	return userSetKindLabel(u.Type)
}

// RequestView is a request with the names a page needs to show it.
type RequestView struct {
	Request
	PackageName        string
	PackageDescription string
	CatalogName        string
	PolicyName         string
	// PolicyDurationInDays and PolicyExpiration say how long access through the request's policy
	// lasts (zero and nil when it does not end, or the policy is gone).
	PolicyDurationInDays int
	PolicyExpiration     *time.Time
	// People maps the ids of the requestor, the subject, every approver asked and everyone who
	// acted on the request to their names.
	People map[string]PersonRef
	// Access is the assignment a request for access delivered, once it did (nil before, and for
	// other kinds of request): its real start and end, which a schedule asked for only roughly.
	Access *Assignment
}

// Person returns the named person, or a stand-in for someone no longer in the directory.
func (v RequestView) Person(id string) PersonRef {
	if p, ok := v.People[id]; ok {
		return p
	}
	return PersonRef{ID: id, Name: "A former user"}
}

// Names returns the names of the people with the ids, in order.
func (v RequestView) Names(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, v.Person(id).Name)
	}
	return out
}

// DescribeRequests adds names to requests the caller may read (RequestByID's rule); a request
// they may not read makes the whole call fail with ErrNotFound. Each request is read again from
// the store by its id, so the views show (and the check applies to) its stored state.
func (s *Service) DescribeRequests(ctx context.Context, rs []Request) ([]RequestView, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RequestView, 0, len(rs))
	err = s.store.View(ctx, func(tx Tx) error {
		acc, err := s.loadAccess(tx, p)
		if err != nil {
			return err
		}
		n, err := s.newNamer(tx)
		if err != nil {
			return err
		}
		for _, given := range rs {
			// Decide on the stored request, never on the copy handed in: a copy that says the
			// caller is its requestor would otherwise get the names of anyone's approvers.
			r, err := tx.Requests().Get(given.ID)
			if isNotFound(err) || (err == nil && !canReadRequest(acc, r)) {
				return notFoundAs("requestNotFound", "request", given.ID)
			} else if err != nil {
				return err
			}
			v := describeRequest(n, r)
			if v.Access, err = accessOf(n, r); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// DescribeWaitingForMe is WaitingForMe with DescribeRequests' names, in one read: the approvals
// page decodes each request of its page once, and checks the caller's access once.
func (s *Service) DescribeWaitingForMe(ctx context.Context, opt ListOptions) (Page[RequestView], error) {
	return s.describeAsked(ctx, func(tx Tx, userID string) (Page[Request], error) {
		return tx.Requests().WaitingFor(userID, opt)
	})
}

// DescribeMyDecisions is MyDecisions with DescribeRequests' names, in one read, for the approvals
// history page.
func (s *Service) DescribeMyDecisions(ctx context.Context, opt ListOptions) (Page[RequestView], error) {
	return s.describeAsked(ctx, func(tx Tx, userID string) (Page[Request], error) {
		return tx.Requests().DecidedBy(userID, opt)
	})
}

// describeAsked names a page of requests that list reads for the caller among each request's
// approvers: asked to decide it, or who decided it.
func (s *Service) describeAsked(ctx context.Context, list func(tx Tx, userID string) (Page[Request], error)) (Page[RequestView], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[RequestView]{}, err
	}
	var out Page[RequestView]
	err = s.store.View(ctx, func(tx Tx) error {
		page, err := list(tx, p.UserID)
		if err != nil {
			return err
		}
		n, err := s.newNamer(tx)
		if err != nil {
			return err
		}
		// Request.AskedToApprove names the caller (it holds who decided too), so they may read
		// each request: no other check.
		out, err = describePage(page, func(r Request) (RequestView, error) {
			v := describeRequest(n, r)
			access, err := accessOf(n, r)
			v.Access = access
			return v, err
		})
		return err
	})
	return out, err
}

// accessOf reads the assignment a request for access delivered (RequestView.Access): nil before
// it did, and for other kinds of request.
func accessOf(n *namer, r Request) (*Assignment, error) {
	if r.AssignmentID == "" || (r.RequestType != RequestAdminAdd && r.RequestType != RequestUserAdd) {
		return nil, nil
	}
	a, err := n.tx.Assignments().Get(r.AssignmentID)
	if isNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}

// describeRequest adds names to a request read from the store in the transaction; the
// assignment it delivered (Access) is left to accessOf.
func describeRequest(n *namer, r Request) RequestView {
	v := RequestView{Request: r, People: map[string]PersonRef{}}
	v.PackageName, v.PackageDescription = n.pkg(r.AccessPackageID)
	v.CatalogName = n.catalog(r.CatalogID)
	if pol, ok := n.policy(r.PolicyID); ok {
		v.PolicyName, v.PolicyDurationInDays = pol.DisplayName, pol.DurationInDays
		if end := pol.ExpirationDateTime; end != nil {
			v.PolicyExpiration = new(*end) // the cached policy is shared: the view gets its own copy
		}
	}
	ids := []string{r.RequestorID, r.TargetID}
	for _, st := range r.Stages {
		ids = append(ids, st.Approvers...)
		ids = append(ids, st.EscalationApprovers...)
		ids = append(ids, st.DecidedBy)
	}
	for _, e := range r.Events {
		ids = append(ids, e.ActorID)
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if pr, ok := n.person(id); ok {
			v.People[id] = pr
		}
	}
	return v
}

// AssignmentView is an assignment with the names and rules a page needs to show it to its holder.
type AssignmentView struct {
	Assignment
	PackageName        string
	PackageDescription string
	CatalogName        string
	PolicyName         string
	// Roles are the resource roles the assignment holds now (none once it has ended).
	Roles []AssignmentResourceRole
	// CanExtend: the policy lets the holder extend it (it ends, it is delivered, and the policy
	// still exists and allows extension). ExtensionNeedsApproval: an extension goes through the
	// policy's approval stages.
	CanExtend              bool
	ExtensionNeedsApproval bool
	// JustificationRequired: the policy asks for a reason with every request, extensions too.
	JustificationRequired bool
	// MaxExtendedEnd is the latest end an extension may ask for, counted from the current end;
	// nil when the policy sets no limit. ExtensionDays is the policy's duration in days (0 for a
	// fixed end). EarliestExtendedEnd is the earliest end an extension may ask for.
	MaxExtendedEnd      *time.Time
	EarliestExtendedEnd *time.Time
	ExtensionDays       int
	// ExtensionOpensAt is set when the policy allows extending but not yet: the holder may ask
	// from then on (ExtensionWindow before the end).
	ExtensionOpensAt *time.Time
	// OpenRequest is an open request of the holder for the same package (an extension waiting
	// for approval), if any.
	OpenRequest *Request
}

// DescribeAssignments adds names, roles and extension rules to assignments the caller may read
// (AssignmentByID's rule); one they may not read makes the whole call fail with ErrNotFound.
func (s *Service) DescribeAssignments(ctx context.Context, as []Assignment) ([]AssignmentView, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AssignmentView, 0, len(as))
	err = s.store.View(ctx, func(tx Tx) error {
		n, err := s.newNamer(tx)
		if err != nil {
			return err
		}
		now := s.now()
		for _, given := range as {
			a, err := s.readableAssignment(tx, p, given.ID) // the stored assignment, not the copy
			if err != nil {
				return err
			}
			v, err := describeAssignment(n, a, now)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// describeAssignment adds names, roles and extension rules to an assignment read from the store
// in the transaction.
func describeAssignment(n *namer, a Assignment, now time.Time) (AssignmentView, error) {
	v := AssignmentView{Assignment: a}
	v.PackageName, v.PackageDescription = n.pkg(a.AccessPackageID)
	v.CatalogName = n.catalog(a.CatalogID)
	for _, id := range a.ResourceRoleIDs {
		ar, err := n.tx.AssignmentRoles().Get(id)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return v, err
		}
		if slices.Contains(ar.AssignmentIDs, a.ID) {
			v.Roles = append(v.Roles, ar)
		}
	}
	// The home page describes a page of assignments on every view: policies through the cache.
	pol, err := n.cv.policy(a.PolicyID)
	switch {
	case err == nil:
		v.PolicyName = pol.DisplayName
		v.CanExtend = pol.CanExtend && a.IsLive() && a.AssignmentState == AssignmentDelivered && a.EndDateTime() != nil
		v.ExtensionNeedsApproval = pol.RequestApprovalSettings.IsApprovalRequiredForExtension && pol.IsApprovalRequired()
		v.ExtensionDays = pol.DurationInDays
		v.JustificationRequired = pol.RequestApprovalSettings.IsRequestorJustificationRequired
		if v.CanExtend {
			terms := extensionTermsOf(pol, *a.EndDateTime())
			v.MaxExtendedEnd = terms.DefaultEnd
			earliest := terms.EarliestEnd()
			v.EarliestExtendedEnd = &earliest
			if !terms.IsOpen(now) {
				v.CanExtend = false
				if now.Before(terms.OpensAt) {
					v.ExtensionOpensAt = &terms.OpensAt
				}
			}
		}
	case !isNotFound(err):
		return v, err
	}
	if a.IsLive() {
		r, err := n.openRequest(a.TargetID, a.AccessPackageID)
		if err == nil {
			v.OpenRequest = &r
		} else if !isNotFound(err) {
			return v, err
		}
	}
	return v, nil
}

// namer looks names up once per transaction: packages, catalogs and policies through the
// configuration cache, people from the directory. It also holds the requests that the
// transaction has read already (read), so that an assignment's view that names its open request
// does not decode it again.
type namer struct {
	tx       Tx
	cv       configView
	people   map[string]*PersonRef
	requests map[string]Request
	orgs     map[string]string // connected organizations' names, for the guests among people
}

func (s *Service) newNamer(tx Tx) (*namer, error) {
	cv, err := s.configView(tx)
	if err != nil {
		return nil, err
	}
	return &namer{tx: tx, cv: cv, people: map[string]*PersonRef{}, requests: map[string]Request{}, orgs: map[string]string{}}, nil
}

// read keeps requests read in the namer's transaction.
func (n *namer) read(rs []Request) {
	for _, r := range rs {
		n.requests[r.ID] = r
	}
}

// openRequest is Requests.Open, from what the transaction has read when it holds the request.
func (n *namer) openRequest(targetID, packageID string) (Request, error) {
	id, err := n.tx.Requests().OpenID(targetID, packageID)
	if err != nil {
		return Request{}, err
	}
	if r, ok := n.requests[id]; ok {
		return r, nil
	}
	return n.tx.Requests().Get(id)
}

// pkg returns the name and description of the package, or says it is gone.
func (n *namer) pkg(id string) (string, string) {
	if p, err := n.cv.accessPackage(id); err == nil {
		return p.DisplayName, p.Description
	}
	return "A deleted access package", ""
}

// catalog returns the name of the catalog, or "" when it is gone.
func (n *namer) catalog(id string) string {
	if c, err := n.cv.catalog(id); err == nil {
		return c.DisplayName
	}
	return ""
}

func (n *namer) policy(id string) (AssignmentPolicy, bool) {
	p, err := n.cv.policy(id)
	return p, err == nil
}

func (n *namer) person(id string) (PersonRef, bool) {
	if v, ok := n.people[id]; ok {
		if v == nil {
			return PersonRef{}, false
		}
		return *v, true
	}
	u, err := n.tx.Users().Get(id)
	if err != nil {
		n.people[id] = nil
		return PersonRef{}, false
	}
	v := &PersonRef{ID: u.ID, Name: u.Label(), Email: u.Email, Guest: u.IsGuest()}
	if v.Guest && u.ConnectedOrganizationID != "" {
		v.Organization = n.org(u.ConnectedOrganizationID)
	}
	n.people[id] = v
	return *v, true
}

// org names a connected organization; "" when it is gone.
func (n *namer) org(id string) string {
	if v, ok := n.orgs[id]; ok {
		return v
	}
	v := ""
	if o, err := n.tx.ConnectedOrganizations().Get(id); err == nil {
		v = o.DisplayName
	}
	n.orgs[id] = v
	return v
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

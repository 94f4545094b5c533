package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RequestableFilter narrows the packages a person may request.
type RequestableFilter struct {
	Search    string // case-insensitive part of the package's name or description
	CatalogID string
}

// GrantedRole names one resource role a package grants, for pages that show what a package gives.
type GrantedRole struct {
	ResourceID   string
	ResourceName string
	ResourceType string
	OriginSystem string
	RoleID       string
	RoleName     string
	ScopeName    string
}

// RequestablePackage is a package the caller may request, with the policies that let them and,
// when the package shows its role scopes (isRoleScopesVisible), the roles it grants. Catalog
// holds the catalog's public fields only: requestors do not learn who holds roles in it or who
// created and changed it.
type RequestablePackage struct {
	Package  AccessPackage
	Catalog  Catalog
	Policies []AssignmentPolicy
	Roles    []GrantedRole
}

// subject is what eligibility and approver routing need to know about the person who would hold
// an assignment: the user, their groups and their connected organization.
type subject struct {
	user   User
	groups []string
	org    *ConnectedOrganization // nil when the user belongs to none (or it was deleted)
}

func loadSubject(tx Tx, userID string) (subject, error) {
	u, err := tx.Users().Get(userID)
	if err != nil {
		return subject{}, err
	}
	groups, err := tx.Groups().GroupIDsOf(userID)
	if err != nil {
		return subject{}, fmt.Errorf("load groups of %s: %w", userID, err)
	}
	s := subject{user: u, groups: groups}
	if u.ConnectedOrganizationID != "" {
		o, err := tx.ConnectedOrganizations().Get(u.ConnectedOrganizationID)
		switch {
		case err == nil:
			s.org = &o
		case !isNotFound(err):
			return s, fmt.Errorf("load organization of %s: %w", userID, err)
		}
	}
	return s, nil
}

// inScope reports whether the subject falls within the policy's requestor scope. Every scope
// type is handled, including the old spelling of the configured-organizations scope.
func (s subject) inScope(p AssignmentPolicy) bool {
	rs := p.RequestorSettings
	switch NormalizeScopeType(rs.ScopeType) {
	case ScopeNoSubjects:
		return false
	case ScopeSpecificDirectorySubjects:
		for _, u := range rs.AllowedRequestors {
			switch u.Type {
			case UserSetSingleUser:
				if u.ID == s.user.ID {
					return true
				}
			case UserSetGroupMembers:
				if slices.Contains(s.groups, u.ID) {
					return true
				}
			}
		}
		return false
	case ScopeAllExistingDirectoryMembers:
		return s.user.UserType == UserTypeMember
	case ScopeAllExistingDirectorySubjects:
		return true
	case ScopeSpecificConnectedOrgSubjects:
		if s.org == nil {
			return false
		}
		for _, u := range rs.AllowedRequestors {
			if u.Type == UserSetConnectedOrgMembers && u.ID == s.org.ID {
				return true
			}
		}
		return false
	case ScopeAllConfiguredConnectedOrgs:
		return s.org != nil && s.org.State == OrgConfigured
	case ScopeAllExternalSubjects:
		// Any external user, whether or not their organization is known; members of the home
		// directory are not external.
		return s.user.IsGuest()
	}
	return false
}

// checkRequestable applies every rule that decides whether the subject may request the package
// through the policy, and says which one failed with a distinct code.
func (s subject) checkRequestable(p AssignmentPolicy, c Catalog) error {
	if s.user.IsServiceAccount() {
		return ruleError(ErrConflict, CodeServiceAccount, "%s is a service account; access packages are for people", s.user.Label())
	}
	if !c.IsPublished() {
		return ruleError(ErrConflict, "catalogNotPublished", "the catalog %q is not published, so its packages cannot be requested", c.DisplayName)
	}
	if !p.RequestorSettings.AcceptRequests {
		return ruleError(ErrConflict, "notAcceptingRequests", "the policy %q does not accept requests at the moment", p.DisplayName)
	}
	if s.user.IsGuest() && !c.IsExternallyVisible {
		return ruleError(ErrForbidden, "externalNotAllowed", "packages of the catalog %q are open to people of this organization only, not to external users", c.DisplayName)
	}
	if !s.inScope(p) {
		return ruleError(ErrForbidden, "notInScope", "you are not among the people who may request through the policy %q", p.DisplayName)
	}
	return nil
}

// namedPolicyIDs lists the ids of the policies that name the subject, one of their groups or
// their organization as allowed requestors, through the requestor index. The result may hold
// policies that do not in the end apply; callers check each with checkRequestable.
func namedPolicyIDs(tx Tx, s subject) ([]string, error) {
	principals := append([]string{s.user.ID}, s.groups...)
	if s.org != nil {
		principals = append(principals, s.org.ID)
	}
	return unionIDs(principals, tx.Policies().IDsByRequestor)
}

// scopePolicyIDs lists the ids of the policies whose scope type may cover the subject's class,
// through the scope-type index. Callers check each with checkRequestable.
func scopePolicyIDs(tx Tx, s subject) ([]string, error) {
	scopes := []string{ScopeAllExistingDirectorySubjects}
	if s.user.UserType == UserTypeMember {
		scopes = append(scopes, ScopeAllExistingDirectoryMembers)
	}
	if s.user.IsGuest() {
		scopes = append(scopes, ScopeAllExternalSubjects)
	}
	if s.org != nil && s.org.State == OrgConfigured {
		scopes = append(scopes, ScopeAllConfiguredConnectedOrgs, scopeAllExistingConnectedOrgsOld)
	}
	return unionIDs(scopes, tx.Policies().IDsByScopeType)
}

func unionIDs(keys []string, lookup func(string) ([]string, error)) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, k := range keys {
		list, err := lookup(k)
		if err != nil {
			return nil, fmt.Errorf("look up policies: %w", err)
		}
		for _, id := range list {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// RequestablePackages lists the packages the caller may request now: those with at least one
// policy that accepts requests and whose scope covers the caller, in a published catalog that is
// externally visible when the caller is a guest. Hidden packages are left out (they can still be
// requested by id). The policies whose scope type covers a whole class of people (everyone, all
// members, all guests, configured organizations) are evaluated once per configuration version
// and class, and kept sorted by package name (requestableOffers); each request then evaluates only
// the policies that name the caller, their groups or their organization, and walks the two lists
// together from the page's cursor (offerWalk). So the cost of a page does not grow with the
// number of policies open to everyone, nor with the packages before or after it. A search's
// total counts matches up to SearchCountLimit, without copying any.
func (s *Service) RequestablePackages(ctx context.Context, f RequestableFilter, opt ListOptions) (Page[RequestablePackage], error) {
	p, err := principal(ctx)
	if err != nil {
		return Page[RequestablePackage]{}, err
	}
	after, err := DecodeCursor(opt.After)
	if err != nil {
		return Page[RequestablePackage]{}, err
	}
	before, err := DecodeCursor(opt.Before)
	if err != nil {
		return Page[RequestablePackage]{}, err
	}
	var page Page[RequestablePackage]
	err = s.store.View(ctx, func(tx Tx) error {
		cv, class, named, err := s.offersFor(tx, p.UserID)
		if err != nil {
			return err
		}
		w := newOfferWalk(class, named, f)
		items, prev, next := w.page(after, before, opt.PageSize())
		total, atLeast := w.total(SearchCountLimit)
		page = Page[RequestablePackage]{Total: total, TotalAtLeast: atLeast, Prev: prev, Next: next}
		for _, o := range items {
			rp := o.rp
			// Offers are shared with other requests: the caller gets its own policy slice.
			rp.Policies = slices.Clone(rp.Policies)
			if rp.Package.IsRoleScopesVisible {
				if rp.Roles, err = grantedRoles(cv.resource, rp.Package); err != nil {
					return err
				}
			}
			page.Items = append(page.Items, rp)
		}
		return nil
	})
	return page, err
}

// offersFor returns what the user may request: the offers of their class and, apart, those of
// the policies naming them (without the class's policies), both sorted by key.
func (s *Service) offersFor(tx Tx, userID string) (configView, *classOffers, []*offer, error) {
	subj, err := loadSubject(tx, userID)
	if err != nil {
		return configView{}, nil, nil, fmt.Errorf("requestable packages: %w", err)
	}
	cv, err := s.configView(tx)
	if err != nil {
		return cv, nil, nil, err
	}
	class, err := s.requestableOffers(cv, subj)
	if err != nil {
		return cv, nil, nil, err
	}
	ids, err := namedPolicyIDs(tx, subj)
	if err != nil {
		return cv, nil, nil, err
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return class.policies[id] })
	named, err := eligibleOffers(cv, subj, ids)
	return cv, class, named, err
}

// offer is one package a subject may request, with the policies that let them (sorted by name),
// and the lower-case strings that order and search it.
type offer struct {
	key        string // lower-case name, NUL, id: the order of pages and their cursors
	name, desc string // lower-case, for search
	rp         RequestablePackage
}

// classOffers is what one requestor class may request through the policies whose scope type
// covers the class: offers sorted by key; the same by catalog (as the catalog filter keeps them,
// sorted by key; every catalog of an offer has an entry, even when the filter keeps nothing);
// their distinct catalogs sorted by name; and the candidate policy ids (so that a policy also
// found through a named index is not counted twice).
type classOffers struct {
	list      []*offer
	byCatalog map[string][]*offer
	catalogs  []Catalog
	policies  map[string]bool
	// catalogAt places a catalog id in catalogs, byName its lower-case name, and tokens holds
	// each catalog's SearchTokens: so that a catalog filter finds one without walking them all.
	catalogAt map[string]int
	byName    map[string][]int
	tokens    [][]string
}

// requestorClass is everything that decides whether a scope-type policy covers a subject: see
// inScope and checkRequestable.
type requestorClass struct {
	member, guest, service, orgConfigured bool
}

func classOf(s subject) requestorClass {
	return requestorClass{
		member: s.user.UserType == UserTypeMember, guest: s.user.IsGuest(), service: s.user.IsServiceAccount(),
		orgConfigured: s.org != nil && s.org.State == OrgConfigured,
	}
}

// requestableOffers returns the class's offers at the view's version, from the configuration
// cache or evaluated now (and kept when the cache is at the view's version).
func (s *Service) requestableOffers(cv configView, subj subject) (*classOffers, error) {
	cls := classOf(subj)
	if cv.cached {
		cv.c.mu.RLock()
		co := cv.c.offers[cls]
		cv.c.mu.RUnlock()
		if co != nil {
			return co, nil
		}
	}
	ids, err := scopePolicyIDs(cv.tx, subj)
	if err != nil {
		return nil, err
	}
	list, err := eligibleOffers(cv, subj, ids)
	if err != nil {
		return nil, err
	}
	co := &classOffers{list: list, byCatalog: map[string][]*offer{}, policies: make(map[string]bool, len(ids))}
	for _, o := range list {
		id := o.rp.Package.CatalogID
		in, seen := co.byCatalog[id]
		if !seen {
			co.catalogs = append(co.catalogs, o.rp.Catalog)
		}
		if o = inCatalog(o, id); o != nil {
			in = append(in, o)
		}
		co.byCatalog[id] = in
	}
	slices.SortFunc(co.catalogs, compareCatalogs)
	co.indexCatalogs()
	for _, id := range ids {
		co.policies[id] = true
	}
	if cv.cached {
		cv.c.mu.Lock()
		if cv.c.version == cv.version {
			cv.c.offers[cls] = co
		}
		cv.c.mu.Unlock()
	}
	return co, nil
}

// eligibleOffers evaluates the candidate policies for the subject and returns the packages they
// make requestable, sorted by key.
func eligibleOffers(cv configView, subj subject, ids []string) ([]*offer, error) {
	byPackage := map[string]*offer{}
	skipped := map[string]bool{} // packages already read and left out
	catalogs := map[string]*Catalog{}
	for _, id := range ids {
		pol, err := cv.policy(id)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		o := byPackage[pol.AccessPackageID]
		if o == nil {
			if skipped[pol.AccessPackageID] {
				continue
			}
			skipped[pol.AccessPackageID] = true
			pkg, err := cv.accessPackage(pol.AccessPackageID)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return nil, err
			}
			if pkg.IsHidden {
				continue
			}
			c := catalogs[pkg.CatalogID]
			if c == nil {
				cat, err := cv.catalog(pkg.CatalogID)
				if isNotFound(err) {
					continue
				} else if err != nil {
					return nil, err
				}
				cat = publicCatalog(cat)
				c = &cat
				catalogs[pkg.CatalogID] = c
			}
			delete(skipped, pkg.ID)
			name := strings.ToLower(pkg.DisplayName)
			o = &offer{key: name + "\x00" + pkg.ID, name: name, desc: strings.ToLower(pkg.Description), rp: RequestablePackage{Package: pkg, Catalog: *c}}
			byPackage[pkg.ID] = o
		}
		if subj.checkRequestable(pol, o.rp.Catalog) != nil {
			continue
		}
		o.rp.Policies = append(o.rp.Policies, pol)
	}
	out := make([]*offer, 0, len(byPackage))
	for _, o := range byPackage {
		if len(o.rp.Policies) > 0 {
			sortPolicies(o.rp.Policies)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b *offer) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

func sortPolicies(ps []AssignmentPolicy) {
	slices.SortFunc(ps, func(a, b AssignmentPolicy) int {
		if c := strings.Compare(a.DisplayName, b.DisplayName); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// offerWalk pages through what a subject may request under a filter: the class's offers and the
// subject's own, each sorted by key, as one list in which a package found in both is offered with
// the policies of both, keeping the offers that match the search. A page reads from its cursor
// on and no further than one offer past it, so its cost does not grow with the lists.
type offerWalk struct {
	class, named []*offer
	search       string // lower-case, trimmed; "" for all
}

// newOfferWalk narrows the class's offers and the subject's own to the filter's catalog. Within
// a catalog, a policy that names another catalog does not count.
func newOfferWalk(class *classOffers, named []*offer, f RequestableFilter) offerWalk {
	w := offerWalk{class: class.list, named: named, search: strings.ToLower(strings.TrimSpace(f.Search))}
	if f.CatalogID != "" {
		w.class = class.byCatalog[f.CatalogID]
		w.named = nil
		for _, o := range named {
			if o.rp.Package.CatalogID != f.CatalogID {
				continue
			}
			if o = inCatalog(o, f.CatalogID); o != nil {
				w.named = append(w.named, o)
			}
		}
	}
	return w
}

// inCatalog is the offer of a package of the catalog without the policies that name another
// catalog (the offer itself when none does), or nil when no policy is left.
func inCatalog(o *offer, catalogID string) *offer {
	other := func(p AssignmentPolicy) bool { return p.CatalogID != "" && p.CatalogID != catalogID }
	if !slices.ContainsFunc(o.rp.Policies, other) {
		return o
	}
	in := *o
	in.rp.Policies = slices.DeleteFunc(slices.Clone(o.rp.Policies), other)
	if len(in.rp.Policies) == 0 {
		return nil
	}
	return &in
}

func (w offerWalk) matches(o *offer) bool {
	return w.search == "" || strings.Contains(o.name, w.search) || strings.Contains(o.desc, w.search)
}

// total counts the offers of the walk: the class's that match, which only a search has to walk
// (without copying), and the subject's own that match and are not among the class's. A search
// stops counting past limit, returning limit and true.
func (w offerWalk) total(limit int) (int, bool) {
	n := len(w.class)
	past := func() bool { return w.search != "" && n > limit }
	if w.search != "" {
		n = 0
		for _, o := range w.class {
			if w.matches(o) {
				if n++; past() {
					return limit, true
				}
			}
		}
	}
	for _, o := range w.named {
		if !w.matches(o) {
			continue
		}
		if _, found := slices.BinarySearchFunc(w.class, o.key, compareKey); !found {
			if n++; past() {
				return limit, true
			}
		}
	}
	return n, false
}

// page returns the offers of the page the cursors point at (the first page when both are empty)
// and the cursors of the pages before and after it, as Window would over the whole filtered list.
func (w offerWalk) page(after, before string, size int) (items []*offer, prev, next string) {
	hasPrev, hasNext := false, false
	switch {
	case before != "":
		items = w.backward(before, size+1)
		if hasPrev = len(items) > size; hasPrev {
			items = items[:size]
		}
		slices.Reverse(items)
		hasNext = len(items) > 0 && len(w.forward(before, true, 1)) > 0
	default:
		items = w.forward(after, after == "", size+1)
		if hasNext = len(items) > size; hasNext {
			items = items[:size]
		}
		hasPrev = after != "" && len(items) > 0 && len(w.backward(items[0].key, 1)) > 0
	}
	if hasPrev {
		prev = EncodeCursor(items[0].key)
	}
	if hasNext {
		next = EncodeCursor(items[len(items)-1].key)
	}
	return items, prev, next
}

// forward returns up to n matching offers from the key on (past it unless inclusive), in order.
func (w offerWalk) forward(from string, inclusive bool, n int) []*offer {
	start := func(l []*offer) int {
		i, found := slices.BinarySearchFunc(l, from, compareKey)
		if found && !inclusive {
			i++
		}
		return i
	}
	i, j := start(w.class), start(w.named)
	var out []*offer
	for len(out) < n && (i < len(w.class) || j < len(w.named)) {
		var o *offer
		switch {
		case j == len(w.named) || i < len(w.class) && w.class[i].key < w.named[j].key:
			o, i = w.class[i], i+1
		case i == len(w.class) || w.named[j].key < w.class[i].key:
			o, j = w.named[j], j+1
		default:
			o, i, j = joinOffers(w.class[i], w.named[j]), i+1, j+1
		}
		if w.matches(o) {
			out = append(out, o)
		}
	}
	return out
}

// backward returns up to n matching offers before the key, nearest first.
func (w offerWalk) backward(before string, n int) []*offer {
	i, _ := slices.BinarySearchFunc(w.class, before, compareKey)
	j, _ := slices.BinarySearchFunc(w.named, before, compareKey)
	var out []*offer
	for len(out) < n && (i > 0 || j > 0) {
		var o *offer
		switch {
		case j == 0 || i > 0 && w.class[i-1].key > w.named[j-1].key:
			o, i = w.class[i-1], i-1
		case i == 0 || w.named[j-1].key > w.class[i-1].key:
			o, j = w.named[j-1], j-1
		default:
			o, i, j = joinOffers(w.class[i-1], w.named[j-1]), i-1, j-1
		}
		if w.matches(o) {
			out = append(out, o)
		}
	}
	return out
}

func compareKey(o *offer, key string) int { return strings.Compare(o.key, key) }

// joinOffers is a new offer of a package found both through the class's policies and through
// the subject's own, with the policies of both; neither offer changes.
func joinOffers(class, named *offer) *offer {
	both := *class
	both.rp.Policies = append(slices.Clone(class.rp.Policies), named.rp.Policies...)
	sortPolicies(both.rp.Policies)
	return &both
}

// publicCatalog is what requestors see of a catalog: no role members, no createdBy/modifiedBy.
func publicCatalog(c Catalog) Catalog {
	return Catalog{
		ID: c.ID, DisplayName: c.DisplayName, Description: c.Description, CatalogType: c.CatalogType,
		CatalogStatus: c.CatalogStatus, IsExternallyVisible: c.IsExternallyVisible,
		CreatedDateTime: c.CreatedDateTime, ModifiedDateTime: c.ModifiedDateTime,
	}
}

// grantedRoles describes the role scopes of a package by resource and role name.
func grantedRoles(resource func(id string) (Resource, error), pkg AccessPackage) ([]GrantedRole, error) {
	out := make([]GrantedRole, 0, len(pkg.RoleScopes))
	for _, rs := range pkg.RoleScopes {
		res, err := resource(rs.ResourceID)
		if isNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		g := GrantedRole{ResourceID: res.ID, ResourceName: res.DisplayName, ResourceType: res.ResourceType, OriginSystem: res.OriginSystem, RoleID: rs.RoleID}
		if role, ok := res.Role(rs.RoleID); ok {
			g.RoleName = role.DisplayName
		}
		if sc, ok := res.Scope(rs.ScopeID); ok {
			g.ScopeName = sc.DisplayName
		}
		out = append(out, g)
	}
	return out, nil
}

// EligiblePolicies returns the policies of the package through which the caller may request it
// now, sorted by name; empty when there are none. The package may be hidden.
func (s *Service) EligiblePolicies(ctx context.Context, packageID string) ([]AssignmentPolicy, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	var out []AssignmentPolicy
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		_, _, out, err = eligibleIn(tx, p.UserID, packageID)
		return err
	})
	return out, err
}

// eligibleIn loads a package, its catalog, and the policies through which the user may request
// it now, sorted by name.
func eligibleIn(tx Tx, userID, packageID string) (AccessPackage, Catalog, []AssignmentPolicy, error) {
	pkg, err := tx.AccessPackages().Get(packageID)
	if isNotFound(err) {
		return pkg, Catalog{}, nil, notFoundAs("accessPackageNotFound", "access package", packageID)
	} else if err != nil {
		return pkg, Catalog{}, nil, err
	}
	c, err := tx.Catalogs().Get(pkg.CatalogID)
	if err != nil {
		return pkg, c, nil, fmt.Errorf("load catalog of %s: %w", pkg.DisplayName, err)
	}
	subj, err := loadSubject(tx, userID)
	if err != nil {
		return pkg, c, nil, fmt.Errorf("load requestor: %w", err)
	}
	pols, err := tx.Policies().ByPackage(pkg.ID)
	if err != nil {
		return pkg, c, nil, err
	}
	var out []AssignmentPolicy
	for _, pol := range pols {
		if subj.checkRequestable(pol, c) == nil {
			out = append(out, pol)
		}
	}
	slices.SortFunc(out, func(a, b AssignmentPolicy) int { return cmpString(a.DisplayName, b.DisplayName) })
	return pkg, c, out, nil
}

// ruleError returns a RuleError with its own code.
func ruleError(kind error, code, format string, args ...any) error {
	return &RuleError{Code: code, Message: fmt.Sprintf(format, args...), Kind: kind}
}

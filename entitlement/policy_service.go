package entitlement

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/words"
)

func getPolicy(tx Tx, id string) (AssignmentPolicy, error) {
	return load("assignment policy", id, tx.Policies().Get)
}

// PoliciesOfPackage lists an access package's policies, in creation order.
func (s *Service) PoliciesOfPackage(ctx context.Context, packageID string) ([]AssignmentPolicy, error) {
	var out []AssignmentPolicy
	err := s.read(ctx, func(tx Tx, a *access) error {
		p, err := getPackage(tx, packageID)
		if err != nil {
			return err
		}
		if !a.canReadCatalog(p.CatalogID) {
			return forbidden("you have no role in the catalog of %q", p.DisplayName)
		}
		out, err = tx.Policies().ByPackage(packageID)
		if err != nil {
			return fmt.Errorf("list policies of %s: %w", p.DisplayName, err)
		}
		return nil
	})
	return out, err
}

// PolicyByID returns a policy of a catalog the caller may read.
func (s *Service) PolicyByID(ctx context.Context, id string) (AssignmentPolicy, error) {
	var out AssignmentPolicy
	err := s.read(ctx, func(tx Tx, a *access) error {
		p, err := getPolicy(tx, id)
		if err != nil {
			return err
		}
		if !a.canReadCatalog(p.CatalogID) {
			return forbidden("you have no role in the catalog of the policy %q", p.DisplayName)
		}
		out = p
		return nil
	})
	return out, err
}

// ListPolicies lists the policies the caller may read. Administrators page through every policy
// in creation order; everyone else (and a search) gets the policies of their catalogs in name
// order.
func (s *Service) ListPolicies(ctx context.Context, opt ListOptions) (Page[AssignmentPolicy], error) {
	var out Page[AssignmentPolicy]
	err := s.read(ctx, func(tx Tx, a *access) error {
		q := SearchKey(opt.Search)
		var err error
		if a.isAdmin() && q == "" {
			out, err = tx.Policies().List(opt)
			if err != nil {
				return fmt.Errorf("list policies: %w", err)
			}
			return nil
		}
		var all []AssignmentPolicy
		if a.isAdmin() {
			all, err = CollectAll(tx.Policies().List)
			if err != nil {
				return fmt.Errorf("list policies: %w", err)
			}
		} else {
			for cid := range a.catalogRoles {
				pkgs, err := CollectAll(func(o ListOptions) (Page[AccessPackage], error) { return tx.AccessPackages().ByCatalog(cid, o) })
				if err != nil {
					return fmt.Errorf("list policies: %w", err)
				}
				for _, p := range pkgs {
					pols, err := tx.Policies().ByPackage(p.ID)
					if err != nil {
						return fmt.Errorf("list policies: %w", err)
					}
					all = append(all, pols...)
				}
			}
		}
		all = slices.DeleteFunc(all, func(p AssignmentPolicy) bool { return !MatchesSearch(q, p.DisplayName) })
		key := func(p AssignmentPolicy) string { return sortKey(p.DisplayName, p.ID) }
		sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
		out, err = PageOf(all, key, opt)
		return err
	})
	return out, err
}

// CreatePolicy adds an assignment policy to an access package; catalog owners and access
// package managers may.
func (s *Service) CreatePolicy(ctx context.Context, in PolicyInput) (AssignmentPolicy, error) {
	var out AssignmentPolicy
	err := s.write(ctx, func(tx Tx, a *access) error {
		pkg, err := tx.AccessPackages().Get(in.AccessPackageID)
		if isNotFound(err) || in.AccessPackageID == "" {
			return invalid("invalidPolicy", "accessPackageId", "the access package does not exist; choose one from the list")
		} else if err != nil {
			return fmt.Errorf("create policy: %w", err)
		}
		if !a.canManagePackages(pkg.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can add policies to %q", pkg.DisplayName)
		}
		if err := s.checkPolicy(tx, &in, pkg); err != nil {
			return err
		}
		now := s.now()
		p := AssignmentPolicy{ID: NewID(), AccessPackageID: pkg.ID, CatalogID: pkg.CatalogID,
			CreatedBy: actorLabel(a.p), CreatedDateTime: now}
		applyPolicyInput(&p, in)
		p.ModifiedBy, p.ModifiedDateTime = p.CreatedBy, now
		p.Version = nextVersion(p.Version)
		if err := tx.Policies().Put(p); err != nil {
			return fmt.Errorf("create policy %s: %w", p.DisplayName, err)
		}
		if err := syncReviewSchedule(tx, p, now); err != nil {
			return err
		}
		out = p
		return s.audit(tx, a.p, "policy.create", "policy", p.ID, p.DisplayName,
			fmt.Sprintf("added to %s: %s", pkg.DisplayName, policySummary(p)))
	})
	return out, err
}

// ReplacePolicy replaces a policy as a whole, like Graph's PUT. The policy stays with its access
// package: in.AccessPackageID must be empty or the policy's own.
func (s *Service) ReplacePolicy(ctx context.Context, id string, in PolicyInput) (AssignmentPolicy, error) {
	var out AssignmentPolicy
	err := s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPolicy(tx, id)
		if err != nil {
			return err
		}
		pkg, err := getPackage(tx, p.AccessPackageID)
		if err != nil {
			return err
		}
		if !a.canManagePackages(pkg.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change the policies of %q", pkg.DisplayName)
		}
		if in.AccessPackageID != "" && in.AccessPackageID != p.AccessPackageID {
			return invalid("invalidPolicy", "accessPackageId", "a policy stays with its access package; create a new policy on the other package instead")
		}
		if err := s.checkPolicy(tx, &in, pkg); err != nil {
			return err
		}
		before := policySummary(p)
		old := p
		applyPolicyInput(&p, in)
		// A policy sent again as it is (a double click) changes nothing and is no conflict.
		out = old
		if samePolicy(old, p) {
			return nil
		}
		if err := checkVersion(tx, "policy", p.ID, old.DisplayName, p.Version, in.IfVersion, old.ModifiedDateTime); err != nil {
			return err
		}
		p.ModifiedBy, p.ModifiedDateTime = actorLabel(a.p), s.now()
		p.Version = nextVersion(p.Version)
		if err := tx.Policies().Put(p); err != nil {
			return fmt.Errorf("replace policy %s: %w", p.DisplayName, err)
		}
		if err := syncReviewSchedule(tx, p, p.ModifiedDateTime); err != nil {
			return err
		}
		out = p
		summary := "details changed, rules unchanged: " + policySummary(p)
		if after := policySummary(p); after != before {
			summary = fmt.Sprintf("before: %s. After: %s", before, after)
		}
		return s.audit(tx, a.p, "policy.replace", "policy", p.ID, p.DisplayName, summary)
	})
	return out, err
}

// DeletePolicy deletes a policy that has no live assignments and no open requests. ifVersion is
// the version the caller read (0 does not check).
func (s *Service) DeletePolicy(ctx context.Context, id string, ifVersion int64) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPolicy(tx, id)
		if err != nil {
			return err
		}
		if !a.canManagePackages(p.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can delete the policy %q", p.DisplayName)
		}
		if err := checkVersion(tx, "policy", p.ID, p.DisplayName, p.Version, ifVersion, p.ModifiedDateTime); err != nil {
			return err
		}
		n, err := tx.Assignments().CountLiveByPolicy(id)
		if err != nil {
			return fmt.Errorf("delete policy: %w", err)
		}
		if n > 0 {
			return conflict("policyHasAssignments", "%d live assignment(s) were made through the policy %q; remove them before deleting it", n, p.DisplayName)
		}
		open, err := CollectAll(func(o ListOptions) (Page[Request], error) {
			return tx.Requests().ByPackage(p.AccessPackageID, RequestFilter{States: OpenRequestStates()}, o)
		})
		if err != nil {
			return fmt.Errorf("delete policy: %w", err)
		}
		if k := len(slices.DeleteFunc(open, func(r Request) bool { return r.PolicyID != id })); k > 0 {
			return conflict("policyHasRequests", "%d request(s) through the policy %q are still open; let them finish or cancel them first", k, p.DisplayName)
		}
		if err := tx.Policies().Delete(id); err != nil {
			return fmt.Errorf("delete policy %s: %w", p.DisplayName, err)
		}
		if err := dropReviewSchedule(tx, id); err != nil {
			return err
		}
		return s.audit(tx, a.p, "policy.delete", "policy", p.ID, p.DisplayName, fmt.Sprintf("deleted policy %q", p.DisplayName))
	})
}

// checkPolicy validates a policy input against the store: referenced people, groups and
// organizations must exist (their names are copied into the userSets' descriptions), and a
// policy for external requestors needs a catalog that external users may see (spec §5.11).
func (s *Service) checkPolicy(tx Tx, in *PolicyInput, pkg AccessPackage) error {
	*in = in.clone()
	var storeErr error
	ref := func(u *UserSet) error {
		var name string
		var err error
		switch u.Type {
		case UserSetSingleUser:
			var x User
			if x, err = tx.Users().Get(u.ID); err == nil {
				name = x.Label()
			}
		case UserSetGroupMembers:
			var x Group
			if x, err = tx.Groups().Get(u.ID); err == nil {
				name = x.DisplayName
			}
		case UserSetConnectedOrgMembers:
			var x ConnectedOrganization
			if x, err = tx.ConnectedOrganizations().Get(u.ID); err == nil {
				name = x.DisplayName
			}
		}
		if isNotFound(err) {
			return fmt.Errorf("%s is no longer in the directory; choose another from the list", userSetKindLabel(u.Type))
		}
		if err != nil {
			storeErr = fmt.Errorf("check policy references: %w", err)
			return err
		}
		u.Description = name
		return nil
	}
	err := in.validate(s.now(), ref)
	if storeErr != nil {
		return storeErr
	}
	var ve *ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	switch NormalizeScopeType(in.RequestorSettings.ScopeType) {
	case ScopeSpecificConnectedOrgSubjects, ScopeAllConfiguredConnectedOrgs, ScopeAllExternalSubjects:
		c, cerr := getCatalog(tx, pkg.CatalogID)
		if cerr != nil {
			return cerr
		}
		if !c.IsExternallyVisible {
			if ve == nil {
				ve = &ValidationError{Code: "invalidPolicy", Fields: map[string]string{}}
			}
			if _, ok := ve.Fields["requestorSettings.scopeType"]; !ok {
				ve.Fields["requestorSettings.scopeType"] = fmt.Sprintf("the catalog %q is not visible to external users; make it externally visible, or choose requestors from the directory", c.DisplayName)
			}
		}
	}
	if ve != nil {
		return ve
	}
	return nil
}

func applyPolicyInput(p *AssignmentPolicy, in PolicyInput) {
	p.DisplayName, p.Description = in.DisplayName, in.Description
	p.CanExtend, p.DurationInDays, p.ExpirationDateTime = in.CanExtend, in.DurationInDays, in.ExpirationDateTime
	p.RequestorSettings = in.RequestorSettings
	if p.RequestorSettings.AllowedRequestors == nil {
		p.RequestorSettings.AllowedRequestors = []UserSet{}
	}
	p.RequestApprovalSettings = in.RequestApprovalSettings
	if p.RequestApprovalSettings.ApprovalStages == nil {
		p.RequestApprovalSettings.ApprovalStages = []ApprovalStage{}
	}
	p.AccessReviewSettings = in.AccessReviewSettings
	p.Questions = in.Questions
}

// policySummary is a one-line description of a policy's rules in plain words, for the audit
// log: "partner organizations, 2 named, can request; 1 approval stage; access lasts 90 days; can be
// extended; no reviews".
func policySummary(p AssignmentPolicy) string {
	who := scopeWords(p.RequestorSettings.ScopeType)
	if n := len(p.RequestorSettings.AllowedRequestors); n > 0 {
		who += ", " + strconv.Itoa(n) + " named"
	}
	if p.RequestorSettings.AcceptRequests {
		who += ", can request"
	} else {
		who += ", not taking requests"
	}
	approval := "no approval"
	if n := len(p.RequestApprovalSettings.ApprovalStages); p.RequestApprovalSettings.ApprovalMode != ApprovalNone && n > 0 {
		approval = words.Plural(n, "approval stage", "approval stages")
	}
	life := "access does not expire"
	switch {
	case p.ExpirationDateTime != nil:
		life = "access ends on " + p.ExpirationDateTime.UTC().Format("2 Jan 2006")
	case p.DurationInDays > 0:
		life = "access lasts " + words.Plural(p.DurationInDays, "day", "days")
	}
	extend := "cannot be extended"
	if p.CanExtend {
		extend = "can be extended"
	}
	reviews := "no reviews"
	if p.AccessReviewSettings != nil {
		reviews = "reviewed"
	}
	return strings.Join([]string{who, approval, life, extend, reviews}, "; ")
}

// scopeWords names who a requestor scope lets in, for the audit log, as the request pages do.
func scopeWords(scope string) string {
	switch NormalizeScopeType(scope) {
	case ScopeSpecificDirectorySubjects:
		return "named people and groups"
	case ScopeAllExistingDirectoryMembers:
		return "everyone in the organization"
	case ScopeAllExistingDirectorySubjects:
		return "everyone in the directory, guests included"
	case ScopeSpecificConnectedOrgSubjects:
		return "partner organizations"
	case ScopeAllConfiguredConnectedOrgs:
		return "people from connected organizations"
	case ScopeAllExternalSubjects:
		return "external users"
	}
	return "nobody"
}

// clone deep-copies the input, so that normalizing it (descriptions, manager levels, review
// start) never writes into the caller's slices.
func (in PolicyInput) clone() PolicyInput {
	cp := func(x []UserSet) []UserSet {
		if x == nil {
			return nil
		}
		return append([]UserSet{}, x...)
	}
	out := in
	out.RequestorSettings.AllowedRequestors = cp(in.RequestorSettings.AllowedRequestors)
	if in.RequestApprovalSettings.ApprovalStages != nil {
		out.RequestApprovalSettings.ApprovalStages = make([]ApprovalStage, len(in.RequestApprovalSettings.ApprovalStages))
		for i, st := range in.RequestApprovalSettings.ApprovalStages {
			st.PrimaryApprovers = cp(st.PrimaryApprovers)
			st.EscalationApprovers = cp(st.EscalationApprovers)
			out.RequestApprovalSettings.ApprovalStages[i] = st
		}
	}
	out.RequestorSettings.OnBehalfRequestors = cp(in.RequestorSettings.OnBehalfRequestors)
	if in.Questions != nil {
		out.Questions = make([]Question, len(in.Questions))
		for i, q := range in.Questions {
			q.Choices = append([]AnswerChoice(nil), q.Choices...)
			out.Questions[i] = q
		}
	}
	if in.AccessReviewSettings != nil {
		r := *in.AccessReviewSettings
		r.Reviewers = cp(r.Reviewers)
		out.AccessReviewSettings = &r
	}
	return out
}

// samePolicy reports whether two versions of a policy say the same, whoever last wrote them.
func samePolicy(a, b AssignmentPolicy) bool {
	a.ModifiedBy, a.ModifiedDateTime, a.Version = "", time.Time{}, 0
	b.ModifiedBy, b.ModifiedDateTime, b.Version = "", time.Time{}, 0
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

package entitlementtest

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// CheckInvariants asserts what must hold in every committed state:
//   - at most one live assignment per subject and package;
//   - every delivered assignment holds a role for each role scope of its package, and each of its
//     roles lists it;
//   - every role's assignments are live and list the role; a role without assignments is only one
//     on its way out of an origin system (PendingRemoval, RemovalFailed);
//   - the members of every group onboarded as a resource are exactly the subjects holding a
//     fulfilled membership role of it (the fixtures never add members to such groups by hand);
//   - at most one open add request per subject and package, and every delivered add request
//     points at an assignment;
//   - a request out of approval keeps no copy of its policy's stages (they are dropped when it
//     leaves approval);
//   - the audit chain verifies: no commit, failed transaction or crash leaves it broken.
func CheckInvariants(t testing.TB, st entitlement.Store) {
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
				if r.RequestState != entitlement.StatePendingApproval && len(r.PolicyStages) > 0 {
					t.Errorf("invariant: request %s is %s and still keeps its policy's stages", r.ID, r.RequestState)
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
		v, err := entitlement.VerifyAuditChain(tx.Audit(), "")
		if err != nil {
			return err
		}
		if !v.Intact {
			t.Errorf("invariant: the audit chain is broken: %s", v.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("check invariants: %v", err)
	}
}

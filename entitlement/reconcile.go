package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// GrantedMember is one person Steward granted a role of a resource to, as reconciliation
// compares it with the target's members.
type GrantedMember struct {
	RoleRecordID string // the AssignmentResourceRole
	SubjectID    string
	Email        string
	Name         string
	RoleName     string
	RoleOriginID string
	Status       RoleStatus
}

// Drift is what reconciliation found: members of the target that nobody granted in Steward, and
// grants that the target does not have. Unknown names target members by the attribute the
// connector matches people with.
type Drift struct {
	Unknown []string
	Missing []GrantedMember
}

// GrantedMembers lists the roles of the resource that Steward's live assignments grant, each with
// its person: what the resource's target should hold. Administrators and the catalog's owners
// may.
func (s *Service) GrantedMembers(ctx context.Context, resourceID string) ([]GrantedMember, error) {
	var out []GrantedMember
	err := s.read(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can compare its members")
		}
		out, err = grantedMembers(tx, res)
		return err
	})
	return out, err
}

// grantedMembers lists the roles of the resource that live assignments grant, by person and role.
func grantedMembers(tx Tx, res Resource) ([]GrantedMember, error) {
	var out []GrantedMember
	pkgs, err := tx.AccessPackages().IDsByResource(res.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, pid := range pkgs {
		holders, err := holdersOf(tx, pid)
		if err != nil {
			return nil, err
		}
		for _, asg := range holders {
			for _, rid := range asg.ResourceRoleIDs {
				if seen[rid] {
					continue
				}
				ar, err := tx.AssignmentRoles().Get(rid)
				if isNotFound(err) || err == nil && ar.ResourceID != res.ID {
					continue
				} else if err != nil {
					return nil, err
				}
				seen[rid] = true
				u, err := tx.Users().Get(ar.SubjectID)
				if err != nil && !isNotFound(err) {
					return nil, err
				}
				out = append(out, GrantedMember{RoleRecordID: ar.ID, SubjectID: ar.SubjectID, Email: u.Email, Name: u.Label(),
					RoleName: ar.RoleName, RoleOriginID: ar.OriginID, Status: ar.Status})
			}
		}
	}
	slices.SortFunc(out, func(x, y GrantedMember) int { return strings.Compare(x.Name+x.RoleName, y.Name+y.RoleName) })
	return out, nil
}

// ResendGrants provisions again the named roles of the resource that reconciliation found
// missing at the target: each waits again and a new add goes through the outbox. Roles that are
// not fulfilled (still on their way, failed, being removed) are left alone. It returns how many
// were sent. Administrators and the catalog's owners may; nothing is removed from the target.
func (s *Service) ResendGrants(ctx context.Context, resourceID string, roleRecordIDs []string) (int, error) {
	n := 0
	err := s.write(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can repair its members")
		}
		for _, id := range roleRecordIDs {
			ar, err := tx.AssignmentRoles().Get(id)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if ar.ResourceID != res.ID || ar.Status != RoleStatusFulfilled || len(ar.AssignmentIDs) == 0 {
				continue
			}
			u, err := getUser(tx, ar.SubjectID)
			if err != nil {
				continue
			}
			ar.Status, ar.LastError, ar.ModifiedDateTime = RoleStatusPendingFulfillment, "", s.now()
			if err := s.enqueue(tx, OutboxProvision, "role.provision", provisionAction(ProvisionAdd, ar, u)); err != nil {
				return err
			}
			if err := tx.AssignmentRoles().Put(ar); err != nil {
				return fmt.Errorf("resend role %s: %w", ar.ID, err)
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return s.audit(tx, a.p, "connector.repair", "resource", res.ID, res.DisplayName, fmt.Sprintf("sent %d grant(s) missing at the target again", n))
	})
	return n, err
}

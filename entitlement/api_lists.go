package entitlement

import (
	"context"
	"fmt"
)

// The lists below serve the Graph-style API, whose collections span every catalog ("every
// request the caller can read"). Administrators page through the store's lists as they are.
// Everyone else pages through indexes of exactly what they may read, merged in id order (their
// own records, those they approve, those of the catalogs they read), so a page reads no record
// it then leaves out and the total is exact.

// ListRequests lists the requests the caller may read (canReadRequest), oldest first.
func (s *Service) ListRequests(ctx context.Context, f RequestFilter, opt ListOptions) (Page[Request], error) {
	var out Page[Request]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		if a.isAdmin() {
			out, err = tx.Requests().List(f, opt)
		} else {
			out, err = tx.Requests().ReadableBy(a.p.UserID, a.readableCatalogs(), f, opt)
		}
		if err != nil {
			return fmt.Errorf("list requests: %w", err)
		}
		return nil
	})
	return out, err
}

// ListAssignments lists the assignments the caller may read (their own, and those of the
// catalogs they may read), oldest first.
func (s *Service) ListAssignments(ctx context.Context, f AssignmentFilter, opt ListOptions) (Page[Assignment], error) {
	var out Page[Assignment]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		if a.isAdmin() {
			out, err = tx.Assignments().List(f, opt)
		} else {
			out, err = tx.Assignments().ReadableBy(a.p.UserID, a.readableCatalogs(), f, opt)
		}
		if err != nil {
			return fmt.Errorf("list assignments: %w", err)
		}
		return nil
	})
	return out, err
}

// AssignmentsOfUser lists one person's assignments for the API's filter on the target: the
// caller's own, or anyone's for administrators; for others it is ErrForbidden, and the API
// falls back to ListAssignments, which leaves out what they may not read.
func (s *Service) AssignmentsOfUser(ctx context.Context, userID string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error) {
	var out Page[Assignment]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if userID != a.p.UserID && !a.isAdmin() {
			return forbidden("only administrators can list other people's assignments by person")
		}
		var err error
		out, err = tx.Assignments().ByTarget(userID, f, opt)
		if err != nil {
			return fmt.Errorf("assignments of %s: %w", userID, err)
		}
		return nil
	})
	return out, err
}

// canReadAssignmentRole: the person who holds the role, and readers of the resource's catalog.
func canReadAssignmentRole(tx Tx, a *access, ar AssignmentResourceRole, catalogOf map[string]string) (bool, error) {
	if a.isAdmin() || ar.SubjectID == a.p.UserID {
		return true, nil
	}
	cid, ok := catalogOf[ar.ResourceID]
	if !ok {
		r, err := tx.Resources().Get(ar.ResourceID)
		if err != nil && !isNotFound(err) {
			return false, fmt.Errorf("resource of role %s: %w", ar.ID, err)
		}
		cid = r.CatalogID
		catalogOf[ar.ResourceID] = cid
	}
	return cid != "" && a.canReadCatalog(cid), nil
}

// ListAssignmentRoles lists the resource roles held through assignments that the caller may
// read, in id order; as ListAssignments, a page of a caller who is not an administrator may be
// short.
func (s *Service) ListAssignmentRoles(ctx context.Context, opt ListOptions) (Page[AssignmentResourceRole], error) {
	var out Page[AssignmentResourceRole]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		out, err = tx.AssignmentRoles().List(opt)
		if err != nil {
			return fmt.Errorf("list assignment roles: %w", err)
		}
		if a.isAdmin() {
			return nil
		}
		catalogOf := map[string]string{}
		kept := out.Items[:0]
		for _, ar := range out.Items {
			ok, err := canReadAssignmentRole(tx, a, ar, catalogOf)
			if err != nil {
				return err
			}
			if ok {
				kept = append(kept, ar)
			}
		}
		out.Items, out.Total = kept, -1
		return nil
	})
	return out, err
}

// AssignmentRolesOfSubject lists the resource roles one person holds through assignments, those
// the caller may read, through the subject index.
func (s *Service) AssignmentRolesOfSubject(ctx context.Context, subjectID string) ([]AssignmentResourceRole, error) {
	var out []AssignmentResourceRole
	err := s.read(ctx, func(tx Tx, a *access) error {
		all, err := tx.AssignmentRoles().BySubject(subjectID)
		if err != nil {
			return fmt.Errorf("roles of %s: %w", subjectID, err)
		}
		catalogOf := map[string]string{}
		for _, ar := range all {
			ok, err := canReadAssignmentRole(tx, a, ar, catalogOf)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, ar)
			}
		}
		return nil
	})
	return out, err
}

// AssignmentRoleByID returns one resource role held through assignments, if the caller may read
// it; otherwise ErrNotFound, so that ids do not leak.
func (s *Service) AssignmentRoleByID(ctx context.Context, id string) (AssignmentResourceRole, error) {
	var out AssignmentResourceRole
	err := s.read(ctx, func(tx Tx, a *access) error {
		ar, err := tx.AssignmentRoles().Get(id)
		if isNotFound(err) {
			return notFoundAs("assignmentRoleNotFound", "assignment resource role", id)
		} else if err != nil {
			return err
		}
		ok, err := canReadAssignmentRole(tx, a, ar, map[string]string{})
		if err != nil {
			return err
		}
		if !ok {
			return notFoundAs("assignmentRoleNotFound", "assignment resource role", id)
		}
		out = ar
		return nil
	})
	return out, err
}

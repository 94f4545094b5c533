package entitlement

import "context"

// ValidatePolicy checks a policy exactly as CreatePolicy would (the caller's right to manage the
// package's catalog, every rule, the references to users, groups and organizations, the catalog's
// external visibility) and saves nothing. The portal's policy wizard calls it at each step, so
// that a message shows on the step where it can be fixed, long before the policy is saved.
func (s *Service) ValidatePolicy(ctx context.Context, in PolicyInput) error {
	return s.read(ctx, func(tx Tx, a *access) error {
		pkg, err := tx.AccessPackages().Get(in.AccessPackageID)
		if isNotFound(err) || in.AccessPackageID == "" {
			return invalid("invalidPolicy", "accessPackageId", "the access package does not exist; choose one from the list")
		} else if err != nil {
			return err
		}
		if !a.canManagePackages(pkg.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change the policies of %q", pkg.DisplayName)
		}
		return s.checkPolicy(tx, &in, pkg)
	})
}

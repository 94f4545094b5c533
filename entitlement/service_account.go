package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Service accounts are principals of scripts and automation, as Graph's app-only access: an
// administrator creates one, gives it roles (administrator, or catalog roles like a person's),
// and makes API tokens for it. A service account is a User record of KindServiceAccount, so that
// catalog roles, audit events and every check keyed by a user id treat it as a principal of its
// own; the rules that are about people (sign-in, requests, approvals, groups, people lists)
// refuse or skip it.

// CodeServiceAccount is the code of refusals of something only people can do.
const CodeServiceAccount = "serviceAccount"

// ServiceAccountInput is what an administrator sets on a service account.
type ServiceAccountInput struct {
	DisplayName   string
	Description   string
	Administrator bool
}

func (in *ServiceAccountInput) validate() error {
	f := fieldErrors{}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Description = strings.TrimSpace(in.Description)
	if in.DisplayName == "" || len(in.DisplayName) > 100 {
		f.add("displayName", "name the service account in at most 100 characters, such as CI deploy bot")
	}
	if len(in.Description) > 1000 {
		f.add("description", "use at most 1000 characters")
	}
	return f.err("invalidServiceAccount")
}

// ServiceAccountCatalogRoles is a catalog in which a service account holds roles.
type ServiceAccountCatalogRoles struct {
	CatalogID   string
	CatalogName string
	Roles       []CatalogRole
}

func getServiceAccount(tx Tx, id string) (User, error) {
	u, err := load("service account", id, tx.Users().Get)
	if err == nil && !u.IsServiceAccount() {
		return u, notFound("service account", id)
	}
	return u, err
}

// CreateServiceAccount adds a service account, enabled; administrators only.
func (s *Service) CreateServiceAccount(ctx context.Context, in ServiceAccountInput) (User, error) {
	var out User
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "create service accounts"); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := uniqueServiceAccountName(tx, in.DisplayName, ""); err != nil {
			return err
		}
		now := s.now()
		out = User{
			ID: NewID(), Kind: KindServiceAccount, DisplayName: in.DisplayName, Description: in.Description,
			Administrator: in.Administrator, AccountEnabled: true, CreatedDateTime: now, ModifiedDateTime: now,
			Version: 1,
		}
		if err := tx.Users().Put(out); err != nil {
			return fmt.Errorf("create service account: %w", err)
		}
		summary := "created"
		if in.Administrator {
			summary = "created as an administrator"
		}
		return s.audit(tx, a.p, "serviceAccount.create", "user", out.ID, out.DisplayName, summary)
	})
	return out, err
}

// uniqueServiceAccountName refuses a name another service account has: audit events tell
// service accounts apart by name only.
func uniqueServiceAccountName(tx Tx, name, except string) error {
	all, err := CollectAll(tx.Users().ServiceAccounts)
	if err != nil {
		return fmt.Errorf("list service accounts: %w", err)
	}
	if slices.ContainsFunc(all, func(u User) bool { return u.ID != except && strings.EqualFold(u.DisplayName, name) }) {
		return invalid("invalidServiceAccount", "displayName", "a service account named %q already exists; choose another name", name)
	}
	return nil
}

// UpdateServiceAccount changes a service account's name, description and administrator rights;
// administrators only.
func (s *Service) UpdateServiceAccount(ctx context.Context, id string, in ServiceAccountInput) (User, error) {
	var out User
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change service accounts"); err != nil {
			return err
		}
		u, err := getServiceAccount(tx, id)
		if err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		if err := uniqueServiceAccountName(tx, in.DisplayName, u.ID); err != nil {
			return err
		}
		var changes []string
		if u.DisplayName != in.DisplayName {
			changes = append(changes, fmt.Sprintf("renamed from %q", u.DisplayName))
		}
		if u.Description != in.Description {
			changes = append(changes, "changed the description")
		}
		if u.Administrator != in.Administrator {
			if in.Administrator {
				changes = append(changes, "made an administrator")
			} else {
				changes = append(changes, "no longer an administrator")
			}
		}
		u.DisplayName, u.Description, u.Administrator = in.DisplayName, in.Description, in.Administrator
		u.ModifiedDateTime = s.now()
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("update service account: %w", err)
		}
		out = u
		if len(changes) == 0 {
			return nil
		}
		return s.audit(tx, a.p, "serviceAccount.update", "user", u.ID, u.DisplayName, strings.Join(changes, "; "))
	})
	return out, err
}

// SetServiceAccountEnabled turns a service account on or off: a disabled one's tokens stop
// working until it is enabled again; administrators only.
func (s *Service) SetServiceAccountEnabled(ctx context.Context, id string, enabled bool) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "disable or enable service accounts"); err != nil {
			return err
		}
		u, err := getServiceAccount(tx, id)
		if err != nil {
			return err
		}
		if u.AccountEnabled == enabled {
			return nil
		}
		now := s.now()
		u.AccountEnabled, u.ModifiedDateTime, u.BlockedDateTime = enabled, now, nil
		action := "serviceAccount.enable"
		if !enabled {
			u.BlockedDateTime = &now
			action = "serviceAccount.disable"
		}
		u.Version = nextVersion(u.Version)
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		return s.audit(tx, a.p, action, "user", u.ID, u.DisplayName, "")
	})
}

// DeleteServiceAccount deletes a service account with its tokens and catalog roles;
// administrators only. Its audit events keep its name.
func (s *Service) DeleteServiceAccount(ctx context.Context, id string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "delete service accounts"); err != nil {
			return err
		}
		u, err := getServiceAccount(tx, id)
		if err != nil {
			return err
		}
		tokens, err := deleteTokensOf(tx, u.ID)
		if err != nil {
			return err
		}
		catalogIDs, err := tx.Catalogs().IDsByPrincipal(u.ID)
		if err != nil {
			return fmt.Errorf("delete service account: %w", err)
		}
		for _, cid := range catalogIDs {
			c, err := tx.Catalogs().Get(cid)
			if err != nil {
				return fmt.Errorf("delete service account: %w", err)
			}
			c.Roles = slices.DeleteFunc(c.Roles, func(m CatalogRoleMember) bool { return m.PrincipalID == u.ID })
			if err := tx.Catalogs().Put(c); err != nil {
				return fmt.Errorf("delete service account: %w", err)
			}
			if err := s.audit(tx, a.p, "catalog.role.remove", "catalog", c.ID, c.DisplayName, "removed the roles of the deleted service account "+u.DisplayName); err != nil {
				return err
			}
		}
		if err := tx.Users().Delete(u.ID); err != nil {
			return fmt.Errorf("delete service account: %w", err)
		}
		return s.audit(tx, a.p, "serviceAccount.delete", "user", u.ID, u.DisplayName, fmt.Sprintf("deleted with %d token(s)", tokens))
	})
}

// ServiceAccounts lists the service accounts in name order; Search matches a prefix of a word of
// the name. Everyone who administers anything may list them, as the catalog role picker offers
// them beside people.
func (s *Service) ServiceAccounts(ctx context.Context, opt ListOptions) (Page[User], error) {
	var out Page[User]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can list service accounts")
		}
		var err error
		out, err = tx.Users().ServiceAccounts(opt)
		return err
	})
	return out, err
}

// ServiceAccountByID returns a service account; administrators only.
func (s *Service) ServiceAccountByID(ctx context.Context, id string) (User, error) {
	var out User
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see service accounts"); err != nil {
			return err
		}
		var err error
		out, err = getServiceAccount(tx, id)
		return err
	})
	return out, err
}

// ServiceAccountCatalogRoles lists the catalogs in which a service account holds roles, in
// catalog name order; administrators only.
func (s *Service) ServiceAccountCatalogRoles(ctx context.Context, id string) ([]ServiceAccountCatalogRoles, error) {
	var out []ServiceAccountCatalogRoles
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see service accounts"); err != nil {
			return err
		}
		if _, err := getServiceAccount(tx, id); err != nil {
			return err
		}
		byCatalog, err := tx.Catalogs().RolesByPrincipal(id)
		if err != nil {
			return err
		}
		for cid, roles := range byCatalog {
			c, err := tx.Catalogs().Get(cid)
			if err != nil {
				return fmt.Errorf("load catalog %s: %w", cid, err)
			}
			out = append(out, ServiceAccountCatalogRoles{CatalogID: c.ID, CatalogName: c.DisplayName, Roles: roles})
		}
		slices.SortFunc(out, func(x, y ServiceAccountCatalogRoles) int {
			return strings.Compare(strings.ToLower(x.CatalogName), strings.ToLower(y.CatalogName))
		})
		return nil
	})
	return out, err
}

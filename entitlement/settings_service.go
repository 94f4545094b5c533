package entitlement

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Settings returns the tenant-wide settings; everyone who administers anything may read them.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var out Settings
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can see the settings")
		}
		var err error
		out, err = tx.Settings()
		if err != nil {
			return fmt.Errorf("load settings: %w", err)
		}
		return nil
	})
	return out, err
}

// UpdateSettings changes the external-user lifecycle settings and returns the result. The catalog
// creators in the input are ignored: AddCatalogCreator and RemoveCatalogCreator manage them, so a
// settings form that does not carry them cannot clear them by accident. A non-zero in.Version is
// the version the caller read: settings changed since are not overwritten.
func (s *Service) UpdateSettings(ctx context.Context, in Settings) (Settings, error) {
	var out Settings
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change the settings"); err != nil {
			return err
		}
		if err := in.validate(); err != nil {
			return err
		}
		cur, err := tx.Settings()
		if err != nil {
			return fmt.Errorf("load settings: %w", err)
		}
		var c changes
		c.text("what happens to external users", cur.ExternalUserLifecycleAction, in.ExternalUserLifecycleAction)
		c.text("days before a blocked external user is deleted", fmt.Sprint(cur.DaysUntilExternalUserDeletedAfterBlocked), fmt.Sprint(in.DaysUntilExternalUserDeletedAfterBlocked))
		out = cur
		if len(c) == 0 {
			return nil
		}
		if err := checkVersion(tx, "settings", "settings", "Settings", cur.Version, in.Version, time.Time{}); err != nil {
			return err
		}
		cur.ExternalUserLifecycleAction = in.ExternalUserLifecycleAction
		cur.DaysUntilExternalUserDeletedAfterBlocked = in.DaysUntilExternalUserDeletedAfterBlocked
		cur.Version = nextVersion(cur.Version)
		if err := tx.PutSettings(cur); err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
		out = cur
		return s.audit(tx, a.p, "settings.update", "settings", "settings", "Settings", c.summary())
	})
	return out, err
}

// AddCatalogCreator lets a user or a group's members create catalogs.
func (s *Service) AddCatalogCreator(ctx context.Context, who Sponsor) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "choose catalog creators"); err != nil {
			return err
		}
		if err := who.validate(); err != nil {
			return err
		}
		name, err := principalName(tx, who.ID, who.Type, "id")
		if err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return fmt.Errorf("load settings: %w", err)
		}
		if slices.ContainsFunc(st.CatalogCreators, func(x Sponsor) bool { return x.ID == who.ID }) {
			return conflict("alreadyCatalogCreator", "%s can already create catalogs", name)
		}
		st.CatalogCreators = append(st.CatalogCreators, who)
		if err := tx.PutSettings(st); err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
		return s.audit(tx, a.p, "settings.catalogCreator.add", "settings", "settings", "Settings", fmt.Sprintf("let %s create catalogs", name))
	})
}

// RemoveCatalogCreator takes the right to create catalogs away; the catalogs they created stay.
func (s *Service) RemoveCatalogCreator(ctx context.Context, id string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "choose catalog creators"); err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return fmt.Errorf("load settings: %w", err)
		}
		i := slices.IndexFunc(st.CatalogCreators, func(x Sponsor) bool { return x.ID == id })
		if i < 0 {
			return &RuleError{Code: "notCatalogCreator", Message: fmt.Sprintf("%q is not a catalog creator", id), Kind: ErrNotFound}
		}
		who := st.CatalogCreators[i]
		st.CatalogCreators = slices.Delete(st.CatalogCreators, i, i+1)
		if err := tx.PutSettings(st); err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
		name := id
		if n, err := principalName(tx, who.ID, who.Type, "id"); err == nil {
			name = n
		}
		return s.audit(tx, a.p, "settings.catalogCreator.remove", "settings", "settings", "Settings", fmt.Sprintf("%s can no longer create catalogs", name))
	})
}

// validate checks a reference to a user or group (a sponsor or catalog creator).
func (sp *Sponsor) validate() error {
	f := fieldErrors{}
	switch sp.Type {
	case "":
		sp.Type = PrincipalUser
	case PrincipalUser, PrincipalGroup:
	default:
		f.add("type", "choose a user or a group")
	}
	if !validID(sp.ID) {
		f.add("id", "choose a person or a group from the directory")
	}
	return f.err("invalidPrincipal")
}

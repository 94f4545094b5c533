package entitlement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

func getOrg(tx Tx, id string) (ConnectedOrganization, error) {
	return load("connected organization", id, tx.ConnectedOrganizations().Get)
}

// ListConnectedOrganizations lists the connected organizations in name order, for everyone who
// administers anything (policies and pickers name them).
func (s *Service) ListConnectedOrganizations(ctx context.Context, opt ListOptions) (Page[ConnectedOrganization], error) {
	var out Page[ConnectedOrganization]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can list connected organizations")
		}
		var err error
		out, err = tx.ConnectedOrganizations().List(opt)
		if err != nil {
			return fmt.Errorf("list connected organizations: %w", err)
		}
		return nil
	})
	return out, err
}

// ConnectedOrganizationByID returns one connected organization.
func (s *Service) ConnectedOrganizationByID(ctx context.Context, id string) (ConnectedOrganization, error) {
	var out ConnectedOrganization
	err := s.read(ctx, func(tx Tx, a *access) error {
		if !a.canAdminister() {
			return forbidden("only administrators and catalog managers can see connected organizations")
		}
		var err error
		out, err = getOrg(tx, id)
		return err
	})
	return out, err
}

// CreateConnectedOrganization adds a partner organization. Each domain, tenant id and issuer
// belongs to one organization only.
func (s *Service) CreateConnectedOrganization(ctx context.Context, in ConnectedOrganizationInput) (ConnectedOrganization, error) {
	var out ConnectedOrganization
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "add connected organizations"); err != nil {
			return err
		}
		in.IdentitySources = slices.Clone(in.IdentitySources)
		if err := in.validate(); err != nil {
			return err
		}
		now := s.now()
		o := ConnectedOrganization{
			ID: NewID(), DisplayName: in.DisplayName, Description: in.Description, State: in.State,
			IdentitySources: in.IdentitySources, InternalSponsors: []Sponsor{}, ExternalSponsors: []Sponsor{},
			CreatedBy: actorLabel(a.p), CreatedDateTime: now, ModifiedBy: actorLabel(a.p), ModifiedDateTime: now,
		}
		if err := putOrg(tx, o); err != nil {
			return err
		}
		out = o
		return s.audit(tx, a.p, "connectedOrganization.create", "connectedOrganization", o.ID, o.DisplayName,
			fmt.Sprintf("added %q (%s), recognised by %s", o.DisplayName, o.State, identityList(o)))
	})
	return out, err
}

// putOrg stores an organization, turning a clash of identities into a field error that names
// the organization that holds the identity.
func putOrg(tx Tx, o ConnectedOrganization) error {
	for _, s := range o.IdentitySources {
		for _, v := range []string{s.DomainName, s.TenantID, s.IssuerURI} {
			if v == "" {
				continue
			}
			other, err := tx.ConnectedOrganizations().ByIdentity(v)
			if err == nil && other.ID != o.ID {
				return invalid("invalidConnectedOrganization", "identitySources", "%s already identifies the connected organization %q; each domain, tenant and issuer belongs to one organization", v, other.DisplayName)
			}
			if err != nil && !isNotFound(err) {
				return fmt.Errorf("check identity %s: %w", v, err)
			}
		}
	}
	o.Version = nextVersion(o.Version)
	if err := tx.ConnectedOrganizations().Put(o); err != nil {
		if errors.Is(err, ErrConflict) {
			return invalid("invalidConnectedOrganization", "identitySources", "a domain, tenant or issuer of %q already identifies another connected organization", o.DisplayName)
		}
		return fmt.Errorf("save connected organization %s: %w", o.DisplayName, err)
	}
	return nil
}

func identityList(o ConnectedOrganization) string {
	var parts []string
	for _, s := range o.IdentitySources {
		switch s.Type {
		case SourceDomain:
			parts = append(parts, "domain "+s.DomainName)
		case SourceTenant:
			parts = append(parts, "tenant "+s.TenantID)
		case SourceFederation:
			parts = append(parts, "federation "+s.DomainName+" ("+s.IssuerURI+")")
		}
	}
	return strings.Join(parts, ", ")
}

// UpdateConnectedOrganization changes an organization's name, description, state and identity
// sources (Graph only allows the first three; the portal may change the sources too, and an
// input without sources keeps the current ones).
func (s *Service) UpdateConnectedOrganization(ctx context.Context, id string, in ConnectedOrganizationInput) (ConnectedOrganization, error) {
	var out ConnectedOrganization
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change connected organizations"); err != nil {
			return err
		}
		o, err := getOrg(tx, id)
		if err != nil {
			return err
		}
		if len(in.IdentitySources) == 0 {
			in.IdentitySources = o.IdentitySources
		}
		in.IdentitySources = slices.Clone(in.IdentitySources)
		if err := in.validate(); err != nil {
			return err
		}
		var c changes
		c.text("name", o.DisplayName, in.DisplayName)
		c.text("description", o.Description, in.Description)
		c.text("state", o.State, in.State)
		before := identityList(o)
		o.IdentitySources = in.IdentitySources
		c.text("recognised by", before, identityList(o))
		out = o
		if len(c) == 0 {
			return nil
		}
		if err := checkVersion(tx, "connected organization", o.ID, o.DisplayName, o.Version, in.IfVersion, o.ModifiedDateTime); err != nil {
			return err
		}
		o.DisplayName, o.Description, o.State = in.DisplayName, in.Description, in.State
		o.ModifiedBy, o.ModifiedDateTime = actorLabel(a.p), s.now()
		if err := putOrg(tx, o); err != nil {
			return err
		}
		out = o
		return s.audit(tx, a.p, "connectedOrganization.update", "connectedOrganization", o.ID, o.DisplayName, c.summary())
	})
	return out, err
}

// DeleteConnectedOrganization deletes an organization that no policy names. Its guest users stay
// in the directory; their lifecycle follows the settings. ifVersion is the version the caller read
// (0 does not check).
func (s *Service) DeleteConnectedOrganization(ctx context.Context, id string, ifVersion int64) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "delete connected organizations"); err != nil {
			return err
		}
		o, err := getOrg(tx, id)
		if err != nil {
			return err
		}
		if err := checkVersion(tx, "connected organization", o.ID, o.DisplayName, o.Version, ifVersion, o.ModifiedDateTime); err != nil {
			return err
		}
		names, err := policyNames(tx, id)
		if err != nil {
			return err
		}
		if len(names) > 0 {
			return conflict("organizationInUse", "the policy(ies) %s let users of %q request; change those policies first", quoteList(names), o.DisplayName)
		}
		if err := tx.ConnectedOrganizations().Delete(id); err != nil {
			return fmt.Errorf("delete connected organization %s: %w", o.DisplayName, err)
		}
		return s.audit(tx, a.p, "connectedOrganization.delete", "connectedOrganization", o.ID, o.DisplayName, fmt.Sprintf("deleted %q", o.DisplayName))
	})
}

// AddSponsor makes a user or a group an internal or external sponsor of an organization.
// Internal sponsors are members of Steward's own directory; an external sponsor who is a user
// must be a guest from that organization.
func (s *Service) AddSponsor(ctx context.Context, orgID string, external bool, sp Sponsor) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change sponsors"); err != nil {
			return err
		}
		o, err := getOrg(tx, orgID)
		if err != nil {
			return err
		}
		if err := sp.validate(); err != nil {
			return err
		}
		name, err := principalName(tx, sp.ID, sp.Type, "id")
		if err != nil {
			return err
		}
		if sp.Type == PrincipalUser {
			u, err := getUser(tx, sp.ID)
			if err != nil {
				return err
			}
			if err := checkSponsor(u, o, external); err != nil {
				return err
			}
		}
		list, kind := &o.InternalSponsors, "internal"
		if external {
			list, kind = &o.ExternalSponsors, "external"
		}
		if slices.ContainsFunc(*list, func(x Sponsor) bool { return x.ID == sp.ID }) {
			return conflict("alreadySponsor", "%s is already an %s sponsor of %q", name, kind, o.DisplayName)
		}
		*list = append(*list, sp)
		o.ModifiedBy, o.ModifiedDateTime = actorLabel(a.p), s.now()
		o.Version = nextVersion(o.Version)
		if err := tx.ConnectedOrganizations().Put(o); err != nil {
			return fmt.Errorf("add sponsor: %w", err)
		}
		return s.audit(tx, a.p, "connectedOrganization.sponsor.add", "connectedOrganization", o.ID, o.DisplayName,
			fmt.Sprintf("added %s as %s sponsor", name, kind))
	})
}

// checkSponsor refuses a user who cannot sponsor the organization: external sponsors are its own
// guests, internal ones members of the directory.
func checkSponsor(u User, o ConnectedOrganization, external bool) error {
	if external && (!u.IsGuest() || u.ConnectedOrganizationID != o.ID) {
		return invalid("invalidSponsor", "id", "%s is not a guest from %q; external sponsors come from the organization itself", u.Label(), o.DisplayName)
	}
	if !external && u.IsGuest() {
		return invalid("invalidSponsor", "id", "%s is a guest; internal sponsors are members of your own directory", u.Label())
	}
	return nil
}

// SponsorCandidates finds up to limit enabled users whose name or e-mail matches q and who may
// sponsor the organization (checkSponsor's rule), for the sponsor pickers: they offer nobody
// that adding would refuse. An empty q finds nobody.
func (s *Service) SponsorCandidates(ctx context.Context, orgID string, external bool, q string, limit int) ([]User, error) {
	var out []User
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change sponsors"); err != nil {
			return err
		}
		o, err := getOrg(tx, orgID)
		if err != nil {
			return err
		}
		if SearchKey(q) == "" {
			return nil
		}
		opt := ListOptions{Search: q, Limit: MaxPageSize}
		for {
			page, err := tx.Users().List(opt)
			if err != nil {
				return fmt.Errorf("sponsor candidates: %w", err)
			}
			for _, u := range page.Items {
				if u.AccountEnabled && checkSponsor(u, o, external) == nil {
					if out = append(out, u); len(out) == limit {
						return nil
					}
				}
			}
			if page.Next == "" {
				return nil
			}
			opt.After = page.Next
		}
	})
	return out, err
}

// RemoveSponsor removes an internal or external sponsor from an organization.
func (s *Service) RemoveSponsor(ctx context.Context, orgID string, external bool, sponsorID string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "change sponsors"); err != nil {
			return err
		}
		o, err := getOrg(tx, orgID)
		if err != nil {
			return err
		}
		list, kind := &o.InternalSponsors, "internal"
		if external {
			list, kind = &o.ExternalSponsors, "external"
		}
		i := slices.IndexFunc(*list, func(x Sponsor) bool { return x.ID == sponsorID })
		if i < 0 {
			return &RuleError{Code: "notSponsor", Message: fmt.Sprintf("%q is not an %s sponsor of %q", sponsorID, kind, o.DisplayName), Kind: ErrNotFound}
		}
		sp := (*list)[i]
		*list = slices.Delete(*list, i, i+1)
		o.ModifiedBy, o.ModifiedDateTime = actorLabel(a.p), s.now()
		o.Version = nextVersion(o.Version)
		if err := tx.ConnectedOrganizations().Put(o); err != nil {
			return fmt.Errorf("remove sponsor: %w", err)
		}
		name := sp.ID
		if n, err := principalName(tx, sp.ID, sp.Type, "id"); err == nil {
			name = n
		}
		return s.audit(tx, a.p, "connectedOrganization.sponsor.remove", "connectedOrganization", o.ID, o.DisplayName,
			fmt.Sprintf("removed %s as %s sponsor", name, kind))
	})
}

package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Claims are what the identity provider says about a person at sign-in.
type Claims struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	Groups  []string
	// TenantID is the directory tenant the person belongs to, where the provider says (Entra ID's
	// "tid" claim); it recognises users of connected organizations known by tenant.
	TenantID string
}

// SignIn creates or updates the user the claims describe and returns them. A user is matched by
// issuer and subject first, then by e-mail (so that people created by an administrator or an
// import are linked at their first sign-in; a user already linked to another subject of the same
// issuer is never taken over by e-mail). A requestor whose e-mail domain or issuer belongs to a
// connected organization becomes a guest of that organization. Blocked users are refused.
func (s *Service) SignIn(ctx context.Context, c Claims) (User, error) {
	c.Email = NormalizeEmail(c.Email)
	c.Name = strings.TrimSpace(c.Name)
	if c.Issuer == "" || c.Subject == "" {
		return User{}, invalid("invalidClaims", "subject", "the identity provider sent no subject")
	}
	if c.Email == "" {
		return User{}, invalid("invalidClaims", "email", "the identity provider sent no e-mail address; allow the email scope for Steward")
	}
	// Subject, issuer and e-mail are index keys. OpenID Connect caps a subject at 255 characters;
	// a longer name is cut rather than refused, since people rarely choose it in their provider.
	if len(c.Subject) > 255 || len(c.Issuer) > 2000 {
		return User{}, invalid("invalidClaims", "subject", "the identity provider sent a subject or issuer that is too long")
	}
	if len(c.Email) > MaxEmailLength {
		return User{}, invalid("invalidClaims", "email", "the identity provider sent an e-mail address longer than %d characters", MaxEmailLength)
	}
	c.Name = truncateRunes(c.Name, 200)
	var out User
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.now()
		u, err := tx.Users().BySubject(c.Issuer, c.Subject)
		created := false
		if isNotFound(err) {
			u, err = tx.Users().ByEmail(c.Email)
			if isNotFound(err) {
				created = true
				u = User{ID: NewID(), UserType: UserTypeMember, AccountEnabled: true, CreatedDateTime: now, Source: SourceSignIn}
				err = nil
			} else if err == nil && u.Subject != "" && u.Issuer == c.Issuer {
				// The e-mail belongs to someone who signs in with another account of this very
				// provider. Linking by e-mail is for people who have never signed in; taking over
				// an account that is linked already would hand its access (and administrator
				// rights named by e-mail) to whoever can put that address in a token.
				return ruleError(ErrForbidden, "emailInUse", "the e-mail address %s already belongs to another account of your identity provider; ask an administrator of Steward for help", c.Email)
			}
		}
		if err != nil {
			return fmt.Errorf("sign in %s: %w", c.Email, err)
		}
		if !u.AccountEnabled {
			return forbidden("your account is blocked; ask an administrator of Steward to unblock it")
		}
		before := u
		if u.IsServiceAccount() {
			return forbidden("a service account cannot sign in; it acts only through API tokens")
		}
		if created {
			org, err := matchOrganization(tx, c)
			if err != nil {
				return err
			}
			if org.ID != "" {
				u.UserType = UserTypeGuest
				u.ConnectedOrganizationID = org.ID
			}
		}
		u.Issuer, u.Subject = c.Issuer, c.Subject
		u.Email = c.Email
		if u.UserPrincipalName == "" {
			u.UserPrincipalName = c.Email
		}
		if c.Name != "" {
			u.DisplayName = c.Name
		} else if u.DisplayName == "" {
			u.DisplayName = c.Email
		}
		u.ClaimGroups = c.Groups
		// A sign-in that only records itself changes nothing an edit form shows, so it leaves
		// the version alone and does not make an administrator's open form stale.
		if created || !sameSignInDetails(before, u) {
			u.Version = nextVersion(u.Version)
		}
		u.LastSignInDateTime = &now
		u.ModifiedDateTime = now
		if err := tx.Users().Put(u); err != nil {
			return fmt.Errorf("sign in %s: %w", c.Email, err)
		}
		if created {
			p := Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email}
			if err := s.audit(tx, p, "user.create", "user", u.ID, u.DisplayName, "created at first sign-in as "+u.UserType); err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	return out, err
}

// truncateRunes cuts s to at most n bytes without splitting a character.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

// matchOrganization finds the configured or proposed connected organization of a new user, by
// issuer first and then by e-mail domain; the zero value when there is none.
func matchOrganization(tx Tx, c Claims) (ConnectedOrganization, error) {
	for _, key := range []string{c.Issuer, c.TenantID, EmailDomain(c.Email)} {
		if key == "" {
			continue
		}
		o, err := tx.ConnectedOrganizations().ByIdentity(key)
		if err == nil {
			return o, nil
		}
		if !isNotFound(err) {
			return o, fmt.Errorf("match connected organization: %w", err)
		}
	}
	return ConnectedOrganization{}, nil
}

// PrincipalFor returns the principal of a signed-in user, refusing blocked or deleted users, and
// deciding administrator rights from the configuration.
func (s *Service) PrincipalFor(ctx context.Context, userID string) (Principal, error) {
	var u User
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.Users().Get(userID)
		return err
	})
	if err != nil {
		if isNotFound(err) {
			return Principal{}, ErrUnauthorized
		}
		return Principal{}, fmt.Errorf("load principal: %w", err)
	}
	if !u.AccountEnabled || u.IsServiceAccount() {
		// A service account has no browser session; it acts only through API tokens.
		return Principal{}, ErrUnauthorized
	}
	return s.principalOf(u), nil
}

// PrincipalForSubject returns the principal of the person an identity provider's access token
// names, by issuer and subject as at sign-in: a person who has never signed in to Steward, or
// who is blocked, is ErrUnauthorized (with a message that says which).
func (s *Service) PrincipalForSubject(ctx context.Context, issuer, subject string) (Principal, error) {
	var u User
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.Users().BySubject(issuer, subject)
		return err
	})
	if isNotFound(err) {
		return Principal{}, &RuleError{Code: "notSignedInYet", Kind: ErrUnauthorized,
			Message: "the access token names someone who has never signed in to Steward; sign in to the portal once, then call the API again"}
	} else if err != nil {
		return Principal{}, fmt.Errorf("load principal: %w", err)
	}
	if !u.AccountEnabled {
		return Principal{}, &RuleError{Code: "accountBlocked", Kind: ErrUnauthorized, Message: "the account the access token names is blocked in Steward"}
	}
	return s.principalOf(u), nil
}

// principalOf is the principal a user acts as, however they authenticated: administrator rights
// come from the configuration for people, and from the account itself for service accounts.
func (s *Service) principalOf(u User) Principal {
	if u.IsServiceAccount() {
		return Principal{UserID: u.ID, Name: u.Label() + " (service account)", IsAdmin: u.Administrator, Kind: KindServiceAccount}
	}
	return Principal{UserID: u.ID, Name: u.Label(), Email: u.Email, IsAdmin: s.isAdministrator(u), TimeZone: u.TimeZone}
}

func (s *Service) isAdministrator(u User) bool {
	if slices.Contains(s.admins.Emails, NormalizeEmail(u.Email)) {
		return true
	}
	return s.admins.Group != "" && slices.Contains(u.ClaimGroups, s.admins.Group)
}

// Capabilities tells what the caller may do, for pages that offer only what is allowed.
func (s *Service) Capabilities(ctx context.Context) (Capabilities, error) {
	p, err := principal(ctx)
	if err != nil {
		return Capabilities{}, err
	}
	var caps Capabilities
	err = s.store.View(ctx, func(tx Tx) error {
		a, err := s.loadAccess(tx, p)
		if err != nil {
			return err
		}
		caps = Capabilities{IsAdmin: a.isAdmin(), CanAdminister: a.canAdminister(), CanCreateCatalog: a.canCreateCatalog(), CatalogRoles: a.catalogRoles}
		return nil
	})
	return caps, err
}

// sameSignInDetails reports whether a sign-in left the details it copies from the claims as
// they were.
func sameSignInDetails(a, b User) bool {
	return a.Issuer == b.Issuer && a.Subject == b.Subject && a.Email == b.Email && a.UserPrincipalName == b.UserPrincipalName &&
		a.DisplayName == b.DisplayName && a.UserType == b.UserType && a.ConnectedOrganizationID == b.ConnectedOrganizationID &&
		slices.Equal(a.ClaimGroups, b.ClaimGroups)
}

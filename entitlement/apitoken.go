package entitlement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// APITokenPrefix starts every API token, so that the API can tell one from a JWT access token
// (and a secret scanner can recognise one pasted where it should not be).
const APITokenPrefix = "stw_"

// Bounds of an API token's life: people choose it, within a year, so that a forgotten token ends.
const (
	DefaultAPITokenDays = 90
	MaxAPITokenDays     = 365
)

// APIToken lets a script act as its owner (a person, or a service account) on the API. Only the
// SHA-256 of the token is kept; the token itself is shown once, when it is made.
type APIToken struct {
	ID               string     `json:"id"`
	UserID           string     `json:"userId"` // the owner, whom the token acts as
	Name             string     `json:"name"`
	Hash             string     `json:"hash"`
	CreatedDateTime  time.Time  `json:"createdDateTime"`
	ExpiresDateTime  time.Time  `json:"expiresDateTime"`
	LastUsedDateTime *time.Time `json:"lastUsedDateTime,omitempty"`
	// CreatedBy names who made it: the owner, or the administrator of a service account.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Expired reports whether the token no longer works at now.
func (t APIToken) Expired(now time.Time) bool { return !now.Before(t.ExpiresDateTime) }

// APITokens stores API tokens, found by the hash of the token a request presents.
type APITokens interface {
	Get(id string) (APIToken, error)
	ByHash(hash string) (APIToken, error)
	// ByUser lists the owner's tokens, oldest first.
	ByUser(userID string) ([]APIToken, error)
	Put(t APIToken) error
	Delete(id string) error
}

// APITokenInput is what a person chooses for a new token.
type APITokenInput struct {
	Name string
	// Days is how long the token lasts from now: DefaultAPITokenDays when 0, at most
	// MaxAPITokenDays.
	Days int
}

func (in *APITokenInput) validate() error {
	f := fieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		f.add("name", "name the token in at most 100 characters, such as the script that uses it")
	}
	if in.Days == 0 {
		in.Days = DefaultAPITokenDays
	}
	if in.Days < 1 || in.Days > MaxAPITokenDays {
		f.add("days", "choose how long the token lasts: from 1 to %d days", MaxAPITokenDays)
	}
	return f.err("invalidToken")
}

// CreateAPIToken makes a token that acts as the caller and returns it with its record. Service
// accounts do not make their own: an administrator does (CreateServiceAccountToken).
func (s *Service) CreateAPIToken(ctx context.Context, in APITokenInput) (string, APIToken, error) {
	var token string
	var out APIToken
	err := s.write(ctx, func(tx Tx, a *access) error {
		if a.p.IsServiceAccount() {
			return forbidden("a service account gets its tokens from an administrator")
		}
		var err error
		token, out, err = s.createAPIToken(tx, a.p, a.p.UserID, in)
		return err
	})
	return token, out, err
}

// CreateServiceAccountToken makes a token for a service account; administrators only.
func (s *Service) CreateServiceAccountToken(ctx context.Context, accountID string, in APITokenInput) (string, APIToken, error) {
	var token string
	var out APIToken
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "make tokens for service accounts"); err != nil {
			return err
		}
		if _, err := getServiceAccount(tx, accountID); err != nil {
			return err
		}
		var err error
		token, out, err = s.createAPIToken(tx, a.p, accountID, in)
		return err
	})
	return token, out, err
}

func (s *Service) createAPIToken(tx Tx, p Principal, ownerID string, in APITokenInput) (string, APIToken, error) {
	if err := in.validate(); err != nil {
		return "", APIToken{}, err
	}
	owner, err := getUser(tx, ownerID)
	if err != nil {
		return "", APIToken{}, err
	}
	mine, err := tx.APITokens().ByUser(ownerID)
	if err != nil {
		return "", APIToken{}, fmt.Errorf("list API tokens: %w", err)
	}
	if slices.ContainsFunc(mine, func(t APIToken) bool { return strings.EqualFold(t.Name, in.Name) }) {
		return "", APIToken{}, invalid("invalidToken", "name", "%s already has a token named %s; choose another name", owner.Label(), in.Name)
	}
	token, err := newBearerToken(APITokenPrefix)
	if err != nil {
		return "", APIToken{}, err
	}
	now := s.now()
	t := APIToken{
		ID: NewID(), UserID: ownerID, Name: in.Name, Hash: tokenHash(token), CreatedDateTime: now,
		ExpiresDateTime: now.AddDate(0, 0, in.Days), CreatedBy: actorLabel(p),
	}
	if err := tx.APITokens().Put(t); err != nil {
		return "", APIToken{}, fmt.Errorf("save API token: %w", err)
	}
	err = s.audit(tx, p, "apiToken.create", "user", owner.ID, owner.Label(),
		fmt.Sprintf("token %q, valid for %d days", t.Name, in.Days))
	return token, t, err
}

// APITokens lists the caller's own tokens, oldest first.
func (s *Service) APITokens(ctx context.Context) ([]APIToken, error) {
	var out []APIToken
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		out, err = tx.APITokens().ByUser(a.p.UserID)
		return err
	})
	return out, err
}

// ServiceAccountTokens lists a service account's tokens; administrators only.
func (s *Service) ServiceAccountTokens(ctx context.Context, accountID string) ([]APIToken, error) {
	var out []APIToken
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see the tokens of service accounts"); err != nil {
			return err
		}
		if _, err := getServiceAccount(tx, accountID); err != nil {
			return err
		}
		var err error
		out, err = tx.APITokens().ByUser(accountID)
		return err
	})
	return out, err
}

// RevokeAPIToken deletes a token at once. Its owner may revoke it, and administrators may revoke
// any token (a leaked one, a service account's).
func (s *Service) RevokeAPIToken(ctx context.Context, id string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		t, err := tx.APITokens().Get(id)
		if isNotFound(err) || (err == nil && t.UserID != a.p.UserID && !a.isAdmin()) {
			// Someone else's token is not found either: its id tells nothing.
			return notFoundAs("tokenNotFound", "API token", id)
		} else if err != nil {
			return err
		}
		if err := tx.APITokens().Delete(t.ID); err != nil {
			return fmt.Errorf("revoke API token: %w", err)
		}
		name := t.UserID
		if u, err := tx.Users().Get(t.UserID); err == nil {
			name = u.Label()
		}
		return s.audit(tx, a.p, "apiToken.revoke", "user", t.UserID, name, fmt.Sprintf("token %q", t.Name))
	})
}

// AuthenticateAPIToken returns the principal an API token acts as and records its use (at most
// once a minute). An unknown, revoked or expired token, or one whose owner is blocked or gone,
// is ErrUnauthorized.
func (s *Service) AuthenticateAPIToken(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, APITokenPrefix) {
		return Principal{}, ErrUnauthorized
	}
	hash := tokenHash(token)
	now := s.now()
	var t APIToken
	var p Principal
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if t, err = tx.APITokens().ByHash(hash); err != nil {
			return err
		}
		if t.Expired(now) {
			return ErrUnauthorized
		}
		u, err := tx.Users().Get(t.UserID)
		if err != nil {
			return err
		}
		if !u.AccountEnabled {
			return ErrUnauthorized
		}
		p = s.principalOf(u)
		return nil
	})
	if isNotFound(err) || errorsIs(err, ErrUnauthorized) {
		return Principal{}, ErrUnauthorized
	} else if err != nil {
		return Principal{}, fmt.Errorf("authenticate API token: %w", err)
	}
	if !lastUseDue(t.LastUsedDateTime, now) {
		return p, nil
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.APITokens().Get(t.ID)
		if err != nil {
			return err // revoked meanwhile: not found
		}
		cur.LastUsedDateTime = &now
		return tx.APITokens().Put(cur)
	})
	if isNotFound(err) {
		return Principal{}, ErrUnauthorized
	}
	return p, err
}

// deleteTokensOf deletes every token of a user who is being deleted, in the caller's
// transaction, and returns how many there were.
func deleteTokensOf(tx Tx, userID string) (int, error) {
	tokens, err := tx.APITokens().ByUser(userID)
	if err != nil {
		return 0, fmt.Errorf("delete the API tokens of %s: %w", userID, err)
	}
	for _, t := range tokens {
		if err := tx.APITokens().Delete(t.ID); err != nil {
			return 0, fmt.Errorf("delete the API tokens of %s: %w", userID, err)
		}
	}
	return len(tokens), nil
}

package entitlement

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SCIMToken lets one identity provider provision people and groups over SCIM. Only the SHA-256
// of the token is kept; the token itself is shown once, when it is made.
type SCIMToken struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	Hash             string     `json:"hash"`
	CreatedDateTime  time.Time  `json:"createdDateTime"`
	LastUsedDateTime *time.Time `json:"lastUsedDateTime,omitempty"`
}

// CreateSCIMToken makes a token for the identity provider named name and returns it with its
// record; administrators only. One token per identity provider: a name already used is refused.
func (s *Service) CreateSCIMToken(ctx context.Context, name string) (string, SCIMToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", SCIMToken{}, invalid("invalidToken", "name", "name the identity provider in at most 100 characters, such as Okta")
	}
	token, err := newBearerToken("scim_")
	if err != nil {
		return "", SCIMToken{}, err
	}
	var out SCIMToken
	err = s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "create SCIM tokens"); err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		if slices.ContainsFunc(st.SCIMTokens, func(t SCIMToken) bool { return strings.EqualFold(t.Name, name) }) {
			return invalid("invalidToken", "name", "%s already has a token; revoke it first to make a new one", name)
		}
		out = SCIMToken{ID: NewID(), Name: name, Hash: tokenHash(token), CreatedDateTime: s.now()}
		st.SCIMTokens = append(st.SCIMTokens, out)
		if err := tx.PutSettings(st); err != nil {
			return fmt.Errorf("save SCIM token: %w", err)
		}
		return s.audit(tx, a.p, "scim.token.create", "settings", "settings", "Settings", "created a SCIM token for "+name)
	})
	return token, out, err
}

// RevokeSCIMToken deletes a SCIM token; administrators only.
func (s *Service) RevokeSCIMToken(ctx context.Context, id string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "revoke SCIM tokens"); err != nil {
			return err
		}
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(st.SCIMTokens, func(t SCIMToken) bool { return t.ID == id })
		if i < 0 {
			return ruleError(ErrNotFound, "tokenNotFound", "the SCIM token %q does not exist", id)
		}
		name := st.SCIMTokens[i].Name
		st.SCIMTokens = slices.Delete(st.SCIMTokens, i, i+1)
		if err := tx.PutSettings(st); err != nil {
			return fmt.Errorf("revoke SCIM token: %w", err)
		}
		return s.audit(tx, a.p, "scim.token.revoke", "settings", "settings", "Settings", "revoked the SCIM token of "+name)
	})
}

// SCIMTokens lists the SCIM tokens; administrators only.
func (s *Service) SCIMTokens(ctx context.Context) ([]SCIMToken, error) {
	var out []SCIMToken
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "see SCIM tokens"); err != nil {
			return err
		}
		st, err := tx.Settings()
		out = st.SCIMTokens
		return err
	})
	return out, err
}

// AuthenticateSCIM returns the sync agent of a SCIM bearer token and records its use; an
// unknown token is ErrUnauthorized.
func (s *Service) AuthenticateSCIM(ctx context.Context, token string) (SyncAgent, error) {
	hash := tokenHash(token)
	var found SCIMToken
	err := s.store.View(ctx, func(tx Tx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		for _, t := range st.SCIMTokens {
			if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) == 1 {
				found = t
				return nil
			}
		}
		return ErrUnauthorized
	})
	if err != nil {
		return SyncAgent{}, err
	}
	agent := SyncAgent{Source: SourceSCIM, Name: "SCIM (" + found.Name + ")"}
	now := s.now()
	if !lastUseDue(found.LastUsedDateTime, now) {
		return agent, nil
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		for i := range st.SCIMTokens {
			if st.SCIMTokens[i].ID == found.ID {
				st.SCIMTokens[i].LastUsedDateTime = &now
				return tx.PutSettings(st)
			}
		}
		return ErrUnauthorized // revoked meanwhile
	})
	return agent, err
}

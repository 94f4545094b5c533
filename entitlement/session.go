package entitlement

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// SessionLifetime is how long a sign-in lasts: a working day.
const SessionLifetime = 12 * time.Hour

// Session is one signed-in browser. The browser holds a random token; the store keeps only its
// SHA-256, so a copy of the data file cannot be used to take over a session.
type Session struct {
	ID              string    `json:"id"` // hex SHA-256 of the token
	UserID          string    `json:"userId"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	ExpiresDateTime time.Time `json:"expiresDateTime"`
}

// Sessions stores sign-in sessions.
type Sessions interface {
	Get(id string) (Session, error)
	ByUser(userID string) ([]Session, error)
	// ExpiredBy lists up to limit sessions that expire at or before t.
	ExpiredBy(t time.Time, limit int) ([]Session, error)
	Put(s Session) error
	Delete(id string) error
}

func sessionID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession records a sign-in of the user, returned by SignIn, and returns the token for the
// browser's cookie.
func (s *Service) StartSession(ctx context.Context, userID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("start session: %w", err)
	}
	token := hex.EncodeToString(b)
	err := s.store.Update(ctx, func(tx Tx) error {
		u, err := getUser(tx, userID)
		if err != nil {
			return err
		}
		if !u.AccountEnabled {
			return ErrUnauthorized
		}
		now := s.now()
		sess := Session{ID: sessionID(token), UserID: userID, CreatedDateTime: now, ExpiresDateTime: now.Add(SessionLifetime)}
		if err := tx.Sessions().Put(sess); err != nil {
			return fmt.Errorf("start session: %w", err)
		}
		p := Principal{UserID: u.ID, Name: u.Label(), Email: u.Email}
		return s.audit(tx, p, "user.signin", "user", u.ID, u.Label(), "signed in")
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SessionPrincipal returns the principal of the session the token names, or ErrUnauthorized when
// the session has ended, expired, or its user is blocked or gone.
func (s *Service) SessionPrincipal(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrUnauthorized
	}
	var userID string
	err := s.store.View(ctx, func(tx Tx) error {
		sess, err := tx.Sessions().Get(sessionID(token))
		if err != nil {
			return err
		}
		if !s.now().Before(sess.ExpiresDateTime) {
			return ErrUnauthorized
		}
		userID = sess.UserID
		return nil
	})
	if isNotFound(err) || errorsIs(err, ErrUnauthorized) {
		return Principal{}, ErrUnauthorized
	}
	if err != nil {
		return Principal{}, fmt.Errorf("load session: %w", err)
	}
	return s.PrincipalFor(ctx, userID)
}

// EndSession signs the session the token names out; ending an unknown session is not an error.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.Update(ctx, func(tx Tx) error {
		sess, err := tx.Sessions().Get(sessionID(token))
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.Sessions().Delete(sess.ID); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		u, err := tx.Users().Get(sess.UserID)
		if isNotFound(err) {
			return nil // the user is gone; so is what an audit event would name
		} else if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		p := Principal{UserID: u.ID, Name: u.Label(), Email: u.Email}
		return s.audit(tx, p, "user.signout", "user", u.ID, u.Label(), "signed out")
	})
}

// endSessionsOf signs the user out everywhere, in the caller's transaction.
func endSessionsOf(tx Tx, userID string) error {
	sessions, err := tx.Sessions().ByUser(userID)
	if err != nil {
		return fmt.Errorf("load sessions of %s: %w", userID, err)
	}
	for _, sess := range sessions {
		if err := tx.Sessions().Delete(sess.ID); err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	}
	return nil
}

// purgeExpiredSessions deletes up to limit sessions that have expired, for the worker. It writes
// only when something expired: every committed write wakes the worker again.
func (s *Service) purgeExpiredSessions(ctx context.Context, limit int) (int, error) {
	now := s.now()
	var expired []Session
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		expired, err = tx.Sessions().ExpiredBy(now, limit)
		return err
	})
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		for _, sess := range expired {
			if err := tx.Sessions().Delete(sess.ID); err != nil && !isNotFound(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired sessions: %w", err)
	}
	return len(expired), nil
}

package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views"
)

const (
	sessionName   = "steward_session"
	sessionMaxAge = int(entitlement.SessionLifetime / time.Second)

	keySessionToken = "sid"
	keyFlowState    = "oidc_state"
	keyFlowNonce    = "oidc_nonce"
	keyFlowVerifier = "oidc_verifier"
	keyFlowNext     = "oidc_next"
	flashSep        = "\x1f"
)

// sessionStore keeps the signed and encrypted session cookie: the user id, the login flow's
// state, nonce and PKCE verifier, and flash messages. Nothing else, to stay well under 4 KB.
type sessionStore struct {
	store *sessions.CookieStore
}

func newSessionStore(cfg Config) (*sessionStore, error) {
	if n := len(cfg.SessionHashKey); n != 32 && n != 64 {
		return nil, fmt.Errorf("session hash key must be 32 or 64 bytes, got %d", n)
	}
	if n := len(cfg.SessionBlockKey); n != 32 {
		return nil, fmt.Errorf("session block key must be 32 bytes, got %d", n)
	}
	cs := sessions.NewCookieStore(cfg.SessionHashKey, cfg.SessionBlockKey)
	cs.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   sessionMaxAge,
		HttpOnly: true,
		Secure:   cfg.secure(),
		// Lax, not Strict: the identity provider's redirect back to /auth/callback is a
		// cross-site navigation that must carry the cookie holding the login flow's state.
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(sessionMaxAge)
	return &sessionStore{store: cs}, nil
}

// get returns the request's session; a cookie that no longer decodes (e.g. after a key change)
// yields a fresh session instead of an error.
func (s *sessionStore) get(c echo.Context) *sessions.Session {
	sess, err := s.store.Get(c.Request(), sessionName)
	if err != nil {
		sess, _ = s.store.New(c.Request(), sessionName)
	}
	return sess
}

func (s *sessionStore) save(c echo.Context, sess *sessions.Session) error {
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// token returns the server-side session's token the cookie carries.
func (s *sessionStore) token(c echo.Context) string {
	v, _ := s.get(c).Values[keySessionToken].(string)
	return v
}

// AddFlash queues a message for the next page the browser shows.
func (s *sessionStore) AddFlash(c echo.Context, kind, message string) error {
	sess := s.get(c)
	sess.AddFlash(kind + flashSep + message)
	return s.save(c, sess)
}

// PopFlashes returns and clears the queued messages.
func (s *sessionStore) PopFlashes(c echo.Context) ([]views.Flash, error) {
	sess := s.get(c)
	raw := sess.Flashes()
	if len(raw) == 0 {
		return nil, nil
	}
	out := make([]views.Flash, 0, len(raw))
	for _, r := range raw {
		str, ok := r.(string)
		if !ok {
			continue
		}
		kind, msg, found := strings.Cut(str, flashSep)
		if !found {
			kind, msg = "info", str
		}
		out = append(out, views.Flash{Kind: kind, Message: msg})
	}
	return out, s.save(c, sess)
}

// signIn replaces the cookie's content with the new server-side session's token only, so that no
// value of the anonymous session (a fixated value, the finished login flow) survives into the
// signed-in one. The CSRF token goes too, for the same reason: with its cookie expired, the CSRF
// middleware issues a new token on the next page.
func (s *sessionStore) signIn(c echo.Context, token string) error {
	sess := s.get(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[keySessionToken] = token
	sess.Options.MaxAge = sessionMaxAge
	if err := s.save(c, sess); err != nil {
		return err
	}
	// The session cookie's options are the CSRF cookie's too (path /, HttpOnly, Lax, Secure
	// outside the local demo), so an expired copy of them replaces it.
	expired := *s.store.Options
	expired.MaxAge = -1
	c.SetCookie(sessions.NewCookie(csrfCookieName, "", &expired))
	return nil
}

// signOut drops everything the session holds, keeping only a goodbye message.
func (s *sessionStore) signOut(c echo.Context) error {
	sess := s.get(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.AddFlash("success" + flashSep + "You are signed out.")
	return s.save(c, sess)
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

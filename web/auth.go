package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"golang.org/x/oauth2"
)

// relyingParty signs people in with the authorization-code flow, PKCE, state and nonce, and
// verifies the ID token with go-oidc. The provider is discovered on first use, not at start-up,
// because the embedded demo provider is served by this very process and is not listening yet
// while the server is being built.
type relyingParty struct {
	cfg      Config
	sessions *sessionStore
	svc      *entitlement.Service
	log      *slog.Logger
	client   *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

// errSignIn is a sign-in failure to show to the person, never with the provider's details.
type errSignIn struct {
	msg string
	err error
}

func (e *errSignIn) Error() string { return e.msg + ": " + e.err.Error() }
func (e *errSignIn) Unwrap() error { return e.err }

func (rp *relyingParty) discover(ctx context.Context) (*oidc.Provider, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, rp.client), rp.cfg.OIDC.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC provider %s: %w", rp.cfg.OIDC.Issuer, err)
	}
	rp.provider = p
	return p, nil
}

func (rp *relyingParty) oauth2Config(p *oidc.Provider) *oauth2.Config {
	scopes := rp.cfg.OIDC.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	return &oauth2.Config{
		ClientID:     rp.cfg.OIDC.ClientID,
		ClientSecret: rp.cfg.OIDC.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  rp.cfg.redirectURL(),
		Scopes:       scopes,
	}
}

// login starts the flow: it keeps state, nonce and the PKCE verifier in the session and sends the
// browser to the provider.
func (rp *relyingParty) login(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := rp.discover(ctx)
	if err != nil {
		return &errSignIn{msg: "The sign-in service cannot be reached right now. Try again in a minute.", err: err}
	}
	state, nonce, verifier := randomToken(24), randomToken(24), oauth2.GenerateVerifier()
	sess := rp.sessions.get(c)
	sess.Values[keyFlowState] = state
	sess.Values[keyFlowNonce] = nonce
	sess.Values[keyFlowVerifier] = verifier
	sess.Values[keyFlowNext] = safeNext(c.QueryParam("next"))
	if err := rp.sessions.save(c, sess); err != nil {
		return err
	}
	u := rp.oauth2Config(p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return c.Redirect(http.StatusSeeOther, u)
}

// callback finishes the flow: it checks state, exchanges the code with the verifier, verifies the
// ID token and its nonce, creates or updates the user, and rotates the session.
func (rp *relyingParty) callback(c echo.Context) error {
	ctx := c.Request().Context()
	sess := rp.sessions.get(c)
	wantState, _ := sess.Values[keyFlowState].(string)
	nonce, _ := sess.Values[keyFlowNonce].(string)
	verifier, _ := sess.Values[keyFlowVerifier].(string)
	next, _ := sess.Values[keyFlowNext].(string)
	// The flow is single-use whatever happens next.
	delete(sess.Values, keyFlowState)
	delete(sess.Values, keyFlowNonce)
	delete(sess.Values, keyFlowVerifier)
	delete(sess.Values, keyFlowNext)
	if err := rp.sessions.save(c, sess); err != nil {
		return err
	}

	if e := c.QueryParam("error"); e != "" {
		return &errSignIn{msg: "The identity provider did not sign you in (" + sanitize(e) + "). Try again.", err: errors.New(e)}
	}
	gotState := c.QueryParam("state")
	if wantState == "" || subtle.ConstantTimeCompare([]byte(gotState), []byte(wantState)) != 1 {
		return &errSignIn{msg: "This sign-in link has expired or was already used. Start again from the sign-in button.", err: errors.New("state mismatch")}
	}
	code := c.QueryParam("code")
	if code == "" {
		return &errSignIn{msg: "The identity provider sent no authorization code. Try again.", err: errors.New("missing code")}
	}
	claims, err := rp.exchange(ctx, code, verifier, nonce)
	if errors.Is(err, errEmailUnverified) {
		return &errSignIn{msg: "Your identity provider has not verified your e-mail address. Verify it there, then sign in again.", err: err}
	}
	if err != nil {
		return &errSignIn{msg: "Steward could not confirm your sign-in with the identity provider. Try again.", err: err}
	}
	u, err := rp.svc.SignIn(ctx, claims)
	if err != nil {
		var ve *entitlement.ValidationError
		if errors.As(err, &ve) || errors.Is(err, entitlement.ErrForbidden) {
			return &errSignIn{msg: signInRefusal(err), err: err}
		}
		return fmt.Errorf("sign in: %w", err)
	}
	token, err := rp.svc.StartSession(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	if err := rp.sessions.signIn(c, token); err != nil {
		return err
	}
	entitlement.LoggerFrom(ctx, rp.log).InfoContext(ctx, "signed in", "user", u.ID, "email", u.Email)
	return c.Redirect(http.StatusSeeOther, safeNext(next))
}

func signInRefusal(err error) string {
	var re *entitlement.RuleError
	if errors.As(err, &re) {
		return re.Message
	}
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		for _, m := range ve.Fields {
			return "Sign-in refused: " + m + "."
		}
	}
	return "Sign-in refused."
}

// exchange trades the code for tokens and returns the verified claims.
func (rp *relyingParty) exchange(ctx context.Context, code, verifier, nonce string) (entitlement.Claims, error) {
	ctx = oidc.ClientContext(ctx, rp.client)
	p, err := rp.discover(ctx)
	if err != nil {
		return entitlement.Claims{}, err
	}
	tok, err := rp.oauth2Config(p).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return entitlement.Claims{}, fmt.Errorf("exchange code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return entitlement.Claims{}, errors.New("token response has no id_token")
	}
	claims, err := rp.verify(ctx, p, raw, nonce)
	if err != nil {
		return claims, err
	}
	if claims.Email == "" {
		// Some providers put e-mail only in userinfo when an access token is issued.
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return claims, fmt.Errorf("userinfo: %w", err)
		}
		if info.Subject != claims.Subject {
			return claims, errors.New("userinfo subject differs from the ID token's")
		}
		var extra struct {
			Name          string   `json:"name"`
			Groups        []string `json:"groups"`
			EmailVerified any      `json:"email_verified"`
		}
		_ = info.Claims(&extra)
		if info.Email != "" && unverified(extra.EmailVerified) {
			return claims, errEmailUnverified
		}
		claims.Email = info.Email
		if claims.Name == "" {
			claims.Name = extra.Name
		}
		if len(claims.Groups) == 0 {
			claims.Groups = extra.Groups
		}
	}
	return claims, nil
}

// verify checks an ID token's signature, issuer, audience, expiry and nonce.
func (rp *relyingParty) verify(ctx context.Context, p *oidc.Provider, raw, nonce string) (entitlement.Claims, error) {
	idt, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.OIDC.ClientID}).Verify(ctx, raw)
	if err != nil {
		return entitlement.Claims{}, fmt.Errorf("verify ID token: %w", err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return entitlement.Claims{}, errors.New("ID token nonce does not match the sign-in flow")
	}
	var c struct {
		Email             string   `json:"email"`
		EmailVerified     any      `json:"email_verified"`
		Name              string   `json:"name"`
		PreferredUsername string   `json:"preferred_username"`
		Groups            []string `json:"groups"`
		TenantID          string   `json:"tid"`
	}
	if err := idt.Claims(&c); err != nil {
		return entitlement.Claims{}, fmt.Errorf("decode ID token claims: %w", err)
	}
	if c.Email != "" && unverified(c.EmailVerified) {
		// Steward links people and names administrators by e-mail, so an address the provider
		// itself has not verified (self-service sign-up) must not be taken at its word.
		return entitlement.Claims{}, errEmailUnverified
	}
	if c.Email == "" && strings.Contains(c.PreferredUsername, "@") {
		c.Email = c.PreferredUsername
	}
	return entitlement.Claims{Issuer: idt.Issuer, Subject: idt.Subject, Email: c.Email, Name: c.Name, Groups: c.Groups, TenantID: c.TenantID}, nil
}

// errEmailUnverified refuses a sign-in whose e-mail address the provider marks as not verified.
var errEmailUnverified = errors.New("the identity provider has not verified the e-mail address")

// unverified reports whether an email_verified claim says no. Providers that send no claim (Entra
// ID) are trusted; some send the value as a string.
func unverified(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "false")
	}
	return false
}

// logout ends the session.
func (rp *relyingParty) logout(c echo.Context) error {
	if err := rp.svc.EndSession(c.Request().Context(), rp.sessions.token(c)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	if err := rp.sessions.signOut(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// maxNext bounds a remembered post-login destination: it waits in the session cookie, which
// holds about 4 KB, during the sign-in.
const maxNext = 1024

// safeNext keeps a post-login destination only when it is a path on this site, short enough to
// remember.
func safeNext(next string) string {
	if next == "" || len(next) > maxNext || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// sanitize keeps a provider's error code printable and short for display.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return -1
	}, s)
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

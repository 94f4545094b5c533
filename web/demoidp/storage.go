package demoidp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	// authRequestTTL is how long someone may take to pick a demo user.
	authRequestTTL = 10 * time.Minute
	// codeTTL bounds the code's life after it is issued; RFC 6749 recommends at most ten minutes.
	codeTTL = 2 * time.Minute
	// accessTokenTTL and refreshTokenTTL are generous because nothing sensitive is behind them.
	accessTokenTTL  = time.Hour
	refreshTokenTTL = 24 * time.Hour
	// usedCodeTTL is how long a consumed code is remembered, so that a replay can still revoke
	// the tokens it produced.
	usedCodeTTL = refreshTokenTTL
	// sweepInterval rate-limits the purge of expired entries, which runs on writes.
	sweepInterval = time.Minute

	scopeGroups = "groups"
	claimGroups = "groups"
	loginPath   = "/login"
)

// supportedScopes is what discovery advertises.
var supportedScopes = []string{
	oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, scopeGroups, oidc.ScopeOfflineAccess,
}

// Errors the login handler turns into user-facing messages.
var (
	errUnknownAuthRequest = errors.New("unknown or expired auth request")
	errAuthRequestDone    = errors.New("auth request already completed")
	errUnknownUser        = errors.New("unknown demo user")
)

// storage is our op.Storage: users, clients and keys come from Config and never change; auth
// requests, codes and tokens live in maps guarded by mu.
//
// Every method that hands an auth request or token request to the OP returns a copy, because the
// OP reads it without our lock while the login handler may be changing the original.
type storage struct {
	now     func() time.Time
	users   map[string]User
	clients map[string]*client
	signing signingKey

	mu            sync.Mutex
	authRequests  map[string]*authRequest
	codes         map[string]string   // code → auth request ID, until the code is exchanged
	usedCodes     map[string]usedCode // code → where it came from, after it was exchanged
	accessTokens  map[string]*accessToken
	refreshTokens map[string]*refreshToken // keyed by the token value, which is opaque and random
	lastSweep     time.Time
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

type usedCode struct {
	authRequestID string
	forgetAt      time.Time
}

type accessToken struct {
	id            string
	clientID      string
	subject       string
	authRequestID string // the code flow that started this grant, for revocation on code replay
	scopes        []string
	expiresAt     time.Time
}

type refreshToken struct {
	token         string
	clientID      string
	subject       string
	authRequestID string
	accessTokenID string // the access token issued alongside, revoked with it
	scopes        []string
	authTime      time.Time
	expiresAt     time.Time
}

func newStorage(cfg Config, prefix string, now func() time.Time) (*storage, error) {
	kid, err := keyID(&cfg.SigningKey.PublicKey)
	if err != nil {
		return nil, err
	}
	loginURL := func(authRequestID string) string {
		return prefix + loginPath + "?authRequestID=" + url.QueryEscape(authRequestID)
	}
	s := &storage{
		now:           now,
		users:         make(map[string]User, len(cfg.Users)),
		clients:       make(map[string]*client, len(cfg.Clients)),
		signing:       signingKey{id: kid, key: cfg.SigningKey},
		authRequests:  make(map[string]*authRequest),
		codes:         make(map[string]string),
		usedCodes:     make(map[string]usedCode),
		accessTokens:  make(map[string]*accessToken),
		refreshTokens: make(map[string]*refreshToken),
	}
	for _, u := range cfg.Users {
		u.Groups = slices.Clone(u.Groups)
		s.users[u.Subject] = u
	}
	for _, c := range cfg.Clients {
		s.clients[c.ID] = &client{
			id:                     c.ID,
			secret:                 c.Secret,
			redirectURIs:           slices.Clone(c.RedirectURIs),
			postLogoutRedirectURIs: slices.Clone(c.PostLogoutRedirectURIs),
			loginURL:               loginURL,
		}
	}
	return s, nil
}

// keyID derives the JWKS "kid" from the public key (RFC 7638 thumbprint), so it stays the same
// across restarts as long as the caller keeps the key.
func keyID(pub *rsa.PublicKey) (string, error) {
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("signing key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// --- Auth requests and codes ---

// CreateAuthRequest stores a validated authorization request. It is where PKCE S256 becomes
// mandatory: zitadel accepts requests without a challenge from confidential clients and with
// the "plain" method, and we want neither.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		// There is no provider session to reuse: every sign-in needs the pick-a-user page.
		return nil, oidc.ErrLoginRequired().WithDescription("the demo provider has no session, so a user must be picked")
	}
	if req.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required: this provider enforces PKCE")
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if req.ResponseMode != "" && req.ResponseMode != oidc.ResponseModeQuery {
		// zitadel's form_post page submits itself with an inline script, which Steward's CSP
		// blocks, so the browser would be left on a blank page.
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is supported")
	}

	now := s.now()
	ar := &authRequest{
		id:           rand.Text(),
		expiresAt:    now.Add(authRequestTTL),
		clientID:     req.ClientID,
		redirectURI:  req.RedirectURI,
		state:        req.State,
		nonce:        req.Nonce,
		scopes:       slices.Clone(req.Scopes),
		responseType: req.ResponseType,
		responseMode: req.ResponseMode,
		challenge:    oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	s.authRequests[ar.id] = ar
	return ar.snapshot(), nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.liveAuthRequestLocked(id)
	if !ok {
		return nil, errUnknownAuthRequest
	}
	return ar.snapshot(), nil
}

// AuthRequestByCode looks a code up without using it up: zitadel calls it before it checks the
// client's secret and the PKCE verifier, and a code must survive a failed attempt, or a
// client-side mistake (golang.org/x/oauth2 retries a failed exchange with the other client
// authentication style) would surface as invalid_grant instead of its real cause. The code is
// used up by redeemCodeLocked when tokens are issued.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		if used, ok := s.usedCodes[code]; ok {
			// RFC 6749 section 4.1.2: a replayed code suggests it leaked, so revoke what it bought.
			s.revokeGrantLocked(used.authRequestID)
			return nil, errors.New("code already used")
		}
		return nil, errors.New("unknown code")
	}
	ar, ok := s.liveAuthRequestLocked(id)
	if !ok {
		return nil, errors.New("code expired")
	}
	return ar.snapshot(), nil
}

// redeemCodeLocked uses up the code of auth request id once the exchange passed every check.
// Doing it under the same lock as issuing the tokens means two concurrent exchanges of one code
// cannot both succeed.
func (s *storage) redeemCodeLocked(id string) error {
	ar, ok := s.liveAuthRequestLocked(id)
	if !ok || ar.code == "" || s.codes[ar.code] != id {
		return oidc.ErrInvalidGrant().WithDescription("code already used or expired")
	}
	delete(s.codes, ar.code)
	s.usedCodes[ar.code] = usedCode{authRequestID: id, forgetAt: s.now().Add(usedCodeTTL)}
	return nil
}

// SaveAuthCode records the single code for a completed auth request. A second code for the same
// request (a reloaded callback URL) is refused, so one login yields at most one grant.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.liveAuthRequestLocked(id)
	switch {
	case !ok:
		return oidc.ErrInvalidRequest().WithDescription("the sign-in request expired")
	case !ar.done:
		return oidc.ErrInteractionRequired().WithDescription("no user was picked")
	case ar.code != "":
		return oidc.ErrInvalidRequest().WithDescription("a code was already issued for this sign-in")
	}
	ar.code = code
	ar.expiresAt = now.Add(codeTTL)
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ar, ok := s.authRequests[id]; ok {
		delete(s.codes, ar.code)
		delete(s.authRequests, id)
	}
	return nil
}

// pendingAuthRequest reports whether id names an auth request still waiting for a user.
func (s *storage) pendingAuthRequest(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.liveAuthRequestLocked(id)
	switch {
	case !ok:
		return errUnknownAuthRequest
	case ar.done:
		return errAuthRequestDone
	}
	return nil
}

// completeLogin signs subject in for auth request id, which the OP's callback then turns into a
// code. It returns the client ID for logging.
func (s *storage) completeLogin(id, subject string) (clientID string, err error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, ok := s.liveAuthRequestLocked(id)
	switch {
	case !ok:
		return "", errUnknownAuthRequest
	case ar.done:
		// Changing the user after the callback may already have issued a code would hand that
		// code someone else's identity.
		return "", errAuthRequestDone
	}
	if _, ok := s.users[subject]; !ok {
		return "", errUnknownUser
	}
	ar.subject = subject
	ar.authTime = now
	ar.done = true
	return ar.clientID, nil
}

func (s *storage) liveAuthRequestLocked(id string) (*authRequest, bool) {
	ar, ok := s.authRequests[id]
	if !ok || s.now().After(ar.expiresAt) {
		return nil, false
	}
	return ar, true
}

// --- Tokens ---

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	ar, ok := req.(*authRequest)
	if !ok {
		// Only the code flow reaches here without a refresh token; other grants are not enabled.
		return "", time.Time{}, fmt.Errorf("access token for %T is not supported", req)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(s.now())
	if err := s.redeemCodeLocked(ar.id); err != nil {
		return "", time.Time{}, err
	}
	at := s.newAccessTokenLocked(ar.clientID, ar.subject, ar.id, ar.scopes)
	return at.id, at.expiresAt, nil
}

// CreateAccessAndRefreshTokens issues the first refresh token of a code flow with offline_access,
// or rotates one: the presented refresh token and its access token stop working, so a stolen
// refresh token is good for at most one use.
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)

	if current == "" {
		ar, ok := req.(*authRequest)
		if !ok {
			return "", "", time.Time{}, fmt.Errorf("refresh token for %T is not supported", req)
		}
		if err := s.redeemCodeLocked(ar.id); err != nil {
			return "", "", time.Time{}, err
		}
		at := s.newAccessTokenLocked(ar.clientID, ar.subject, ar.id, ar.scopes)
		rt := s.newRefreshTokenLocked(at, ar.scopes, ar.authTime)
		return at.id, rt.token, at.expiresAt, nil
	}

	rr, ok := req.(*refreshTokenRequest)
	if !ok {
		return "", "", time.Time{}, fmt.Errorf("refresh token rotation for %T is not supported", req)
	}
	old, ok := s.refreshTokens[current]
	if !ok || now.After(old.expiresAt) || old.clientID != rr.clientID {
		// Lost a race with a concurrent refresh, or revoked meanwhile.
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token is no longer valid")
	}
	delete(s.refreshTokens, current)
	delete(s.accessTokens, old.accessTokenID)
	// The access token gets the scopes asked for now; the refresh token keeps the original grant
	// so a later refresh may ask for all of it again (RFC 6749 section 6).
	at := s.newAccessTokenLocked(old.clientID, old.subject, old.authRequestID, rr.scopes)
	rt := s.newRefreshTokenLocked(at, old.scopes, old.authTime)
	return at.id, rt.token, at.expiresAt, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refreshTokens[token]
	if !ok || s.now().After(rt.expiresAt) {
		return nil, errors.New("unknown or expired refresh token")
	}
	return &refreshTokenRequest{
		clientID: rt.clientID,
		subject:  rt.subject,
		scopes:   slices.Clone(rt.scopes),
		authTime: rt.authTime,
	}, nil
}

// TerminateSession ends what a sign-out can end here: the provider keeps no login session, so it
// revokes the user's tokens for that client.
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	if userID == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, at := range s.accessTokens {
		if at.subject == userID && at.clientID == clientID {
			delete(s.accessTokens, id)
		}
	}
	for tok, rt := range s.refreshTokens {
		if rt.subject == userID && rt.clientID == clientID {
			delete(s.refreshTokens, tok)
		}
	}
	return nil
}

// RevokeToken revokes a refresh token (and its access token) or an access token by ID. Unknown
// tokens are not an error (RFC 7009 section 2.2).
func (s *storage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt, ok := s.refreshTokens[tokenOrID]; ok {
		if rt.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.refreshTokens, tokenOrID)
		delete(s.accessTokens, rt.accessTokenID)
		return nil
	}
	if at, ok := s.accessTokens[tokenOrID]; ok {
		if at.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(s.accessTokens, tokenOrID)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refreshTokens[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

func (s *storage) newAccessTokenLocked(clientID, subject, authRequestID string, scopes []string) *accessToken {
	at := &accessToken{
		id:            rand.Text(),
		clientID:      clientID,
		subject:       subject,
		authRequestID: authRequestID,
		scopes:        slices.Clone(scopes),
		expiresAt:     s.now().Add(accessTokenTTL),
	}
	s.accessTokens[at.id] = at
	return at
}

func (s *storage) newRefreshTokenLocked(at *accessToken, scopes []string, authTime time.Time) *refreshToken {
	rt := &refreshToken{
		token:         rand.Text(),
		clientID:      at.clientID,
		subject:       at.subject,
		authRequestID: at.authRequestID,
		accessTokenID: at.id,
		scopes:        slices.Clone(scopes),
		authTime:      authTime,
		expiresAt:     s.now().Add(refreshTokenTTL),
	}
	s.refreshTokens[rt.token] = rt
	return rt
}

// revokeGrantLocked revokes every token that descends from one code flow.
func (s *storage) revokeGrantLocked(authRequestID string) {
	for id, at := range s.accessTokens {
		if at.authRequestID == authRequestID {
			delete(s.accessTokens, id)
		}
	}
	for tok, rt := range s.refreshTokens {
		if rt.authRequestID == authRequestID {
			delete(s.refreshTokens, tok)
		}
	}
}

// sweepLocked drops expired entries. It runs on writes, at most once per sweepInterval, which
// bounds memory by the rate of sign-ins without a background goroutine.
func (s *storage) sweepLocked(now time.Time) {
	if now.Sub(s.lastSweep) < sweepInterval {
		return
	}
	s.lastSweep = now
	for id, ar := range s.authRequests {
		if now.After(ar.expiresAt) {
			delete(s.codes, ar.code)
			delete(s.authRequests, id)
		}
	}
	for code, used := range s.usedCodes {
		if now.After(used.forgetAt) {
			delete(s.usedCodes, code)
		}
	}
	for id, at := range s.accessTokens {
		if now.After(at.expiresAt) {
			delete(s.accessTokens, id)
		}
	}
	for tok, rt := range s.refreshTokens {
		if now.After(rt.expiresAt) {
			delete(s.refreshTokens, tok)
		}
	}
}

// --- Clients and claims ---

func (s *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	c, ok := s.clients[clientID]
	if !ok {
		return nil, errors.New("unknown client")
	}
	return c, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	c, ok := s.clients[clientID]
	if !ok {
		return errors.New("unknown client")
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return errors.New("wrong client secret")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in zitadel in favour of SetUserinfoFromRequest, which it
// calls right after this one.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.setUserinfo(info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	at, err := s.liveAccessToken(tokenID, subject)
	if err != nil {
		return err
	}
	// A browser calling userinfo cross-origin must come from the client's own site.
	if origin != "" && !s.clients[at.clientID].allowsOrigin(origin) {
		return errors.New("origin not allowed for this client")
	}
	return s.setUserinfo(info, at.subject, at.scopes)
}

// SetIntrospectionFromToken lets a client introspect only the tokens issued to it.
func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	at, err := s.liveAccessToken(tokenID, subject)
	if err != nil {
		return err
	}
	if at.clientID != clientID {
		return errors.New("token was not issued to this client")
	}
	info := new(oidc.UserInfo)
	if err := s.setUserinfo(info, at.subject, at.scopes); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = at.scopes
	resp.ClientID = at.clientID
	resp.Audience = oidc.Audience{at.clientID}
	resp.Expiration = oidc.FromTime(at.expiresAt)
	return nil
}

func (s *storage) liveAccessToken(tokenID, subject string) (accessToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.accessTokens[tokenID]
	if !ok || s.now().After(at.expiresAt) || at.subject != subject {
		return accessToken{}, errors.New("access token is invalid or expired")
	}
	cp := *at
	cp.scopes = slices.Clone(at.scopes)
	return cp, nil
}

// setUserinfo maps a demo user to claims. Standard claims follow the scopes, as the spec and
// real providers do; groups are always released (see the package doc).
func (s *storage) setUserinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	u, ok := s.users[subject]
	if !ok {
		return errUnknownUser
	}
	info.Subject = u.Subject
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email = u.Email
		// Demo addresses are fictional but the portal may require a verified email to sign in.
		info.EmailVerified = true
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name = u.Name
		info.PreferredUsername = u.Email
	}
	// An empty list rather than a missing claim: "no groups" is a real answer.
	info.AppendClaims(claimGroups, append([]string{}, u.Groups...))
	return nil
}

// GetPrivateClaimsFromScopes only feeds JWT access tokens, which this provider does not issue.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID serves the JWT profile grant and private_key_jwt, neither of which the
// demo clients use.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT client authentication is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grant is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// --- Keys ---

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.signing, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.signing}}, nil
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is the JWKS view of the signing key.
type publicKey struct{ k signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

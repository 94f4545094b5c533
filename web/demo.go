package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/stewardhq/steward/static"
	"github.com/stewardhq/steward/web/demoidp"
)

// SecretStore keeps secrets that must survive restarts, creating each on first use.
type SecretStore interface {
	Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error)
}

// DemoClientID is the client id of the portal at the embedded demo provider.
const DemoClientID = "steward-portal"

// ConfigureDemoIdP points cfg at the embedded demo OpenID Connect provider, served at
// <BaseURL>/idp, with its signing key and client secret kept in secrets so that tokens and
// sign-ins survive restarts.
func ConfigureDemoIdP(ctx context.Context, cfg *Config, secrets SecretStore, users []demoidp.User, log *slog.Logger) error {
	keyDER, err := secrets.Secret(ctx, "demo_idp_signing_key", func() ([]byte, error) {
		k, err := demoidp.GenerateSigningKey()
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return fmt.Errorf("demo provider key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return fmt.Errorf("demo provider key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return errors.New("demo provider key: not an RSA key")
	}
	random := func(n int) func() ([]byte, error) {
		return func() ([]byte, error) {
			b := make([]byte, n)
			_, err := rand.Read(b)
			return b, err
		}
	}
	cryptoKey, err := secrets.Secret(ctx, "demo_idp_crypto_key", random(32))
	if err != nil {
		return fmt.Errorf("demo provider key: %w", err)
	}
	clientSecret, err := secrets.Secret(ctx, "demo_idp_client_secret", random(24))
	if err != nil {
		return fmt.Errorf("demo provider client: %w", err)
	}
	cfg.OIDC = OIDCConfig{
		Issuer:       cfg.BaseURL + "/idp",
		ClientID:     DemoClientID,
		ClientSecret: hex.EncodeToString(clientSecret),
		Scopes:       []string{"openid", "email", "profile"},
	}
	idp := demoidp.Config{
		Issuer: cfg.OIDC.Issuer, Users: users, SigningKey: key, StylesheetURL: static.Path("app.css"), Logger: log,
		Clients: []demoidp.Client{{
			ID: DemoClientID, Secret: cfg.OIDC.ClientSecret,
			RedirectURIs:           []string{cfg.redirectURL()},
			PostLogoutRedirectURIs: []string{cfg.BaseURL + "/"},
		}},
	}
	copy(idp.CryptoKey[:], cryptoKey)
	h, err := demoidp.New(ctx, idp)
	if err != nil {
		return fmt.Errorf("demo provider: %w", err)
	}
	cfg.DemoIdP = h
	return nil
}

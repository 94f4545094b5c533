package provision

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// Options configures a Dispatcher.
type Options struct {
	// BaseURL is Steward's public address, for the callback URLs webhook receivers answer to.
	BaseURL string
	// CallbackKey signs the one-time callback tokens; derive it from STEWARD_SECRET_KEY.
	CallbackKey []byte
	// HTTP is the client for webhook and SCIM calls; one with a 20s timeout when nil. The worker's
	// call timeout also bounds every call through its context.
	HTTP *http.Client
	Log  *slog.Logger
}

// Dispatcher is the entitlement.Provisioner that picks each resource's connector.
type Dispatcher struct {
	svc    *entitlement.Service
	opt    Options
	ldap   *ldapPool
	groups scimGroups
}

// New returns a Dispatcher over the service.
func New(svc *entitlement.Service, opt Options) *Dispatcher {
	if opt.HTTP == nil {
		opt.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Dispatcher{svc: svc, opt: opt, ldap: newLDAPPool()}
}

// Close ends the connections the Dispatcher keeps open (LDAP).
func (d *Dispatcher) Close() { d.ldap.close() }

// Provision carries out one action through the resource's connector and records the call.
func (d *Dispatcher) Provision(ctx context.Context, a entitlement.ProvisionAction) error {
	c, err := d.svc.ConnectorForProvisioning(ctx, a.ResourceID)
	if err != nil {
		return err
	}
	if c.Kind == entitlement.ConnectorManual || c.Kind == "" {
		return entitlement.ErrManualFulfilment
	}
	start := time.Now()
	err = d.run(ctx, c, a)
	d.record(ctx, c, a.Op, subjectWords(a), start, err)
	return err
}

func (d *Dispatcher) run(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	switch c.Kind {
	case entitlement.ConnectorWebhook:
		return d.webhook(ctx, c, a)
	case entitlement.ConnectorSCIM:
		return d.scim(ctx, c, a)
	case entitlement.ConnectorLDAP:
		return d.ldapGroup(ctx, c, a)
	}
	return fmt.Errorf("unknown connector kind %q", c.Kind)
}

// Test checks that the connector can reach its target with its settings, without changing
// anything there, and records the check among the connector's calls.
func (d *Dispatcher) Test(ctx context.Context, c entitlement.Connector) error {
	start := time.Now()
	var err error
	switch c.Kind {
	case entitlement.ConnectorWebhook:
		err = d.testWebhook(ctx, c)
	case entitlement.ConnectorSCIM:
		err = d.testSCIM(ctx, c)
	case entitlement.ConnectorLDAP:
		err = d.testLDAP(ctx, c)
	default:
		return errors.New("a manual connector reaches no system; there is nothing to test")
	}
	d.record(ctx, c, "test", "", start, err)
	return err
}

func subjectWords(a entitlement.ProvisionAction) string {
	if a.SubjectName != "" && a.Email != "" {
		return a.SubjectName + " <" + a.Email + ">"
	}
	if a.Email != "" {
		return a.Email
	}
	return a.SubjectID
}

// record keeps the call in the connector's log; failing to keep it never fails the call.
func (d *Dispatcher) record(ctx context.Context, c entitlement.Connector, op, subject string, start time.Time, err error) {
	call := entitlement.ConnectorCall{ResourceID: c.ResourceID, Op: op, Subject: subject, OK: err == nil, Duration: time.Since(start)}
	if err != nil {
		call.Error = redact(err.Error(), c)
	}
	if rerr := d.svc.RecordConnectorCall(context.WithoutCancel(ctx), call); rerr != nil {
		d.opt.Log.WarnContext(ctx, "provision: record connector call", "resource", c.ResourceID, "error", rerr)
	}
}

// redact takes the connector's secrets out of a message, should a target echo one back.
func redact(msg string, c entitlement.Connector) string {
	for _, s := range c.Secrets {
		if len(s) >= 6 { // shorter ones would hide ordinary words
			msg = strings.ReplaceAll(msg, s, "[hidden]")
		}
	}
	return msg
}

// CallbackToken is the one-time token of a message's callback URL: an HMAC of the message id,
// so nothing needs storing, and single use because a settled message refuses a second answer.
func CallbackToken(key []byte, messageID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("steward provision callback\x00" + messageID))
	return hex.EncodeToString(m.Sum(nil))
}

func (d *Dispatcher) callbackURL(messageID string) string {
	if messageID == "" || len(d.opt.CallbackKey) == 0 {
		return ""
	}
	return strings.TrimRight(d.opt.BaseURL, "/") + CallbackPath + messageID + "?token=" + CallbackToken(d.opt.CallbackKey, messageID)
}

func (d *Dispatcher) tokenOK(messageID, token string) bool {
	if len(d.opt.CallbackKey) == 0 {
		return false
	}
	want := CallbackToken(d.opt.CallbackKey, messageID)
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

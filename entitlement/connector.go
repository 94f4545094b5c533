package entitlement

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Connector kinds: how a resource's roles reach the system they are for.
const (
	ConnectorManual  = "manual"  // a person carries out each change (tasks)
	ConnectorWebhook = "webhook" // a signed HTTPS POST to the system's receiver
	ConnectorSCIM    = "scim"    // a SCIM 2.0 service provider: users and groups
	ConnectorLDAP    = "ldap"    // an LDAP or Active Directory group
)

// ConnectorKinds lists the kinds in the order the resource page offers them.
var ConnectorKinds = []string{ConnectorManual, ConnectorWebhook, ConnectorSCIM, ConnectorLDAP}

// ConnectorKindLabel names a connector kind for people.
func ConnectorKindLabel(kind string) string {
	switch kind {
	case ConnectorWebhook:
		return "Webhook"
	case ConnectorSCIM:
		return "SCIM 2.0"
	case ConnectorLDAP:
		return "LDAP group"
	}
	return "Manual (tasks for the owners)"
}

// ConnectorField describes one setting of a connector kind. Secret fields are sealed at rest and
// never shown again.
type ConnectorField struct {
	Name     string
	Label    string
	Help     string
	Secret   bool
	Required bool
	URL      bool // must be an http(s) URL
}

// ConnectorFields lists the settings of a kind.
func ConnectorFields(kind string) []ConnectorField {
	switch kind {
	case ConnectorWebhook:
		return []ConnectorField{
			{Name: "url", Label: "Receiver URL", Help: "Steward POSTs a signed JSON body here for every grant and removal.", Required: true, URL: true},
			{Name: "hmacKey", Label: "Signing key", Help: "Shared with the receiver, which checks the Steward-Signature header with it.", Secret: true, Required: true},
		}
	case ConnectorSCIM:
		return []ConnectorField{
			{Name: "baseUrl", Label: "SCIM base URL", Help: "The service provider's root, such as https://app.example.com/scim/v2.", Required: true, URL: true},
			{Name: "token", Label: "Bearer token", Help: "Sent as Authorization: Bearer.", Secret: true, Required: true},
			{Name: "match", Label: "Match people by", Help: "userName (the e-mail address, the default) or externalId (Steward's id)."},
		}
	case ConnectorLDAP:
		return []ConnectorField{
			{Name: "url", Label: "Server URL", Help: "ldap://host:389 or ldaps://host:636.", Required: true},
			{Name: "bindDn", Label: "Bind DN", Help: "The account Steward signs in with; it must be allowed to change the groups' members.", Required: true},
			{Name: "bindPassword", Label: "Bind password", Secret: true, Required: true},
			{Name: "baseDn", Label: "People base DN", Help: "Where people are searched for, such as ou=people,dc=example,dc=org.", Required: true},
			{Name: "userAttribute", Label: "Find people by", Help: "The attribute that holds the person's e-mail address (mail, the default) or user name (uid)."},
			{Name: "groupDn", Label: "Group DN", Help: "The LDAP group whose members this resource's membership role adds and removes.", Required: true},
		}
	}
	return nil
}

// Connector is how one resource's roles are carried out, with its settings. Secrets hold sealed
// values (see SecretBox) and never leave the Service unsealed except to the provisioner.
type Connector struct {
	ResourceID   string            `json:"resourceId"`
	CatalogID    string            `json:"catalogId"`
	Kind         string            `json:"kind"`
	Settings     map[string]string `json:"settings,omitempty"`
	Secrets      map[string]string `json:"secrets,omitempty"`
	Modified     time.Time         `json:"modifiedDateTime"`
	ModifiedBy   string            `json:"modifiedBy,omitempty"`
	ModifiedName string            `json:"modifiedByName,omitempty"`
	// ReconcileEvery is how often the worker compares the target's members with Steward's
	// grants: "" (never), ReconcileDaily or ReconcileWeekly; NextReconcile is when it is next
	// due, set only while scheduled.
	ReconcileEvery string     `json:"reconcileEvery,omitempty"`
	NextReconcile  *time.Time `json:"nextReconcile,omitempty"`
	// LastReconcile is what the last scheduled comparison found.
	LastReconcile *ReconcileResult `json:"lastReconcile,omitempty"`
}

// HasSecret reports whether a secret of that name is saved.
func (c Connector) HasSecret(name string) bool { return c.Secrets[name] != "" }

// ConnectorCall is one entry of a connector's recent calls: what was asked, and how it went.
type ConnectorCall struct {
	ID         string        `json:"id"`
	ResourceID string        `json:"resourceId"`
	At         time.Time     `json:"at"`
	Op         string        `json:"op"` // ProvisionAdd, ProvisionRemove or "test"
	Subject    string        `json:"subject,omitempty"`
	OK         bool          `json:"ok"`
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"duration"`
}

// MaxConnectorCalls is how many recent calls a connector's log keeps.
const MaxConnectorCalls = 50

// SecretBox seals connector secrets for storage and opens them for use.
type SecretBox interface {
	Seal(plain string) (string, error)
	Open(sealed string) (string, error)
}

// ConnectorInput is what the resource page saves. Empty secrets keep the saved ones.
type ConnectorInput struct {
	Kind     string
	Settings map[string]string
	Secrets  map[string]string
}

// ResourceConnector returns the resource's connector as its owners see it: secrets stay sealed
// (the page only tells whether one is saved). A resource without one is manual.
func (s *Service) ResourceConnector(ctx context.Context, resourceID string) (Connector, error) {
	var out Connector
	err := s.read(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can see its connectors")
		}
		out, err = connectorOf(tx, res)
		return err
	})
	return out, err
}

func connectorOf(tx Tx, res Resource) (Connector, error) {
	c, err := tx.Connectors().Get(res.ID)
	if isNotFound(err) {
		return Connector{ResourceID: res.ID, CatalogID: res.CatalogID, Kind: ConnectorManual}, nil
	}
	return c, err
}

// SaveConnector sets how the resource's roles are carried out. Secrets are sealed with the
// service's SecretBox; a secret left empty keeps the one saved before, and switching kind drops
// the old kind's settings. Administrators and the catalog's owners may.
func (s *Service) SaveConnector(ctx context.Context, resourceID string, in ConnectorInput) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can configure its connector")
		}
		if !slices.Contains(ConnectorKinds, in.Kind) {
			return invalid("invalidConnector", "kind", "choose how the roles are carried out")
		}
		if in.Kind == ConnectorLDAP && res.OriginSystem != OriginGroup {
			return invalid("invalidConnector", "kind", "an LDAP group connector carries out the membership of a group; this resource is not a group")
		}
		old, err := connectorOf(tx, res)
		if err != nil {
			return err
		}
		c := Connector{ResourceID: res.ID, CatalogID: res.CatalogID, Kind: in.Kind, Settings: map[string]string{}, Secrets: map[string]string{},
			Modified: s.now(), ModifiedBy: a.p.UserID, ModifiedName: a.p.Name}
		if old.Kind == in.Kind {
			// Saving the settings again keeps the comparison schedule and its last result.
			c.ReconcileEvery, c.NextReconcile, c.LastReconcile = old.ReconcileEvery, old.NextReconcile, old.LastReconcile
		}
		for _, f := range ConnectorFields(in.Kind) {
			if f.Secret {
				plain := in.Secrets[f.Name]
				switch {
				case plain != "":
					if s.secrets == nil {
						return fmt.Errorf("save connector: no secret box configured")
					}
					sealed, err := s.secrets.Seal(plain)
					if err != nil {
						return fmt.Errorf("save connector: %w", err)
					}
					c.Secrets[f.Name] = sealed
				case old.Kind == in.Kind && old.HasSecret(f.Name):
					c.Secrets[f.Name] = old.Secrets[f.Name]
				case f.Required:
					return invalid("invalidConnector", f.Name, "enter the %s", strings.ToLower(f.Label))
				}
				continue
			}
			v := strings.TrimSpace(in.Settings[f.Name])
			if v == "" && f.Required {
				return invalid("invalidConnector", f.Name, "enter the %s", strings.ToLower(f.Label))
			}
			if v != "" && f.URL {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return invalid("invalidConnector", f.Name, "enter a full URL starting with https://")
				}
			}
			if len(v) > 2000 {
				return invalid("invalidConnector", f.Name, "use at most 2000 characters")
			}
			if v != "" {
				c.Settings[f.Name] = v
			}
		}
		if in.Kind == ConnectorSCIM {
			if m := c.Settings["match"]; m != "" && m != "userName" && m != "externalId" {
				return invalid("invalidConnector", "match", "enter userName or externalId")
			}
		}
		if in.Kind == ConnectorLDAP {
			if m := c.Settings["userAttribute"]; m != "" && m != "mail" && m != "uid" {
				return invalid("invalidConnector", "userAttribute", "enter mail or uid")
			}
		}
		if err := tx.Connectors().Put(c); err != nil {
			return fmt.Errorf("save connector: %w", err)
		}
		names := slices.Sorted(maps.Keys(c.Settings))
		return s.audit(tx, a.p, "connector.save", "resource", res.ID, res.DisplayName,
			"carried out by "+strings.ToLower(ConnectorKindLabel(c.Kind))+settingsWords(names))
	})
}

func settingsWords(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (settings: " + strings.Join(names, ", ") + ")"
}

// ConnectorForProvisioning returns the connector of a resource with its secrets unsealed, for
// the provisioner that runs outside any request. A resource without one, or gone, is manual.
// Secrets must never be logged.
func (s *Service) ConnectorForProvisioning(ctx context.Context, resourceID string) (Connector, error) {
	var c Connector
	err := s.store.View(ctx, func(tx Tx) error {
		res, err := tx.Resources().Get(resourceID)
		if isNotFound(err) {
			c = Connector{ResourceID: resourceID, Kind: ConnectorManual}
			return nil
		} else if err != nil {
			return err
		}
		c, err = connectorOf(tx, res)
		return err
	})
	if err != nil {
		return c, err
	}
	return s.openSecrets(c)
}

func (s *Service) openSecrets(c Connector) (Connector, error) {
	if len(c.Secrets) == 0 {
		return c, nil
	}
	if s.secrets == nil {
		return c, fmt.Errorf("connector of %s: no secret box configured", c.ResourceID)
	}
	open := make(map[string]string, len(c.Secrets))
	for k, v := range c.Secrets {
		p, err := s.secrets.Open(v)
		if err != nil {
			return c, fmt.Errorf("connector of %s: secret %s cannot be opened (was STEWARD_SECRET_KEY changed?): %w", c.ResourceID, k, err)
		}
		open[k] = p
	}
	c.Secrets = open
	return c, nil
}

// TestableConnector returns the connector with its secrets unsealed for the owners' "Test
// connection": administrators and the catalog's owners may.
func (s *Service) TestableConnector(ctx context.Context, resourceID string) (Connector, error) {
	c, err := s.ResourceConnector(ctx, resourceID)
	if err != nil {
		return c, err
	}
	return s.openSecrets(c)
}

// RecordConnectorCall appends a call to the resource's log, keeping the last MaxConnectorCalls.
func (s *Service) RecordConnectorCall(ctx context.Context, call ConnectorCall) error {
	if call.ID == "" {
		call.ID = NewID()
	}
	if call.At.IsZero() {
		call.At = s.now()
	}
	if len(call.Error) > 500 {
		call.Error = call.Error[:500] + "…"
	}
	return s.store.Update(ctx, func(tx Tx) error {
		return tx.ConnectorCalls().Append(call, MaxConnectorCalls)
	})
}

// ConnectorCalls lists the resource's recent connector calls, newest first.
func (s *Service) ConnectorCalls(ctx context.Context, resourceID string) ([]ConnectorCall, error) {
	var out []ConnectorCall
	err := s.read(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can see its connector's calls")
		}
		out, err = tx.ConnectorCalls().Recent(resourceID)
		return err
	})
	return out, err
}

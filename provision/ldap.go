package provision

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/entitlement"
)

// The LDAP group connector carries out a Steward group's membership in a linked LDAP group: it
// finds the person's entry under the people base DN by mail (their e-mail address) or uid (the
// part of it before the @) and adds that DN to, or removes it from, the group's member attribute.
// Adding a member who is there, or removing one who is not, succeeds. Other roles of the group
// (Owner) are not memberships, so they stay tasks for a person.

// ldapPool keeps a few bound connections per server and account, so a run of grants does not dial
// and bind for each.
type ldapPool struct {
	mu   sync.Mutex
	idle map[string][]*ldap.Conn
}

const ldapIdlePerKey = 4

func newLDAPPool() *ldapPool { return &ldapPool{idle: map[string][]*ldap.Conn{}} }

func ldapKey(c entitlement.Connector) string {
	// The password is part of the key (hashed), so a changed one never reuses an old bind.
	h := sha256.Sum256([]byte(c.Secrets["bindPassword"]))
	return c.Settings["url"] + "\x00" + c.Settings["bindDn"] + "\x00" + string(h[:8])
}

func (p *ldapPool) get(ctx context.Context, c entitlement.Connector) (*ldap.Conn, error) {
	key := ldapKey(c)
	p.mu.Lock()
	if n := len(p.idle[key]); n > 0 {
		conn := p.idle[key][n-1]
		p.idle[key] = p.idle[key][:n-1]
		p.mu.Unlock()
		if !conn.IsClosing() {
			return conn, nil
		}
		_ = conn.Close()
	} else {
		p.mu.Unlock()
	}
	return dialLDAP(ctx, c)
}

func (p *ldapPool) put(c entitlement.Connector, conn *ldap.Conn) {
	key := ldapKey(c)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[key]) >= ldapIdlePerKey {
		_ = conn.Close()
		return
	}
	p.idle[key] = append(p.idle[key], conn)
}

func (p *ldapPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, conns := range p.idle {
		for _, c := range conns {
			_ = c.Close()
		}
		delete(p.idle, k)
	}
}

func dialLDAP(ctx context.Context, c entitlement.Connector) (*ldap.Conn, error) {
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	conn, err := ldap.DialURL(c.Settings["url"], ldap.DialWithDialer(&net.Dialer{Timeout: timeout}), ldap.DialWithTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	if err != nil {
		return nil, unreachable("the LDAP server at "+c.Settings["url"], err)
	}
	conn.SetTimeout(timeout)
	if err := conn.Bind(c.Settings["bindDn"], c.Secrets["bindPassword"]); err != nil {
		_ = conn.Close()
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return nil, fmt.Errorf("ldap: the bind DN or password is wrong")
		}
		return nil, fmt.Errorf("ldap: bind as %s: %w", c.Settings["bindDn"], err)
	}
	return conn, nil
}

// withConn runs fn on a pooled connection; a connection that failed is closed, not returned.
func (d *Dispatcher) withConn(ctx context.Context, c entitlement.Connector, fn func(*ldap.Conn) error) error {
	conn, err := d.ldap.get(ctx, c)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetTimeout(time.Until(dl))
	}
	err = fn(conn)
	var le *ldap.Error
	if err == nil || errors.As(err, &le) && le.ResultCode != ldap.ErrorNetwork && !conn.IsClosing() {
		d.ldap.put(c, conn)
	} else {
		_ = conn.Close()
	}
	return err
}

func (d *Dispatcher) ldapGroup(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	if !strings.HasPrefix(a.RoleOriginID, "Member_") && !strings.EqualFold(a.RoleName, "Member") {
		return entitlement.ErrManualFulfilment
	}
	group := c.Settings["groupDn"]
	return d.withConn(ctx, c, func(conn *ldap.Conn) error {
		dn, err := findPerson(conn, c, a)
		if err != nil {
			return err
		}
		if dn == "" {
			if a.Op == entitlement.ProvisionRemove {
				return nil
			}
			attr, value := personKey(c, a)
			return fmt.Errorf("ldap: nobody with %s=%s under %s", attr, value, c.Settings["baseDn"])
		}
		mod := ldap.NewModifyRequest(group, nil)
		if a.Op == entitlement.ProvisionRemove {
			mod.Delete("member", []string{dn})
		} else {
			mod.Add("member", []string{dn})
		}
		err = conn.Modify(mod)
		switch {
		case err == nil:
			return nil
		case a.Op == entitlement.ProvisionAdd && ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists):
			return nil // already a member
		case a.Op == entitlement.ProvisionRemove && ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchAttribute):
			return nil // not a member
		case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
			return fmt.Errorf("ldap: the group %s does not exist", group)
		case ldap.IsErrorWithCode(err, ldap.LDAPResultObjectClassViolation):
			return fmt.Errorf("ldap: %s refuses the change (a groupOfNames cannot lose its last member): %w", group, err)
		case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
			return fmt.Errorf("ldap: %s may not change the members of %s", c.Settings["bindDn"], group)
		}
		return fmt.Errorf("ldap: change the members of %s: %w", group, err)
	})
}

// personKey is the attribute and value that find the person: mail and their address, or uid and
// its part before the @.
func personKey(c entitlement.Connector, a entitlement.ProvisionAction) (string, string) {
	if c.Settings["userAttribute"] == "uid" {
		local, _, _ := strings.Cut(a.Email, "@")
		return "uid", local
	}
	return "mail", a.Email
}

// findPerson returns the DN of the one entry that matches the person, or "" when none does.
func findPerson(conn *ldap.Conn, c entitlement.Connector, a entitlement.ProvisionAction) (string, error) {
	attr, value := personKey(c, a)
	if value == "" {
		return "", errors.New("ldap: the person has no e-mail address to find them by")
	}
	req := ldap.NewSearchRequest(c.Settings["baseDn"], ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2, 0, false,
		"("+attr+"="+ldap.EscapeFilter(value)+")", []string{"1.1"}, nil)
	res, err := conn.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return "", fmt.Errorf("ldap: the people base DN %s does not exist", c.Settings["baseDn"])
		}
		return "", fmt.Errorf("ldap: find %s=%s: %w", attr, value, err)
	}
	switch {
	case res == nil || len(res.Entries) == 0:
		return "", nil
	case len(res.Entries) > 1:
		return "", fmt.Errorf("ldap: more than one entry has %s=%s under %s", attr, value, c.Settings["baseDn"])
	}
	return res.Entries[0].DN, nil
}

// testLDAP binds and reads the group entry.
func (d *Dispatcher) testLDAP(ctx context.Context, c entitlement.Connector) error {
	return d.withConn(ctx, c, func(conn *ldap.Conn) error {
		req := ldap.NewSearchRequest(c.Settings["groupDn"], ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{"1.1"}, nil)
		if _, err := conn.Search(req); err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
				return fmt.Errorf("ldap: the group %s does not exist", c.Settings["groupDn"])
			}
			return fmt.Errorf("ldap: read %s: %w", c.Settings["groupDn"], err)
		}
		return nil
	})
}

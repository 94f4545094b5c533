// Package ldapsync reads people and groups from an LDAP server or Active Directory for the LDAP
// import: it is the entitlement.DirectorySource the service is given. It only reads; what to
// change in Steward is the domain's business (entitlement.Service.RunDirectorySync).
//
// Searches use the paging control (RFC 2696), so a directory larger than the server's size limit
// is read whole. Memberships come from the groups' member attribute or the people's memberOf;
// member values that are not among the people read (nested groups, placeholders, people outside
// the filter) are left out.
package ldapsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/reach"
)

// Source reads an LDAP directory.
type Source struct {
	// Timeout bounds connecting and each request; default 15s.
	Timeout time.Duration
	// PageSize is the number of entries per page of a search; default 500.
	PageSize uint32
}

var _ entitlement.DirectorySource = Source{}

func (s Source) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 15 * time.Second
}

func (s Source) pageSize() uint32 {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return 500
}

// fieldError is a problem the settings explain, for the form to show beside the field.
func fieldError(field, format string, args ...any) error {
	return &entitlement.ValidationError{Code: "directoryError", Fields: map[string]string{field: fmt.Sprintf(format, args...)}}
}

// connect dials, upgrades to TLS when asked and binds. The connection closes when ctx ends.
func (s Source) connect(ctx context.Context, c entitlement.LDAPSettings, password string) (*ldap.Conn, func(), error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, nil, fieldError("url", "enter an address that starts with ldap:// or ldaps://")
	}
	tlsConfig := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if c.CACertificate != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.CACertificate)) {
			return nil, nil, fieldError("caCertificate", "this is not a certificate in PEM form")
		}
		tlsConfig.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: s.timeout()}
	conn, err := ldap.DialURL(c.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tlsConfig))
	if err != nil {
		if isTLSError(err) {
			return nil, nil, fieldError("caCertificate", "the server's certificate is not trusted (%s); paste the certificate of the authority that signed it", shortError(err))
		}
		return nil, nil, fieldError("url", "could not connect to %s: %s", c.URL, dialError(err))
	}
	conn.SetTimeout(s.timeout())
	// Closing only ends the connection; an error closing it has nothing left to report.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	done := func() { stop(); _ = conn.Close() }
	if c.StartTLS {
		if err := conn.StartTLS(tlsConfig); err != nil {
			done()
			if isTLSError(err) {
				return nil, nil, fieldError("caCertificate", "the server's certificate is not trusted (%s); paste the certificate of the authority that signed it", shortError(err))
			}
			return nil, nil, fieldError("startTLS", "the server refused StartTLS: %s", shortError(err))
		}
	}
	if c.BindDN != "" {
		if password == "" {
			done()
			return nil, nil, fieldError("bindPassword", "enter the bind password; a saved one is used only with the server address and bind DN it was saved for")
		}
		if err := conn.Bind(c.BindDN, password); err != nil {
			done()
			switch {
			case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
				return nil, nil, fieldError("bindPassword", "the server refused this bind DN and password")
			case ldap.IsErrorWithCode(err, ldap.LDAPResultConfidentialityRequired), ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired):
				return nil, nil, fieldError("startTLS", "the server wants an encrypted connection: use ldaps:// or StartTLS")
			}
			return nil, nil, fieldError("bindDN", "could not bind as %s: %s", c.BindDN, shortError(err))
		}
	}
	return conn, done, nil
}

func isTLSError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	// go-ldap's StartTLS reports the handshake's error in words only.
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify) ||
		strings.Contains(err.Error(), "x509: ")
}

// shortError drops go-ldap's "LDAP Result Code 49 ..." framing where it can.
func shortError(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) && le.Err != nil {
		msg := le.Err.Error()
		if msg == "" {
			return ldap.LDAPResultCodeMap[le.ResultCode]
		}
		return msg
	}
	return err.Error()
}

// dialError says in words why the server could not be reached (reach.Words), else go-ldap's
// message without its framing.
func dialError(err error) string {
	if w := reach.Words(err); w != "" {
		return w
	}
	return shortError(err)
}

// searchError explains a failed search of a base DN and filter.
func searchError(err error, baseField, filterField, base string) error {
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return fieldError(baseField, "the server has no entry %s", base)
	case ldap.IsErrorWithCode(err, ldap.ErrorFilterCompile), ldap.IsErrorWithCode(err, ldap.LDAPResultFilterError):
		return fieldError(filterField, "the server cannot read this filter: %s", shortError(err))
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidDNSyntax):
		return fieldError(baseField, "this is not a valid DN")
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
		return fieldError("bindDN", "this account may not read %s", base)
	}
	return fmt.Errorf("search %s: %s", base, shortError(err))
}

// Test connects, binds and reads a few people and groups.
func (s Source) Test(ctx context.Context, c entitlement.LDAPSettings, password string) (entitlement.DirectoryTest, error) {
	var out entitlement.DirectoryTest
	conn, done, err := s.connect(ctx, c, password)
	if err != nil {
		return out, err
	}
	defer done()
	a := c.Attributes
	names, err := sample(conn, c.PeopleBaseDN, c.PeopleFilter, []string{a.DisplayName, a.Email, a.GivenName, a.Surname})
	if err != nil {
		return out, searchError(err, "peopleBaseDN", "peopleFilter", c.PeopleBaseDN)
	}
	for _, e := range names {
		out.People = append(out.People, firstNonEmpty(personName(e, a), e.GetAttributeValue(a.Email), e.DN))
	}
	if c.GroupsBaseDN != "" {
		groups, err := sample(conn, c.GroupsBaseDN, c.GroupsFilter, []string{a.GroupName})
		if err != nil {
			return out, searchError(err, "groupsBaseDN", "groupsFilter", c.GroupsBaseDN)
		}
		for _, e := range groups {
			out.Groups = append(out.Groups, firstNonEmpty(e.GetAttributeValue(a.GroupName), e.DN))
		}
	}
	return out, nil
}

// sample reads at most five entries.
func sample(conn *ldap.Conn, base, filter string, attrs []string) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 5, 0, false, filter, nonEmpty(attrs), nil)
	res, err := conn.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, err
	}
	if res == nil {
		return nil, nil
	}
	return res.Entries, nil
}

// Read reads everyone the people filter finds and every group the groups filter finds.
func (s Source) Read(ctx context.Context, c entitlement.LDAPSettings, password string) (entitlement.DirectorySnapshot, error) {
	var snap entitlement.DirectorySnapshot
	conn, done, err := s.connect(ctx, c, password)
	if err != nil {
		return snap, err
	}
	defer done()
	a := c.Attributes
	memberOf := c.MembershipFrom == entitlement.MembershipMemberOf
	attrs := []string{a.ID, a.Email, a.DisplayName, a.GivenName, a.Surname, a.Manager, a.EmployeeNumber, a.Department, a.JobTitle}
	if memberOf {
		attrs = append(attrs, a.MemberOf)
	}
	people, err := s.search(ctx, conn, c.PeopleBaseDN, c.PeopleFilter, attrs)
	if err != nil {
		return snap, searchError(err, "peopleBaseDN", "peopleFilter", c.PeopleBaseDN)
	}
	byDN := make(map[string]string, len(people)) // normalized DN → external id
	snap.People = make([]entitlement.DirectoryPerson, 0, len(people))
	for _, e := range people {
		ext := externalID(e, a.ID)
		if ext == "" {
			continue
		}
		byDN[normDN(e.DN)] = ext
	}
	groupMembers := map[string][]string{} // normalized group DN → member external ids (memberOf)
	for _, e := range people {
		ext := externalID(e, a.ID)
		if ext == "" {
			continue
		}
		p := entitlement.DirectoryPerson{
			ExternalID:     ext,
			Email:          attr(e, a.Email),
			DisplayName:    personName(e, a),
			EmployeeNumber: attr(e, a.EmployeeNumber),
			Department:     attr(e, a.Department),
			JobTitle:       attr(e, a.JobTitle),
		}
		if m := attr(e, a.Manager); m != "" {
			p.ManagerExternalID = byDN[normDN(m)]
		}
		if memberOf {
			for _, g := range e.GetAttributeValues(a.MemberOf) {
				key := normDN(g)
				groupMembers[key] = append(groupMembers[key], ext)
			}
		}
		snap.People = append(snap.People, p)
	}
	if c.GroupsBaseDN == "" {
		return snap, nil
	}
	gattrs := []string{a.GroupID, a.GroupName, a.GroupDescription}
	if !memberOf {
		gattrs = append(gattrs, a.Member)
	}
	groups, err := s.search(ctx, conn, c.GroupsBaseDN, c.GroupsFilter, gattrs)
	if err != nil {
		return snap, searchError(err, "groupsBaseDN", "groupsFilter", c.GroupsBaseDN)
	}
	snap.Groups = make([]entitlement.DirectoryGroup, 0, len(groups))
	for _, e := range groups {
		ext := externalID(e, a.GroupID)
		if ext == "" {
			continue
		}
		g := entitlement.DirectoryGroup{ExternalID: ext, DisplayName: firstNonEmpty(attr(e, a.GroupName), e.DN), Description: attr(e, a.GroupDescription)}
		if memberOf {
			g.Members = groupMembers[normDN(e.DN)]
		} else {
			for _, m := range e.GetAttributeValues(a.Member) {
				if id, ok := byDN[normDN(m)]; ok {
					g.Members = append(g.Members, id)
				}
			}
		}
		snap.Groups = append(snap.Groups, g)
	}
	return snap, nil
}

// search reads every entry under base that filter finds, page by page.
func (s Source) search(ctx context.Context, conn *ldap.Conn, base, filter string, attrs []string) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, nonEmpty(attrs), nil)
	res, err := conn.SearchWithPaging(req, s.pageSize())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return res.Entries, nil
}

// externalID is the value of the id attribute, or the DN when none is set. Binary ids (Active
// Directory's objectGUID) are written in hex.
func externalID(e *ldap.Entry, idAttr string) string {
	if idAttr == "" || strings.EqualFold(idAttr, "dn") {
		return e.DN
	}
	raw := e.GetRawAttributeValue(idAttr)
	if len(raw) == 0 {
		return ""
	}
	if utf8.Valid(raw) && printable(string(raw)) {
		return string(raw)
	}
	return hex.EncodeToString(raw)
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func personName(e *ldap.Entry, a entitlement.LDAPAttributes) string {
	if n := attr(e, a.DisplayName); n != "" {
		return n
	}
	return strings.TrimSpace(attr(e, a.GivenName) + " " + attr(e, a.Surname))
}

// attr is an attribute's first value, none when the attribute is not mapped.
func attr(e *ldap.Entry, name string) string {
	if name == "" {
		return ""
	}
	return strings.TrimSpace(e.GetAttributeValue(name))
}

// normDN is a DN in a form that compares equal however the server spelled it (case, spaces).
func normDN(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(dn))
	}
	var b strings.Builder
	for i, rdn := range parsed.RDNs {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, av := range rdn.Attributes {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(strings.ToLower(av.Type))
			b.WriteByte('=')
			b.WriteString(strings.ToLower(av.Value))
		}
	}
	return b.String()
}

func nonEmpty(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s != "" && !strings.EqualFold(s, "dn") {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"1.1"} // RFC 4511: no attributes
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

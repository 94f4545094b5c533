// Package slapdtest starts a real, throwaway OpenLDAP slapd for tests.
//
// Start writes a slapd.conf into t.TempDir() (mdb backend, one suffix, a root
// bind DN and password, the core/cosine/inetorgperson/nis schemas), loads the
// seed entries offline with slapadd (much faster than adding them over the
// wire), starts slapd on a free loopback port and stops it at t.Cleanup. The
// tree has ou=people and ou=groups under the base DN; Person and Group build
// inetOrgPerson and groupOfNames entries there.
//
// slapd is a Debian package (slapd, ldap-utils). When it is missing the test
// fails with a message saying how to install it: an LDAP test that silently
// skips proves nothing.
package slapdtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// Where Debian's slapd package puts its pieces.
const (
	slapdBin  = "/usr/sbin/slapd"
	slapadd   = "/usr/sbin/slapadd"
	schemaDir = "/etc/ldap/schema"
	moduleDir = "/usr/lib/ldap"
)

// Defaults for Options left empty.
const (
	DefaultBaseDN   = "dc=example,dc=test"
	DefaultPassword = "secret"
	// DefaultSizeLimit is the most entries one search returns without the
	// paging control to anyone but the root DN (slapd's own default).
	DefaultSizeLimit = 500
)

// Options configure a server. The zero value is a plain server with an
// empty people and groups tree.
type Options struct {
	// BaseDN is the suffix; DefaultBaseDN when empty. It must be dc=…
	// components so the root entry can be a dcObject.
	BaseDN string
	// Password of the root DN (cn=admin,<base>) and of the reader account.
	Password string
	// People and Groups are loaded offline with slapadd before slapd starts.
	People []Person
	Groups []Group
	// LDIF is extra seed text appended after People and Groups (slapadd
	// format: entries separated by blank lines, no changetype).
	LDIF string
	// TLS makes a self-signed certificate for 127.0.0.1, serves ldaps:// on
	// a second port and allows StartTLS on the plain port. Server.CertPool
	// trusts it.
	TLS bool
	// MemberOf loads the memberof overlay, so people get memberOf values
	// as groups change; seeded people get theirs from Groups directly.
	MemberOf bool
	// SizeLimit overrides DefaultSizeLimit for non-root binds; paged
	// searches are not limited in total.
	SizeLimit int
}

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:<port>/.
	URL string
	// LDAPSURL is ldaps://127.0.0.1:<port>/ when Options.TLS, else "".
	LDAPSURL string
	// CertPool trusts the server's certificate when Options.TLS.
	CertPool *x509.CertPool
	// BaseDN is the suffix; PeopleDN and GroupsDN the two branches.
	BaseDN, PeopleDN, GroupsDN string
	// BindDN and Password are the root account (no limits, may write).
	BindDN, Password string
	// ReaderDN (same Password) may read everything but is subject to the
	// size limit, like a real service account: searches beyond it need the
	// paging control.
	ReaderDN string
	// Dir is the server's temporary directory (config, data, log).
	Dir string

	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
}

// Person is an inetOrgPerson under ou=people, named uid=<UID>.
type Person struct {
	UID            string
	CN             string // display name; UID when empty
	GivenName, SN  string // SN defaults to CN (inetOrgPerson requires sn)
	Mail           string
	EmployeeNumber string
	// Manager is the manager's DN (use Server.PersonDN or PersonDN).
	Manager string
	// Extra attributes, e.g. {"title": {"Engineer"}}.
	Extra map[string][]string
}

// Group is a groupOfNames under ou=groups, named cn=<CN>.
type Group struct {
	CN          string
	Description string
	// Members are DNs. groupOfNames needs at least one member, so an empty
	// group gets the base DN as a placeholder member (a common convention,
	// and the entry a directory sync must ignore).
	Members []string
}

// Start starts slapd for the test and stops it at cleanup.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	for _, bin := range []string{slapdBin, slapadd} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("slapdtest: %s not found: install OpenLDAP with `apt-get install -y slapd ldap-utils` (.ci/run does)", bin)
		}
	}
	if o.BaseDN == "" {
		o.BaseDN = DefaultBaseDN
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.SizeLimit == 0 {
		o.SizeLimit = DefaultSizeLimit
	}
	s := &Server{
		t:        t,
		BaseDN:   o.BaseDN,
		PeopleDN: "ou=people," + o.BaseDN,
		GroupsDN: "ou=groups," + o.BaseDN,
		BindDN:   "cn=admin," + o.BaseDN,
		ReaderDN: "cn=reader," + o.BaseDN,
		Password: o.Password,
		Dir:      t.TempDir(),
	}
	if err := os.Mkdir(filepath.Join(s.Dir, "data"), 0o700); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	var certFile, keyFile string
	if o.TLS {
		certFile, keyFile = s.makeCert()
	}
	conf := filepath.Join(s.Dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(s.config(o, certFile, keyFile)), 0o600); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	seed := filepath.Join(s.Dir, "seed.ldif")
	if err := os.WriteFile(seed, s.seedLDIF(o), 0o600); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	// -q: quick mode (no consistency checks, fewer syncs); the data is
	// throwaway, and it is several times faster for large seeds.
	if out, err := exec.Command(slapadd, "-q", "-f", conf, "-l", seed).CombinedOutput(); err != nil {
		t.Fatalf("slapdtest: slapadd: %v\n%s", err, out)
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		if lastErr = s.start(conf, o.TLS); lastErr == nil {
			return s
		}
	}
	t.Fatalf("slapdtest: %v", lastErr)
	return nil
}

func (s *Server) config(o Options, certFile, keyFile string) string {
	var b strings.Builder
	for _, schema := range []string{"core", "cosine", "inetorgperson", "nis"} {
		fmt.Fprintf(&b, "include %s/%s.schema\n", schemaDir, schema)
	}
	fmt.Fprintf(&b, "modulepath %s\nmoduleload back_mdb\n", moduleDir)
	if o.MemberOf {
		b.WriteString("moduleload memberof\n")
	}
	fmt.Fprintf(&b, "pidfile %s\nargsfile %s\n", filepath.Join(s.Dir, "slapd.pid"), filepath.Join(s.Dir, "slapd.args"))
	if certFile != "" {
		fmt.Fprintf(&b, "TLSCertificateFile %s\nTLSCertificateKeyFile %s\n", certFile, keyFile)
	}
	fmt.Fprintf(&b, "database mdb\nsuffix %q\nrootdn %q\nrootpw %s\n", s.BaseDN, s.BindDN, o.Password)
	fmt.Fprintf(&b, "directory %s\n", filepath.Join(s.Dir, "data"))
	// mdb's default map is 10 MB: too small for tens of thousands of
	// entries. The file is sparse, so a large map costs nothing.
	b.WriteString("maxsize 4294967296\n")
	b.WriteString("index objectClass eq\nindex uid,mail,cn eq\nindex member eq\n")
	if o.MemberOf {
		b.WriteString("index memberOf eq\noverlay memberof\nmemberof-refint true\n")
	}
	fmt.Fprintf(&b, "limits dn.exact=%q size.soft=%d size.hard=%d size.prtotal=unlimited\n", s.ReaderDN, o.SizeLimit, o.SizeLimit)
	b.WriteString("access to * by * read\n")
	return b.String()
}

func (s *Server) seedLDIF(o Options) []byte {
	var b bytes.Buffer
	dc, _, _ := strings.Cut(strings.TrimPrefix(s.BaseDN, "dc="), ",")
	writeEntry(&b, s.BaseDN, attrs{{"objectClass", []string{"top", "dcObject", "organization"}}, {"dc", []string{dc}}, {"o", []string{dc}}})
	writeEntry(&b, s.PeopleDN, attrs{{"objectClass", []string{"organizationalUnit"}}, {"ou", []string{"people"}}})
	writeEntry(&b, s.GroupsDN, attrs{{"objectClass", []string{"organizationalUnit"}}, {"ou", []string{"groups"}}})
	writeEntry(&b, s.ReaderDN, attrs{{"objectClass", []string{"organizationalRole", "simpleSecurityObject"}}, {"cn", []string{"reader"}}, {"userPassword", []string{o.Password}}})
	var memberOf map[string][]string
	if o.MemberOf {
		memberOf = map[string][]string{}
		for _, g := range o.Groups {
			for _, m := range g.Members {
				key := strings.ToLower(m)
				memberOf[key] = append(memberOf[key], s.GroupDN(g.CN))
			}
		}
	}
	for _, p := range o.People {
		a := s.personAttrs(p)
		if mo := memberOf[strings.ToLower(s.PersonDN(p.UID))]; len(mo) > 0 {
			a = append(a, attr{"memberOf", mo})
		}
		writeEntry(&b, s.PersonDN(p.UID), a)
	}
	for _, g := range o.Groups {
		writeEntry(&b, s.GroupDN(g.CN), s.groupAttrs(g))
	}
	b.WriteString(o.LDIF)
	return b.Bytes()
}

func (s *Server) start(conf string, withTLS bool) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d/", port)
	urls := s.URL
	if withTLS {
		tport, err := freePort()
		if err != nil {
			return err
		}
		s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d/", tport)
		urls += " " + s.LDAPSURL
	}
	logPath := filepath.Join(s.Dir, "slapd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	// -d 0 keeps slapd in the foreground as our child, so cleanup can stop
	// exactly this process; it still logs errors to stderr.
	cmd := exec.Command(slapdBin, "-d", "0", "-f", conf, "-h", urls)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start slapd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	s.cmd, s.done = cmd, done

	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := ldap.DialURL(s.URL)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-done:
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("slapd exited at start: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("slapd did not answer on %s within 10s: %s", s.URL, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Cleanup(s.stop)
	return nil
}

// stop ends slapd (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// makeCert writes a self-signed certificate for 127.0.0.1 and localhost.
func (s *Server) makeCert() (certFile, keyFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	s.CertPool = x509.NewCertPool()
	s.CertPool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	certFile, keyFile = filepath.Join(s.Dir, "cert.pem"), filepath.Join(s.Dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		s.t.Fatalf("slapdtest: %v", err)
	}
	return certFile, keyFile
}

// TLSConfig trusts the server's certificate (Options.TLS).
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// PersonDN is the DN of the person with this uid.
func (s *Server) PersonDN(uid string) string { return "uid=" + ldap.EscapeDN(uid) + "," + s.PeopleDN }

// GroupDN is the DN of the group with this cn.
func (s *Server) GroupDN(cn string) string { return "cn=" + ldap.EscapeDN(cn) + "," + s.GroupsDN }

// Conn dials and binds as the root DN; the connection closes at cleanup.
func (s *Server) Conn(t testing.TB) *ldap.Conn {
	t.Helper()
	conn, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatalf("slapdtest: dial %s: %v", s.URL, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Bind(s.BindDN, s.Password); err != nil {
		t.Fatalf("slapdtest: bind %s: %v", s.BindDN, err)
	}
	return conn
}

// AddPeople adds people over the wire (use Options.People for large seeds).
func (s *Server) AddPeople(t testing.TB, people ...Person) {
	t.Helper()
	conn := s.Conn(t)
	for _, p := range people {
		s.add(t, conn, s.PersonDN(p.UID), s.personAttrs(p))
	}
}

// AddGroups adds groups over the wire.
func (s *Server) AddGroups(t testing.TB, groups ...Group) {
	t.Helper()
	conn := s.Conn(t)
	for _, g := range groups {
		s.add(t, conn, s.GroupDN(g.CN), s.groupAttrs(g))
	}
}

func (s *Server) add(t testing.TB, conn *ldap.Conn, dn string, a attrs) {
	t.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for _, x := range a {
		req.Attribute(x.name, x.values)
	}
	if err := conn.Add(req); err != nil {
		t.Fatalf("slapdtest: add %s: %v", dn, err)
	}
}

// Delete removes entries by DN.
func (s *Server) Delete(t testing.TB, dns ...string) {
	t.Helper()
	conn := s.Conn(t)
	for _, dn := range dns {
		if err := conn.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatalf("slapdtest: delete %s: %v", dn, err)
		}
	}
}

// Replace sets an attribute of an entry to exactly these values (none
// removes it).
func (s *Server) Replace(t testing.TB, dn, attribute string, values ...string) {
	t.Helper()
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace(attribute, values)
	if err := s.Conn(t).Modify(req); err != nil {
		t.Fatalf("slapdtest: replace %s of %s: %v", attribute, dn, err)
	}
}

// AddMembers adds member DNs to a group.
func (s *Server) AddMembers(t testing.TB, groupCN string, memberDNs ...string) {
	t.Helper()
	req := ldap.NewModifyRequest(s.GroupDN(groupCN), nil)
	req.Add("member", memberDNs)
	if err := s.Conn(t).Modify(req); err != nil {
		t.Fatalf("slapdtest: add members to %s: %v", groupCN, err)
	}
}

// RemoveMembers removes member DNs from a group.
func (s *Server) RemoveMembers(t testing.TB, groupCN string, memberDNs ...string) {
	t.Helper()
	req := ldap.NewModifyRequest(s.GroupDN(groupCN), nil)
	req.Delete("member", memberDNs)
	if err := s.Conn(t).Modify(req); err != nil {
		t.Fatalf("slapdtest: remove members from %s: %v", groupCN, err)
	}
}

// Entry reads one entry with all user attributes (and memberOf), or nil
// when it does not exist.
func (s *Server) Entry(t testing.TB, dn string) *ldap.Entry {
	t.Helper()
	res, err := s.Conn(t).Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"*", "memberOf"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return nil
	}
	if err != nil {
		t.Fatalf("slapdtest: read %s: %v", dn, err)
	}
	if len(res.Entries) != 1 {
		t.Fatalf("slapdtest: read %s: %d entries", dn, len(res.Entries))
	}
	return res.Entries[0]
}

// Log is what slapd wrote so far (errors only at debug level 0).
func (s *Server) Log() string {
	out, _ := os.ReadFile(filepath.Join(s.Dir, "slapd.log"))
	return string(out)
}

// Stop stops slapd now instead of at cleanup (e.g. to test an unreachable
// server). It is safe to call twice.
func (s *Server) Stop() { s.stop() }

// Pid is slapd's process id, for tests that check nothing is left running.
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Generate makes n people (uid p00001…) and g groups (cn g0001…) for load
// tests: person i reports to the person i/10 (the first has no manager),
// and group j holds every person whose index modulo g is j, so everyone is
// in exactly one group when g > 0.
func (s *Server) Generate(n, g int) ([]Person, []Group) {
	return Generate(s.BaseDN, n, g)
}

// Generate is Server.Generate for a base DN known before Start (to seed
// with Options.People and Options.Groups).
func Generate(baseDN string, n, g int) ([]Person, []Group) {
	people := make([]Person, n)
	peopleDN := "ou=people," + baseDN
	for i := range people {
		uid := fmt.Sprintf("p%05d", i+1)
		p := Person{
			UID:            uid,
			CN:             "Person " + strconv.Itoa(i+1),
			GivenName:      "Person",
			SN:             strconv.Itoa(i + 1),
			Mail:           uid + "@example.test",
			EmployeeNumber: strconv.Itoa(100000 + i + 1),
		}
		if i > 0 {
			p.Manager = "uid=" + fmt.Sprintf("p%05d", i/10+1) + "," + peopleDN
		}
		people[i] = p
	}
	groups := make([]Group, g)
	for j := range groups {
		groups[j] = Group{CN: fmt.Sprintf("g%04d", j+1), Description: "Generated group " + strconv.Itoa(j+1)}
	}
	if g > 0 {
		for i, p := range people {
			j := i % g
			groups[j].Members = append(groups[j].Members, "uid="+p.UID+","+peopleDN)
		}
	}
	return people, groups
}

type attr struct {
	name   string
	values []string
}

type attrs []attr

func (s *Server) personAttrs(p Person) attrs {
	cn := p.CN
	if cn == "" {
		cn = p.UID
	}
	sn := p.SN
	if sn == "" {
		sn = cn
	}
	a := attrs{{"objectClass", []string{"top", "person", "organizationalPerson", "inetOrgPerson"}}, {"uid", []string{p.UID}}, {"cn", []string{cn}}, {"sn", []string{sn}}}
	for _, x := range []attr{{"givenName", []string{p.GivenName}}, {"mail", []string{p.Mail}}, {"employeeNumber", []string{p.EmployeeNumber}}, {"manager", []string{p.Manager}}} {
		if x.values[0] != "" {
			a = append(a, x)
		}
	}
	names := make([]string, 0, len(p.Extra))
	for name := range p.Extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a = append(a, attr{name, p.Extra[name]})
	}
	return a
}

func (s *Server) groupAttrs(g Group) attrs {
	members := g.Members
	if len(members) == 0 {
		members = []string{s.BaseDN}
	}
	a := attrs{{"objectClass", []string{"top", "groupOfNames"}}, {"cn", []string{g.CN}}, {"member", members}}
	if g.Description != "" {
		a = append(a, attr{"description", []string{g.Description}})
	}
	return a
}

// writeEntry writes one LDIF record, base64-encoding values that LDIF
// cannot carry as plain text.
func writeEntry(b *bytes.Buffer, dn string, a attrs) {
	writeLine(b, "dn", dn)
	for _, x := range a {
		for _, v := range x.values {
			writeLine(b, x.name, v)
		}
	}
	b.WriteByte('\n')
}

func writeLine(b *bytes.Buffer, name, value string) {
	if safeLDIF(value) {
		fmt.Fprintf(b, "%s: %s\n", name, value)
		return
	}
	fmt.Fprintf(b, "%s:: %s\n", name, base64.StdEncoding.EncodeToString([]byte(value)))
}

// safeLDIF reports whether value may be written as a plain LDIF value
// (RFC 2849 SAFE-STRING, ASCII only).
func safeLDIF(v string) bool {
	if v == "" {
		return true
	}
	if !utf8.ValidString(v) || v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c > 127 {
			return false
		}
	}
	return true
}

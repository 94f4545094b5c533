package slapdtest_test

import (
	"crypto/tls"
	"strings"
	"syscall"
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/directory/slapdtest"
)

func TestSeededServerAnswersPagedSearchesAndStops(t *testing.T) {
	people, groups := slapdtest.Generate(slapdtest.DefaultBaseDN, 1200, 7)
	var pid int
	t.Run("server", func(t *testing.T) {
		s := slapdtest.Start(t, slapdtest.Options{People: people, Groups: groups})
		pid = s.Pid()

		conn, err := ldap.DialURL(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.Bind(s.ReaderDN, s.Password); err != nil {
			t.Fatal(err)
		}
		req := ldap.NewSearchRequest(s.PeopleDN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
			"(objectClass=inetOrgPerson)", []string{"uid", "manager"}, nil)
		// The reader is limited like a service account: without paging the
		// search stops at the size limit.
		if _, err := conn.Search(req); !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
			t.Fatalf("unpaged search of 1200 people: err = %v, want size limit exceeded", err)
		}
		res, err := conn.SearchWithPaging(req, 250)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1200 {
			t.Fatalf("paged search found %d people, want 1200", len(res.Entries))
		}
		g := s.Entry(t, s.GroupDN("g0003"))
		if n := len(g.GetAttributeValues("member")); n != 1200/7+1 && n != 1200/7 {
			t.Fatalf("g0003 has %d members", n)
		}

		s.AddPeople(t, slapdtest.Person{UID: "zoë", CN: "Zoë Ä", Mail: "zoe@example.test"})
		s.AddGroups(t, slapdtest.Group{CN: "empty"})
		s.AddMembers(t, "empty", s.PersonDN("zoë"))
		s.Replace(t, s.PersonDN("zoë"), "manager", s.PersonDN("p00001"))
		if got := s.Entry(t, s.PersonDN("zoë")).GetAttributeValue("manager"); got != s.PersonDN("p00001") {
			t.Fatalf("manager = %q", got)
		}
		s.RemoveMembers(t, "empty", s.PersonDN("zoë"))
		s.Delete(t, s.PersonDN("zoë"))
		if e := s.Entry(t, s.PersonDN("zoë")); e != nil {
			t.Fatalf("deleted entry still there: %v", e.DN)
		}
		if err := conn.Bind(s.ReaderDN, "wrong"); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("wrong password: err = %v", err)
		}
	})
	if pid == 0 {
		t.Fatal("no pid")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("slapd (pid %d) still runs after cleanup", pid)
	}
}

func TestTLSAndMemberOf(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{
		TLS:      true,
		MemberOf: true,
		People:   []slapdtest.Person{{UID: "ada"}, {UID: "bob"}},
		Groups:   []slapdtest.Group{{CN: "eng", Members: []string{"uid=ada,ou=people," + slapdtest.DefaultBaseDN}}},
	})
	if got := s.Entry(t, s.PersonDN("ada")).GetAttributeValues("memberOf"); len(got) != 1 || !strings.EqualFold(got[0], s.GroupDN("eng")) {
		t.Fatalf("seeded memberOf = %v", got)
	}
	s.AddMembers(t, "eng", s.PersonDN("bob"))
	if got := s.Entry(t, s.PersonDN("bob")).GetAttributeValues("memberOf"); len(got) != 1 {
		t.Fatalf("overlay memberOf = %v", got)
	}

	ldaps, err := ldap.DialURL(s.LDAPSURL, ldap.DialWithTLSConfig(s.TLSConfig()))
	if err != nil {
		t.Fatalf("ldaps: %v", err)
	}
	defer ldaps.Close()
	if err := ldaps.Bind(s.ReaderDN, s.Password); err != nil {
		t.Fatal(err)
	}
	plain, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.StartTLS(s.TLSConfig()); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := plain.Bind(s.ReaderDN, s.Password); err != nil {
		t.Fatal(err)
	}
	// A client that does not trust the test certificate is refused.
	untrusted, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer untrusted.Close()
	if err := untrusted.StartTLS(&tls.Config{ServerName: "127.0.0.1"}); err == nil {
		t.Fatal("StartTLS with an untrusted certificate succeeded")
	}
}

package provision_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/provision"
)

// Grants through the connectors, one per person, each a full Provision call: the connector read
// (secrets opened), the calls to the target, and the call log written to the data file. Run with
// -benchtime=1000x for the 1,000 grants of the issue; calls/grant counts what the target saw.

// BenchmarkLDAPGrants adds b.N people found by mail to an LDAP group in a real slapd.
func BenchmarkLDAPGrants(b *testing.B) {
	people := make([]slapdtest.Person, b.N)
	for i := range people {
		people[i] = slapdtest.Person{UID: fmt.Sprintf("p%05d", i), Mail: fmt.Sprintf("p%05d@corp.example", i)}
	}
	slapd := slapdtest.Start(b, slapdtest.Options{People: people, Groups: []slapdtest.Group{{CN: "engineering"}}})
	proxy := countLDAP(b, strings.TrimSuffix(strings.TrimPrefix(slapd.URL, "ldap://"), "/"))
	e := entitlementtest.New(b)
	admin := e.User("Ada Admin")
	g := e.Group("Engineering")
	res := e.GroupResource(e.Catalog("Engineering"), g)
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(admin), res.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorLDAP,
		Settings: map[string]string{"url": "ldap://" + proxy.addr, "bindDn": slapd.BindDN, "baseDn": slapd.PeopleDN, "groupDn": slapd.GroupDN("engineering")},
		Secrets:  map[string]string{"bindPassword": slapd.Password}}); err != nil {
		b.Fatal(err)
	}
	d := provision.New(e.Svc, provision.Options{Log: entitlementtest.Quiet})
	defer d.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		err := d.Provision(ctx, entitlement.ProvisionAction{Op: entitlement.ProvisionAdd, ResourceID: res.ID, SubjectID: fmt.Sprint(i),
			Email: people[i].Mail, RoleName: "Member", RoleOriginID: "Member_" + g.ID})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(proxy.requests.Load())/float64(b.N), "calls/grant")
}

// BenchmarkSCIMGrants creates b.N people at the in-process SCIM server and adds them to a group.
func BenchmarkSCIMGrants(b *testing.B) {
	target := startSCIM(b, "Maintainer")
	e := entitlementtest.New(b)
	admin := e.User("Ada Admin")
	app := e.AppResource(e.Catalog("Finance"), "Ledger", "Maintainer")
	if err := e.Svc.SaveConnector(entitlementtest.AsAdmin(admin), app.ID, entitlement.ConnectorInput{Kind: entitlement.ConnectorSCIM,
		Settings: map[string]string{"baseUrl": target.baseURL()}, Secrets: map[string]string{"token": scimToken}}); err != nil {
		b.Fatal(err)
	}
	d := provision.New(e.Svc, provision.Options{Log: entitlementtest.Quiet})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		err := d.Provision(ctx, entitlement.ProvisionAction{Op: entitlement.ProvisionAdd, ResourceID: app.ID, SubjectID: fmt.Sprint(i),
			Email: fmt.Sprintf("p%05d@corp.example", i), SubjectName: fmt.Sprintf("Person %d", i), RoleName: "Maintainer"})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(target.calls.Load())/float64(b.N), "calls/grant")
	if got := len(target.members("Maintainer")); got != b.N {
		b.Fatalf("%d members, want %d", got, b.N)
	}
}

// ldapCounter is a TCP proxy in front of slapd that counts the LDAP requests clients send
// (binds, searches, modifications), one BER packet each.
type ldapCounter struct {
	addr     string
	requests atomic.Int64
}

func countLDAP(tb testing.TB, upstream string) *ldapCounter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	c := &ldapCounter{addr: ln.Addr().String()}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", upstream)
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				defer server.Close()
				_, _ = io.Copy(client, server)
				client.Close()
			}()
			go func() {
				defer client.Close()
				for {
					p, err := ber.ReadPacket(client)
					if err != nil {
						server.Close()
						return
					}
					c.requests.Add(1)
					if _, err := server.Write(p.Bytes()); err != nil {
						return
					}
				}
			}()
		}
	}()
	return c
}

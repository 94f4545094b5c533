package ldapsync_test

import (
	"flag"
	"testing"
	"time"

	"github.com/stewardhq/steward/directory/slapdtest"
	"github.com/stewardhq/steward/entitlement"
)

// The benchmarks' directory size: small by default so that `go test -bench .` stays quick; the
// figures in the design notes use -ldap.people=50000 -ldap.groups=2000.
var (
	benchPeople = flag.Int("ldap.people", 2000, "people in the benchmarks' directory")
	benchGroups = flag.Int("ldap.groups", 80, "groups in the benchmarks' directory")
)

// benchDirectory starts slapd seeded offline with slapadd and reports how long that took.
func benchDirectory(b *testing.B) *slapdtest.Server {
	b.Helper()
	people, groups := slapdtest.Generate(slapdtest.DefaultBaseDN, *benchPeople, *benchGroups)
	start := time.Now()
	srv := slapdtest.Start(b, slapdtest.Options{People: people, Groups: groups})
	b.Logf("slapadd + start of %d people and %d groups: %s", *benchPeople, *benchGroups, time.Since(start).Round(time.Millisecond))
	return srv
}

// BenchmarkFullSync is a first run into a store that has other people already.
func BenchmarkFullSync(b *testing.B) {
	srv := benchDirectory(b)
	b.ReportAllocs()
	var r entitlement.DirectorySyncReport
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, srv)
		for range 100 {
			e.User("Local person")
		}
		b.StartTimer()
		r = e.run(b, entitlement.DirectorySyncOptions{})
	}
	if r.Created != *benchPeople || r.GroupsNew != *benchGroups || len(r.Errors) > 0 {
		b.Fatalf("full sync: %s", summary(r))
	}
	b.ReportMetric(float64(r.Writes), "writes/op")
	b.Logf("of which reading the directory: %s", r.ReadDuration.Round(time.Millisecond))
}

// BenchmarkNoChangeSync is a run over a directory that has not changed since the last run.
func BenchmarkNoChangeSync(b *testing.B) {
	srv := benchDirectory(b)
	e := newEnv(b, srv)
	start := time.Now()
	if r := e.run(b, entitlement.DirectorySyncOptions{}); r.Created != *benchPeople {
		b.Fatalf("first sync: %s", summary(r))
	}
	b.Logf("first sync: %s", time.Since(start).Round(time.Millisecond))
	before := e.auditCount(b)
	b.ReportAllocs()
	var r entitlement.DirectorySyncReport
	for b.Loop() {
		r = e.run(b, entitlement.DirectorySyncOptions{})
	}
	if r.Unchanged != *benchPeople || r.Writes != 0 || e.auditCount(b) != before {
		b.Fatalf("no-change sync wrote: %s", summary(r))
	}
	b.ReportMetric(float64(r.Writes), "writes/op")
	b.Logf("of which reading the directory: %s", r.ReadDuration.Round(time.Millisecond))
}

package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// The benchmark tenant: 50,000 users in 500 groups (three groups each), 10 catalogs of 1,000
// access packages (10,000 in all), one policy per package. A tenth of the policies let every
// member request, the rest name one group (45%) or one user (45%). It is built once, through the
// store directly, into a file that the benchmarks share.
const (
	benchUsers    = 50000
	benchGroups   = 500
	benchCatalogs = 10
	benchPackages = 10000
)

type benchTenant struct {
	s          *Store
	dir        string
	userIDs    []string
	userEmails []string
	catalogIDs []string
	packageIDs []string
}

var (
	benchOnce sync.Once
	bench     *benchTenant
	benchErr  error
)

func benchFixture(b *testing.B) *benchTenant {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "steward-bench")
		if err != nil {
			benchErr = err
			return
		}
		bench, benchErr = buildBenchTenant(dir)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		_ = bench.s.Close()
		_ = os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func buildBenchTenant(dir string) (*benchTenant, error) {
	s, err := Open(filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	bt := &benchTenant{s: s, dir: dir}
	rng := rand.New(rand.NewPCG(1, 2))
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Radia", "Linus"}
	last := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie", "Perlman", "Torvalds"}
	groupIDs := make([]string, benchGroups)
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range groupIDs {
			g := entitlement.Group{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Team %03d", i)}
			groupIDs[i] = g.ID
			if err := tx.Groups().Put(g); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	const batch = 5000
	for start := 0; start < benchUsers; start += batch {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := start; i < start+batch; i++ {
				u := entitlement.User{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("%s %s %d", first[i%len(first)], last[(i/len(first))%len(last)], i),
					Email: fmt.Sprintf("user%05d@example.com", i), UserType: entitlement.UserTypeMember, AccountEnabled: true}
				if i > 0 {
					u.ManagerID = bt.userIDs[rng.IntN(len(bt.userIDs))]
				}
				bt.userIDs = append(bt.userIDs, u.ID)
				bt.userEmails = append(bt.userEmails, u.Email)
				if err := tx.Users().Put(u); err != nil {
					return err
				}
				for k := range 3 {
					if err := tx.Groups().AddMember(groupIDs[(i+k*167)%benchGroups], u.ID, entitlement.MemberDirect); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err = s.Update(ctx, func(tx entitlement.Tx) error {
		for i := range benchCatalogs {
			c := entitlement.Catalog{ID: entitlement.NewID(), DisplayName: fmt.Sprintf("Catalog %02d", i), CatalogType: entitlement.CatalogTypeUserManaged,
				CatalogStatus: entitlement.CatalogStatusPublished,
				Roles:         []entitlement.CatalogRoleMember{{Role: entitlement.RoleCatalogOwner, PrincipalID: bt.userIDs[i], PrincipalType: entitlement.PrincipalUser}}}
			bt.catalogIDs = append(bt.catalogIDs, c.ID)
			if err := tx.Catalogs().Put(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for start := 0; start < benchPackages; start += batch {
		err := s.Update(ctx, func(tx entitlement.Tx) error {
			for i := start; i < start+batch; i++ {
				p := entitlement.AccessPackage{ID: entitlement.NewID(), CatalogID: bt.catalogIDs[i%benchCatalogs],
					DisplayName: fmt.Sprintf("Package %05d", i), Description: "Access for benchmark purposes."}
				bt.packageIDs = append(bt.packageIDs, p.ID)
				if err := tx.AccessPackages().Put(p); err != nil {
					return err
				}
				pol := entitlement.AssignmentPolicy{ID: entitlement.NewID(), AccessPackageID: p.ID, CatalogID: p.CatalogID, DisplayName: "Policy",
					RequestorSettings: entitlement.RequestorSettings{AcceptRequests: true}}
				switch r := rng.IntN(100); {
				case r < 10:
					pol.RequestorSettings.ScopeType = entitlement.ScopeAllExistingDirectoryMembers
				case r < 55:
					pol.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
					pol.RequestorSettings.AllowedRequestors = []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: groupIDs[rng.IntN(benchGroups)]}}
				default:
					pol.RequestorSettings.ScopeType = entitlement.ScopeSpecificDirectorySubjects
					pol.RequestorSettings.AllowedRequestors = []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: bt.userIDs[rng.IntN(benchUsers)]}}
				}
				if err := tx.Policies().Put(pol); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return bt, nil
}

func BenchmarkPackageByID(b *testing.B) {
	bt := benchFixture(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := bt.packageIDs[i%len(bt.packageIDs)]
		i += 7919
		err := bt.s.View(ctx, func(tx entitlement.Tx) error {
			_, err := tx.AccessPackages().Get(id)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPackagesOfCatalogFirstPage reads the first page (25, in name order) of a catalog of
// 1,000 packages, with its total.
func BenchmarkPackagesOfCatalogFirstPage(b *testing.B) {
	bt := benchFixture(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		cid := bt.catalogIDs[i%len(bt.catalogIDs)]
		i++
		err := bt.s.View(ctx, func(tx entitlement.Tx) error {
			p, err := tx.AccessPackages().ByCatalog(cid, entitlement.ListOptions{})
			if err == nil && (len(p.Items) != entitlement.DefaultPageSize || p.Total != benchPackages/benchCatalogs) {
				err = fmt.Errorf("page of %d, total %d", len(p.Items), p.Total)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPoliciesUserMayRequestThrough finds, by index lookups alone, every policy a user may
// request through: the policies naming them or one of their groups, and the policies open to all
// members, and decodes them.
func BenchmarkPoliciesUserMayRequestThrough(b *testing.B) {
	bt := benchFixture(b)
	i := 0
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		uid := bt.userIDs[(i*7919)%len(bt.userIDs)]
		i++
		err := bt.s.View(ctx, func(tx entitlement.Tx) error {
			groups, err := tx.Groups().GroupIDsOf(uid)
			if err != nil {
				return err
			}
			ids, err := tx.Policies().IDsByScopeType(entitlement.ScopeAllExistingDirectoryMembers)
			if err != nil {
				return err
			}
			for _, p := range append([]string{uid}, groups...) {
				more, err := tx.Policies().IDsByRequestor(p)
				if err != nil {
					return err
				}
				ids = append(ids, more...)
			}
			for _, id := range ids {
				if _, err := tx.Policies().Get(id); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "policies/op")
}

func BenchmarkUserByEmail(b *testing.B) {
	bt := benchFixture(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		email := bt.userEmails[(i*7919)%len(bt.userEmails)]
		i++
		err := bt.s.View(ctx, func(tx entitlement.Tx) error {
			_, err := tx.Users().ByEmail(email)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserSearch is the people picker: the first page of users whose name or e-mail has a
// word starting with the typed prefix. "gra" matches a twelfth of the 50,000 users; "user4999"
// matches eleven.
func BenchmarkUserSearch(b *testing.B) {
	bt := benchFixture(b)
	for _, q := range []string{"gra", "user4999"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := bt.s.View(ctx, func(tx entitlement.Tx) error {
					p, err := tx.Users().List(entitlement.ListOptions{Search: q})
					if err == nil && len(p.Items) == 0 {
						err = fmt.Errorf("no match for %q", q)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUsersFirstPage(b *testing.B) {
	bt := benchFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		err := bt.s.View(ctx, func(tx entitlement.Tx) error {
			p, err := tx.Users().List(entitlement.ListOptions{})
			if err == nil && p.Total != benchUsers {
				err = fmt.Errorf("total %d", p.Total)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

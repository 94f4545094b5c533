package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// The tenant of issue 16 at scale 1.
const (
	fullUsers       = 50_000
	fullGroups      = 2_000
	fullCatalogs    = 200
	fullPackages    = 5_000
	fullPolicies    = 7_500
	fullAssignments = 250_000
	fullRequests    = 500_000
	fullHotHolders  = 5_000 // assignments of the hot package
	fullHotWaiting  = 1_000 // requests waiting for the busy approver
)

// Personas the load command signs in as. Their e-mails are fixed so that load finds them in any
// generated file; reserved are the first user indexes, which random picks skip.
const (
	adminEmail     = "admin@bench.example"
	requesterEmail = "requester@bench.example"
	approverEmail  = "approver@bench.example"
	reserved       = 10
	benchDomain    = "bench.example"
)

// genCommand parses the flags of gen and builds the tenant.
func genCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	data := fs.String("data", "bench.db", "data file to create (must not exist)")
	scale := fs.Float64("scale", 1, "size of the tenant: 1 is 50,000 users and 500,000 requests")
	seed := fs.Uint64("seed", 1, "seed of the tenant's shape; the same seed builds the same tenant")
	workers := fs.Int("workers", 4*runtime.GOMAXPROCS(0), "concurrent writers")
	history := fs.Int("history", 180, "days over which the requests are made, ending today")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *scale <= 0 || *scale > 10 {
		return fmt.Errorf("--scale %v: use a factor above 0 and at most 10", *scale)
	}
	if *history < minHistoryDays {
		return fmt.Errorf("--history %d: use at least %d days, so that access given for a few days can expire and stages can time out before today", *history, minHistoryDays)
	}
	if _, err := os.Stat(*data); err == nil {
		return fmt.Errorf("--data %s exists: gen builds a new file, remove it first", *data)
	}
	st, err := store.Open(*data)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	g := newGenerator(st, *scale, *seed, *workers, *history, out)
	start := time.Now()
	if err := g.build(ctx); err != nil {
		return err
	}
	fi, err := os.Stat(*data)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done in %s: %s, %.0f MB\n", time.Since(start).Round(time.Second), *data, float64(fi.Size())/1e6)
	return nil
}

// sizes are the counts of a tenant at a scale.
type sizes struct {
	users, groups, catalogs, packages, policies, assignments, requests, hotHolders, hotWaiting, orgs int
}

func sizesAt(scale float64) sizes {
	n := func(full, least int) int { return max(least, int(math.Round(float64(full)*scale))) }
	s := sizes{
		users: n(fullUsers, 60), groups: n(fullGroups, 4), catalogs: n(fullCatalogs, 2), packages: n(fullPackages, 6),
		policies: n(fullPolicies, 9), assignments: n(fullAssignments, 40), requests: n(fullRequests, 80),
		hotHolders: n(fullHotHolders, 10), hotWaiting: n(fullHotWaiting, 5), orgs: n(20, 1),
	}
	s.hotHolders = min(s.hotHolders, s.users*8/10)
	// A subject asks once per package: a tiny tenant has room for only so many requests.
	if room := s.users * s.packages / 4; s.requests > room {
		s.assignments = s.assignments * room / s.requests
		s.requests = room
	}
	return s
}

type userRec struct {
	entitlement.User
	manager int // index, -1 for none
	org     int // connected organization index of a guest, -1 for a member
}

// Kinds of approval a policy asks for, by stage.
const (
	stageManager = iota // the requestor's manager, the catalog's approver as backup
	stageSingle         // the catalog's approver
	stageGroup          // the members of an approver group
)

// Whom a policy lets request.
const (
	scopeMembers  = iota // every member of the directory
	scopeSubjects        // members and guests
	scopeGroups          // members of one or two groups
	scopeOrg             // guests of one connected organization
)

type policyRec struct {
	entitlement.AssignmentPolicy
	pkg     int
	catalog int
	scope   int
	groups  []int
	org     int
	stages  []int
	short   bool // delivered access ends after a few days
}

// Outcomes of a planned request.
const (
	outDeliver = iota
	outShort   // delivered, then expires before the end
	outDeny
	outCancel
	outPending
	outTimeout // times out at its first stage and is denied
)

type plannedRequest struct {
	user, policy, outcome int
}

type generator struct {
	st      *store.Store
	svc     *entitlement.Service
	worker  *entitlement.Worker
	clock   *entitlement.ManualClock
	end     time.Time // today, where the history ends
	history int       // days of requests before end
	size    sizes
	rng     *rand.Rand
	workers int
	out     io.Writer
	admin   context.Context

	orgs            []entitlement.ConnectedOrganization
	users           []userRec
	members         int // users [0, members) are members, the rest guests
	guestsOf        [][]int
	groups          []entitlement.Group
	groupMembers    [][]int
	approverGroups  []int // groups used as approvers
	catalogs        []entitlement.Catalog
	catalogApprover []int
	resources       [][]entitlement.Resource
	packages        []entitlement.AccessPackage
	policies        []policyRec
	hotPolicy       int
	waitPolicy      int
	planned         []plannedRequest // the requests makeRequests made, in plan order
}

func newGenerator(st *store.Store, scale float64, seed uint64, workers, history int, out io.Writer) *generator {
	// The clock starts an hour before the history, for the directory and the catalogs; the
	// requests then move it on day by day to today.
	end := time.Now()
	clock := entitlement.NewManualClock(end.Add(-time.Duration(history)*day - time.Hour))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := entitlement.NewService(entitlement.Options{Store: st, Clock: clock, Logger: quiet,
		Admins: entitlement.AdminRule{Emails: []string{adminEmail}}})
	return &generator{st: st, svc: svc, clock: clock, end: end, history: history, size: sizesAt(scale),
		rng:     rand.New(rand.NewPCG(seed, seed^0x5eed)), //nolint:gosec // a tenant's shape from a seed, not a secret
		workers: max(1, workers), out: out}
}

func (g *generator) build(ctx context.Context) error {
	s := g.size
	fmt.Fprintf(g.out, "tenant: %d users, %d groups, %d catalogs, %d packages, %d policies, %d requests (%d delivered), %d writers\n",
		s.users, s.groups, s.catalogs, s.packages, s.policies, s.requests, s.assignments, g.workers)
	if _, err := g.svc.EnsureDefaultCatalog(ctx); err != nil {
		return err
	}
	g.worker = entitlement.NewWorker(g.svc, entitlement.WorkerOptions{Interval: 200 * time.Millisecond, BatchSize: 500, Concurrency: 64, PerTarget: 64})
	wctx, stopWorker := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = g.worker.Run(wctx) }()
	defer func() { stopWorker(); wg.Wait() }()

	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"administrator", g.makeAdmin},
		{"connected organizations", g.makeOrgs},
		{"users", g.makeUsers},
		{"groups", g.makeGroups},
		{"group members", g.makeMemberships},
		{"catalogs", g.makeCatalogs},
		{"resources", g.makeResources},
		{"access packages", g.makePackages},
		{"policies", g.makePolicies},
		{"requests", g.makeRequests},
	}
	for _, step := range steps {
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// parallel runs fn for 0..n-1 on the generator's writers, printing progress every two seconds.
func (g *generator) parallel(ctx context.Context, name string, n int, fn func(ctx context.Context, i int) error) error {
	var done atomic.Int64
	start := time.Now()
	stop := g.progress(func() string {
		d := done.Load()
		return fmt.Sprintf("%s: %d/%d (%.0f/s)", name, d, n, float64(d)/time.Since(start).Seconds())
	})
	err := g.each(ctx, name, n, fn, &done)
	stop()
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(g.out, "%s: %d in %s (%.0f/s)\n", name, n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	return nil
}

// progress prints line every two seconds until stop is first called.
func (g *generator) progress(line func() string) (stop func()) {
	quit, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				fmt.Fprintf(g.out, "  %s\n", line())
			}
		}
	}()
	return sync.OnceFunc(func() { close(quit); <-stopped })
}

// each runs fn for 0..n-1 on the generator's writers, counting each that succeeds in done, if
// not nil.
// Concurrent writers let the store share one commit among them.
func (g *generator) each(ctx context.Context, name string, n int, fn func(ctx context.Context, i int) error, done *atomic.Int64) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < g.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s %d: %w", name, i, err); cancel() })
					return
				}
				if done != nil {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

func (g *generator) as(u int) context.Context {
	r := g.users[u]
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: r.ID, Name: r.DisplayName, Email: r.Email})
}

func (g *generator) makeAdmin(ctx context.Context) error {
	boot := entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: "00000000-0000-7000-8000-0000000be7c0", Name: "Bench", IsAdmin: true})
	u, err := g.svc.CreateUser(boot, entitlement.UserInput{DisplayName: "Bench Admin", Email: adminEmail, Department: "IT", JobTitle: "Administrator", AccountEnabled: true})
	if err != nil {
		return err
	}
	g.users = append(g.users, userRec{User: u, manager: -1, org: -1})
	g.admin = entitlement.WithPrincipal(ctx, entitlement.Principal{UserID: u.ID, Name: u.DisplayName, Email: u.Email, IsAdmin: true})
	return nil
}

func (g *generator) makeOrgs(ctx context.Context) error {
	g.orgs = make([]entitlement.ConnectedOrganization, g.size.orgs)
	g.guestsOf = make([][]int, g.size.orgs)
	return g.parallel(ctx, "connected organizations", g.size.orgs, func(ctx context.Context, i int) error {
		d := fmt.Sprintf("partner%d.example", i)
		o, err := g.svc.CreateConnectedOrganization(g.admin, entitlement.ConnectedOrganizationInput{
			DisplayName: fmt.Sprintf("Partner %d", i), State: entitlement.OrgConfigured,
			IdentitySources: []entitlement.IdentitySource{{Type: entitlement.SourceDomain, DomainName: d, DisplayName: d}},
		})
		g.orgs[i] = o
		return err
	})
}

var (
	firstNames  = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Wen", "Xavi", "Yara", "Zoe"}
	lastNames   = []string{"Adams", "Berg", "Costa", "Diaz", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Lopez", "Meyer", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zimmer"}
	departments = []string{"Engineering", "Finance", "Sales", "Marketing", "Legal", "Support", "Operations", "HR", "Security", "Research"}
	jobTitles   = []string{"Engineer", "Analyst", "Manager", "Specialist", "Consultant", "Director", "Associate", "Lead"}
)

// makeUsers creates the directory: a hierarchy of managers (the first tenth of the members
// manage the rest, the first hundredth manage them), and guests from the connected
// organizations as the last twentieth. Managers are created before the people they manage.
func (g *generator) makeUsers(ctx context.Context) error {
	n := g.size.users
	guests := n / 20
	g.members = n - guests
	top := max(reserved+1, g.members/100)
	mid := max(top+1, g.members/10)
	recs := make([]userRec, n)
	recs[0] = g.users[0]
	for i := 1; i < n; i++ {
		r := userRec{manager: -1, org: -1}
		name := firstNames[g.rng.IntN(len(firstNames))] + " " + lastNames[g.rng.IntN(len(lastNames))]
		r.DisplayName = name
		r.Department = departments[g.rng.IntN(len(departments))]
		r.JobTitle = jobTitles[g.rng.IntN(len(jobTitles))]
		switch {
		case i == 1:
			r.DisplayName, r.Email = "Riley Requester", requesterEmail
		case i == 2:
			r.DisplayName, r.Email = "Avery Approver", approverEmail
		case i >= g.members:
			r.org = g.rng.IntN(len(g.orgs))
			r.Email = fmt.Sprintf("user%d@partner%d.example", i, r.org)
		default:
			r.Email = fmt.Sprintf("user%d@%s", i, benchDomain)
		}
		switch {
		case i >= mid && i < g.members:
			r.manager = reserved + g.rng.IntN(mid-reserved)
		case i >= top && i < mid:
			r.manager = reserved + g.rng.IntN(top-reserved)
		case i == 1 || i == 2:
			r.manager = reserved + g.rng.IntN(top-reserved)
		}
		recs[i] = r
	}
	g.users = recs
	for i := g.members; i < n; i++ {
		g.guestsOf[recs[i].org] = append(g.guestsOf[recs[i].org], i)
	}
	create := func(lo, hi int) func(context.Context, int) error {
		return func(ctx context.Context, k int) error {
			i := lo + k
			r := &g.users[i]
			in := entitlement.UserInput{DisplayName: r.DisplayName, Email: r.Email, Department: r.Department, JobTitle: r.JobTitle, AccountEnabled: true}
			if r.manager >= 0 {
				in.ManagerID = g.users[r.manager].ID
			}
			if r.org >= 0 {
				in.UserType, in.ConnectedOrganizationID = entitlement.UserTypeGuest, g.orgs[r.org].ID
			}
			u, err := g.svc.CreateUser(g.admin, in)
			r.User = u
			return err
		}
	}
	// Top managers first, then middle managers and the reserved personas, then everyone else.
	if err := g.parallel(ctx, "users (top managers)", top-reserved, create(reserved, top)); err != nil {
		return err
	}
	if err := g.parallel(ctx, "users (personas)", reserved-1, create(1, reserved)); err != nil {
		return err
	}
	if err := g.parallel(ctx, "users (managers)", mid-top, create(top, mid)); err != nil {
		return err
	}
	return g.parallel(ctx, "users", n-mid, create(mid, n))
}

// makeGroups creates the groups; the first twentieth are small approver groups.
func (g *generator) makeGroups(ctx context.Context) error {
	n := g.size.groups
	g.groups = make([]entitlement.Group, n)
	g.groupMembers = make([][]int, n)
	for i := 0; i < max(1, n/20); i++ {
		g.approverGroups = append(g.approverGroups, i)
	}
	return g.parallel(ctx, "groups", n, func(ctx context.Context, i int) error {
		name := fmt.Sprintf("%s team %d", departments[i%len(departments)], i)
		if i < len(g.approverGroups) {
			name = fmt.Sprintf("Approvers %d", i)
		}
		gr, err := g.svc.CreateGroup(g.admin, entitlement.GroupInput{DisplayName: name, Description: "Generated by bench gen."})
		g.groups[i] = gr
		return err
	})
}

// makeMemberships puts every member in two groups and each approver group's five people in theirs.
func (g *generator) makeMemberships(ctx context.Context) error {
	type pair struct{ group, user int }
	var pairs []pair
	seen := map[pair]bool{}
	add := func(gr, u int) {
		p := pair{gr, u}
		if !seen[p] {
			seen[p] = true
			pairs = append(pairs, p)
			g.groupMembers[gr] = append(g.groupMembers[gr], u)
		}
	}
	na := len(g.approverGroups)
	for _, gr := range g.approverGroups {
		for k := 0; k < 5; k++ {
			add(gr, reserved+g.rng.IntN(g.members-reserved))
		}
	}
	others := len(g.groups) - na
	for u := 1; u < g.members; u++ {
		for k := 0; k < 2 && others > 0; k++ {
			add(na+g.rng.IntN(others), u)
		}
	}
	return g.parallel(ctx, "group members", len(pairs), func(ctx context.Context, i int) error {
		p := pairs[i]
		return g.svc.AddGroupMember(g.admin, g.groups[p.group].ID, g.users[p.user].ID)
	})
}

// makeCatalogs creates the catalogs, each with an owner, an assignment manager and an approver.
func (g *generator) makeCatalogs(ctx context.Context) error {
	n := g.size.catalogs
	g.catalogs = make([]entitlement.Catalog, n)
	g.catalogApprover = make([]int, n)
	owners := make([]int, n)
	for i := range n {
		owners[i] = reserved + g.rng.IntN(g.members-reserved)
		g.catalogApprover[i] = reserved + g.rng.IntN(g.members-reserved)
	}
	return g.parallel(ctx, "catalogs", n, func(ctx context.Context, i int) error {
		c, err := g.svc.CreateCatalog(g.admin, entitlement.CatalogInput{
			DisplayName: fmt.Sprintf("%s catalog %d", departments[i%len(departments)], i),
			Description: "Tools and teams of one part of the organisation, generated by bench gen.",
			// A tenth are for partners too, so that guests find something to request.
			IsExternallyVisible: i%10 == 0, Published: true,
		})
		if err != nil {
			return err
		}
		g.catalogs[i] = c
		for _, m := range []entitlement.CatalogRoleMember{
			{Role: entitlement.RoleCatalogOwner, PrincipalID: g.users[owners[i]].ID, PrincipalType: entitlement.PrincipalUser},
			{Role: entitlement.RoleAssignmentManager, PrincipalID: g.users[g.catalogApprover[i]].ID, PrincipalType: entitlement.PrincipalUser},
		} {
			if err := g.svc.AddCatalogRoleMember(g.admin, c.ID, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// makeResources onboards two applications and one group into every catalog.
func (g *generator) makeResources(ctx context.Context) error {
	g.resources = make([][]entitlement.Resource, len(g.catalogs))
	na := len(g.approverGroups)
	return g.parallel(ctx, "resources", len(g.catalogs), func(ctx context.Context, i int) error {
		c := g.catalogs[i]
		ins := []entitlement.ResourceInput{
			{OriginSystem: entitlement.OriginApplication, OriginID: fmt.Sprintf("https://app%d.bench.example", i), DisplayName: fmt.Sprintf("App %d", i),
				URL: fmt.Sprintf("https://app%d.bench.example", i), Roles: []string{"Reader", "Writer", "Admin"}},
			{OriginSystem: entitlement.OriginSite, OriginID: fmt.Sprintf("https://sites.bench.example/%d", i), DisplayName: fmt.Sprintf("Site %d", i),
				URL: fmt.Sprintf("https://sites.bench.example/%d", i), Roles: []string{"Visitor", "Member", "Owner"}},
		}
		if others := len(g.groups) - na; others > 0 {
			ins = append(ins, entitlement.ResourceInput{OriginSystem: entitlement.OriginGroup, OriginID: g.groups[na+i%others].ID})
		}
		for _, in := range ins {
			in.Justification = "bench"
			rr, err := g.svc.AddResource(g.admin, c.ID, in)
			if err != nil {
				return err
			}
			g.resources[i] = append(g.resources[i], rr.Resource)
		}
		return nil
	})
}

// makePackages creates the packages round the catalogs, each granting one or two roles.
func (g *generator) makePackages(ctx context.Context) error {
	n := g.size.packages
	g.packages = make([]entitlement.AccessPackage, n)
	type grant struct{ res, role int }
	plans := make([][]grant, n)
	for i := range n {
		k := 1 + g.rng.IntN(2)
		res := g.resources[i%len(g.catalogs)]
		used := map[grant]bool{}
		for len(plans[i]) < k {
			gr := grant{g.rng.IntN(len(res)), 0}
			gr.role = g.rng.IntN(len(res[gr.res].Roles))
			if !used[gr] {
				used[gr] = true
				plans[i] = append(plans[i], gr)
			}
		}
	}
	return g.parallel(ctx, "access packages", n, func(ctx context.Context, i int) error {
		c := g.catalogs[i%len(g.catalogs)]
		name := fmt.Sprintf("%s access %d", jobTitles[i%len(jobTitles)], i)
		switch i {
		case 0:
			name = "Hot package"
		case 1:
			name = "Busy approver's package"
		}
		p, err := g.svc.CreateAccessPackage(g.admin, entitlement.AccessPackageInput{CatalogID: c.ID, DisplayName: name,
			Description: "Access generated by bench gen for load tests.", IsRoleScopesVisible: true})
		if err != nil {
			return err
		}
		for _, gr := range plans[i] {
			r := g.resources[i%len(g.catalogs)][gr.res]
			if _, err := g.svc.AddRoleScope(g.admin, p.ID, r.ID, r.Roles[gr.role].ID, ""); err != nil {
				return err
			}
		}
		g.packages[i] = p
		return nil
	})
}

// makePolicies gives every package one policy and every other package a second, with a mix of
// requestor scopes and one to three approval stages.
func (g *generator) makePolicies(ctx context.Context) error {
	n := g.size.policies
	np := len(g.packages)
	g.policies = make([]policyRec, n)
	na := len(g.approverGroups)
	for i := range n {
		pkg := i % np
		p := policyRec{pkg: pkg, catalog: pkg % len(g.catalogs), org: -1}
		switch x := g.rng.IntN(100); {
		case x < 45:
			p.scope = scopeMembers
		case x < 75:
			p.scope = scopeGroups
			for k := 0; k < 1+g.rng.IntN(2); k++ {
				if others := len(g.groups) - na; others > 0 {
					if gr := na + g.rng.IntN(others); !slices.Contains(p.groups, gr) {
						p.groups = append(p.groups, gr)
					}
				}
			}
			if len(p.groups) == 0 {
				p.scope = scopeMembers
			}
		case x < 92 || !g.catalogs[p.catalog].IsExternallyVisible:
			p.scope = scopeSubjects
		default:
			p.scope, p.org = scopeOrg, g.rng.IntN(len(g.orgs))
			if len(g.guestsOf[p.org]) == 0 {
				p.scope, p.org = scopeSubjects, -1
			}
		}
		if !g.catalogs[p.catalog].IsExternallyVisible && p.scope == scopeSubjects {
			p.scope = scopeMembers
		}
		switch x := g.rng.IntN(100); {
		case x < 40: // no approval
		case x < 75:
			p.stages = []int{g.rng.IntN(3)}
		case x < 92:
			p.stages = []int{stageManager, stageSingle}
		default:
			p.stages = []int{stageManager, stageGroup, stageSingle}
		}
		p.short = len(p.stages) == 0 && g.rng.IntN(10) == 0
		g.policies[i] = p
	}
	// The hot package: every member may request, no approval. The busy approver's package: one
	// stage, decided by the approver persona alone.
	g.hotPolicy, g.waitPolicy = 0, 1
	g.policies[0] = policyRec{pkg: 0, catalog: 0, scope: scopeMembers, org: -1}
	g.policies[1] = policyRec{pkg: 1, catalog: 1 % len(g.catalogs), scope: scopeMembers, org: -1, stages: []int{-1}}
	return g.parallel(ctx, "policies", n, func(ctx context.Context, i int) error {
		p := &g.policies[i]
		in := g.policyInput(i, p)
		pol, err := g.svc.CreatePolicy(g.admin, in)
		p.AssignmentPolicy = pol
		return err
	})
}

func (g *generator) policyInput(i int, p *policyRec) entitlement.PolicyInput {
	in := entitlement.PolicyInput{AccessPackageID: g.packages[p.pkg].ID, DisplayName: fmt.Sprintf("Policy %d", i),
		Description: "Who may ask and who approves, generated by bench gen.", DurationInDays: 365, CanExtend: i%3 == 0}
	if p.short {
		in.DurationInDays = 5
	}
	switch p.scope {
	case scopeMembers:
		in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectoryMembers, AcceptRequests: true}
	case scopeSubjects:
		in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeAllExistingDirectorySubjects, AcceptRequests: true}
	case scopeGroups:
		in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificDirectorySubjects, AcceptRequests: true}
		for _, gr := range p.groups {
			in.RequestorSettings.AllowedRequestors = append(in.RequestorSettings.AllowedRequestors,
				entitlement.UserSet{Type: entitlement.UserSetGroupMembers, ID: g.groups[gr].ID})
		}
	case scopeOrg:
		in.RequestorSettings = entitlement.RequestorSettings{ScopeType: entitlement.ScopeSpecificConnectedOrgSubjects, AcceptRequests: true,
			AllowedRequestors: []entitlement.UserSet{{Type: entitlement.UserSetConnectedOrgMembers, ID: g.orgs[p.org].ID}}}
	}
	if len(p.stages) == 0 {
		in.RequestApprovalSettings = entitlement.ApprovalSettings{ApprovalMode: entitlement.ApprovalNone}
		return in
	}
	a := entitlement.ApprovalSettings{IsApprovalRequired: true, ApprovalMode: entitlement.ApprovalSingle}
	if len(p.stages) > 1 {
		a.ApprovalMode = entitlement.ApprovalSerial
	}
	catApprover := entitlement.UserSet{Type: entitlement.UserSetSingleUser, ID: g.users[g.catalogApprover[p.catalog]].ID}
	for k, kind := range p.stages {
		st := entitlement.ApprovalStage{ApprovalStageTimeOutInDays: 7 + (i+k)%8}
		switch kind {
		case -1:
			st.PrimaryApprovers = []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: g.users[2].ID}}
		case stageManager:
			backup := catApprover
			backup.IsBackup = true
			st.PrimaryApprovers = []entitlement.UserSet{{Type: entitlement.UserSetRequestorManager, ManagerLevel: 1}, backup}
		case stageSingle:
			st.PrimaryApprovers = []entitlement.UserSet{catApprover}
		case stageGroup:
			st.PrimaryApprovers = []entitlement.UserSet{{Type: entitlement.UserSetGroupMembers, ID: g.groups[g.approverGroups[i%len(g.approverGroups)]].ID}}
		}
		a.ApprovalStages = append(a.ApprovalStages, st)
	}
	in.RequestApprovalSettings = a
	return in
}

// approverOf returns who decides the stage of a request by user u through policy p, or -1 when
// that would be the requestor.
func (g *generator) approverOf(p int, stage, u int) int {
	pol := &g.policies[p]
	var a int
	switch pol.stages[stage] {
	case -1:
		a = 2
	case stageManager:
		a = g.users[u].manager
		if a < 0 {
			a = g.catalogApprover[pol.catalog]
		}
	case stageSingle:
		a = g.catalogApprover[pol.catalog]
	case stageGroup:
		ms := g.groupMembers[g.approverGroups[p%len(g.approverGroups)]]
		a = -1
		for _, m := range ms {
			if m != u {
				return m
			}
		}
	}
	if a == u {
		return -1
	}
	return a
}

// eligible picks a requestor the policy lets ask, or -1.
func (g *generator) pickRequestor(p int) int {
	pol := &g.policies[p]
	switch pol.scope {
	case scopeMembers:
		return reserved + g.rng.IntN(g.members-reserved)
	case scopeSubjects:
		return reserved + g.rng.IntN(len(g.users)-reserved)
	case scopeGroups:
		ms := g.groupMembers[pol.groups[g.rng.IntN(len(pol.groups))]]
		if len(ms) == 0 {
			return -1
		}
		u := ms[g.rng.IntN(len(ms))]
		if u < reserved {
			return -1
		}
		return u
	case scopeOrg:
		gs := g.guestsOf[pol.org]
		return gs[g.rng.IntN(len(gs))]
	}
	return -1
}

// plan decides every request up front, from the seed alone: who asks, through which policy, and
// how it ends. A subject has at most one request per package, so that none is refused as a
// duplicate and the counts come out as planned.
func (g *generator) plan() []plannedRequest {
	s := g.size
	used := map[[2]int]bool{}
	take := func(u, p int) bool {
		k := [2]int{u, g.policies[p].pkg}
		if used[k] {
			return false
		}
		used[k] = true
		return true
	}
	var planned []plannedRequest
	add := func(u, p, out int) {
		planned = append(planned, plannedRequest{user: u, policy: p, outcome: out})
	}
	// The hot package's holders, the busy approver's queue, and the requester's own access.
	for n := 0; n < s.hotHolders; {
		if u := g.pickRequestor(g.hotPolicy); u >= 0 && take(u, g.hotPolicy) {
			add(u, g.hotPolicy, outDeliver)
			n++
		}
	}
	for n := 0; n < s.hotWaiting; {
		if u := g.pickRequestor(g.waitPolicy); u >= 0 && take(u, g.waitPolicy) {
			add(u, g.waitPolicy, outPending)
			n++
		}
	}
	var noApproval []int
	for p := range g.policies {
		if len(g.policies[p].stages) == 0 && g.policies[p].scope == scopeMembers && !g.policies[p].short && p != g.hotPolicy {
			noApproval = append(noApproval, p)
		}
	}
	for n := 0; n < 10 && n < len(noApproval); n++ {
		if take(1, noApproval[n]) {
			add(1, noApproval[n], outDeliver)
		}
	}
	delivered := s.hotHolders + min(10, len(noApproval))
	total := delivered + s.hotWaiting
	rest := s.requests - s.assignments
	quota := map[int]int{outPending: rest/10 - s.hotWaiting, outDeny: rest * 35 / 100, outCancel: rest * 35 / 100}
	quota[outTimeout] = rest - quota[outDeny] - quota[outCancel] - rest/10
	for tries := 0; total < s.requests && tries < 50*s.requests; tries++ {
		p := 2 + g.rng.IntN(len(g.policies)-2)
		pol := &g.policies[p]
		u := g.pickRequestor(p)
		if u < 0 {
			continue
		}
		ok := true
		for k := range pol.stages {
			if g.approverOf(p, k, u) < 0 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		var out int
		if delivered < s.assignments && (len(pol.stages) == 0 || g.rng.IntN(2) == 0) {
			out = outDeliver
			if pol.short {
				out = outShort
			}
		} else if len(pol.stages) > 0 {
			for _, o := range []int{outDeny, outCancel, outTimeout, outPending} {
				if quota[o] > 0 {
					out = o
					break
				}
			}
			if quota[out] <= 0 {
				if delivered >= s.assignments {
					break
				}
				continue
			}
		} else {
			continue
		}
		if !take(u, p) {
			continue
		}
		if out == outDeliver || out == outShort {
			delivered++
		} else {
			quota[out]--
		}
		add(u, p, out)
		total++
	}
	return planned
}

// day is the step of the clock while the requests are made.
const day = 24 * time.Hour

// Days before today in which the requests of each outcome are made: a stage times out after 7 to
// 14 days (policyInput), access given for a short time lasts 5 (policyInput), and the external-user
// life cycle deletes a guest 30 days after their last access ended (entitlement.DefaultSettings).
const (
	pendingDays    = 3  // open requests are made in the last days, and stay open for days of loading after
	timeoutFromDay = 15 // requests that time out are made before their stage's time-out
	shortFromDay   = 6  // short access is given early enough to expire before today,
	shortToDay     = 30 // and late enough that no guest it leaves blocked is deleted
	minHistoryDays = shortToDay + 1
)

// requestDay picks the day, counted back from today, on which a request that ends in outcome is
// made: any day of the history, except where the outcome needs a window.
func (g *generator) requestDay(outcome int) int {
	within := func(from, to int) int { return from + g.rng.IntN(to-from+1) }
	switch outcome {
	case outPending:
		return within(1, pendingDays)
	case outTimeout:
		return within(timeoutFromDay, g.history)
	case outShort:
		return within(shortFromDay, shortToDay)
	}
	return within(1, g.history)
}

// makeRequests submits the planned requests over the history, day by day: the clock moves to the
// day, the worker catches up with what is due by then (time-outs, expiries, the outbox and its
// purge of messages delivered more than a week before), the day's requests are made, as a tenant
// that grew over months would have them, and the worker delivers what they sent on the same day. The worker purging as the days go keeps the file
// near its live data, since bbolt reuses the pages the purge frees. A day's requests are grouped
// by requestor and each group is carried out in plan order, so that what one request does to the
// next of the same person (a guest blocked when their last access ends, and unblocked by new
// access) is the same on every run.
func (g *generator) makeRequests(ctx context.Context) error {
	planned := g.plan()
	g.planned = planned
	days := make([][][]plannedRequest, g.history+1) // by days before today, then by requestor
	groupOf := make([]map[int]int, g.history+1)
	for _, r := range planned {
		d := g.requestDay(r.outcome)
		if groupOf[d] == nil {
			groupOf[d] = map[int]int{}
		}
		k, ok := groupOf[d][r.user]
		if !ok {
			k = len(days[d])
			groupOf[d][r.user] = k
			days[d] = append(days[d], nil)
		}
		days[d][k] = append(days[d][k], r)
	}
	fmt.Fprintf(g.out, "planned %d requests over %d days\n", len(planned), g.history)
	var done atomic.Int64
	var today atomic.Int64
	start := time.Now()
	var caughtUp time.Duration
	stop := g.progress(func() string {
		d := done.Load()
		return fmt.Sprintf("requests: %d/%d, %d days back (%.0f/s)", d, len(planned), today.Load(), float64(d)/time.Since(start).Seconds())
	})
	defer stop()
	for d := g.history; d >= 1; d-- {
		today.Store(int64(d))
		g.clock.Set(g.end.Add(-time.Duration(d) * day))
		t := time.Now()
		if err := g.catchUp(ctx); err != nil {
			return fmt.Errorf("worker, %d days back: %w", d, err)
		}
		caughtUp += time.Since(t)
		groups := days[d]
		err := g.each(ctx, "requests", len(groups), func(ctx context.Context, i int) error {
			for _, r := range groups[i] {
				if err := g.carryOut(r); err != nil {
					return err
				}
				done.Add(1)
			}
			return nil
		}, nil)
		if err != nil {
			return fmt.Errorf("%d days back: %w", d, err)
		}
		t = time.Now()
		if err := g.catchUp(ctx); err != nil {
			return fmt.Errorf("worker, %d days back: %w", d, err)
		}
		caughtUp += time.Since(t)
	}
	// Today, and then now, a little later: the purge takes the messages delivered a week before
	// today too, which it would otherwise take or not depending on when the worker's loop runs.
	for _, now := range []time.Time{g.end, time.Now()} {
		g.clock.Set(now)
		t := time.Now()
		if err := g.catchUp(ctx); err != nil {
			return fmt.Errorf("worker, today: %w", err)
		}
		caughtUp += time.Since(t)
	}
	stop()
	el := time.Since(start)
	fmt.Fprintf(g.out, "requests: %d in %s (%.0f/s), of which %s waiting for the worker to catch up\n",
		len(planned), el.Round(time.Millisecond), float64(len(planned))/el.Seconds(), caughtUp.Round(time.Millisecond))
	return nil
}

// carryOut submits one planned request and acts on it until its planned end.
func (g *generator) carryOut(r plannedRequest) error {
	pol := &g.policies[r.policy]
	ctx := g.as(r.user)
	req, err := g.svc.SubmitRequest(ctx, entitlement.RequestInput{RequestType: entitlement.RequestUserAdd,
		AccessPackageID: pol.AccessPackageID, PolicyID: pol.ID, Justification: "Needed for my work on the project."})
	if err != nil {
		return fmt.Errorf("submit as %s through %s: %w", g.users[r.user].Email, pol.DisplayName, err)
	}
	switch r.outcome {
	case outCancel:
		return g.svc.CancelRequest(ctx, req.ID)
	case outDeny:
		_, err := g.svc.Decide(g.as(g.approverOf(r.policy, 0, r.user)), req.ID, false, "Not needed for this role.")
		return err
	case outDeliver, outShort:
		for k := range pol.stages {
			if _, err := g.svc.Decide(g.as(g.approverOf(r.policy, k, r.user)), req.ID, true, "Approved."); err != nil {
				return fmt.Errorf("stage %d: %w", k+1, err)
			}
		}
	}
	return nil
}

// catchUp runs the worker's jobs until nothing is due at the clock's time and the outbox is
// delivered. The worker's own loops run beside the writers too; this makes sure that they have
// finished before the next day's requests are made.
func (g *generator) catchUp(ctx context.Context) error {
	for {
		res, err := g.worker.Tick(ctx)
		if err != nil {
			return err
		}
		if res.More {
			continue
		}
		b, err := g.svc.Backlog(ctx)
		if err != nil {
			return err
		}
		due, err := g.dueWork(ctx)
		if err != nil {
			return err
		}
		if b.OutboxUndelivered == 0 && !due {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// dueWork reports whether requests or assignments are due for the worker.
func (g *generator) dueWork(ctx context.Context) (bool, error) {
	now := g.clock.Now()
	due := false
	err := g.st.View(ctx, func(tx entitlement.Tx) error {
		rs, err := tx.Requests().Due(now, 1)
		if err != nil {
			return err
		}
		as, err := tx.Assignments().Due(now, 1)
		due = len(rs) > 0 || len(as) > 0
		return err
	})
	if errors.Is(err, context.Canceled) {
		return false, err
	}
	return due, err
}

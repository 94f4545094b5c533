package entitlement_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/entitlement/entitlementtest"
	"github.com/stewardhq/steward/store"
)

func TestMain(m *testing.M) {
	if path := os.Getenv("STEWARD_ENGINE_CRASH_CHILD"); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

var errCrash = errors.New("simulated crash: the process is gone")

// dyingStore is a store whose process "dies" at its at-th write transaction: that transaction
// runs but does not commit, and every later call fails, as nothing runs after a crash.
type dyingStore struct {
	inner entitlement.Store
	at    int
	mu    sync.Mutex
	n     int
	dead  bool
}

func (d *dyingStore) View(ctx context.Context, fn func(entitlement.Tx) error) error {
	d.mu.Lock()
	dead := d.dead
	d.mu.Unlock()
	if dead {
		return errCrash
	}
	return d.inner.View(ctx, fn)
}

func (d *dyingStore) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	d.mu.Lock()
	d.n++
	n, dead := d.n, d.dead
	if d.at > 0 && n >= d.at {
		d.dead = true
	}
	d.mu.Unlock()
	switch {
	case dead:
		return errCrash
	case d.at > 0 && n == d.at:
		_ = d.inner.Update(ctx, func(tx entitlement.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errCrash // roll back what fn wrote
		})
		return errCrash
	}
	return d.inner.Update(ctx, fn)
}

// countingProvisioner succeeds, failing every third call, and counts calls.
type countingProvisioner struct {
	mu    sync.Mutex
	calls int
}

func (p *countingProvisioner) Provision(context.Context, entitlement.ProvisionAction) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls%3 == 0 {
		return errors.New("flaky connector")
	}
	return nil
}

// crashScenario writes, at t0, a tenant with work of every kind falling due at t0+3 days: a
// stage timeout, an escalation, a scheduled start, expiries (one leaving a guest with nothing,
// one whose group membership another package still grants), and provisioning in the outbox.
// It returns the data file's path, closed.
func crashScenario(t *testing.T) string {
	f := entitlementtest.New(t)
	f.Settings(func(s *entitlement.Settings) {
		s.ExternalUserLifecycleAction = entitlement.LifecycleBlockSignInAndDelete
		s.DaysUntilExternalUserDeletedAfterBlocked = 0
	})
	bob := f.User("Bob")
	esc := f.User("Escalation")
	org := f.Org("Partner", entitlement.OrgConfigured, []entitlement.Sponsor{entitlementtest.UserSponsor(bob)}, nil)
	team := f.Group("Team")
	cat := f.Catalog("Cat")
	teamRes := f.GroupResource(cat, team)
	app := f.AppResource(cat, "Ledger", "User")
	full := f.Package(cat, "Full", entitlementtest.Member(teamRes), entitlementtest.Role(app, "User"))
	teamOnly := f.Package(cat, "Team only", entitlementtest.Member(teamRes))
	open := f.Policy(full)
	short := f.Policy(teamOnly, func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 2 })
	guestShort := f.Policy(teamOnly, entitlementtest.Scope(entitlement.ScopeAllConfiguredConnectedOrgs), func(p *entitlement.AssignmentPolicy) { p.DurationInDays = 1 })
	timeout := entitlementtest.ApprovalStage(2, entitlementtest.Single(bob))
	escalating := entitlementtest.ApprovalStage(5, entitlementtest.Single(bob))
	escalating.IsEscalationEnabled, escalating.EscalationTimeInMinutes, escalating.EscalationApprovers = true, 60, []entitlement.UserSet{entitlementtest.Single(esc)}
	timesOut := f.Policy(teamOnly, entitlementtest.Approval(timeout))
	escalates := f.Policy(full, entitlementtest.Approval(escalating))

	u1 := f.User("U1")
	f.RequestAccess(u1, open) // delivering: the application role waits in the outbox
	u2 := f.User("U2")
	f.RequestAccess(u2, timesOut)
	u3 := f.User("U3")
	start := t0.Add(24 * time.Hour)
	f.Submit(entitlementtest.As(u3), entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: full.ID, PolicyID: open.ID, Schedule: entitlement.Schedule{StartDateTime: &start}})
	u4 := f.User("U4")
	f.RequestAccess(u4, open)
	f.RequestAccess(u4, short) // expires; the membership stays through Full
	u5 := f.User("U5")
	f.RequestAccess(u5, escalates)
	g1 := f.User("Guest", entitlementtest.GuestOf(org.ID))
	f.RequestAccess(g1, guestShort) // expires; the guest is blocked, then deleted
	entitlementtest.CheckInvariants(t, f.Store)
	f.Close()
	return f.Path
}

// engineSnapshot is the outcome of a run, by stable keys, without times.
type engineSnapshot struct {
	Requests    map[string]string // id (or "SystemRemove:<assignment>") → state/status
	Assignments map[string]string
	Roles       map[string]string
	Members     map[string][]string
	Users       map[string]string
	Outbox      map[string]int // topic/kind → messages, all of which must be delivered
	Undelivered int
}

func snapshot(t *testing.T, st entitlement.Store) engineSnapshot {
	t.Helper()
	s := engineSnapshot{Requests: map[string]string{}, Assignments: map[string]string{}, Roles: map[string]string{}, Members: map[string][]string{}, Users: map[string]string{}, Outbox: map[string]int{}}
	err := st.View(context.Background(), func(tx entitlement.Tx) error {
		all := entitlement.ListOptions{Limit: entitlement.MaxPageSize}
		rp, err := tx.Requests().List(entitlement.RequestFilter{}, all)
		if err != nil {
			return err
		}
		for _, r := range rp.Items {
			key := r.ID
			if r.RequestType == entitlement.RequestSystemRemove {
				key = "SystemRemove:" + r.AssignmentID
				if _, dup := s.Requests[key]; dup {
					t.Errorf("two SystemRemove requests for %s", r.AssignmentID)
				}
			}
			s.Requests[key] = string(r.RequestState) + "/" + r.RequestStatus + "/" + strings.Join(entitlementtest.EventKinds(r), ",")
		}
		ap, err := tx.Assignments().List(entitlement.AssignmentFilter{}, all)
		if err != nil {
			return err
		}
		for _, a := range ap.Items {
			s.Assignments[a.ID] = string(a.AssignmentState) + "/" + a.AssignmentStatus
		}
		roles, err := tx.AssignmentRoles().List(all)
		if err != nil {
			return err
		}
		for _, r := range roles.Items {
			s.Roles[r.ID] = string(r.Status) + "/" + strconv.Itoa(len(r.AssignmentIDs))
		}
		up, err := tx.Users().List(all)
		if err != nil {
			return err
		}
		for _, u := range up.Items {
			s.Users[u.ID] = fmt.Sprint(u.AccountEnabled)
		}
		gp, err := tx.Groups().List(all)
		if err != nil {
			return err
		}
		for _, g := range gp.Items {
			m, err := tx.Groups().MemberIDs(g.ID, all)
			if err != nil {
				return err
			}
			s.Members[g.ID] = m.Items
		}
		for opt := all; ; {
			op, err := tx.Outbox().List(opt)
			if err != nil {
				return err
			}
			for _, m := range op.Items {
				s.Outbox[m.Kind+"/"+m.Topic]++
				if m.DeliveredAt == nil {
					s.Undelivered++
				}
			}
			if op.Next == "" {
				break
			}
			opt.After = op.Next
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recover runs the worker until nothing more is due, moving time past any backoff.
func recoverRun(t *testing.T, svc *entitlement.Service, clock *entitlement.ManualClock) {
	t.Helper()
	w := entitlement.NewWorker(svc, entitlement.WorkerOptions{Provisioner: &countingProvisioner{}, RetryBase: time.Minute, RetryMax: 10 * time.Minute, MaxAttempts: 20})
	idle := 0
	for i := 0; i < 200 && idle < 3; i++ {
		res, err := w.Tick(context.Background())
		if err != nil {
			t.Fatalf("recovery tick: %v", err)
		}
		if res == (entitlement.TickResult{}) {
			idle++
			clock.Advance(15 * time.Minute)
		} else {
			idle = 0
		}
	}
	if idle < 3 {
		t.Fatal("recovery did not settle")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCrashAtEveryTransaction abandons the worker at each of its write transactions in turn
// (the transaction rolls back, nothing after it runs), reopens the data file, checks every
// invariant, lets a new worker finish, and compares the outcome with a run that never crashed:
// same states, same memberships, no duplicated messages or SystemRemove requests.
func TestCrashAtEveryTransaction(t *testing.T) {
	base := crashScenario(t)
	due := t0.Add(3 * 24 * time.Hour)
	run := func(path string, crashAt int) (engineSnapshot, int) {
		var dying *dyingStore
		env := entitlementtest.Open(t, entitlementtest.Options{Path: path, Start: due, Wrap: func(st entitlement.Store) entitlement.Store {
			dying = &dyingStore{inner: st, at: crashAt}
			return dying
		}})
		svc, clock := env.Svc, env.Clock
		w := entitlement.NewWorker(svc, entitlement.WorkerOptions{Provisioner: &countingProvisioner{}, RetryBase: time.Minute, RetryMax: 10 * time.Minute, MaxAttempts: 20})
		for i := 0; i < 100; i++ {
			res, err := w.Tick(context.Background())
			if errors.Is(err, errCrash) || (dying.at > 0 && dying.dead) {
				break
			}
			if err != nil {
				t.Fatalf("tick: %v", err)
			}
			if res == (entitlement.TickResult{}) {
				clock.Advance(15 * time.Minute)
				if res2, _ := w.Tick(context.Background()); res2 == (entitlement.TickResult{}) {
					break
				}
			}
		}
		writes := dying.n
		// The process is gone; a new one opens the file.
		env.Close()
		env = entitlementtest.Open(t, entitlementtest.Options{Path: path, Start: clock.Now()})
		entitlementtest.CheckInvariants(t, env.Store)
		recoverRun(t, env.Svc, env.Clock)
		entitlementtest.CheckInvariants(t, env.Store)
		snap := snapshot(t, env.Store)
		env.Close() // one data file open at a time across the many runs
		return snap, writes
	}

	goldenPath := filepath.Join(t.TempDir(), "golden.db")
	copyFile(t, base, goldenPath)
	golden, writes := run(goldenPath, 0)
	if golden.Undelivered != 0 {
		t.Fatalf("golden run left %d messages undelivered", golden.Undelivered)
	}
	// Sanity: the scenario did what it should.
	var states []string
	for _, v := range golden.Requests {
		states = append(states, strings.SplitN(v, "/", 2)[0]+"/"+strings.SplitN(v, "/", 3)[1])
	}
	sort.Strings(states)
	for _, want := range []string{"Denied/TimedOut", "Delivered/Fulfilled", "PendingApproval/Escalated"} {
		if !slices.Contains(states, want) {
			t.Fatalf("golden run has no %s request: %v", want, states)
		}
	}
	if len(golden.Users) == 0 || writes < 20 {
		t.Fatalf("scenario too small: %d writes", writes)
	}
	t.Logf("crashing at each of %d write transactions", writes)
	for at := 1; at <= writes; at++ {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("crash-%d.db", at))
		copyFile(t, base, path)
		got, _ := run(path, at)
		if !equalSnapshots(got, golden) {
			t.Errorf("crash at write %d: outcome differs from the uncrashed run:\n%s", at, diffSnapshots(got, golden))
		}
	}
}

func equalSnapshots(a, b engineSnapshot) bool {
	return maps.Equal(a.Requests, b.Requests) && maps.Equal(a.Assignments, b.Assignments) && maps.Equal(a.Roles, b.Roles) &&
		maps.EqualFunc(a.Members, b.Members, func(x, y []string) bool { return slices.Equal(sorted(x), sorted(y)) }) &&
		maps.Equal(a.Users, b.Users) && maps.Equal(a.Outbox, b.Outbox) && a.Undelivered == b.Undelivered
}

func diffSnapshots(a, b engineSnapshot) string {
	var out []string
	diff := func(what string, x, y map[string]string) {
		for k, v := range x {
			if y[k] != v {
				out = append(out, fmt.Sprintf("%s %s: %q vs %q", what, k, v, y[k]))
			}
		}
		for k, v := range y {
			if _, ok := x[k]; !ok {
				out = append(out, fmt.Sprintf("%s %s: missing vs %q", what, k, v))
			}
		}
	}
	diff("request", a.Requests, b.Requests)
	diff("assignment", a.Assignments, b.Assignments)
	diff("role", a.Roles, b.Roles)
	diff("user", a.Users, b.Users)
	for k, v := range a.Outbox {
		if b.Outbox[k] != v {
			out = append(out, fmt.Sprintf("outbox %s: %d vs %d", k, v, b.Outbox[k]))
		}
	}
	out = append(out, fmt.Sprintf("undelivered %d vs %d", a.Undelivered, b.Undelivered))
	return strings.Join(out, "\n")
}

// crashFixture is what the parent test hands the child process.
type crashFixture struct {
	Users    []entitlement.User
	Packages [][2]string // package id, policy id
	Now      time.Time
}

// crashChild is the killed process: it submits, removes and ticks in a loop, printing a line after
// each step, until the parent kills it.
func crashChild(path string) int {
	data, err := os.ReadFile(path + ".json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var fx crashFixture
	if err := json.Unmarshal(data, &fx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := store.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	clock := entitlement.NewManualClock(fx.Now)
	svc := entitlement.NewService(entitlement.Options{Store: st, Clock: clock, Logger: entitlementtest.Quiet})
	w := entitlement.NewWorker(svc, entitlement.WorkerOptions{Provisioner: &countingProvisioner{}, RetryBase: time.Minute, BatchSize: 5})
	for i := 0; ; i++ {
		u := fx.Users[i%len(fx.Users)]
		pp := fx.Packages[i%len(fx.Packages)]
		ctx := entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.DisplayName})
		_, err := svc.SubmitRequest(ctx, entitlement.RequestInput{RequestType: entitlement.RequestUserAdd, AccessPackageID: pp[0], PolicyID: pp[1]})
		if err != nil && entitlementtest.ErrCode(err) == "" {
			fmt.Fprintln(os.Stderr, "submit:", err)
			return 3
		}
		if i%3 == 0 {
			mine, err := svc.MyAssignments(ctx, entitlement.AssignmentFilter{States: []entitlement.AssignmentState{entitlement.AssignmentDelivered, entitlement.AssignmentDelivering}}, entitlement.ListOptions{Limit: 1})
			if err == nil && len(mine.Items) > 0 {
				if _, err := svc.SubmitRequest(ctx, entitlement.RequestInput{RequestType: entitlement.RequestUserRemove, AssignmentID: mine.Items[0].ID}); err != nil && entitlementtest.ErrCode(err) == "" {
					fmt.Fprintln(os.Stderr, "remove:", err)
					return 3
				}
			}
		}
		clock.Advance(20 * time.Minute)
		if _, err := w.Tick(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "tick:", err)
			return 3
		}
		fmt.Printf("step %d\n", i)
	}
}

// TestCrashKilledProcess runs the engine in a child process, kills it with SIGKILL in the middle
// of its work, reopens the data file and checks every invariant, before and after a new worker
// finishes what was left.
func TestCrashKilledProcess(t *testing.T) {
	for round, killAfter := range []int{7, 23, 41} {
		t.Run(fmt.Sprintf("kill after %d steps", killAfter), func(t *testing.T) {
			f := entitlementtest.New(t)
			team := f.Group("Team")
			cat := f.Catalog("Cat")
			teamRes := f.GroupResource(cat, team)
			app := f.AppResource(cat, "Ledger", "User", "Admin")
			var fx crashFixture
			for i := range 6 {
				fx.Users = append(fx.Users, f.User(fmt.Sprintf("User %d", i)))
			}
			p1 := f.Package(cat, "Full", entitlementtest.Member(teamRes), entitlementtest.Role(app, "User"))
			p2 := f.Package(cat, "Team", entitlementtest.Member(teamRes))
			p3 := f.Package(cat, "Admin", entitlementtest.Role(app, "Admin"), entitlementtest.Member(teamRes))
			for _, p := range []entitlement.AccessPackage{p1, p2, p3} {
				pol := f.Policy(p, func(x *entitlement.AssignmentPolicy) { x.DurationInDays = 1 })
				fx.Packages = append(fx.Packages, [2]string{p.ID, pol.ID})
			}
			fx.Now = f.Clock.Now()
			data, err := json.Marshal(fx)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f.Path+".json", data, 0o600); err != nil {
				t.Fatal(err)
			}
			f.Close() // the child process opens the file

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "STEWARD_ENGINE_CRASH_CHILD="+f.Path)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			steps := 0
			for steps < killAfter && sc.Scan() {
				if strings.HasPrefix(sc.Text(), "step ") {
					steps++
				}
			}
			// Kill it while it works on the next step.
			time.Sleep(time.Duration(round) * time.Millisecond)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, out)
			_ = cmd.Wait()
			if steps < killAfter {
				t.Fatalf("child stopped after %d steps: %s", steps, stderr.String())
			}

			f.Reopen()
			entitlementtest.CheckInvariants(t, f.Store)
			// The child goes on working between the step we read and the kill, each step 20
			// minutes later on its clock, so recovery starts from the latest time it wrote.
			f.Clock.Set(fx.Now.Add(time.Duration(steps+1) * 20 * time.Minute))
			for _, m := range f.OutboxMessages() {
				if m.NextAttempt.After(f.Clock.Now()) {
					f.Clock.Set(m.NextAttempt)
				}
			}
			recoverRun(t, f.Svc, f.Clock)
			entitlementtest.CheckInvariants(t, f.Store)
			var reqs entitlement.Page[entitlement.Request]
			f.View(func(tx entitlement.Tx) error {
				reqs, err = tx.Requests().List(entitlement.RequestFilter{}, entitlement.ListOptions{Limit: 1})
				return err
			})
			if reqs.Total < killAfter/2 {
				t.Fatalf("only %d requests were written in %d steps", reqs.Total, steps)
			}
			for _, m := range f.OutboxMessages() {
				if m.DeliveredAt == nil && m.FailedAt == nil {
					t.Fatalf("message %s (%s) left undelivered after recovery", m.ID, m.Topic)
				}
			}
		})
	}
}

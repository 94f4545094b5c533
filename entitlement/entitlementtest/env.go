// Package entitlementtest is the domain's test kit: one way to build a Service over a real bbolt
// file with a manual clock (Env), to seed a tenant (Env's record builders, or CreateUser and
// CreateGroup through the service), to act as a principal (As, AsAdmin, RootAdmin), and to
// check what must hold in every committed state (CheckInvariants). The paging checker is
// storetest.Walk.
//
// It imports the bbolt store, because the design runs the domain's tests on a real data file
// rather than on a mock of our own storage. That decides who may import it: entitlement's tests
// do from the external package entitlement_test (an internal test of entitlement could not, as
// this package imports entitlement), and store's tests must not (store → entitlementtest →
// store is a cycle). What store's tests share with the domain's, the storage contract and the
// paging checker, is in package storetest, which imports no backend.
package entitlementtest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// T0 is when every test's clock starts unless it asks for another time.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Quiet is a logger that drops everything, for services whose log the test does not read.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// RootAdmin is an administrator who is not in the directory, as on a fresh install where the
// configuration names the first administrator before they sign in.
var RootAdmin = entitlement.WithPrincipal(context.Background(), entitlement.Principal{
	UserID: "0190f000-0000-7000-8000-000000000001", Name: "Root Admin", Email: "root@example.com", IsAdmin: true,
})

// As returns a context signed in as the user.
func As(u entitlement.User) context.Context {
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.Label(), Email: u.Email})
}

// AsAdmin returns a context signed in as the user with administrator rights.
func AsAdmin(u entitlement.User) context.Context {
	return entitlement.WithPrincipal(context.Background(), entitlement.Principal{UserID: u.ID, Name: u.Label(), Email: u.Email, IsAdmin: true})
}

// Options adjust an Env.
type Options struct {
	// Start is the manual clock's first time; T0 when zero.
	Start time.Time
	// Admins names the administrators, as the configuration does.
	Admins entitlement.AdminRule
	// Path is the data file; a new one in the test's temp dir when empty.
	Path string
	// Wrap, when set, wraps the store the service uses, e.g. to fail at a chosen transaction.
	Wrap func(entitlement.Store) entitlement.Store
	// Directory is the LDAP import's source (directory/ldapsync against slapdtest).
	Directory entitlement.DirectorySource
}

// Env is a service over a real bbolt file with a manual clock. Its record builders write straight
// through the store, for tests about something other than the admin services that would
// otherwise create those records.
type Env struct {
	T     testing.TB
	Path  string
	Store *store.Store
	Clock *entitlement.ManualClock
	Svc   *entitlement.Service
	opt   Options
	seq   atomic.Int64
	key   []byte
}

// New returns an Env over a fresh data file, starting at T0. The file is closed when the test
// ends.
func New(t testing.TB) *Env { return Open(t, Options{}) }

// Open returns an Env with the options.
func Open(t testing.TB, opt Options) *Env {
	t.Helper()
	if opt.Start.IsZero() {
		opt.Start = T0
	}
	if opt.Path == "" {
		opt.Path = filepath.Join(t.TempDir(), "steward.db")
	}
	e := &Env{T: t, Path: opt.Path, Clock: entitlement.NewManualClock(opt.Start), opt: opt}
	e.Reopen()
	t.Cleanup(e.Close)
	return e
}

// Reopen closes the data file if it is open and opens it again with a new service on the same
// clock, as a restarted process would.
func (e *Env) Reopen() {
	e.T.Helper()
	e.Close()
	st, err := store.Open(e.Path)
	if err != nil {
		e.T.Fatalf("open store: %v", err)
	}
	e.Store = st
	var s entitlement.Store = st
	if e.opt.Wrap != nil {
		s = e.opt.Wrap(st)
	}
	e.Svc = entitlement.NewService(entitlement.Options{Store: s, Clock: e.Clock, Logger: Quiet, Admins: e.opt.Admins, Secrets: e.secretBox(), Directory: e.opt.Directory})
}

// secretBox seals connector secrets with a key made once per Env, kept across Reopen as a
// deployment keeps STEWARD_SECRET_KEY.
func (e *Env) secretBox() entitlement.SecretBox {
	if e.key == nil {
		e.key = make([]byte, 32)
		if _, err := rand.Read(e.key); err != nil {
			e.T.Fatal(err)
		}
	}
	box, err := entitlement.NewAESBox(e.key)
	if err != nil {
		e.T.Fatal(err)
	}
	return box
}

// Connected is a provisioner that carries out every action at once, as a connected target
// that always answers would: for tests about what follows delivery rather than about
// connectors. The default, manual, leaves roles waiting for a person.
var Connected entitlement.Provisioner = entitlement.ProvisionerFunc(func(context.Context, entitlement.ProvisionAction) error { return nil })

// Close closes the data file, as a process that stops would; Reopen opens it again.
func (e *Env) Close() {
	if e.Store == nil {
		return
	}
	if err := e.Store.Close(); err != nil {
		e.T.Errorf("close store: %v", err)
	}
	e.Store = nil
}

// Update runs fn in a write transaction and fails the test on its error.
func (e *Env) Update(fn func(tx entitlement.Tx) error) {
	e.T.Helper()
	if err := e.Store.Update(context.Background(), fn); err != nil {
		e.T.Fatalf("update: %v", err)
	}
}

// View runs fn in a read transaction and fails the test on its error.
func (e *Env) View(fn func(tx entitlement.Tx) error) {
	e.T.Helper()
	if err := e.Store.View(context.Background(), fn); err != nil {
		e.T.Fatalf("view: %v", err)
	}
}

// next returns a number unique in the Env, for names and domains that must not clash.
func (e *Env) next() int64 { return e.seq.Add(1) }

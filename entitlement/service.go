package entitlement

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Service is the only write path of the domain. See the package comment.
type Service struct {
	store   Store
	backup  Backupper // the store's online backup, when it has one
	changes chan struct{}
	clock   Clock
	log     *slog.Logger
	admins  AdminRule
	// directory reads the LDAP directory for the LDAP import; nil when it is not wired in.
	directory DirectorySource
	// syncMu guards the LDAP import's run under way (syncRun, nil when none) and the stop of
	// background runs.
	syncMu   sync.Mutex
	syncRun  *DirectorySyncProgress
	stopping bool
	bg       context.Context // background runs stop when it ends (Shutdown)
	stopBg   context.CancelFunc
	bgRuns   sync.WaitGroup
	secrets  SecretBox // seals connector secrets; nil refuses to save or use them
	// configCache keeps configuration records between reads; see configView.
	configCache configCache
}

// AdminRule names the administrators: by e-mail, or by a value of the groups claim the identity
// provider sends.
type AdminRule struct {
	Emails []string
	Group  string
}

// Options configures a Service.
type Options struct {
	Store  Store
	Clock  Clock
	Logger *slog.Logger
	Admins AdminRule
	// Directory reads the LDAP directory for the LDAP import (directory/ldapsync); without it
	// the import cannot run.
	Directory DirectorySource
	// Secrets seals connector secrets at rest (NewAESBox over STEWARD_SECRET_KEY).
	Secrets SecretBox
}

// NewService returns a Service over the store.
func NewService(opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	for i, e := range opt.Admins.Emails {
		opt.Admins.Emails[i] = NormalizeEmail(e)
	}
	svc := &Service{clock: opt.Clock, log: opt.Logger, admins: opt.Admins, secrets: opt.Secrets, changes: make(chan struct{}, 1), directory: opt.Directory}
	svc.bg, svc.stopBg = context.WithCancel(context.Background())
	svc.backup, _ = opt.Store.(Backupper)
	svc.store = signallingStore{Store: opt.Store, signal: svc.signalChange}
	return svc
}

// Changes receives after write transactions commit, several commits folding into one receive.
// The worker listens to it, so that what a change leaves for it (a role to provision, a
// notification) is done at once rather than at its next tick.
func (s *Service) Changes() <-chan struct{} { return s.changes }

func (s *Service) signalChange() {
	select {
	case s.changes <- struct{}{}:
	default: // a signal is already waiting
	}
}

// signallingStore signals after every committed update; a signal sent before the commit could
// wake a reader that does not see the change yet.
type signallingStore struct {
	Store
	signal func()
}

func (st signallingStore) Update(ctx context.Context, fn func(tx Tx) error) error {
	err := st.Store.Update(ctx, fn)
	if err == nil {
		st.signal()
	}
	return err
}

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.clock }

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// audit appends an audit event for a change made by p.
func (s *Service) audit(tx Tx, p Principal, action, objectType, objectID, objectName, summary string) error {
	e := AuditEvent{
		ID: NewID(), At: s.now(), ActorID: p.UserID, ActorName: p.Name,
		Action: action, ObjectType: objectType, ObjectID: objectID, ObjectName: objectName, Summary: summary,
	}
	if e.ActorName == "" {
		e.ActorName = "Steward"
	}
	if err := tx.Audit().Append(e); err != nil {
		return fmt.Errorf("append audit event %s: %w", action, err)
	}
	return nil
}

// enqueue writes a side effect to the outbox in the caller's transaction.
func (s *Service) enqueue(tx Tx, kind, topic string, payload any) error {
	data, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode outbox %s: %w", topic, err)
	}
	now := s.now()
	m := OutboxMessage{ID: NewID(), Kind: kind, Topic: topic, Payload: data, CreatedDateTime: now, NextAttempt: now}
	if err := tx.Outbox().Put(m); err != nil {
		return fmt.Errorf("enqueue %s: %w", topic, err)
	}
	return nil
}

// principal returns the signed-in caller, or ErrUnauthorized.
func principal(ctx context.Context) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.UserID == "" {
		return Principal{}, ErrUnauthorized
	}
	return p, nil
}

// isNotFound reports whether err means a missing record.
func isNotFound(err error) bool { return err != nil && errorsIs(err, ErrNotFound) }

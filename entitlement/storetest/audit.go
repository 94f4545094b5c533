package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

var auditCases = []tcase{
	{"Append refuses an id twice", func(t *testing.T, st entitlement.Store) {
		e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0, Action: "user.create"}
		update(t, st, func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
		wantErr(t, st, entitlement.ErrConflict, "the same event again", func(tx entitlement.Tx) error { return tx.Audit().Append(e) })
	}},
	// Every way of narrowing the log, each with its total, newest first.
	{"List filters, counts and pages newest first", func(t *testing.T, st entitlement.Store) {
		actors, objects := []string{"a1", "a2"}, []string{"o1", "o2", "o3"}
		var events []entitlement.AuditEvent
		update(t, st, func(tx entitlement.Tx) error {
			for i := range 30 {
				e := entitlement.AuditEvent{ID: entitlement.NewID(), At: t0.Add(time.Duration(i) * time.Minute),
					ActorID: actors[i%2], ObjectID: objects[i%3], ObjectType: "catalog", Action: fmt.Sprintf("catalog.%s", []string{"create", "update"}[i%2])}
				if i%5 == 0 {
					e.ObjectType, e.Action = "user", "user.create"
				}
				events = append(events, e)
				if err := tx.Audit().Append(e); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct {
			name string
			f    entitlement.AuditFilter
			want int
		}{
			{"everything", entitlement.AuditFilter{}, 30},
			{"actor", entitlement.AuditFilter{ActorID: "a1"}, 15},
			{"object", entitlement.AuditFilter{ObjectID: "o1"}, 10},
			{"object and actor", entitlement.AuditFilter{ObjectID: "o1", ActorID: "a1"}, 5},
			{"actor and type", entitlement.AuditFilter{ActorID: "a1", ObjectType: "user"}, 3},
			{"action prefix", entitlement.AuditFilter{Action: "catalog."}, 24},
			{"time window", entitlement.AuditFilter{From: t0.Add(10 * time.Minute), To: t0.Add(20 * time.Minute)}, 10},
		} {
			var want []string
			for i := len(events) - 1; i >= 0; i-- {
				if e := events[i]; matches(tc.f, e) {
					want = append(want, e.ID)
				}
			}
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
					return tx.Audit().List(tc.f, o)
				}, func(e entitlement.AuditEvent) string { return e.ID }, 4, tc.want), nil
			})
			if !slices.Equal(got, want) {
				t.Errorf("%s = %v, want %v (newest first)", tc.name, got, want)
			}
		}
	}},
}

// matches is the meaning of an AuditFilter, for the expected results.
func matches(f entitlement.AuditFilter, e entitlement.AuditEvent) bool {
	return (f.ActorID == "" || e.ActorID == f.ActorID) && (f.ObjectID == "" || e.ObjectID == f.ObjectID) &&
		(f.ObjectType == "" || e.ObjectType == f.ObjectType) && strings.HasPrefix(e.Action, f.Action) &&
		(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
}

func messageID(m entitlement.OutboxMessage) string { return m.ID }

var outboxCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Outbox().Get(entitlement.NewID()); return err }}),
	// A message leaves the due index when it is delivered or given up on, so the worker never
	// sends it again.
	dueOrdered("Due", func(tx entitlement.Tx, id string, due *time.Time) error {
		m := entitlement.OutboxMessage{ID: id, Kind: entitlement.OutboxNotify, Topic: "request.submitted", CreatedDateTime: t0}
		switch {
		case due != nil:
			m.NextAttempt = *due
		case id[len(id)-1]%2 == 0:
			m.DeliveredAt = at(0)
		default:
			m.FailedAt = at(0)
		}
		return tx.Outbox().Put(m)
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.OutboxMessage, error) {
		return tx.Outbox().Due(t, limit)
	}, messageID),
	creationOrdered(func(tx entitlement.Tx, id string) error {
		return tx.Outbox().Put(entitlement.OutboxMessage{ID: id, Kind: entitlement.OutboxNotify, NextAttempt: t0})
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.OutboxMessage], error) {
		return tx.Outbox().List(o)
	}, messageID),
}

var guestBlockCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.GuestBlocks().Get(entitlement.NewID()); return err }}),
	// Re-blocking a guest moves the block instead of adding a second one; an unblock deletes it.
	dueOrdered("BlockedBefore", func(tx entitlement.Tx, id string, due *time.Time) error {
		if due == nil {
			return tx.GuestBlocks().Delete(id)
		}
		return tx.GuestBlocks().Put(entitlement.GuestBlock{UserID: id, BlockedDateTime: *due, AssignmentID: entitlement.NewID()})
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.GuestBlock, error) {
		return tx.GuestBlocks().BlockedBefore(t, limit)
	}, func(b entitlement.GuestBlock) string { return b.UserID }),
}

var sessionCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Sessions().Get("no-such-hash"); return err }}),
	{"ByUser lists a user's sessions until they are deleted", func(t *testing.T, st entitlement.Store) {
		ada := entitlement.NewID()
		s1, s2 := entitlement.Session{ID: "s1", UserID: ada, ExpiresDateTime: t0}, entitlement.Session{ID: "s2", UserID: ada, ExpiresDateTime: t0}
		other := entitlement.Session{ID: "s3", UserID: entitlement.NewID(), ExpiresDateTime: t0}
		byUser := func(tx entitlement.Tx) ([]string, error) {
			ss, err := tx.Sessions().ByUser(ada)
			return keys(ss, func(s entitlement.Session) string { return s.ID }), err
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){"Ada": byUser}, []indexStep{
			{"signed in twice", func(tx entitlement.Tx) error {
				for _, s := range []entitlement.Session{s1, s2, other} {
					if err := tx.Sessions().Put(s); err != nil {
						return err
					}
				}
				return nil
			}, map[string][]string{"Ada": {"s1", "s2"}}},
			{"signed out once", func(tx entitlement.Tx) error { return tx.Sessions().Delete("s1") }, map[string][]string{"Ada": {"s2"}}},
		})
	}},
	dueOrdered("ExpiredBy", func(tx entitlement.Tx, id string, due *time.Time) error {
		if due == nil {
			return tx.Sessions().Delete(id)
		}
		return tx.Sessions().Put(entitlement.Session{ID: id, UserID: entitlement.NewID(), CreatedDateTime: t0, ExpiresDateTime: *due})
	}, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.Session, error) {
		return tx.Sessions().ExpiredBy(t, limit)
	}, func(s entitlement.Session) string { return s.ID }),
}

package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

func messageID(m entitlement.OutboxMessage) string { return m.ID }

// purge deletes the messages delivered before t, in a transaction of its own.
func purge(st entitlement.Store, t time.Time) (int, error) {
	var n int
	err := st.Update(context.Background(), func(tx entitlement.Tx) error {
		var err error
		n, err = tx.Outbox().PurgeDelivered(t, 100)
		return err
	})
	return n, err
}

// putDueMessage writes a message due at due, or a delivered one when due is nil.
func putDueMessage(tx entitlement.Tx, id string, due *time.Time) error {
	m := entitlement.OutboxMessage{ID: id, Kind: entitlement.OutboxNotify, Topic: "request.submitted", CreatedDateTime: t0}
	if due == nil {
		m.DeliveredAt = at(0)
	} else {
		m.NextAttempt = *due
	}
	return tx.Outbox().Put(m)
}

var outboxCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Outbox().Get(entitlement.NewID()); return err }}),
	// A message leaves the due index when it is delivered or given up on, so the worker never
	// sends it again.
	dueOrdered("Due", putDueMessage, func(tx entitlement.Tx, t time.Time, limit int) ([]entitlement.OutboxMessage, error) {
		return tx.Outbox().Due(t, limit)
	}, messageID),
	// The worker looks with DueIDs before it claims, so that nothing due costs no decoding.
	dueOrdered("DueIDs", putDueMessage, func(tx entitlement.Tx, t time.Time, limit int) ([]string, error) {
		return tx.Outbox().DueIDs(t, limit)
	}, func(id string) string { return id }),
	// The worker writes a message it has just read with Replace: the indexes follow the change
	// as they do with Put.
	{"Replace moves a message out of the due index and into the delivered one", func(t *testing.T, st entitlement.Store) {
		m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0}
		update(t, st, func(tx entitlement.Tx) error { return tx.Outbox().Put(m) })
		update(t, st, func(tx entitlement.Tx) error {
			old, err := tx.Outbox().Get(m.ID)
			if err != nil {
				return err
			}
			done := old
			done.DeliveredAt, done.Attempts = at(0), 1
			return tx.Outbox().Replace(old, done)
		})
		if due := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.Outbox().DueIDs(t0, 10) }); len(due) != 0 {
			t.Errorf("due = %v, want nothing", due)
		}
		if n, err := purge(st, t0.Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("PurgeDelivered = %d, %v; want 1", n, err)
		}
	}},
	{"Replace of a message with another id fails", func(t *testing.T, st entitlement.Store) {
		m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0}
		update(t, st, func(tx entitlement.Tx) error { return tx.Outbox().Put(m) })
		other := m
		other.ID = entitlement.NewID()
		if err := st.Update(t.Context(), func(tx entitlement.Tx) error { return tx.Outbox().Replace(m, other) }); err == nil {
			t.Error("Replace of another id succeeded")
		}
	}},
	{"a message given up on is not due", func(t *testing.T, st entitlement.Store) {
		m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0, Attempts: 20, FailedAt: at(0)}
		update(t, st, func(tx entitlement.Tx) error { return tx.Outbox().Put(m) })
		if due := read(t, st, func(tx entitlement.Tx) ([]entitlement.OutboxMessage, error) { return tx.Outbox().Due(t0, 10) }); len(due) != 0 {
			t.Errorf("due = %v, want nothing", due)
		}
	}},
	// The metrics' outbox depth: what is still to be carried out, due now or later.
	{"CountUndelivered counts what is neither delivered nor given up on", func(t *testing.T, st entitlement.Store) {
		count := func(tx entitlement.Tx) (int, error) { return tx.Outbox().CountUndelivered() }
		if n := read(t, st, count); n != 0 {
			t.Errorf("empty outbox: CountUndelivered = %d", n)
		}
		ms := []entitlement.OutboxMessage{
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0.Add(time.Hour)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0, DeliveredAt: at(0)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0, FailedAt: at(0)},
		}
		update(t, st, func(tx entitlement.Tx) error {
			for _, m := range ms {
				if err := tx.Outbox().Put(m); err != nil {
					return err
				}
			}
			return nil
		})
		if n := read(t, st, count); n != 2 {
			t.Errorf("CountUndelivered = %d, want 2", n)
		}
		ms[0].DeliveredAt = at(1)
		update(t, st, func(tx entitlement.Tx) error { return tx.Outbox().Put(ms[0]) })
		if n := read(t, st, count); n != 1 {
			t.Errorf("after a delivery: CountUndelivered = %d, want 1", n)
		}
	}},
	// The worker's purge: delivered messages go after the retention period, earliest first, a
	// batch at a time; what is not delivered stays, given up on or not.
	{"PurgeDelivered deletes delivered messages before a time, and only those", func(t *testing.T, st entitlement.Store) {
		ms := []entitlement.OutboxMessage{
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0, DeliveredAt: at(3 * time.Hour)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0, DeliveredAt: at(time.Hour)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0, DeliveredAt: at(2 * time.Hour)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0, DeliveredAt: at(5 * time.Hour)},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0, FailedAt: at(0), LastError: "refused"},
			{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, NextAttempt: t0},
		}
		update(t, st, func(tx entitlement.Tx) error {
			for _, m := range ms {
				if err := tx.Outbox().Put(m); err != nil {
					return err
				}
			}
			return nil
		})
		purge := func(before time.Time, limit int) int {
			t.Helper()
			var n int
			update(t, st, func(tx entitlement.Tx) error {
				var err error
				n, err = tx.Outbox().PurgeDelivered(before, limit)
				return err
			})
			return n
		}
		left := func() []string {
			t.Helper()
			return read(t, st, func(tx entitlement.Tx) ([]string, error) {
				var ids []string
				for _, m := range ms {
					if _, err := tx.Outbox().Get(m.ID); err == nil {
						ids = append(ids, m.ID)
					} else if !errors.Is(err, entitlement.ErrNotFound) {
						return nil, err
					}
				}
				return ids, nil
			})
		}
		// Earliest first, at most the limit: the one delivered at +1h goes, +2h stays.
		if n := purge(*at(3 * time.Hour), 1); n != 1 {
			t.Fatalf("first purge deleted %d, want 1", n)
		}
		if got, want := left(), []string{ms[0].ID, ms[2].ID, ms[3].ID, ms[4].ID, ms[5].ID}; !slices.Equal(got, want) {
			t.Fatalf("after a purge of one: left %v, want %v", got, want)
		}
		// Before +3h: +2h goes, the one delivered at exactly +3h stays.
		if n := purge(*at(3 * time.Hour), 10); n != 1 {
			t.Fatalf("second purge deleted %d, want 1", n)
		}
		// Long after: every delivered message goes; the failed and the waiting one stay, and the
		// waiting one is still due.
		if n := purge(*at(100 * time.Hour), 10); n != 2 {
			t.Fatalf("last purge deleted %d, want 2", n)
		}
		if got, want := left(), []string{ms[4].ID, ms[5].ID}; !slices.Equal(got, want) {
			t.Fatalf("left %v, want %v", got, want)
		}
		if due := read(t, st, func(tx entitlement.Tx) ([]entitlement.OutboxMessage, error) { return tx.Outbox().Due(t0, 10) }); len(due) != 1 || due[0].ID != ms[5].ID {
			t.Errorf("due after the purges = %v, want the waiting message", due)
		}
	}},
	creationOrdered(func(tx entitlement.Tx, id string) error {
		return tx.Outbox().Put(entitlement.OutboxMessage{ID: id, Kind: entitlement.OutboxNotify, NextAttempt: t0})
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.OutboxMessage], error) {
		return tx.Outbox().List(o)
	}, messageID),
	{"Failing lists undelivered messages of a kind whose last attempt failed", func(t *testing.T, st entitlement.Store) {
		m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, Topic: "request.submitted", NextAttempt: t0, CreatedDateTime: t0}
		failing := func(tx entitlement.Tx) ([]string, error) {
			p, err := tx.Outbox().Failing(entitlement.OutboxNotify, entitlement.ListOptions{})
			return keys(p.Items, messageID), err
		}
		put := func(change func(*entitlement.OutboxMessage)) func(tx entitlement.Tx) error {
			return func(tx entitlement.Tx) error {
				change(&m)
				return tx.Outbox().Put(m)
			}
		}
		other := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxProvision, NextAttempt: t0, LastError: "refused"}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){"failing mail": failing}, []indexStep{
			{"queued", func(tx entitlement.Tx) error {
				if err := tx.Outbox().Put(other); err != nil {
					return err
				}
				return put(func(*entitlement.OutboxMessage) {})(tx)
			}, map[string][]string{"failing mail": nil}},
			{"first attempt failed", put(func(m *entitlement.OutboxMessage) { m.Attempts, m.LastError = 1, "connection refused" }),
				map[string][]string{"failing mail": {m.ID}}},
			{"given up", put(func(m *entitlement.OutboxMessage) { m.Attempts, m.FailedAt = 8, at(time.Hour) }),
				map[string][]string{"failing mail": {m.ID}}},
			{"retried and sent", put(func(m *entitlement.OutboxMessage) { m.FailedAt, m.DeliveredAt = nil, at(2*time.Hour) }),
				map[string][]string{"failing mail": nil}},
		})
	}},
}

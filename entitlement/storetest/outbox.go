package storetest

import (
	"time"

	"github.com/stewardhq/steward/entitlement"
)

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

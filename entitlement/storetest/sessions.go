package storetest

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

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

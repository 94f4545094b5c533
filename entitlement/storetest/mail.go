package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

var mailCases = []tcase{
	missing(lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Mail().Get(entitlement.NewID()); return err }}),
	{"Put again replaces the mail kept under the same id", func(t *testing.T, st entitlement.Store) {
		m := entitlement.Mail{ID: entitlement.NewID(), Event: entitlement.NotifyApprovalNeeded, To: "ada@example.com", Subject: "first", Text: "t", HTML: "<p>h</p>", CreatedDateTime: t0}
		update(t, st, func(tx entitlement.Tx) error { return tx.Mail().Put(m) })
		m.Subject = "again"
		update(t, st, func(tx entitlement.Tx) error { return tx.Mail().Put(m) })
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Mail, error) { return tx.Mail().Get(m.ID) })
		if got != m {
			t.Errorf("Get = %+v, want %+v", got, m)
		}
		if n := len(all(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.Mail], error) {
			var p entitlement.Page[entitlement.Mail]
			err := st.View(bg, func(tx entitlement.Tx) error {
				var err error
				p, err = tx.Mail().List(o)
				return err
			})
			return p, err
		})); n != 1 {
			t.Errorf("List holds %d mails, want 1", n)
		}
	}},
	creationOrdered(func(tx entitlement.Tx, id string) error {
		return tx.Mail().Put(entitlement.Mail{ID: id, To: "ada@example.com", CreatedDateTime: t0})
	}, func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.Mail], error) {
		return tx.Mail().List(o)
	}, func(m entitlement.Mail) string { return m.ID }),
}

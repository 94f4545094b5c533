package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
)

// settingsCases check the one settings record.
var settingsCases = []tcase{
	{"a new store has the default settings", func(t *testing.T, st entitlement.Store) {
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Settings, error) { return tx.Settings() })
		if diff := cmp.Diff(entitlement.DefaultSettings(), got); diff != "" {
			t.Errorf("settings (-want +got):\n%s", diff)
		}
	}},
	{"PutSettings replaces them", func(t *testing.T, st entitlement.Store) {
		want := entitlement.Settings{ExternalUserLifecycleAction: entitlement.LifecycleBlockSignIn, DaysUntilExternalUserDeletedAfterBlocked: 7,
			CatalogCreators: []entitlement.Sponsor{{ID: entitlement.NewID(), Type: entitlement.PrincipalGroup}}, Version: 4}
		update(t, st, func(tx entitlement.Tx) error { return tx.PutSettings(want) })
		got := read(t, st, func(tx entitlement.Tx) (entitlement.Settings, error) { return tx.Settings() })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("settings (-want +got):\n%s", diff)
		}
	}},
}

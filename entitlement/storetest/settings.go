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
	{"the directory sync state starts empty and is replaced whole", func(t *testing.T, st entitlement.Store) {
		got := read(t, st, func(tx entitlement.Tx) (entitlement.DirectorySyncState, error) { return tx.DirectorySync() })
		if diff := cmp.Diff(entitlement.DirectorySyncState{}, got); diff != "" {
			t.Errorf("new state (-want +got):\n%s", diff)
		}
		c := entitlement.DefaultLDAPSettings()
		c.URL = "ldaps://ldap.example.com"
		at := t0
		want := entitlement.DirectorySyncState{LDAP: &c, BindPassword: "sealed", LastRunDateTime: &at,
			Reports: []entitlement.DirectorySyncReport{{ID: entitlement.NewID(), StartedDateTime: t0, Outcome: entitlement.RunCompleted, Created: 3, Details: []string{"new: Ada"}}}}
		update(t, st, func(tx entitlement.Tx) error { return tx.PutDirectorySync(want) })
		got = read(t, st, func(tx entitlement.Tx) (entitlement.DirectorySyncState, error) { return tx.DirectorySync() })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("state (-want +got):\n%s", diff)
		}
		// The settings record is another.
		if s := read(t, st, func(tx entitlement.Tx) (entitlement.Settings, error) { return tx.Settings() }); len(s.SCIMTokens) != 0 {
			t.Errorf("settings changed: %+v", s)
		}
	}},
}

package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
)

func newAPIToken(userID, name, hash string) entitlement.APIToken {
	return entitlement.APIToken{ID: entitlement.NewID(), UserID: userID, Name: name, Hash: hash,
		CreatedDateTime: t0, ExpiresDateTime: t0.AddDate(0, 0, 90)}
}

var apiTokenCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.APITokens().Get(entitlement.NewID()); return err }},
		lookup{"ByHash", func(tx entitlement.Tx) error { _, err := tx.APITokens().ByHash("no-such-hash"); return err }},
	),
	{"a token reads back as written, by id and by hash", func(t *testing.T, st entitlement.Store) {
		tok := newAPIToken(entitlement.NewID(), "deploy", "h1")
		used := t0.Add(1)
		tok.LastUsedDateTime = &used
		update(t, st, func(tx entitlement.Tx) error { return tx.APITokens().Put(tok) })
		for _, get := range []func(tx entitlement.Tx) (entitlement.APIToken, error){
			func(tx entitlement.Tx) (entitlement.APIToken, error) { return tx.APITokens().Get(tok.ID) },
			func(tx entitlement.Tx) (entitlement.APIToken, error) { return tx.APITokens().ByHash("h1") },
		} {
			if diff := cmp.Diff(tok, read(t, st, get)); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
		}
	}},
	{"a second token with the same hash is a conflict", func(t *testing.T, st entitlement.Store) {
		update(t, st, func(tx entitlement.Tx) error {
			return tx.APITokens().Put(newAPIToken(entitlement.NewID(), "a", "same"))
		})
		wantErr(t, st, entitlement.ErrConflict, "Put of a second token with one hash", func(tx entitlement.Tx) error {
			return tx.APITokens().Put(newAPIToken(entitlement.NewID(), "b", "same"))
		})
	}},
	{"ByUser lists the owner's tokens in creation order; Delete ends a token and its hash", func(t *testing.T, st entitlement.Store) {
		ada := entitlement.NewID()
		t1, t2 := newAPIToken(ada, "one", "h1"), newAPIToken(ada, "two", "h2")
		other := newAPIToken(entitlement.NewID(), "other", "h3")
		byUser := func(tx entitlement.Tx) ([]string, error) {
			ts, err := tx.APITokens().ByUser(ada)
			return keys(ts, func(t entitlement.APIToken) string { return t.Name }), err
		}
		byHash := func(tx entitlement.Tx) ([]string, error) {
			t, err := tx.APITokens().ByHash("h1")
			if errorsIsNotFound(err) {
				return nil, nil
			}
			return []string{t.Name}, err
		}
		followIndexes(t, st, map[string]func(tx entitlement.Tx) ([]string, error){"Ada": byUser, "h1": byHash}, []indexStep{
			{"made three tokens", func(tx entitlement.Tx) error {
				for _, tok := range []entitlement.APIToken{t1, t2, other} {
					if err := tx.APITokens().Put(tok); err != nil {
						return err
					}
				}
				return nil
			}, map[string][]string{"Ada": {"one", "two"}, "h1": {"one"}}},
			{"used one", func(tx entitlement.Tx) error {
				used := t0.Add(60)
				t1.LastUsedDateTime = &used
				return tx.APITokens().Put(t1)
			}, map[string][]string{"Ada": {"one", "two"}, "h1": {"one"}}},
			{"revoked one", func(tx entitlement.Tx) error { return tx.APITokens().Delete(t1.ID) }, map[string][]string{"Ada": {"two"}, "h1": nil}},
		})
	}},
}

// serviceAccountCases check that service accounts, which are user records, stay out of every
// list of people and are listed on their own.
var serviceAccountCases = []tcase{
	{"service accounts are in no people list or search, and ServiceAccounts lists them by name", func(t *testing.T, st entitlement.Store) {
		ada := newUser("Ada Lovelace", "ada@example.com")
		bot := entitlement.User{ID: entitlement.NewID(), Kind: entitlement.KindServiceAccount, DisplayName: "Deploy bot", AccountEnabled: true, CreatedDateTime: t0}
		audit := entitlement.User{ID: entitlement.NewID(), Kind: entitlement.KindServiceAccount, DisplayName: "Audit exporter", AccountEnabled: true, CreatedDateTime: t0}
		putUsers(t, st, ada, bot, audit)
		if got := listUsers(t, st, ""); !cmp.Equal(got, []string{"Ada Lovelace"}) {
			t.Errorf("List = %v, want the person only", got)
		}
		if got := listUsers(t, st, "deploy"); len(got) != 0 {
			t.Errorf("List searching deploy = %v, want nobody", got)
		}
		total := read(t, st, func(tx entitlement.Tx) (int, error) {
			p, err := tx.Users().List(entitlement.ListOptions{Limit: 1})
			return p.Total, err
		})
		if total != 1 {
			t.Errorf("List total = %d, want 1", total)
		}
		if ids := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.Users().IDsMatching("bot") }); len(ids) != 0 {
			t.Errorf("IDsMatching(bot) = %v", ids)
		}
		accounts := func(search string) []string {
			return read(t, st, func(tx entitlement.Tx) ([]string, error) {
				return keys(all(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
					o.Search = search
					return tx.Users().ServiceAccounts(o)
				}), userName), nil
			})
		}
		if got := accounts(""); !cmp.Equal(got, []string{"Audit exporter", "Deploy bot"}) {
			t.Errorf("ServiceAccounts = %v", got)
		}
		if got := accounts("dep"); !cmp.Equal(got, []string{"Deploy bot"}) {
			t.Errorf("ServiceAccounts searching dep = %v", got)
		}
		if got := read(t, st, func(tx entitlement.Tx) (entitlement.User, error) { return tx.Users().Get(bot.ID) }); got.Kind != entitlement.KindServiceAccount {
			t.Errorf("Get = %+v, want the service account", got)
		}
		update(t, st, func(tx entitlement.Tx) error { return tx.Users().Delete(bot.ID) })
		if got := accounts(""); !cmp.Equal(got, []string{"Audit exporter"}) {
			t.Errorf("ServiceAccounts after a delete = %v", got)
		}
	}},
}

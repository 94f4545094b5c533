package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
)

func newUser(name, email string) entitlement.User {
	return entitlement.User{ID: entitlement.NewID(), DisplayName: name, Email: email, UserPrincipalName: email,
		UserType: entitlement.UserTypeMember, AccountEnabled: true, CreatedDateTime: t0, Version: 1}
}

func putUsers(t *testing.T, st entitlement.Store, us ...entitlement.User) {
	t.Helper()
	update(t, st, func(tx entitlement.Tx) error {
		for _, u := range us {
			if err := tx.Users().Put(u); err != nil {
				return err
			}
		}
		return nil
	})
}

func userName(u entitlement.User) string { return u.DisplayName }

// listUsers lists the users whose names match the search, all of them.
func listUsers(t *testing.T, st entitlement.Store, search string) []string {
	t.Helper()
	return read(t, st, func(tx entitlement.Tx) ([]string, error) {
		return keys(all(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
			o.Search = search
			return tx.Users().List(o)
		}), userName), nil
	})
}

var userCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error { _, err := tx.Users().Get(entitlement.NewID()); return err }},
		lookup{"ByEmail", func(tx entitlement.Tx) error { _, err := tx.Users().ByEmail("nobody@example.com"); return err }},
		lookup{"BySubject", func(tx entitlement.Tx) error { _, err := tx.Users().BySubject("iss", "sub"); return err }},
	),
	{"a user reads back as written, by id, e-mail in any case and subject", func(t *testing.T, st entitlement.Store) {
		u := newUser("Grace Hopper", "Grace@Example.com")
		u.Issuer, u.Subject = "https://idp.example", "grace-1"
		putUsers(t, st, u)
		for _, get := range []func(tx entitlement.Tx) (entitlement.User, error){
			func(tx entitlement.Tx) (entitlement.User, error) { return tx.Users().Get(u.ID) },
			func(tx entitlement.Tx) (entitlement.User, error) { return tx.Users().ByEmail(" grace@EXAMPLE.com") },
			func(tx entitlement.Tx) (entitlement.User, error) { return tx.Users().BySubject(u.Issuer, u.Subject) },
		} {
			if diff := cmp.Diff(u, read(t, st, get)); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
		}
	}},
	{"e-mail and subject are unique", func(t *testing.T, st entitlement.Store) {
		a := newUser("Ada", "ada@example.com")
		a.Issuer, a.Subject = "iss", "ada"
		putUsers(t, st, a)
		sameMail := newUser("Bob", "ADA@example.com")
		wantErr(t, st, entitlement.ErrConflict, "same e-mail", func(tx entitlement.Tx) error { return tx.Users().Put(sameMail) })
		sameSub := newUser("Cy", "cy@example.com")
		sameSub.Issuer, sameSub.Subject = "iss", "ada"
		wantErr(t, st, entitlement.ErrConflict, "same subject", func(tx entitlement.Tx) error { return tx.Users().Put(sameSub) })
		// The failed puts left nothing, and a record is no conflict with itself.
		if got := listUsers(t, st, ""); !slices.Equal(got, []string{"Ada"}) {
			t.Errorf("users = %v, want only Ada", got)
		}
		putUsers(t, st, a)
	}},
	{"search finds a user by a prefix of any word of the name or of the e-mail", func(t *testing.T, st entitlement.Store) {
		putUsers(t, st, newUser("Grace Hopper", "grace.h@navy.example"), newUser("Ada Lovelace", "ada@math.example"),
			newUser("Alan Turing", "alan@math.example"))
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"gra", []string{"Grace Hopper"}},
			{"HOP", []string{"Grace Hopper"}},
			{"grace.h@", []string{"Grace Hopper"}},
			{"navy", []string{"Grace Hopper"}},
			{"math", []string{"Ada Lovelace", "Alan Turing"}},
			{"a", []string{"Ada Lovelace", "Alan Turing"}},
			{"zz", nil},
		} {
			if got := listUsers(t, st, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
			}
		}
	}},
	{"a changed user leaves no stale index entry", func(t *testing.T, st entitlement.Store) {
		mgr := newUser("Charles Babbage", "charles@example.com")
		u := newUser("Ada Lovelace", "ada@example.com")
		u.ManagerID = mgr.ID
		putUsers(t, st, mgr, u)
		if got := read(t, st, func(tx entitlement.Tx) ([]entitlement.User, error) { return tx.Users().Reports(mgr.ID) }); len(got) != 1 || got[0].ID != u.ID {
			t.Errorf("reports = %v, want Ada", got)
		}
		u.DisplayName, u.Email, u.ManagerID = "Ada King", "ada.king@example.com", ""
		putUsers(t, st, u)
		if ok := read(t, st, func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().ByEmail("ada@example.com")) }); !ok {
			t.Error("the old e-mail still finds the user")
		}
		if got := read(t, st, func(tx entitlement.Tx) (entitlement.User, error) { return tx.Users().ByEmail("ada.king@example.com") }); got.ID != u.ID {
			t.Errorf("the new e-mail finds %+v", got)
		}
		for q, want := range map[string]int{"lovelace": 0, "king": 1, "ada": 1} {
			if got := listUsers(t, st, q); len(got) != want {
				t.Errorf("search %q = %v, want %d", q, got, want)
			}
		}
		if got := read(t, st, func(tx entitlement.Tx) ([]entitlement.User, error) { return tx.Users().Reports(mgr.ID) }); len(got) != 0 {
			t.Errorf("reports of the old manager = %v", got)
		}
		// The old address is free for someone else.
		putUsers(t, st, newUser("Other", "ada@example.com"))
	}},
	{"Delete removes the user from every index and every group", func(t *testing.T, st entitlement.Store) {
		mgr := newUser("Charles", "charles@example.com")
		u := newUser("Ada", "ada@example.com")
		u.ManagerID, u.Issuer, u.Subject = mgr.ID, "iss", "ada"
		g := entitlement.Group{ID: entitlement.NewID(), DisplayName: "Ops"}
		putUsers(t, st, mgr, u)
		update(t, st, func(tx entitlement.Tx) error {
			if err := tx.Groups().Put(g); err != nil {
				return err
			}
			return tx.Groups().AddMember(g.ID, u.ID, entitlement.MemberDirect)
		})
		update(t, st, func(tx entitlement.Tx) error { return tx.Users().Delete(u.ID) })
		for name, gone := range map[string]func(tx entitlement.Tx) (bool, error){
			"Get":       func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().Get(u.ID)) },
			"ByEmail":   func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().ByEmail(u.Email)) },
			"BySubject": func(tx entitlement.Tx) (bool, error) { return isNotFound(tx.Users().BySubject("iss", "ada")) },
			"Reports": func(tx entitlement.Tx) (bool, error) {
				rs, err := tx.Users().Reports(mgr.ID)
				return len(rs) == 0, err
			},
			"search": func(tx entitlement.Tx) (bool, error) {
				p, err := tx.Users().List(entitlement.ListOptions{Search: "ada"})
				return p.Total == 0, err
			},
			"MemberIDs": func(tx entitlement.Tx) (bool, error) {
				p, err := tx.Groups().MemberIDs(g.ID, entitlement.ListOptions{})
				return p.Total == 0, err
			},
			"GroupIDsOf": func(tx entitlement.Tx) (bool, error) {
				ids, err := tx.Groups().GroupIDsOf(u.ID)
				return len(ids) == 0, err
			},
		} {
			if !read(t, st, gone) {
				t.Errorf("%s still finds the deleted user", name)
			}
		}
		putUsers(t, st, newUser("Other", "ada@example.com"))
	}},
	{"List pages in name order both ways, with and without a search", func(t *testing.T, st entitlement.Store) {
		const n = 65
		putUsers(t, st, peopleOutOfOrder(n, "Person", "p%d@example.com")...)
		for _, tc := range []struct {
			name   string
			search string
			size   int
			desc   bool
		}{
			{"all", "", 10, false},
			{"page size 7", "", 7, false},
			{"one page", "", 100, false},
			{"Z to A", "", 10, true},
			{"search a name word", "pers", 10, false},
			{"search an e-mail word", "example", 25, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				names := read(t, st, func(tx entitlement.Tx) ([]string, error) {
					return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
						o.Search, o.Desc = tc.search, tc.desc
						return tx.Users().List(o)
					}, userName, tc.size, n), nil
				})
				if tc.desc {
					slices.Reverse(names)
				}
				if !slices.IsSorted(names) {
					t.Errorf("not in name order: %v", names)
				}
			})
		}
	}},
	{"a search pages through each matching person once, best match first, with their number", func(t *testing.T, st entitlement.Store) {
		// Most people match "sam" by several words (name, e-mail, e-mail's first word), some
		// share a name, some match only by e-mail, some not at all; a service account matches
		// but is no person.
		var people []entitlement.User
		for i := range 40 {
			name := fmt.Sprintf("Sam Sample %02d", (i*13)%20)
			switch i % 5 {
			case 3:
				name = fmt.Sprintf("Noel Other %02d", i)
			case 4:
				name = fmt.Sprintf("Zed Zulu %02d", i)
			}
			email := fmt.Sprintf("sam.%d@example.com", i)
			if i%5 == 4 {
				email = fmt.Sprintf("zed%d@example.com", i)
			}
			people = append(people, newUser(name, email))
		}
		// A name that starts with a word break is found by its whole only when the search is that
		// break: a search of only breaks is the one word that keeps them.
		people = append(people, newUser("_Sam Under", "under@example.com"))
		// Found by a longer word only: after everyone found by "sam" itself, then by that word.
		people = append(people, newUser("Ann Samson", "ann.s@example.com"), newUser("Samira Long", "long@example.com"))
		bot := newUser("Sam Bot", "sam.bot@example.com")
		bot.Kind = entitlement.KindServiceAccount
		putUsers(t, st, append(slices.Clone(people), bot)...)
		// With NameOrder, the same matches come in name order.
		for _, q := range []string{"sam", "SAMPLE", "sam.1", "zed", "example", "_", "_sam u", "nobody"} {
			for _, byName := range []bool{false, true} {
				var want []entitlement.User
				for _, u := range people {
					if entitlement.MatchesSearch(q, u.DisplayName, u.Email) {
						want = append(want, u)
					}
				}
				slices.SortFunc(want, func(a, b entitlement.User) int {
					if c := strings.Compare(bestMatch(q, a), bestMatch(q, b)); c != 0 && !byName {
						return c
					}
					if c := strings.Compare(strings.ToLower(a.DisplayName), strings.ToLower(b.DisplayName)); c != 0 {
						return c
					}
					return strings.Compare(a.ID, b.ID)
				})
				wantIDs := keys(want, func(u entitlement.User) string { return u.ID })
				for _, size := range []int{1, 3, 7, 50} {
					got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
						return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
							o.Search, o.NameOrder = q, byName
							return tx.Users().List(o)
						}, func(u entitlement.User) string { return u.ID }, size, len(want)), nil
					})
					if !slices.Equal(got, wantIDs) {
						t.Errorf("search %q (name order %v), %d a page: %d people %v, want %d %v", q, byName, size, len(got), got, len(wantIDs), wantIDs)
					}
				}
			}
		}
	}},
	{"a one-word search counts up to SearchCountLimit, and its pages reach every match", func(t *testing.T, st entitlement.Store) {
		const n = entitlement.SearchCountLimit + 5
		putUsers(t, st, peopleOutOfOrder(n, "Kim", "kim%d@example.com")...)
		for _, tc := range []struct {
			q       string
			total   int
			atLeast bool
		}{
			{"kim", entitlement.SearchCountLimit, true},
			{"kim1", 16, false},   // kim1, kim10-19, kim100-104
			{"kim 00", 10, false}, // several words: every match gathered, counted whole
		} {
			p := read(t, st, func(tx entitlement.Tx) (entitlement.Page[entitlement.User], error) {
				return tx.Users().List(entitlement.ListOptions{Search: tc.q, Limit: 10})
			})
			if p.Total != tc.total || p.TotalAtLeast != tc.atLeast || len(p.Items) != 10 {
				t.Errorf("search %q: total %d (at least %v), %d items; want %d (%v), 10", tc.q, p.Total, p.TotalAtLeast, len(p.Items), tc.total, tc.atLeast)
			}
		}
		// Past the count, the pages still reach every match once, both ways.
		got := read(t, st, func(tx entitlement.Tx) ([]string, error) {
			return Walk(t, func(o entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
				o.Search = "kim"
				return tx.Users().List(o)
			}, userName, 30, n), nil
		})
		if !slices.IsSorted(got) {
			t.Errorf("one word's matches under one token are not in name order: %v", got)
		}
	}},
	{"a damaged cursor is a ValidationError", func(t *testing.T, st entitlement.Store) {
		putUsers(t, st, newUser("Ada", "ada@example.com"))
		for _, opt := range []entitlement.ListOptions{{After: "%%%"}, {Before: "%%%"}, {After: "%%%", Search: "ada"}} {
			err := st.View(bg, func(tx entitlement.Tx) error { _, err := tx.Users().List(opt); return err })
			if !isValidation(err) {
				t.Errorf("List(%+v) = %v, want a ValidationError", opt, err)
			}
		}
	}},
}

// idsMatchingCases check the key-only user search the package lists search people with.
var idsMatchingCases = []tcase{
	{"IDsMatching finds users by any word of their name or e-mail, as List's search does", func(t *testing.T, st entitlement.Store) {
		ada := newUser("Ada Lovelace", "ada@example.com")
		grace := newUser("Grace Hopper", "grace.lovelace@example.com")
		alan := newUser("Alan Turing", "alan@example.com")
		putUsers(t, st, ada, grace, alan)
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"love", []string{ada.ID, grace.ID}},
			{"  ALAN ", []string{alan.ID}},
			{"example", []string{ada.ID, alan.ID, grace.ID}},
			{"nobody", nil},
			{" ", nil},
		} {
			got := read(t, st, func(tx entitlement.Tx) ([]string, error) { return tx.Users().IDsMatching(tc.search) })
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("IDsMatching(%q) = %v, want %v", tc.search, got, want)
			}
		}
	}},
}

// peopleOutOfOrder makes n people named name and a number ("Kim 007"), in an order that is not
// their names' (n must not be a multiple of 37), with the e-mail addresses email numbers in
// creation order.
func peopleOutOfOrder(n int, name, email string) []entitlement.User {
	people := make([]entitlement.User, 0, n)
	for i := range n {
		people = append(people, newUser(fmt.Sprintf("%s %03d", name, (i*37)%n), fmt.Sprintf(email, i)))
	}
	return people
}

// bestMatch is what a one-word search lists the user under: the smallest of their tokens the
// word starts (only single words, unless the word holds a break); "" for a search of several
// words, which lists in name order.
func bestMatch(q string, u entitlement.User) string {
	words := entitlement.SearchWords(q)
	if len(words) != 1 {
		return ""
	}
	w := words[0]
	best := ""
	for _, tok := range entitlement.SearchTokens(u.DisplayName, u.Email) {
		if !strings.HasPrefix(tok, w) || !strings.ContainsAny(w, entitlement.WordBreaks) && strings.ContainsAny(tok, entitlement.WordBreaks) {
			continue
		}
		if best == "" || tok < best {
			best = tok
		}
	}
	return best
}

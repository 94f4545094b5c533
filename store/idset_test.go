package store

import (
	"fmt"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestIDSet adds ids, UUIDs and shorter ones, each several times over enough of them that the
// table grows many times: each is new once, and the set's size is the number of distinct ids;
// a released set is empty when it is used again.
func TestIDSet(t *testing.T) {
	var ids [][]byte
	for i := range 3000 {
		id := entitlement.NewID()
		if i%3 == 0 {
			id = fmt.Sprintf("u%d", i)
		}
		ids = append(ids, []byte(id))
	}
	s := idSets.Get().(*idSet)
	for round := range 3 {
		for i, id := range ids {
			// A copy, so that equal ids are found by their bytes, not by their memory.
			if got, want := s.add([]byte(string(id))), round == 0; got != want {
				t.Fatalf("round %d, id %d (%s): add = %v, want %v", round, i, id, got, want)
			}
		}
		if s.len() != len(ids) {
			t.Fatalf("round %d: len = %d, want %d", round, s.len(), len(ids))
		}
	}
	// Released, it is empty, whether the next search gets it back or a new one.
	s.release()
	s = idSets.Get().(*idSet)
	defer s.release()
	if s.len() != 0 || !s.add(ids[0]) || s.add(ids[0]) {
		t.Errorf("a released set still holds ids: len %d", s.len())
	}
}

func TestSortKeyID(t *testing.T) {
	id := entitlement.NewID()
	for _, tc := range []struct{ sk, want string }{
		{"ada lovelace" + sep + id, id},
		{sep + id, id},
		{"ada" + sep + "u1", "u1"},
		{"a name of more than thirty-seven bytes" + sep + "short", "short"},
	} {
		if got := string(sortKeyID([]byte(tc.sk))); got != tc.want {
			t.Errorf("sortKeyID(%q) = %q, want %q", tc.sk, got, tc.want)
		}
	}
}

func TestWordEnd(t *testing.T) {
	for _, tc := range []struct {
		key  string
		n    int
		want int
	}{
		{"user12345" + sep + "ada" + sep + "id", 6, 9},
		{"user12" + sep + "ada" + sep + "id", 6, 6},
		{"user12345@bench.example" + sep + "ada" + sep + "id", 6, -1},
		{"ada lovelace" + sep + "ada lovelace" + sep + "id", 3, -1},
		{"user12345", 6, -1},
	} {
		if got := wordEnd([]byte(tc.key), tc.n); got != tc.want {
			t.Errorf("wordEnd(%q, %d) = %d, want %d", tc.key, tc.n, got, tc.want)
		}
	}
}

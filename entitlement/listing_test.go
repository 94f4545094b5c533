package entitlement_test

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func TestSearchMatchesTheStartOfAnyWord(t *testing.T) {
	// A search is split into words as texts are (so "@example" is the word "example").
	texts := []string{"Ada Lovelace", "ada.lovelace@example.com"}
	for q, want := range map[string]bool{
		"": true, "ada": true, "lovelace": true, "ada lo": true, "example": true, "com": true,
		"love": true, "velace": false, "ada.l": true, "@example": true, "x": false,
		// Every word must start one of the record's words, in any order.
		"lo ada": true, "lovelace example": true, "ada x": false, "ada velace": false,
		// …each a different word: "ada.a" is not "ada" twice.
		"ada.a": false, "ada ada": false,
	} {
		if got := entitlement.MatchesSearch(entitlement.SearchKey(q), texts...); got != want {
			t.Errorf("MatchesSearch(%q) = %v, want %v", q, got, want)
		}
	}
	if got := entitlement.SearchTokens("  Ada-Ada  "); len(got) != 2 || got[0] != "ada-ada" || got[1] != "ada" {
		t.Errorf("SearchTokens = %q, want the whole text and one word", got)
	}
}

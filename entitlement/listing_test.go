package entitlement_test

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func TestSearchMatchesTheStartOfAnyWord(t *testing.T) {
	texts := []string{"Ada Lovelace", "ada.lovelace@example.com"}
	for q, want := range map[string]bool{
		"": true, "ada": true, "lovelace": true, "ada lo": true, "example": true, "com": true,
		"love": true, "velace": false, "ada.l": true, "@example": false, "x": false,
	} {
		if got := entitlement.MatchesSearch(entitlement.SearchKey(q), texts...); got != want {
			t.Errorf("MatchesSearch(%q) = %v, want %v", q, got, want)
		}
	}
	if got := entitlement.SearchTokens("  Ada-Ada  "); len(got) != 2 || got[0] != "ada-ada" || got[1] != "ada" {
		t.Errorf("SearchTokens = %q, want the whole text and one word", got)
	}
}

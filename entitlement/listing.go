package entitlement

import (
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// SearchKey normalises what a person searched for the way SearchTokens keeps words: trimmed and
// lower-cased.
func SearchKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// SearchTokens returns what a record is found by: each text whole and each of its words (split at
// spaces, dashes, dots, underscores and @, so that "lovelace" finds "ada.lovelace@example.com"),
// lower-cased and without repeats. A search matches a record when it starts one of them; the
// store's search indexes keep these tokens, and MatchesSearch applies the same rule in memory.
func SearchTokens(texts ...string) []string {
	var out []string
	add := func(w string) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	for _, s := range texts {
		s = SearchKey(s)
		if s == "" {
			continue
		}
		add(s)
		for _, w := range strings.FieldsFunc(s, isWordBreak) {
			add(w)
		}
	}
	return out
}

// WordBreaks are the characters SearchTokens splits texts into words at. A token holding one is
// a text whole of several words, and a search word holding none (one of SearchWords' when the
// search has a word) that starts it starts its first word too, which is a token of its own: such a
// search finds every record it matches by the tokens without breaks alone.
const WordBreaks = " -._@"

func isWordBreak(r rune) bool {
	return r < utf8.RuneSelf && strings.IndexByte(WordBreaks, byte(r)) >= 0
}

// SearchWords returns the words of a search, split as SearchTokens splits texts; a search of
// only separators is q itself.
func SearchWords(q string) []string {
	q = SearchKey(q)
	if w := strings.FieldsFunc(q, isWordBreak); len(w) > 0 {
		return w
	}
	if q == "" {
		return nil
	}
	return []string{q}
}

// MatchesSearch reports whether q, a search, matches texts; an empty q matches everything.
func MatchesSearch(q string, texts ...string) bool { return MatchesTokens(q, SearchTokens(texts...)) }

// MatchesTokens is MatchesSearch on the SearchTokens of a record, for stores that keep them. q
// matches when it starts one of the tokens ("ada.l" finds "ada.lovelace@example.com"), or when
// each of its SearchWords starts a different word of the record, in any order ("rea fin" finds
// "Finance readers", but "alice.a" does not find "Alice Zed").
func MatchesTokens(q string, tokens []string) bool {
	q = SearchKey(q)
	if q == "" {
		return true
	}
	var words []string // the tokens that are single words
	for _, tok := range tokens {
		if strings.HasPrefix(tok, q) {
			return true
		}
		if !strings.ContainsFunc(tok, isWordBreak) {
			words = append(words, tok)
		}
	}
	return matchDistinct(SearchWords(q), words, make([]bool, len(words)))
}

// matchDistinct reports whether each of qs starts a different one of words (a search has few
// words, so trying each assignment is cheap).
func matchDistinct(qs, words []string, used []bool) bool {
	if len(qs) == 0 {
		return true
	}
	for i, w := range words {
		if !used[i] && strings.HasPrefix(w, qs[0]) {
			used[i] = true
			if matchDistinct(qs[1:], words, used) {
				return true
			}
			used[i] = false
		}
	}
	return false
}

// PageOf pages through items, already sorted by key, in memory. It serves lists that are the
// union of a few index lookups (the catalogs a person holds roles in) or that are filtered after
// reading, where a store cursor does not apply.
func PageOf[T any](items []T, key func(T) string, opt ListOptions) (Page[T], error) {
	page := Page[T]{Total: len(items)}
	from, to, err := Window(len(items), func(i int) string { return key(items[i]) }, opt, &page.Prev, &page.Next)
	if err != nil {
		return page, err
	}
	page.Items = append([]T(nil), items[from:to]...)
	return page, nil
}

// Window picks one page, items [from, to), out of n items sorted by key, and sets the cursors of
// the neighbouring pages. A cursor is the key of the item next to the page, so a page link stays
// valid when the item it names is gone. PageOf and the store's lists gathered whole use it.
func Window(n int, key func(i int) string, opt ListOptions, prev, next *string) (from, to int, err error) {
	after, err := DecodeCursor(opt.After)
	if err != nil {
		return 0, 0, err
	}
	before, err := DecodeCursor(opt.Before)
	if err != nil {
		return 0, 0, err
	}
	at := func(k string) int { return sort.Search(n, func(i int) bool { return key(i) >= k }) }
	size := opt.PageSize()
	switch {
	case before != "":
		to = at(before)
		from = max(to-size, 0)
	case after != "":
		from = at(after)
		if from < n && key(from) == after {
			from++
		}
		to = min(from+size, n)
	default:
		to = min(size, n)
	}
	if from > 0 && from < to {
		*prev = EncodeCursor(key(from))
	}
	if to < n && from < to {
		*next = EncodeCursor(key(to - 1))
	}
	return from, to, nil
}

// EncodeCursor turns the key a page ends at into the opaque cursor of ListOptions and Page.
func EncodeCursor(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }

// DecodeCursor reads a cursor back into its key ("" for none); a damaged one is a
// ValidationError that people can act on.
func DecodeCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	k, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", invalid("invalidCursor", "cursor", "the page link is damaged; go back to the first page")
	}
	return string(k), nil
}

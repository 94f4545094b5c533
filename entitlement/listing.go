package entitlement

import (
	"encoding/base64"
	"slices"
	"sort"
	"strings"
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
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '.' || r == '_' || r == '@' }) {
			add(w)
		}
	}
	return out
}

// MatchesSearch reports whether q, a SearchKey, starts one of the SearchTokens of texts; an empty
// q matches everything.
func MatchesSearch(q string, texts ...string) bool {
	if q == "" {
		return true
	}
	for _, tok := range SearchTokens(texts...) {
		if strings.HasPrefix(tok, q) {
			return true
		}
	}
	return false
}

// PageOf pages through items, already sorted by key, in memory. It serves lists that are the
// union of a few index lookups (the catalogs a person holds roles in) or that are filtered after
// reading, where a store cursor does not apply. The cursor is the key of the item next to it,
// encoded as the store's are, so a page link stays valid when the item it names is gone.
func PageOf[T any](items []T, key func(T) string, opt ListOptions) (Page[T], error) {
	var page Page[T]
	page.Total = len(items)
	after, err := decodeListCursor(opt.After)
	if err != nil {
		return page, err
	}
	before, err := decodeListCursor(opt.Before)
	if err != nil {
		return page, err
	}
	at := func(k string) int { return sort.Search(len(items), func(i int) bool { return key(items[i]) >= k }) }
	size := opt.PageSize()
	var from, to int
	switch {
	case before != "":
		to = at(before)
		from = max(to-size, 0)
	case after != "":
		from = at(after)
		if from < len(items) && key(items[from]) == after {
			from++
		}
		to = min(from+size, len(items))
	default:
		to = min(size, len(items))
	}
	page.Items = append([]T(nil), items[from:to]...)
	if from > 0 && from < to {
		page.Prev = encodeListCursor(key(items[from]))
	}
	if to < len(items) && from < to {
		page.Next = encodeListCursor(key(items[to-1]))
	}
	return page, nil
}

func encodeListCursor(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }

func decodeListCursor(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	k, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", invalid("invalidCursor", "cursor", "the page link is damaged; go back to the first page")
	}
	return string(k), nil
}

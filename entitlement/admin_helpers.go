package entitlement

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"github.com/stewardhq/steward/words"
)

// read runs fn in a read-only transaction with the caller's access loaded.
func (s *Service) read(ctx context.Context, fn func(tx Tx, a *access) error) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	return s.store.View(ctx, func(tx Tx) error {
		a, err := loadAccess(tx, p)
		if err != nil {
			return err
		}
		return fn(tx, a)
	})
}

// write runs fn in one update transaction with the caller's access loaded; nothing is written
// unless fn returns nil.
func (s *Service) write(ctx context.Context, fn func(tx Tx, a *access) error) error {
	p, err := principal(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		a, err := loadAccess(tx, p)
		if err != nil {
			return err
		}
		return fn(tx, a)
	})
}

// actorLabel is what createdBy and modifiedBy hold: the caller's e-mail (Graph keeps the UPN
// there), or the name for the system.
func actorLabel(p Principal) string {
	switch {
	case p.Email != "":
		return p.Email
	case p.Name != "":
		return p.Name
	}
	return "Steward"
}

// requireAdmin refuses callers who are not administrators.
func requireAdmin(a *access, what string) error {
	if !a.isAdmin() {
		return forbidden("only administrators can %s", what)
	}
	return nil
}

// pageOf pages through items, already sorted by key, in memory. It serves lists that are the
// union of a few index lookups (the catalogs a person holds roles in), where a store cursor does
// not apply. The cursor is the key of the item next to it, as in the store.
func pageOf[T any](items []T, key func(T) string, opt ListOptions) (Page[T], error) {
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

// sortKey orders records by name and then id, the order of the store's name indexes.
func sortKey(name, id string) string { return strings.ToLower(strings.TrimSpace(name)) + "\x00" + id }

// matchesSearch reports whether q (already lower-cased and trimmed) is a prefix of one of the
// texts or of one of their words, as the store's search indexes match.
func matchesSearch(q string, texts ...string) bool {
	if q == "" {
		return true
	}
	for _, t := range texts {
		t = strings.ToLower(strings.TrimSpace(t))
		if strings.HasPrefix(t, q) {
			return true
		}
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return r == ' ' || r == '-' || r == '.' || r == '_' || r == '@' }) {
			if strings.HasPrefix(w, q) {
				return true
			}
		}
	}
	return false
}

func searchOf(opt ListOptions) string { return strings.ToLower(strings.TrimSpace(opt.Search)) }

// CollectAll reads every page of a list, for the few callers that need it whole (pickers,
// summaries); lists that people page through use the pages.
func CollectAll[T any](list func(ListOptions) (Page[T], error)) ([]T, error) {
	var out []T
	opt := ListOptions{Limit: MaxPageSize}
	for {
		p, err := list(opt)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		opt.After = p.Next
	}
}

// changes collects a readable summary of what an update changed, for the audit log.
type changes []string

func (c *changes) text(field, old, new string) {
	if old != new {
		*c = append(*c, fmt.Sprintf("%s %q → %q", field, old, new))
	}
}

func (c *changes) flag(field string, old, new bool) {
	if old != new {
		*c = append(*c, fmt.Sprintf("%s %t → %t", field, old, new))
	}
}

func (c changes) summary() string {
	if len(c) == 0 {
		return "no change"
	}
	return strings.Join(c, "; ")
}

// quoteList renders names for a message: "A", "B" and "C".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return words.JoinAnd(q)
}

// load reads one record, turning a missing one into the not-found refusal people see.
func load[T any](what, id string, get func(string) (T, error)) (T, error) {
	v, err := get(id)
	if isNotFound(err) {
		return v, notFound(what, id)
	}
	if err != nil {
		return v, fmt.Errorf("load %s %s: %w", what, id, err)
	}
	return v, nil
}

// readableCatalog loads a catalog the caller may read.
func readableCatalog(tx Tx, a *access, id string) (Catalog, error) {
	c, err := getCatalog(tx, id)
	if err != nil {
		return c, err
	}
	if !a.canReadCatalog(id) {
		return c, forbidden("you have no role in the catalog %q", c.DisplayName)
	}
	return c, nil
}

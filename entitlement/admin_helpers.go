package entitlement

import (
	"context"
	"fmt"
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
		a, err := s.loadAccess(tx, p)
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
		a, err := s.loadAccess(tx, p)
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

// sortKey orders records by name and then id, the order of the store's name indexes.
func sortKey(name, id string) string { return strings.ToLower(strings.TrimSpace(name)) + "\x00" + id }

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

// text notes a value that changed, under a label people read ("name", not "displayName").
func (c *changes) text(field, old, new string) {
	if old != new {
		*c = append(*c, fmt.Sprintf("%s %q → %q", field, old, new))
	}
}

// ref notes that a reference to another record changed; ids mean nothing to people, and the
// record's page names what it points to now.
func (c *changes) ref(field, old, new string) {
	if old != new {
		*c = append(*c, field+" changed")
	}
}

// flag notes a yes/no setting that changed: what is a state such as "hidden", read as "now
// hidden" or "no longer hidden".
func (c *changes) flag(what string, old, new bool) {
	switch {
	case new && !old:
		*c = append(*c, "now "+what)
	case old && !new:
		*c = append(*c, "no longer "+what)
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
	return readableCatalogFrom(a, id, tx.Catalogs().Get)
}

// readableCatalog loads a catalog the caller may read through the configuration cache.
func (v configView) readableCatalog(a *access, id string) (Catalog, error) {
	return readableCatalogFrom(a, id, v.catalog)
}

func readableCatalogFrom(a *access, id string, get func(string) (Catalog, error)) (Catalog, error) {
	c, err := load("catalog", id, get)
	if err != nil {
		return c, err
	}
	if !a.canReadCatalog(id) {
		return c, forbidden("you have no role in the catalog %q", c.DisplayName)
	}
	return c, nil
}

package entitlement

import (
	"context"
	"slices"
	"strings"
)

// CatalogQuery asks which of the catalogs that offer the caller something match: by id, by
// exact name, or by the words of a search, the first of these that is set.
type CatalogQuery struct {
	ID     string
	Name   string // the whole name, case-insensitive
	Search string // words that start words of the name, as MatchesSearch reads them
	Limit  int    // at most this many are returned; 0 returns none, only the count
}

// FindRequestableCatalogs returns the catalogs (their public fields) that offer the caller at
// least one package RequestablePackages would list and that match the query, sorted by name, at
// most q.Limit of them, and how many catalogs offer the caller something in all. The catalogs of the caller's class are indexed once per configuration
// version, so an id or a name is looked up, a search stops at its limit, and the count costs
// nothing: the catalog filter of the find-access page does not grow with the catalogs.
func (s *Service) FindRequestableCatalogs(ctx context.Context, q CatalogQuery) ([]Catalog, int, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []Catalog
	total := 0
	err = s.store.View(ctx, func(tx Tx) error {
		_, class, named, err := s.offersFor(tx, p.UserID)
		if err != nil {
			return err
		}
		extra := extraCatalogs(class, named)
		total = len(class.catalogs) + len(extra)
		if q.Limit <= 0 {
			return nil
		}
		out = class.findCatalogs(q)
		for _, c := range extra {
			if q.matches(c) {
				i, _ := slices.BinarySearchFunc(out, c, compareCatalogs)
				out = slices.Insert(out, i, c)
			}
		}
		if len(out) > q.Limit {
			out = out[:q.Limit]
		}
		return nil
	})
	return out, total, err
}

// matches applies the query to one catalog, for the few catalogs outside the class's index.
func (q CatalogQuery) matches(c Catalog) bool {
	switch {
	case q.ID != "":
		return c.ID == q.ID
	case q.Name != "":
		return SearchKey(c.DisplayName) == SearchKey(q.Name)
	}
	return MatchesSearch(q.Search, c.DisplayName)
}

// findCatalogs returns the class's catalogs that match the query, in order, at most q.Limit.
func (co *classOffers) findCatalogs(q CatalogQuery) []Catalog {
	var out []Catalog
	switch {
	case q.ID != "":
		if i, ok := co.catalogAt[q.ID]; ok {
			out = append(out, co.catalogs[i])
		}
	case q.Name != "":
		for _, i := range co.byName[SearchKey(q.Name)] {
			out = append(out, co.catalogs[i])
		}
	default:
		out = make([]Catalog, 0, min(q.Limit, len(co.catalogs)))
		for i, c := range co.catalogs {
			if len(out) == q.Limit {
				break
			}
			if MatchesTokens(q.Search, co.tokens[i]) {
				out = append(out, c)
			}
		}
	}
	return out
}

// indexCatalogs fills the class's catalog indexes from its sorted catalogs.
func (co *classOffers) indexCatalogs() {
	co.catalogAt = make(map[string]int, len(co.catalogs))
	co.byName = make(map[string][]int, len(co.catalogs))
	co.tokens = make([][]string, len(co.catalogs))
	for i, c := range co.catalogs {
		co.catalogAt[c.ID] = i
		name := SearchKey(c.DisplayName)
		co.byName[name] = append(co.byName[name], i)
		co.tokens[i] = SearchTokens(c.DisplayName)
	}
}

// extraCatalogs returns the catalogs that only the caller's own policies open (not the class's),
// sorted by name: there are few.
func extraCatalogs(class *classOffers, named []*offer) []Catalog {
	var out []Catalog
	for _, o := range named {
		c := o.rp.Catalog
		if _, ok := class.byCatalog[c.ID]; ok {
			continue
		}
		if i, found := slices.BinarySearchFunc(out, c, compareCatalogs); !found {
			out = slices.Insert(out, i, c)
		}
	}
	return out
}

// compareCatalogs orders catalogs by name, then id.
func compareCatalogs(a, b Catalog) int {
	if c := strings.Compare(a.DisplayName, b.DisplayName); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

package entitlement

import (
	"fmt"
	"sync"
)

// configCache keeps catalogs, access packages and policies as read at one configuration version
// (Tx.ConfigVersion), for the reads that look at thousands of them on every page: what a person
// may request. A write to any of them moves the version on in its own transaction, so a
// transaction that reads the version reads records of that version, and what is kept for the
// version stays right until it changes. Kept records are shared: their readers must not change
// them.
type configCache struct {
	mu        sync.RWMutex
	version   uint64
	policies  map[string]AssignmentPolicy
	packages  map[string]AccessPackage
	catalogs  map[string]Catalog
	resources map[string]Resource
	offers    map[requestorClass]*classOffers // what each class may request (requestableOffers)
	// roles holds each principal's catalog roles by catalog, in display order (loadAccess):
	// roles live in their catalogs' records, so a change to one moves the version on.
	roles map[string]map[string][]CatalogRole
}

// configView reads configuration records in one transaction, through the cache when the cache
// is at the transaction's version.
type configView struct {
	tx      Tx
	c       *configCache
	version uint64
	cached  bool
}

func (s *Service) configView(tx Tx) (configView, error) {
	v, err := tx.ConfigVersion()
	if err != nil {
		return configView{}, fmt.Errorf("configuration version: %w", err)
	}
	c := &s.configCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if (c.policies == nil || v > c.version) && !tx.Writable() {
		// A newer version: start again. An older transaction (begun before a write committed)
		// reads without the cache, so that it never stores old records under the new version.
		// A write transaction never starts it again: a newer version there may be its own
		// write, which a failure or a shared commit's retry can undo, and what it read would
		// stay kept under a version that then commits with other records. At the cache's
		// version it has written no configuration, so it reads and keeps committed records.
		c.version = v
		c.policies, c.packages, c.catalogs = map[string]AssignmentPolicy{}, map[string]AccessPackage{}, map[string]Catalog{}
		c.resources = map[string]Resource{}
		c.offers = map[requestorClass]*classOffers{}
		c.roles = map[string]map[string][]CatalogRole{}
	}
	return configView{tx: tx, c: c, version: v, cached: c.policies != nil && v == c.version}, nil
}

// cachedGet returns the record from m when the view may use the cache, and otherwise reads it
// and keeps it when the cache is still at the view's version.
func cachedGet[T any](v configView, m func() map[string]T, id string, read func(string) (T, error)) (T, error) {
	if v.cached {
		v.c.mu.RLock()
		x, ok := m()[id]
		v.c.mu.RUnlock()
		if ok {
			return x, nil
		}
	}
	x, err := read(id)
	if err != nil || !v.cached {
		return x, err
	}
	v.c.mu.Lock()
	if v.c.version == v.version {
		m()[id] = x
	}
	v.c.mu.Unlock()
	return x, nil
}

func (v configView) policy(id string) (AssignmentPolicy, error) {
	return cachedGet(v, func() map[string]AssignmentPolicy { return v.c.policies }, id, v.tx.Policies().Get)
}

func (v configView) accessPackage(id string) (AccessPackage, error) {
	return cachedGet(v, func() map[string]AccessPackage { return v.c.packages }, id, v.tx.AccessPackages().Get)
}

func (v configView) catalog(id string) (Catalog, error) {
	return cachedGet(v, func() map[string]Catalog { return v.c.catalogs }, id, v.tx.Catalogs().Get)
}

func (v configView) resource(id string) (Resource, error) {
	return cachedGet(v, func() map[string]Resource { return v.c.resources }, id, v.tx.Resources().Get)
}

// rolesOf returns the catalog roles the principal holds, by catalog, each catalog's in display
// order (Owner first). The map is shared: its readers must not change it.
func (v configView) rolesOf(principalID string) (map[string][]CatalogRole, error) {
	return cachedGet(v, func() map[string]map[string][]CatalogRole { return v.c.roles }, principalID,
		func(id string) (map[string][]CatalogRole, error) {
			byCatalog, err := v.tx.Catalogs().RolesByPrincipal(id)
			for _, roles := range byCatalog {
				sortRoles(roles)
			}
			return byCatalog, err
		})
}

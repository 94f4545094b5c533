package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// tx adapts a bbolt transaction to entitlement.Tx. Every value it returns is decoded inside the
// transaction, so nothing refers to bbolt's memory after it ends.
type tx struct{ b *bolt.Tx }

func (t *tx) Users() entitlement.Users         { return users{t.b} }
func (t *tx) Groups() entitlement.Groups       { return groups{t.b} }
func (t *tx) Catalogs() entitlement.Catalogs   { return catalogs{t.b} }
func (t *tx) Resources() entitlement.Resources { return resources{t.b} }
func (t *tx) ResourceRequests() entitlement.ResourceRequests {
	return resourceRequests{t.b}
}
func (t *tx) AccessPackages() entitlement.AccessPackages { return accessPackages{t.b} }
func (t *tx) Policies() entitlement.Policies             { return policies{t.b} }
func (t *tx) ConnectedOrganizations() entitlement.ConnectedOrganizations {
	return connectedOrgs{t.b}
}
func (t *tx) Requests() entitlement.Requests               { return requests{t.b} }
func (t *tx) Assignments() entitlement.Assignments         { return assignments{t.b} }
func (t *tx) AssignmentRoles() entitlement.AssignmentRoles { return assignmentRoles{t.b} }
func (t *tx) Audit() entitlement.AuditLog                  { return auditLog{t.b} }
func (t *tx) Outbox() entitlement.Outbox                   { return outbox{t.b} }
func (t *tx) GuestBlocks() entitlement.GuestBlocks         { return guestBlocks{t.b} }
func (t *tx) Sessions() entitlement.Sessions               { return sessions{t.b} }
func (t *tx) APITokens() entitlement.APITokens             { return apiTokens{t.b} }
func (t *tx) Mail() entitlement.Mailbox                    { return mailbox{t.b} }
func (t *tx) Reviews() entitlement.Reviews                 { return reviews{t.b} }
func (t *tx) ReviewDecisions() entitlement.ReviewDecisions { return reviewDecisions{t.b} }
func (t *tx) ReviewSchedules() entitlement.ReviewSchedules { return reviewSchedules{t.b} }
func (t *tx) ProvisionTasks() entitlement.ProvisionTasks   { return provisionTasks{t.b} }
func (t *tx) Connectors() entitlement.Connectors           { return connectors{t.b} }
func (t *tx) ConnectorCalls() entitlement.ConnectorCalls   { return connectorCalls{t.b} }

func (t *tx) ConfigVersion() (uint64, error) { return configVersion(t.b) }
func (t *tx) Writable() bool                 { return t.b.Writable() }

func (t *tx) Settings() (entitlement.Settings, error) {
	var s entitlement.Settings
	raw := mustBucket(t.b, bucketMeta).Get(keySettings)
	if raw == nil {
		s = entitlement.DefaultSettings()
	} else if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("decode settings: %w", err)
	}
	// Settings stored before versions existed, and the defaults, are version 1.
	s.Version = max(s.Version, 1)
	return s, nil
}

func (t *tx) PutSettings(s entitlement.Settings) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	return mustBucket(t.b, bucketMeta).Put(keySettings, data)
}

// DirectorySync returns the LDAP import's settings and reports; a new store has none.
func (t *tx) DirectorySync() (entitlement.DirectorySyncState, error) {
	var s entitlement.DirectorySyncState
	raw := mustBucket(t.b, bucketMeta).Get(keyDirectorySync)
	if raw == nil {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("decode directory sync: %w", err)
	}
	return s, nil
}

func (t *tx) PutDirectorySync(s entitlement.DirectorySyncState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode directory sync: %w", err)
	}
	return mustBucket(t.b, bucketMeta).Put(keyDirectorySync, data)
}

type users struct{ b *bolt.Tx }

func (u users) Get(id string) (entitlement.User, error) { return usersTable.get(u.b, id) }
func (u users) ByEmail(email string) (entitlement.User, error) {
	return usersTable.lookup(u.b, "email", entitlement.NormalizeEmail(email))
}
func (u users) BySubject(issuer, subject string) (entitlement.User, error) {
	return usersTable.lookup(u.b, "subject", issuer+sep+subject)
}
func (u users) ByExternalID(source, externalID string) (entitlement.User, error) {
	return usersTable.lookup(u.b, "external", source+sep+externalID)
}
func (u users) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
	return usersTable.list(u.b, opt, nil)
}
func (u users) IDsMatching(search string) ([]string, error) {
	return usersTable.searchIDs(u.b, search), nil
}
func (u users) Reports(managerID string) ([]entitlement.User, error) {
	return usersTable.all(u.b, usersTable.ids(u.b, "manager", managerID))
}
func (u users) BySource(source string, offset, limit int) ([]entitlement.User, int, error) {
	return usersTable.window(u.b, "source", source, offset, limit)
}
func (u users) ServiceAccounts(opt entitlement.ListOptions) (entitlement.Page[entitlement.User], error) {
	var keep func(entitlement.User) bool
	if q := opt.Search; entitlement.SearchKey(q) != "" {
		// Service accounts are few: a search filters the kind index rather than keeping one.
		keep = func(u entitlement.User) bool { return entitlement.MatchesSearch(q, u.DisplayName) }
		opt.Search = ""
	}
	return usersTable.listBy(u.b, "kind", entitlement.KindServiceAccount, opt, keep)
}
func (u users) Put(v entitlement.User) error { return usersTable.put(u.b, v) }
func (u users) Delete(id string) error {
	for _, g := range groups(u).groupIDsOf(id) {
		if _, err := groups(u).RemoveMember(g, id, allSources); err != nil {
			return err
		}
	}
	return usersTable.delete(u.b, id)
}

type groups struct{ b *bolt.Tx }

// allSources ends a membership whatever made it, when its user or group is deleted.
const allSources = ^entitlement.MemberSources(0)

func (g groups) Get(id string) (entitlement.Group, error) { return groupsTable.get(g.b, id) }
func (g groups) ByExternalID(source, externalID string) (entitlement.Group, error) {
	return groupsTable.lookup(g.b, "external", source+sep+externalID)
}
func (g groups) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.Group], error) {
	return groupsTable.list(g.b, opt, nil)
}
func (g groups) BySource(source string, offset, limit int) ([]entitlement.Group, int, error) {
	return groupsTable.window(g.b, "source", source, offset, limit)
}
func (g groups) Put(v entitlement.Group) error { return groupsTable.put(g.b, v) }
func (g groups) Delete(id string) error {
	for _, uid := range prefixSuffixes(g.b, bucketGroupMembers, id) {
		if _, err := g.RemoveMember(id, uid, allSources); err != nil {
			return err
		}
	}
	return groupsTable.delete(g.b, id)
}
func (g groups) AddMember(groupID, userID string, sources entitlement.MemberSources) error {
	if !groupsTable.exists(g.b, groupID) {
		return fmt.Errorf("add member: group %q: %w", groupID, entitlement.ErrNotFound)
	}
	if !usersTable.exists(g.b, userID) {
		return fmt.Errorf("add member: user %q: %w", userID, entitlement.ErrNotFound)
	}
	have, err := g.Membership(groupID, userID)
	if err != nil {
		return err
	}
	if err := g.putMembership(groupID, userID, have|sources); err != nil {
		return err
	}
	return mustBucket(g.b, bucketUserGroups).Put([]byte(userID+sep+groupID), nil)
}
func (g groups) RemoveMember(groupID, userID string, sources entitlement.MemberSources) (entitlement.MemberSources, error) {
	have, err := g.Membership(groupID, userID)
	if err != nil || have == 0 {
		return 0, err
	}
	left := have &^ sources
	if left != 0 {
		return left, g.putMembership(groupID, userID, left)
	}
	if err := mustBucket(g.b, bucketGroupMembers).Delete([]byte(groupID + sep + userID)); err != nil {
		return 0, err
	}
	return 0, mustBucket(g.b, bucketUserGroups).Delete([]byte(userID + sep + groupID))
}
func (g groups) Membership(groupID, userID string) (entitlement.MemberSources, error) {
	raw := mustBucket(g.b, bucketGroupMembers).Get([]byte(groupID + sep + userID))
	if raw == nil {
		return 0, nil
	}
	var m membership
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("decode membership of %s in %s: %w", userID, groupID, err)
	}
	return m.sources(), nil
}
func (g groups) IsMember(groupID, userID string) (bool, error) {
	return mustBucket(g.b, bucketGroupMembers).Get([]byte(groupID+sep+userID)) != nil, nil
}
func (g groups) putMembership(groupID, userID string, sources entitlement.MemberSources) error {
	data, err := json.Marshal(membershipOf(sources))
	if err != nil {
		return fmt.Errorf("encode membership: %w", err)
	}
	return mustBucket(g.b, bucketGroupMembers).Put([]byte(groupID+sep+userID), data)
}

// membership is the value of a group_members key: the sources of the membership, by name, so
// that a dump of the file reads plainly and a new source is a new field.
type membership struct {
	Direct  bool `json:"direct,omitempty"`
	Granted bool `json:"granted,omitempty"`
	Synced  bool `json:"synced,omitempty"`
}

func membershipOf(s entitlement.MemberSources) membership {
	return membership{Direct: s.Has(entitlement.MemberDirect), Granted: s.Has(entitlement.MemberGranted), Synced: s.Has(entitlement.MemberSynced)}
}

func (m membership) sources() entitlement.MemberSources {
	var s entitlement.MemberSources
	if m.Direct {
		s |= entitlement.MemberDirect
	}
	if m.Granted {
		s |= entitlement.MemberGranted
	}
	if m.Synced {
		s |= entitlement.MemberSynced
	}
	return s
}
func (g groups) MemberIDs(groupID string, opt entitlement.ListOptions) (entitlement.Page[string], error) {
	return keyPage(g.b, bucketGroupMembers, groupID+sep, opt)
}
func (g groups) GroupIDsOf(userID string) ([]string, error) { return g.groupIDsOf(userID), nil }
func (g groups) ByName(name string) ([]entitlement.Group, error) {
	return groupsTable.all(g.b, groupsTable.ids(g.b, "name", lowerName(name)))
}
func (g groups) groupIDsOf(userID string) []string {
	return prefixSuffixes(g.b, bucketUserGroups, userID)
}

// prefixSuffixes returns the part after value+sep of every key in bucket that starts with it.
func prefixSuffixes(b *bolt.Tx, bucket []byte, value string) []string {
	prefix := []byte(value + sep)
	var out []string
	c := mustBucket(b, bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, string(k[len(prefix):]))
	}
	return out
}

// keyPage pages through the suffixes of the keys with a prefix, for link buckets without records.
// The cursor is the suffix itself; Before pages back from it.
func keyPage(b *bolt.Tx, bucket []byte, prefix string, opt entitlement.ListOptions) (entitlement.Page[string], error) {
	all := prefixSuffixes(b, bucket, strings.TrimSuffix(prefix, sep))
	var page entitlement.Page[string]
	page.Total = len(all)
	start, end, err := sortedWindow(all, opt, &page.Prev, &page.Next)
	if err != nil {
		return page, err
	}
	page.Items = append([]string(nil), all[start:end]...)
	return page, nil
}

type catalogs struct{ b *bolt.Tx }

func (c catalogs) Get(id string) (entitlement.Catalog, error) { return catalogsTable.get(c.b, id) }
func (c catalogs) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.Catalog], error) {
	return catalogsTable.list(c.b, opt, nil)
}
func (c catalogs) ListIDs(opt entitlement.ListOptions) (entitlement.Page[string], error) {
	return catalogsTable.listIDs(c.b, opt)
}
func (c catalogs) IDsByPrincipal(principalID string) ([]string, error) {
	return catalogsTable.ids(c.b, "principal", principalID), nil
}
func (c catalogs) RolesByPrincipal(principalID string) (map[string][]entitlement.CatalogRole, error) {
	out := map[string][]entitlement.CatalogRole{}
	ix := catalogsTable.index("principal_role")
	for _, rest := range prefixSuffixes(c.b, ix.bucket(catalogsTable.name), ix.keyValue(principalID)) {
		role, catalogID, ok := strings.Cut(rest, sep) // <role>\x00<catalogId>
		if !ok {
			continue
		}
		id := unpackID(catalogID)
		out[id] = append(out[id], entitlement.CatalogRole(role))
	}
	return out, nil
}
func (c catalogs) Put(v entitlement.Catalog) error { return catalogsTable.put(c.b, v) }
func (c catalogs) Delete(id string) error          { return catalogsTable.delete(c.b, id) }

type resources struct{ b *bolt.Tx }

func (r resources) Get(id string) (entitlement.Resource, error) { return resourcesTable.get(r.b, id) }
func (r resources) ByCatalog(catalogID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.Resource], error) {
	var keep func(entitlement.Resource) bool
	if q := entitlement.SearchKey(opt.Search); q != "" {
		keep = func(x entitlement.Resource) bool { return strings.Contains(strings.ToLower(x.DisplayName), q) }
		opt.Search = ""
	}
	return resourcesTable.listBy(r.b, "catalog", catalogID, opt, keep)
}
func (r resources) CountByCatalog(catalogID string) (int, error) {
	return resourcesTable.count(r.b, "catalog", catalogID), nil
}
func (r resources) ByOrigin(catalogID, originSystem, originID string) (entitlement.Resource, error) {
	return resourcesTable.lookup(r.b, "origin", catalogID+sep+originSystem+sep+originID)
}
func (r resources) IDsByOrigin(originSystem, originID string) ([]string, error) {
	return resourcesTable.ids(r.b, "object", originSystem+sep+originID), nil
}
func (r resources) Put(v entitlement.Resource) error { return resourcesTable.put(r.b, v) }
func (r resources) Delete(id string) error           { return resourcesTable.delete(r.b, id) }

type resourceRequests struct{ b *bolt.Tx }

func (r resourceRequests) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.ResourceRequest], error) {
	return resourceRequestsTable.list(r.b, opt, nil)
}
func (r resourceRequests) ByCatalog(catalogID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.ResourceRequest], error) {
	return resourceRequestsTable.listBy(r.b, "catalog", catalogID, opt, nil)
}
func (r resourceRequests) Put(v entitlement.ResourceRequest) error {
	return resourceRequestsTable.put(r.b, v)
}

type accessPackages struct{ b *bolt.Tx }

func (p accessPackages) Get(id string) (entitlement.AccessPackage, error) {
	return packagesTable.get(p.b, id)
}
func (p accessPackages) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
	return packagesTable.list(p.b, opt, nil)
}
func (p accessPackages) ByCatalog(catalogID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.AccessPackage], error) {
	var keep func(entitlement.AccessPackage) bool
	if q := entitlement.SearchKey(opt.Search); q != "" {
		keep = func(x entitlement.AccessPackage) bool { return strings.Contains(strings.ToLower(x.DisplayName), q) }
		opt.Search = ""
	}
	return packagesTable.listBy(p.b, "catalog", catalogID, opt, keep)
}
func (p accessPackages) CountByCatalog(catalogID string) (int, error) {
	return packagesTable.count(p.b, "catalog", catalogID), nil
}
func (p accessPackages) IDsByResource(resourceID string) ([]string, error) {
	return packagesTable.ids(p.b, "resource", resourceID), nil
}
func (p accessPackages) FirstIDsByName(limit int) ([]string, error) {
	return packagesTable.firstIDs(p.b, limit), nil
}
func (p accessPackages) Put(v entitlement.AccessPackage) error { return packagesTable.put(p.b, v) }
func (p accessPackages) Delete(id string) error                { return packagesTable.delete(p.b, id) }

type policies struct{ b *bolt.Tx }

func (p policies) Get(id string) (entitlement.AssignmentPolicy, error) {
	return policiesTable.get(p.b, id)
}
func (p policies) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.AssignmentPolicy], error) {
	return policiesTable.list(p.b, opt, nil)
}
func (p policies) ByPackage(accessPackageID string) ([]entitlement.AssignmentPolicy, error) {
	return policiesTable.all(p.b, policiesTable.ids(p.b, "package", accessPackageID))
}
func (p policies) IDsByRequestor(principalID string) ([]string, error) {
	return policiesTable.ids(p.b, "requestor", principalID), nil
}
func (p policies) IDsByApprover(principalID string) ([]string, error) {
	return policiesTable.ids(p.b, "approver", principalID), nil
}
func (p policies) IDsByScopeType(scopeType string) ([]string, error) {
	return policiesTable.ids(p.b, "scope", scopeType), nil
}
func (p policies) Put(v entitlement.AssignmentPolicy) error { return policiesTable.put(p.b, v) }
func (p policies) Delete(id string) error                   { return policiesTable.delete(p.b, id) }

type connectedOrgs struct{ b *bolt.Tx }

func (o connectedOrgs) Get(id string) (entitlement.ConnectedOrganization, error) {
	return orgsTable.get(o.b, id)
}
func (o connectedOrgs) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.ConnectedOrganization], error) {
	return orgsTable.list(o.b, opt, nil)
}
func (o connectedOrgs) ByIdentity(value string) (entitlement.ConnectedOrganization, error) {
	return orgsTable.lookup(o.b, "identity", strings.ToLower(value))
}
func (o connectedOrgs) Put(v entitlement.ConnectedOrganization) error { return orgsTable.put(o.b, v) }
func (o connectedOrgs) Delete(id string) error                        { return orgsTable.delete(o.b, id) }

type requests struct{ b *bolt.Tx }

func requestKeep(f entitlement.RequestFilter) func(entitlement.Request) bool {
	if len(f.States) == 0 {
		return nil
	}
	return func(r entitlement.Request) bool { return slices.Contains(f.States, r.RequestState) }
}

// requestPeek filters requests by state on their stored bytes, decoding the state alone. It is
// nil when the filter keeps every state that the list walked can hold: then a page decodes its
// own requests only, and its total counts keys.
func requestPeek(f entitlement.RequestFilter, held []entitlement.RequestState) func([]byte) (bool, error) {
	if len(f.States) == 0 || !slices.ContainsFunc(held, func(s entitlement.RequestState) bool { return !slices.Contains(f.States, s) }) {
		return nil
	}
	return func(raw []byte) (bool, error) {
		var state entitlement.RequestState
		err := requestsTable.codec().read(raw, func(plain []byte) error {
			var err error
			state, err = requestStateOf(plain)
			return err
		})
		return slices.Contains(f.States, state), err
	}
}

// requestStateOf reads the state of a stored request without decoding the rest of it.
func requestStateOf(raw []byte) (entitlement.RequestState, error) {
	if state, ok := leadingRequestState(raw); ok {
		return state, nil
	}
	return scanRequestState(raw)
}

// leadingRequestState reads the state of a request as the store writes it: its first fields are
// id, requestType and requestState, in entitlement.Request's order, each a string with no escape.
// Anything else is not ok, and left to scanRequestState.
func leadingRequestState(raw []byte) (entitlement.RequestState, bool) {
	rest := raw
	var value []byte
	for _, key := range []string{`{"id":`, `,"requestType":`, `,"requestState":`} {
		var ok bool
		if rest, ok = bytes.CutPrefix(rest, []byte(key)); !ok {
			return "", false
		}
		if value, rest, ok = plainString(rest); !ok {
			return "", false
		}
	}
	return entitlement.RequestState(value), true
}

// plainString cuts a JSON string with no escapes off the front of b.
func plainString(b []byte) (value, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, b, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 || bytes.IndexByte(b[1:1+end], '\\') >= 0 {
		return nil, b, false
	}
	return b[1 : 1+end], b[2+end:], true
}

// scanRequestState reads the record's fields in order and stops at the state, so that what
// follows it is not even scanned.
func scanRequestState(raw []byte) (entitlement.RequestState, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	open, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("decode request state: %w", err)
	}
	if open != json.Delim('{') {
		return "", errors.New("decode request state: the record is not an object")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("decode request state: %w", err)
		}
		if key == "requestState" {
			var state entitlement.RequestState
			if err := dec.Decode(&state); err != nil {
				return "", fmt.Errorf("decode request state: %w", err)
			}
			return state, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", fmt.Errorf("decode request state: %w", err)
		}
	}
	return "", nil
}

// everyRequestState is every state a request may be in.
var everyRequestState = append(entitlement.OpenRequestStates(), entitlement.FinalRequestStates()...)

func (r requests) Get(id string) (entitlement.Request, error) { return requestsTable.get(r.b, id) }
func (r requests) List(f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	return requestsTable.list(r.b, opt, requestKeep(f))
}
func (r requests) ByTarget(targetID string, f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	// Only open states asked for: the open index holds every request that can match.
	if len(f.States) > 0 && !slices.ContainsFunc(f.States, entitlement.IsFinalRequestState) {
		return requestsTable.listByPeeking(r.b, "target_open", targetID, opt, requestPeek(f, entitlement.OpenRequestStates()))
	}
	return requestsTable.listByPeeking(r.b, "target", targetID, opt, requestPeek(f, everyRequestState))
}
func (r requests) ByPackage(accessPackageID string, f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	return requestsTable.listByPeeking(r.b, "package", accessPackageID, opt, requestPeek(f, everyRequestState))
}
func (r requests) ByPackageAndTargets(accessPackageID string, targetIDs []string, f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	return requestsTable.listByPairs(r.b, "package_target", accessPackageID, targetIDs, opt, requestKeep(f))
}
func (r requests) ReadableBy(userID string, catalogIDs []string, f entitlement.RequestFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	sources := []source{{"target", userID}, {"requestor", userID}, {"asked", userID}}
	for _, c := range catalogIDs {
		sources = append(sources, source{"catalog", c})
	}
	return requestsTable.listMerged(r.b, sources, opt, requestKeep(f))
}
func (r requests) WaitingFor(approverID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	return requestsTable.listBy(r.b, "waiting", approverID, opt, nil)
}
func (r requests) CountWaitingFor(approverID string) (int, error) {
	return requestsTable.count(r.b, "waiting", approverID), nil
}
func (r requests) DecidedBy(approverID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.Request], error) {
	return requestsTable.listBy(r.b, "decider", approverID, opt, nil)
}
func (r requests) Open(targetID, accessPackageID string) (entitlement.Request, error) {
	return requestsTable.lookup(r.b, "open", targetID+sep+accessPackageID)
}
func (r requests) OpenID(targetID, accessPackageID string) (string, error) {
	return requestsTable.lookupID(r.b, "open", targetID+sep+accessPackageID)
}
func (r requests) Due(t time.Time, limit int) ([]entitlement.Request, error) {
	return requestsTable.all(r.b, dueIDs(r.b, requestsTable.index("due").bucket(requestsTable.name), t, limit))
}
func (r requests) Put(v entitlement.Request) error { return requestsTable.put(r.b, v) }

// SubmittedSince walks the requests back from the newest key, as ids are UUIDv7.
func (r requests) SubmittedSince(t time.Time, limit int) ([]entitlement.Request, error) {
	var out []entitlement.Request
	c := mustBucket(r.b, []byte(requestsTable.name)).Cursor()
	for k, _ := c.Last(); k != nil && len(out) < limit; k, _ = c.Prev() {
		v, err := requestsTable.get(r.b, string(k))
		if err != nil {
			return nil, err
		}
		if v.CreatedDateTime.Before(t) {
			break
		}
		out = append(out, v)
	}
	return out, nil
}

// CountWaiting counts the distinct ids of the waiting index, which holds one key per approver.
func (r requests) CountWaiting() (int, error) {
	seen := map[string]bool{}
	c := mustBucket(r.b, requestsTable.index("waiting").bucket(requestsTable.name)).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.LastIndex(k, []byte(sep))
		seen[string(k[i+1:])] = true
	}
	return len(seen), nil
}

// dueIDs returns up to limit ids from a time-ordered index whose time is at or before t.
func dueIDs(b *bolt.Tx, bucket []byte, t time.Time, limit int) []string {
	until := []byte(timeKey(t) + sep + "\xff")
	var out []string
	c := mustBucket(b, bucket).Cursor()
	for k, _ := c.First(); k != nil && bytes.Compare(k, until) <= 0 && len(out) < limit; k, _ = c.Next() {
		out = append(out, idOfKey(k))
	}
	return out
}

type assignments struct{ b *bolt.Tx }

func assignmentKeep(f entitlement.AssignmentFilter) func(entitlement.Assignment) bool {
	if len(f.States) == 0 && f.PolicyID == "" {
		return nil
	}
	return func(a entitlement.Assignment) bool {
		if len(f.States) > 0 && !slices.Contains(f.States, a.AssignmentState) {
			return false
		}
		return f.PolicyID == "" || a.PolicyID == f.PolicyID
	}
}

func (a assignments) Get(id string) (entitlement.Assignment, error) {
	return assignmentsTable.get(a.b, id)
}
func (a assignments) List(f entitlement.AssignmentFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	return assignmentsTable.list(a.b, opt, assignmentKeep(f))
}
func (a assignments) ByTarget(targetID string, f entitlement.AssignmentFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	return assignmentsTable.listBy(a.b, "target", targetID, opt, assignmentKeep(f))
}
func (a assignments) ReadableBy(userID string, catalogIDs []string, f entitlement.AssignmentFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	sources := []source{{"target", userID}}
	for _, c := range catalogIDs {
		sources = append(sources, source{"catalog", c})
	}
	return assignmentsTable.listMerged(a.b, sources, opt, assignmentKeep(f))
}
func (a assignments) ByPackage(accessPackageID string, f entitlement.AssignmentFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	if f.PolicyID == "" && opt.Search == "" && onlyLive(f.States) {
		// The index of live assignments holds the same keys as the package's, so its pages and
		// cursors are the same, and its total counts keys instead of reading every assignment.
		return assignmentsTable.listBy(a.b, "live_package", accessPackageID, opt, nil)
	}
	return assignmentsTable.listBy(a.b, "package", accessPackageID, opt, assignmentKeep(f))
}

// onlyLive reports whether the states are exactly the live ones (Assignment.IsLive).
func onlyLive(states []entitlement.AssignmentState) bool {
	if len(states) == 0 {
		return false
	}
	for _, st := range []entitlement.AssignmentState{entitlement.AssignmentDelivering, entitlement.AssignmentDelivered, entitlement.AssignmentExpired} {
		if slices.Contains(states, st) != (entitlement.Assignment{AssignmentState: st}).IsLive() {
			return false
		}
	}
	return true
}
func (a assignments) LiveByTargetEndingFirst(targetID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	return assignmentsTable.listBy(a.b, "live_end", targetID, opt, nil)
}
func (a assignments) ByPackageAndTargets(accessPackageID string, targetIDs []string, f entitlement.AssignmentFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.Assignment], error) {
	return assignmentsTable.listByPairs(a.b, "package_target", accessPackageID, targetIDs, opt, assignmentKeep(f))
}
func (a assignments) Live(targetID, accessPackageID string) (entitlement.Assignment, error) {
	return assignmentsTable.lookup(a.b, "live", targetID+sep+accessPackageID)
}
func (a assignments) CountLiveByPolicy(policyID string) (int, error) {
	return assignmentsTable.count(a.b, "live_policy", policyID), nil
}
func (a assignments) CountLiveByPackage(accessPackageID string) (int, error) {
	return assignmentsTable.count(a.b, "live_package", accessPackageID), nil
}
func (a assignments) Due(t time.Time, limit int) ([]entitlement.Assignment, error) {
	return assignmentsTable.all(a.b, dueIDs(a.b, assignmentsTable.index("due").bucket(assignmentsTable.name), t, limit))
}
func (a assignments) Put(v entitlement.Assignment) error { return assignmentsTable.put(a.b, v) }

type assignmentRoles struct{ b *bolt.Tx }

func (r assignmentRoles) Get(id string) (entitlement.AssignmentResourceRole, error) {
	return assignmentRolesTable.get(r.b, id)
}

// BySubject reads the roles whose ids start with the subject's, which Put makes every role's;
// those of another subject whose id starts with "<subjectId>_" are left out.
func (r assignmentRoles) BySubject(subjectID string) ([]entitlement.AssignmentResourceRole, error) {
	roles, err := assignmentRolesTable.withPrefix(r.b, subjectID+"_")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(roles, func(ar entitlement.AssignmentResourceRole) bool { return ar.SubjectID != subjectID }), nil
}
func (r assignmentRoles) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.AssignmentResourceRole], error) {
	return assignmentRolesTable.list(r.b, opt, nil)
}
func (r assignmentRoles) Put(v entitlement.AssignmentResourceRole) error {
	if v.SubjectID == "" || !strings.HasPrefix(v.ID, v.SubjectID+"_") {
		// BySubject finds a subject's roles by the start of their ids.
		return fmt.Errorf("put assignment resource role %q: not a role of subject %q", v.ID, v.SubjectID)
	}
	return assignmentRolesTable.put(r.b, v)
}
func (r assignmentRoles) Delete(id string) error { return assignmentRolesTable.delete(r.b, id) }

type auditLog struct{ b *bolt.Tx }

func (l auditLog) Append(e entitlement.AuditEvent) error {
	if auditTable.exists(l.b, e.ID) {
		return fmt.Errorf("append audit event %q: %w", e.ID, entitlement.ErrConflict)
	}
	head, err := l.Head()
	if err != nil {
		return fmt.Errorf("append audit event %q: %w", e.ID, err)
	}
	e, head = head.Seal(e)
	// PrevHash is the Hash of the event before, which the log holds already: reads restore it
	// (auditPrevHash). It was an eighth of a packed event: 293 bytes against 257 at tenth scale.
	// The empty "prevHash" left in the JSON is in the dictionary and packs to next to nothing.
	e.PrevHash = ""
	if err := auditTable.put(l.b, e); err != nil {
		return err
	}
	if err := indexAuditEvent(l.b, e); err != nil {
		return err
	}
	return putAuditHead(l.b, head)
}

// auditPrevHash returns the PrevHash of the event sealed at seq, which the log does not store
// (v28): the Hash of the event at seq-1, taken from prev when the caller read that one already
// and looked up through the seq index otherwise. Before the first event, and in place of one
// that is missing, it is empty: the event then fails its own hash, as it would with any other
// PrevHash than the one it was sealed with, so the verification still finds the break there.
func auditPrevHash(tx *bolt.Tx, seq uint64, prev *entitlement.AuditEvent) (string, error) {
	if seq <= 1 {
		return "", nil
	}
	if prev != nil && prev.Seq == seq-1 {
		return prev.Hash, nil
	}
	id, ok := auditIDAtSeq(tx, seq-1)
	if !ok {
		return "", nil
	}
	data := mustBucket(tx, []byte(auditTable.name)).Get([]byte(id))
	if data == nil {
		return "", nil
	}
	var hash string
	err := auditTable.codec().read(data, func(plain []byte) error {
		hash = hashOfAuditJSON(plain)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read audit event %q: %w", id, err)
	}
	return hash, nil
}

// auditHashKey starts the value of an event's hash in its JSON. It cannot occur inside another
// value, whose quotes are escaped.
var auditHashKey = []byte(`"hash":"`)

// hashOfAuditJSON is the Hash in an event's JSON, read without decoding the rest: a page of one
// person's events looks up the predecessor of nearly every one.
func hashOfAuditJSON(plain []byte) string {
	i := bytes.LastIndex(plain, auditHashKey)
	if i < 0 {
		return ""
	}
	rest := plain[i+len(auditHashKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// indexAuditEvent records a sealed event's position and adds it to its actor's and its
// object's posting blocks.
func indexAuditEvent(tx *bolt.Tx, e entitlement.AuditEvent) error {
	if err := putAuditSeq(tx, e.Seq, e.ID); err != nil {
		return err
	}
	if e.ActorID != "" {
		if err := appendPosting(tx, bucketAuditActor, e.ActorID, e.Seq); err != nil {
			return err
		}
	}
	if e.ObjectID != "" {
		return appendPosting(tx, bucketAuditObject, e.ObjectID, e.Seq)
	}
	return nil
}

func (l auditLog) Stored() (int, error) {
	return scan[entitlement.AuditEvent]{t: auditTable, bucket: []byte(auditTable.name), byKey: true}.total(l.b)
}

func (l auditLog) Head() (entitlement.AuditHead, error) {
	var h entitlement.AuditHead
	raw := mustBucket(l.b, bucketMeta).Get(keyAuditHead)
	if raw == nil {
		return h, nil
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("decode audit head: %w", err)
	}
	return h, nil
}

func putAuditHead(b *bolt.Tx, h entitlement.AuditHead) error {
	data, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode audit head: %w", err)
	}
	if err := mustBucket(b, bucketMeta).Put(keyAuditHead, data); err != nil {
		return fmt.Errorf("put audit head: %w", err)
	}
	return nil
}

// Chain walks the seq index, which maps each position to the event sealed there. Each event's
// PrevHash is the Hash of the one walked before it, unless that one is not its predecessor.
func (l auditLog) Chain(fn func(entitlement.AuditEvent) error) error {
	var prev *entitlement.AuditEvent
	return auditSeqs(l.b, func(_ uint64, id string) error {
		e, err := auditTable.get(l.b, id)
		if errors.Is(err, entitlement.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.PrevHash, err = auditPrevHash(l.b, e.Seq, prev); err != nil {
			return err
		}
		prev = &e
		return fn(e)
	})
}

// List returns audit events newest first.
func (l auditLog) List(f entitlement.AuditFilter, opt entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
	keep := func(e entitlement.AuditEvent) bool {
		if f.ActorID != "" && e.ActorID != f.ActorID {
			return false
		}
		if f.ObjectID != "" && e.ObjectID != f.ObjectID {
			return false
		}
		if f.ObjectType != "" && e.ObjectType != f.ObjectType {
			return false
		}
		if f.Action != "" && !strings.HasPrefix(e.Action, f.Action) {
			return false
		}
		if !f.From.IsZero() && e.At.Before(f.From) {
			return false
		}
		if !f.To.IsZero() && !e.At.Before(f.To) {
			return false
		}
		return true
	}
	// A filter the chosen index answers alone needs no keep: then the page decodes only its own
	// events and the total adds up the blocks' positions, instead of decoding the whole log.
	rest := f.ObjectType != "" || f.Action != "" || !f.From.IsZero() || !f.To.IsZero() || f.ObjectID != "" && f.ActorID != ""
	if !rest {
		keep = nil
	}
	page, err := l.page(f, keep, opt)
	if err != nil {
		return page, err
	}
	// Newest first, an event's predecessor on the chain is mostly the next item of an unfiltered
	// page; the others, and a filtered page's, are looked up.
	for i := range page.Items {
		var prev *entitlement.AuditEvent
		if i+1 < len(page.Items) {
			prev = &page.Items[i+1]
		}
		if page.Items[i].PrevHash, err = auditPrevHash(l.b, page.Items[i].Seq, prev); err != nil {
			return page, err
		}
	}
	return page, nil
}

// page is List's page of events as stored, without their PrevHash.
func (l auditLog) page(f entitlement.AuditFilter, keep func(entitlement.AuditEvent) bool, opt entitlement.ListOptions) (entitlement.Page[entitlement.AuditEvent], error) {
	switch {
	case f.ObjectID != "":
		return l.listPostings(bucketAuditObject, f.ObjectID, keep, opt)
	case f.ActorID != "":
		return l.listPostings(bucketAuditActor, f.ActorID, keep, opt)
	}
	s := scan[entitlement.AuditEvent]{t: auditTable, bucket: []byte(auditTable.name), byKey: true, keep: keep}
	if f == (entitlement.AuditFilter{}) {
		// The whole log: the chain's head counts its events, so the total needs no walk over
		// millions of keys. Nothing deletes an event; one taken behind the log's back is what
		// VerifyAuditChain reports.
		s.count = func(*bolt.Tx) (int, error) {
			h, err := l.Head()
			return int(h.Count), err
		}
	}
	return s.newestFirst(l.b, opt)
}

type outbox struct{ b *bolt.Tx }

func (o outbox) Put(m entitlement.OutboxMessage) error { return outboxTable.put(o.b, m) }
func (o outbox) Replace(old, m entitlement.OutboxMessage) error {
	return outboxTable.replace(o.b, old, m)
}
func (o outbox) Get(id string) (entitlement.OutboxMessage, error) {
	return outboxTable.get(o.b, id)
}
func (o outbox) Due(t time.Time, limit int) ([]entitlement.OutboxMessage, error) {
	return outboxTable.all(o.b, dueIDs(o.b, outboxTable.index("due").bucket(outboxTable.name), t, limit))
}
func (o outbox) DueIDs(t time.Time, limit int) ([]string, error) {
	return dueIDs(o.b, outboxTable.index("due").bucket(outboxTable.name), t, limit), nil
}
func (o outbox) CountUndelivered() (int, error) {
	return mustBucket(o.b, outboxTable.index("due").bucket(outboxTable.name)).Stats().KeyN, nil
}
func (o outbox) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.OutboxMessage], error) {
	return outboxTable.list(o.b, opt, nil)
}
func (o outbox) Failing(kind string, opt entitlement.ListOptions) (entitlement.Page[entitlement.OutboxMessage], error) {
	return outboxTable.listBy(o.b, "failing", kind, opt, nil)
}
func (o outbox) PurgeDelivered(t time.Time, limit int) (int, error) {
	// Before t: the index's keys at t itself stay, unlike Due's, which takes them.
	ids := dueIDs(o.b, outboxTable.index("delivered").bucket(outboxTable.name), t.Add(-time.Nanosecond), limit)
	for _, id := range ids {
		if err := outboxTable.delete(o.b, id); err != nil {
			return 0, fmt.Errorf("purge outbox: %w", err)
		}
	}
	return len(ids), nil
}

type mailbox struct{ b *bolt.Tx }

func (m mailbox) Put(v entitlement.Mail) error            { return mailTable.put(m.b, v) }
func (m mailbox) Get(id string) (entitlement.Mail, error) { return mailTable.get(m.b, id) }
func (m mailbox) List(opt entitlement.ListOptions) (entitlement.Page[entitlement.Mail], error) {
	return mailTable.list(m.b, opt, nil)
}

type guestBlocks struct{ b *bolt.Tx }

func (g guestBlocks) Get(userID string) (entitlement.GuestBlock, error) {
	return guestBlocksTable.get(g.b, userID)
}
func (g guestBlocks) BlockedBefore(t time.Time, limit int) ([]entitlement.GuestBlock, error) {
	return guestBlocksTable.all(g.b, dueIDs(g.b, guestBlocksTable.index("due").bucket(guestBlocksTable.name), t, limit))
}
func (g guestBlocks) RetryDue(t time.Time, limit int) ([]entitlement.GuestBlock, error) {
	return guestBlocksTable.all(g.b, dueIDs(g.b, guestBlocksTable.index("retry").bucket(guestBlocksTable.name), t, limit))
}
func (g guestBlocks) Put(v entitlement.GuestBlock) error { return guestBlocksTable.put(g.b, v) }
func (g guestBlocks) Delete(userID string) error         { return guestBlocksTable.delete(g.b, userID) }

type sessions struct{ b *bolt.Tx }

func (s sessions) Get(id string) (entitlement.Session, error) { return sessionsTable.get(s.b, id) }
func (s sessions) ByUser(userID string) ([]entitlement.Session, error) {
	return sessionsTable.all(s.b, sessionsTable.ids(s.b, "user", userID))
}
func (s sessions) ExpiredBy(t time.Time, limit int) ([]entitlement.Session, error) {
	return sessionsTable.all(s.b, dueIDs(s.b, sessionsTable.index("expiry").bucket(sessionsTable.name), t, limit))
}
func (s sessions) Put(v entitlement.Session) error { return sessionsTable.put(s.b, v) }
func (s sessions) Delete(id string) error          { return sessionsTable.delete(s.b, id) }

type reviews struct{ b *bolt.Tx }

func (r reviews) Get(id string) (entitlement.Review, error) { return reviewsTable.get(r.b, id) }
func (r reviews) ByPackage(accessPackageID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.Review], error) {
	return reviewsTable.listBy(r.b, "package", accessPackageID, opt, nil)
}
func (r reviews) Occurrence(policyID string, start time.Time) (entitlement.Review, error) {
	return reviewsTable.lookup(r.b, "occurrence", policyID+sep+timeKey(start))
}
func (r reviews) Due(t time.Time, limit int) ([]entitlement.Review, error) {
	return reviewsTable.all(r.b, dueIDs(r.b, reviewsTable.index("due").bucket(reviewsTable.name), t, limit))
}
func (r reviews) Put(v entitlement.Review) error { return reviewsTable.put(r.b, v) }

type reviewDecisions struct{ b *bolt.Tx }

func (r reviewDecisions) Get(id string) (entitlement.ReviewDecision, error) {
	return reviewDecisionsTable.get(r.b, id)
}
func (r reviewDecisions) ByReview(reviewID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.ReviewDecision], error) {
	return reviewDecisionsTable.listBy(r.b, "review", reviewID, opt, nil)
}
func (r reviewDecisions) Pending(reviewerID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.ReviewDecision], error) {
	return reviewDecisionsTable.listBy(r.b, "pending", reviewerID, opt, nil)
}
func (r reviewDecisions) Put(v entitlement.ReviewDecision) error {
	return reviewDecisionsTable.put(r.b, v)
}

type reviewSchedules struct{ b *bolt.Tx }

func (r reviewSchedules) Get(policyID string) (entitlement.ReviewSchedule, error) {
	return reviewSchedulesTable.get(r.b, policyID)
}
func (r reviewSchedules) Due(t time.Time, limit int) ([]entitlement.ReviewSchedule, error) {
	return reviewSchedulesTable.all(r.b, dueIDs(r.b, reviewSchedulesTable.index("due").bucket(reviewSchedulesTable.name), t, limit))
}
func (r reviewSchedules) Put(v entitlement.ReviewSchedule) error {
	return reviewSchedulesTable.put(r.b, v)
}
func (r reviewSchedules) Delete(policyID string) error {
	return reviewSchedulesTable.delete(r.b, policyID)
}

type apiTokens struct{ b *bolt.Tx }

func (a apiTokens) Get(id string) (entitlement.APIToken, error) { return apiTokensTable.get(a.b, id) }
func (a apiTokens) ByHash(hash string) (entitlement.APIToken, error) {
	return apiTokensTable.lookup(a.b, "hash", hash)
}
func (a apiTokens) ByUser(userID string) ([]entitlement.APIToken, error) {
	return apiTokensTable.all(a.b, apiTokensTable.ids(a.b, "user", userID))
}
func (a apiTokens) Put(v entitlement.APIToken) error { return apiTokensTable.put(a.b, v) }
func (a apiTokens) Delete(id string) error           { return apiTokensTable.delete(a.b, id) }

type provisionTasks struct{ b *bolt.Tx }

func (p provisionTasks) Put(t entitlement.ProvisionTask) error {
	return provisionTasksTable.put(p.b, t)
}
func (p provisionTasks) Get(id string) (entitlement.ProvisionTask, error) {
	return provisionTasksTable.get(p.b, id)
}
func (p provisionTasks) ByRole(roleID string) ([]entitlement.ProvisionTask, error) {
	return provisionTasksTable.all(p.b, provisionTasksTable.ids(p.b, "role", roleID))
}
func (p provisionTasks) ByState(state entitlement.TaskState, opt entitlement.ListOptions) (entitlement.Page[entitlement.ProvisionTask], error) {
	return provisionTasksTable.listBy(p.b, "state", string(state), opt, nil)
}
func (p provisionTasks) ByResource(resourceID string, state entitlement.TaskState, opt entitlement.ListOptions) (entitlement.Page[entitlement.ProvisionTask], error) {
	return provisionTasksTable.listBy(p.b, "resource_state", resourceID+sep+string(state), opt, nil)
}
func (p provisionTasks) ByCatalog(catalogID string, state entitlement.TaskState, opt entitlement.ListOptions) (entitlement.Page[entitlement.ProvisionTask], error) {
	return provisionTasksTable.listBy(p.b, "catalog_state", catalogID+sep+string(state), opt, nil)
}
func (p provisionTasks) CountByState(state entitlement.TaskState) (int, error) {
	return provisionTasksTable.countOf(p.b, "state", string(state))
}
func (p provisionTasks) CountByCatalog(catalogID string, state entitlement.TaskState) (int, error) {
	return provisionTasksTable.countOf(p.b, "catalog_state", catalogID+sep+string(state))
}

type connectors struct{ b *bolt.Tx }

func (c connectors) Put(v entitlement.Connector) error { return connectorsTable.put(c.b, v) }
func (c connectors) Get(resourceID string) (entitlement.Connector, error) {
	return connectorsTable.get(c.b, resourceID)
}
func (c connectors) Delete(resourceID string) error { return connectorsTable.delete(c.b, resourceID) }
func (c connectors) DueReconcile(t time.Time, limit int) ([]entitlement.Connector, error) {
	return connectorsTable.all(c.b, dueIDs(c.b, connectorsTable.index("reconcile_due").bucket(connectorsTable.name), t, limit))
}

type connectorCalls struct{ b *bolt.Tx }

func (c connectorCalls) Append(v entitlement.ConnectorCall, keep int) error {
	if err := connectorCallsTable.put(c.b, v); err != nil {
		return err
	}
	// Ids are UUIDv7, so the index lists a resource's calls oldest first.
	ids := connectorCallsTable.ids(c.b, "resource", v.ResourceID)
	for len(ids) > keep {
		if err := connectorCallsTable.delete(c.b, ids[0]); err != nil {
			return err
		}
		ids = ids[1:]
	}
	return nil
}
func (c connectorCalls) Recent(resourceID string) ([]entitlement.ConnectorCall, error) {
	out, err := connectorCallsTable.all(c.b, connectorCallsTable.ids(c.b, "resource", resourceID))
	slices.Reverse(out)
	return out, err
}

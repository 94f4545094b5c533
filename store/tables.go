package store

import (
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// timeKey formats t so that keys sort in time order (fixed width, UTC, nanoseconds).
func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func dueKey(t *time.Time) []string {
	if t == nil {
		return nil
	}
	return []string{timeKey(*t)}
}

var usersTable = &table[entitlement.User]{
	version: func(u *entitlement.User) *int64 { return &u.Version },
	name:    "users", what: "user", order: "name",
	id: func(u entitlement.User) string { return u.ID },
	indexes: []index[entitlement.User]{
		{name: "email", unique: true, values: func(u entitlement.User) []string { return one(entitlement.NormalizeEmail(u.Email)) }},
		{name: "subject", unique: true, values: func(u entitlement.User) []string {
			if u.Subject == "" {
				return nil
			}
			return []string{u.Issuer + sep + u.Subject}
		}},
		// Service accounts stay out of name and search, which list and count people, and have
		// an index of their own.
		// The name index keeps its total, the number of people: the users page shows it.
		{name: "name", total: true, values: func(u entitlement.User) []string { return people(u, nameKey(u.Label())) }},
		{name: "search", values: func(u entitlement.User) []string { return people(u, searchKeys(u.Label(), u.DisplayName, u.Email)) }},
		{name: "manager", idParts: first, values: func(u entitlement.User) []string { return one(u.ManagerID) }},
		{name: "org", idParts: first, values: func(u entitlement.User) []string { return one(u.ConnectedOrganizationID) }},
		{name: "external", unique: true, values: func(u entitlement.User) []string { return externalKey(u.Source, u.ExternalID) }},
		{name: "source", values: func(u entitlement.User) []string { return sourceKey(u.Source, u.RemovedAtSource, u.Label()) }},
		{name: "kind", values: func(u entitlement.User) []string {
			if u.Kind == "" {
				return nil
			}
			return []string{u.Kind + sep + lowerName(u.Label())}
		}},
	},
}

// sourceKey lists a record under the directory source that keeps it, in name order; a record the
// source removed is no longer among its records.
func sourceKey(source string, removed bool, name string) []string {
	if !entitlement.IsSyncSource(source) || removed {
		return nil
	}
	return []string{source + sep + lowerName(name)}
}

// people returns the index values of a person, none for a service account.
func people(u entitlement.User, values []string) []string {
	if u.IsServiceAccount() {
		return nil
	}
	return values
}

// externalKey is a synced record's key in its source, none for a record without an external id.
func externalKey(source, externalID string) []string {
	if externalID == "" {
		return nil
	}
	return []string{source + sep + externalID}
}

var groupsTable = &table[entitlement.Group]{
	version: func(g *entitlement.Group) *int64 { return &g.Version },
	name:    "groups", what: "group", order: "name",
	id: func(g entitlement.Group) string { return g.ID },
	indexes: []index[entitlement.Group]{
		{name: "name", values: func(g entitlement.Group) []string { return nameKey(g.DisplayName) }},
		{name: "search", values: func(g entitlement.Group) []string { return searchKeys(g.DisplayName, g.DisplayName) }},
		{name: "external", unique: true, values: func(g entitlement.Group) []string { return externalKey(g.Source, g.ExternalID) }},
		{name: "source", values: func(g entitlement.Group) []string { return sourceKey(g.Source, g.RemovedAtSource, g.DisplayName) }},
	},
}

var catalogsTable = &table[entitlement.Catalog]{
	version:       func(c *entitlement.Catalog) *int64 { return &c.Version },
	configuration: true,
	name:          "catalogs", what: "catalog", order: "name",
	id: func(c entitlement.Catalog) string { return c.ID },
	indexes: []index[entitlement.Catalog]{
		{name: "name", values: func(c entitlement.Catalog) []string { return nameKey(c.DisplayName) }},
		{name: "search", values: func(c entitlement.Catalog) []string { return searchKeys(c.DisplayName, c.DisplayName) }},
		{name: "principal", idParts: first, values: func(c entitlement.Catalog) []string {
			var out []string
			for _, m := range c.Roles {
				if !containsString(out, m.PrincipalID) {
					out = append(out, m.PrincipalID)
				}
			}
			return out
		}},
		// principal_role holds the role itself, so that loading a caller's access reads keys only.
		{name: "principal_role", idParts: first, values: func(c entitlement.Catalog) []string {
			var out []string
			for _, m := range c.Roles {
				if v := m.PrincipalID + sep + string(m.Role); m.PrincipalID != "" && !containsString(out, v) {
					out = append(out, v)
				}
			}
			return out
		}},
	},
}

var resourcesTable = &table[entitlement.Resource]{
	configuration: true,
	name:          "resources", what: "resource",
	id: func(r entitlement.Resource) string { return r.ID },
	indexes: []index[entitlement.Resource]{
		{name: "catalog", values: func(r entitlement.Resource) []string {
			return []string{r.CatalogID + sep + strings.ToLower(r.DisplayName)}
		}},
		{name: "origin", unique: true, values: func(r entitlement.Resource) []string {
			return []string{r.CatalogID + sep + r.OriginSystem + sep + r.OriginID}
		}},
		// object finds the catalogs that hold one origin object, e.g. before a group is deleted.
		{name: "object", values: func(r entitlement.Resource) []string {
			return []string{r.OriginSystem + sep + r.OriginID}
		}},
	},
}

var resourceRequestsTable = &table[entitlement.ResourceRequest]{
	name: "resource_requests", what: "resource request",
	id: func(r entitlement.ResourceRequest) string { return r.ID },
	indexes: []index[entitlement.ResourceRequest]{
		{name: "catalog", values: func(r entitlement.ResourceRequest) []string { return one(r.CatalogID) }},
	},
}

var packagesTable = &table[entitlement.AccessPackage]{
	version:       func(p *entitlement.AccessPackage) *int64 { return &p.Version },
	configuration: true,
	name:          "access_packages", what: "access package", order: "name",
	id: func(p entitlement.AccessPackage) string { return p.ID },
	indexes: []index[entitlement.AccessPackage]{
		{name: "name", values: func(p entitlement.AccessPackage) []string { return nameKey(p.DisplayName) }},
		{name: "search", values: func(p entitlement.AccessPackage) []string { return searchKeys(p.DisplayName, p.DisplayName) }},
		{name: "catalog", values: func(p entitlement.AccessPackage) []string {
			return []string{p.CatalogID + sep + strings.ToLower(p.DisplayName)}
		}},
		{name: "resource", values: func(p entitlement.AccessPackage) []string {
			var out []string
			for _, rs := range p.RoleScopes {
				if !containsString(out, rs.ResourceID) {
					out = append(out, rs.ResourceID)
				}
			}
			return out
		}},
	},
}

var policiesTable = &table[entitlement.AssignmentPolicy]{
	version:       func(p *entitlement.AssignmentPolicy) *int64 { return &p.Version },
	configuration: true,
	name:          "policies", what: "assignment policy",
	id: func(p entitlement.AssignmentPolicy) string { return p.ID },
	indexes: []index[entitlement.AssignmentPolicy]{
		{name: "package", values: func(p entitlement.AssignmentPolicy) []string { return one(p.AccessPackageID) }},
		{name: "requestor", values: func(p entitlement.AssignmentPolicy) []string {
			var out []string
			for _, u := range p.RequestorSettings.AllowedRequestors {
				if u.ID != "" && !containsString(out, u.ID) {
					out = append(out, u.ID)
				}
			}
			return out
		}},
		{name: "scope", ordered: true, values: func(p entitlement.AssignmentPolicy) []string { return one(p.RequestorSettings.ScopeType) }},
		// approver finds the policies that name a user or group as an approver or reviewer, so that
		// deleting the group can be refused instead of leaving the policy with a dangling id.
		{name: "approver", values: func(p entitlement.AssignmentPolicy) []string { return p.ApproverIDs() }},
	},
}

var orgsTable = &table[entitlement.ConnectedOrganization]{
	version: func(o *entitlement.ConnectedOrganization) *int64 { return &o.Version },
	name:    "connected_organizations", what: "connected organization", order: "name",
	id: func(o entitlement.ConnectedOrganization) string { return o.ID },
	indexes: []index[entitlement.ConnectedOrganization]{
		{name: "name", values: func(o entitlement.ConnectedOrganization) []string { return nameKey(o.DisplayName) }},
		{name: "search", values: func(o entitlement.ConnectedOrganization) []string {
			return searchKeys(o.DisplayName, o.DisplayName)
		}},
		{name: "identity", unique: true, values: func(o entitlement.ConnectedOrganization) []string {
			var out []string
			for _, s := range o.IdentitySources {
				for _, v := range []string{s.DomainName, s.TenantID, s.IssuerURI} {
					if v = strings.ToLower(v); v != "" && !containsString(out, v) {
						out = append(out, v)
					}
				}
			}
			return out
		}},
	},
}

var requestsTable = &table[entitlement.Request]{
	name: "requests", what: "request", counted: true, records: packedWithS2(requestDictionary),
	id: func(r entitlement.Request) string { return r.ID },
	indexes: []index[entitlement.Request]{
		{name: "target", idParts: first, values: func(r entitlement.Request) []string { return one(r.TargetID) }},
		{name: "package", grouped: true, idParts: first, values: func(r entitlement.Request) []string { return one(r.AccessPackageID) }},
		// package_target finds one person's requests for a package without reading the others.
		{name: "package_target", idParts: both, values: func(r entitlement.Request) []string { return packageTarget(r.AccessPackageID, r.TargetID) }},
		// target_open pages through a person's open requests (the home page's) without reading
		// the finished ones, which only grow.
		{name: "target_open", idParts: first, values: func(r entitlement.Request) []string {
			if !r.IsOpen() {
				return nil
			}
			return one(r.TargetID)
		}},
		{name: "waiting", idParts: first, values: func(r entitlement.Request) []string { return r.PendingApprovers() }},
		{name: "decider", grouped: true, idParts: first, values: func(r entitlement.Request) []string {
			var out []string
			for _, st := range r.Stages {
				if st.DecidedBy != "" && !containsString(out, st.DecidedBy) {
					out = append(out, st.DecidedBy)
				}
			}
			return out
		}},
		{name: "open", unique: true, idParts: both, values: func(r entitlement.Request) []string {
			if !r.IsOpen() || r.IsValidationOnly || !isAddition(r.RequestType) {
				return nil
			}
			return []string{r.TargetID + sep + r.AccessPackageID}
		}},
		{name: "due", ordered: true, values: func(r entitlement.Request) []string { return dueKey(r.DueDateTime) }},
		// requestor, asked and catalog, with target, hold what a person who is not an
		// administrator may read (Requests.ReadableBy): requestor only when someone asked for
		// another person, as target already holds the rest.
		{name: "requestor", idParts: first, values: func(r entitlement.Request) []string {
			if r.RequestorID == r.TargetID {
				return nil
			}
			return one(r.RequestorID)
		}},
		{name: "asked", grouped: true, idParts: first, values: func(r entitlement.Request) []string { return r.AskedToApprove() }},
		// A catalog has thousands of requests, each new one after the others of its catalog: the
		// keys are appended to one of a few ranges (a third full when split in half, three fifths
		// when left full; bench stats at scale 0.02).
		{name: "catalog", ordered: true, idParts: first, values: func(r entitlement.Request) []string { return one(r.CatalogID) }},
	},
}

func packageTarget(packageID, targetID string) []string {
	if packageID == "" || targetID == "" {
		return nil
	}
	return []string{packageID + sep + targetID}
}

func isAddition(t string) bool {
	return t == entitlement.RequestUserAdd || t == entitlement.RequestAdminAdd || t == entitlement.RequestUserExtend
}

var assignmentsTable = &table[entitlement.Assignment]{
	name: "assignments", what: "assignment", counted: true, records: packedWithS2(assignmentDictionary),
	id: func(a entitlement.Assignment) string { return a.ID },
	indexes: []index[entitlement.Assignment]{
		{name: "target", idParts: first, values: func(a entitlement.Assignment) []string { return one(a.TargetID) }},
		{name: "package", idParts: first, values: func(a entitlement.Assignment) []string { return one(a.AccessPackageID) }},
		// package_target finds one person's assignments of a package without reading the others.
		{name: "package_target", idParts: both, values: func(a entitlement.Assignment) []string { return packageTarget(a.AccessPackageID, a.TargetID) }},
		{name: "live", unique: true, idParts: both, values: func(a entitlement.Assignment) []string {
			if !a.IsLive() {
				return nil
			}
			return []string{a.TargetID + sep + a.AccessPackageID}
		}},
		{name: "live_policy", idParts: first, values: func(a entitlement.Assignment) []string {
			if !a.IsLive() {
				return nil
			}
			return one(a.PolicyID)
		}},
		{name: "live_package", idParts: first, values: func(a entitlement.Assignment) []string {
			if !a.IsLive() {
				return nil
			}
			return one(a.AccessPackageID)
		}},
		// live_end orders a person's live assignments by when they end (open-ended last, then by
		// id), so that the few ending soonest are read without the others.
		{name: "live_end", idParts: first, values: func(a entitlement.Assignment) []string {
			if !a.IsLive() || a.TargetID == "" {
				return nil
			}
			end := "~" // after every time key: open-ended ones come last
			if t := a.EndDateTime(); t != nil {
				end = timeKey(*t)
			}
			return []string{a.TargetID + sep + end}
		}},
		{name: "due", ordered: true, values: func(a entitlement.Assignment) []string { return dueKey(a.DueDateTime) }},
		// catalog, with target, holds what a person who is not an administrator may read
		// (Assignments.ReadableBy).
		// Appended to one of a few ranges, as requests_by_catalog.
		{name: "catalog", ordered: true, idParts: first, values: func(a entitlement.Assignment) []string { return one(a.CatalogID) }},
	},
}

var assignmentRolesTable = &table[entitlement.AssignmentResourceRole]{
	name: "assignment_roles", what: "assignment resource role", records: packedWithS2(assignmentRoleDictionary),
	id: func(r entitlement.AssignmentResourceRole) string { return r.ID },
	// No index: the subject starts the id (entitlement.AssignmentResourceRoleID), so a subject's
	// roles are a prefix of the table's keys (assignmentRoles.BySubject), and new keys land
	// wherever their subject's are.
	fixedIndexes: true, scattered: true,
}

// auditTable holds the events alone: their indexes are kept by auditLog.Append (audit_seq.go).
var auditTable = &table[entitlement.AuditEvent]{
	name: "audit", what: "audit event", records: packed(auditDictionary), sealed: true,
	id: func(e entitlement.AuditEvent) string { return e.ID },
}

var outboxTable = &table[entitlement.OutboxMessage]{
	name: "outbox", what: "outbox message", records: packed(outboxDictionary),
	id: func(m entitlement.OutboxMessage) string { return m.ID },
	indexes: []index[entitlement.OutboxMessage]{
		{name: "due", ordered: true, values: func(m entitlement.OutboxMessage) []string {
			if m.DeliveredAt != nil || m.FailedAt != nil {
				return nil
			}
			return []string{timeKey(m.NextAttempt)}
		}},
		// failing holds the undelivered messages whose last attempt failed, by kind, so that
		// administrators see them without a scan of everything ever sent.
		{name: "failing", ordered: true, values: func(m entitlement.OutboxMessage) []string {
			if m.DeliveredAt != nil || m.LastError == "" {
				return nil
			}
			return []string{m.Kind}
		}},
		// delivered holds the delivered messages by delivery time, so that the worker purges
		// them after the retention period without reading the rest.
		{name: "delivered", ordered: true, values: func(m entitlement.OutboxMessage) []string {
			if m.DeliveredAt == nil {
				return nil
			}
			return []string{timeKey(*m.DeliveredAt)}
		}},
	},
}

var mailTable = &table[entitlement.Mail]{
	name: "mail", what: "mail",
	id: func(m entitlement.Mail) string { return m.ID },
}

var guestBlocksTable = &table[entitlement.GuestBlock]{
	name: "guest_blocks", what: "guest block",
	id: func(b entitlement.GuestBlock) string { return b.UserID },
	indexes: []index[entitlement.GuestBlock]{
		{name: "due", ordered: true, values: func(b entitlement.GuestBlock) []string {
			if b.NextAttemptDateTime != nil {
				return nil
			}
			return []string{timeKey(b.BlockedDateTime)}
		}},
		{name: "retry", ordered: true, values: func(b entitlement.GuestBlock) []string {
			if b.NextAttemptDateTime == nil {
				return nil
			}
			return []string{timeKey(*b.NextAttemptDateTime)}
		}},
	},
}

var sessionsTable = &table[entitlement.Session]{
	name: "sessions", what: "session",
	id: func(s entitlement.Session) string { return s.ID },
	indexes: []index[entitlement.Session]{
		{name: "user", values: func(s entitlement.Session) []string { return one(s.UserID) }},
		{name: "expiry", ordered: true, values: func(s entitlement.Session) []string { return []string{timeKey(s.ExpiresDateTime)} }},
	},
}

var apiTokensTable = &table[entitlement.APIToken]{
	name: "api_tokens", what: "API token",
	id: func(t entitlement.APIToken) string { return t.ID },
	indexes: []index[entitlement.APIToken]{
		{name: "hash", unique: true, values: func(t entitlement.APIToken) []string { return one(t.Hash) }},
		{name: "user", values: func(t entitlement.APIToken) []string { return one(t.UserID) }},
	},
}

var reviewsTable = &table[entitlement.Review]{
	name: "reviews", what: "review",
	id: func(r entitlement.Review) string { return r.ID },
	indexes: []index[entitlement.Review]{
		{name: "package", values: func(r entitlement.Review) []string { return r.AccessPackageIDs }},
		// occurrence makes opening a policy's review of one period twice a conflict.
		{name: "occurrence", unique: true, values: func(r entitlement.Review) []string {
			if r.PolicyID == "" {
				return nil
			}
			return []string{r.PolicyID + sep + timeKey(r.StartDateTime)}
		}},
		{name: "due", ordered: true, values: func(r entitlement.Review) []string { return dueKey(r.DueDateTime) }},
	},
}

var reviewDecisionsTable = &table[entitlement.ReviewDecision]{
	name: "review_decisions", what: "review item",
	id: func(d entitlement.ReviewDecision) string { return d.ID },
	indexes: []index[entitlement.ReviewDecision]{
		{name: "review", values: func(d entitlement.ReviewDecision) []string { return one(d.ReviewID) }},
		{name: "pending", values: func(d entitlement.ReviewDecision) []string { return d.PendingFor() }},
	},
}

var reviewSchedulesTable = &table[entitlement.ReviewSchedule]{
	name: "review_schedules", what: "review schedule",
	id: func(s entitlement.ReviewSchedule) string { return s.PolicyID },
	indexes: []index[entitlement.ReviewSchedule]{
		{name: "due", ordered: true, values: func(s entitlement.ReviewSchedule) []string { return []string{timeKey(s.NextDateTime)} }},
	},
}

var provisionTasksTable = &table[entitlement.ProvisionTask]{
	name: "provision_tasks", what: "task", records: packed(provisionTaskDictionary),
	id: func(t entitlement.ProvisionTask) string { return t.ID },
	indexes: []index[entitlement.ProvisionTask]{
		// State and catalog with state are counted: every admin page's Tasks badge reads them.
		{name: "state", ordered: true, counted: true, values: func(t entitlement.ProvisionTask) []string { return one(string(t.State)) }},
		{name: "resource_state", ordered: true, idParts: first, values: func(t entitlement.ProvisionTask) []string { return []string{t.ResourceID + sep + string(t.State)} }},
		{name: "catalog_state", ordered: true, counted: true, idParts: first, values: func(t entitlement.ProvisionTask) []string { return []string{t.CatalogID + sep + string(t.State)} }},
		{name: "role", idParts: first, values: func(t entitlement.ProvisionTask) []string { return one(t.RoleID) }},
	},
}

var connectorsTable = &table[entitlement.Connector]{
	name: "connectors", what: "connector",
	id: func(c entitlement.Connector) string { return c.ResourceID },
	indexes: []index[entitlement.Connector]{
		// Only connectors compared on a schedule have an entry, so the worker reads the due ones.
		{name: "reconcile_due", ordered: true, values: func(c entitlement.Connector) []string { return dueKey(c.NextReconcile) }},
	},
}

var connectorCallsTable = &table[entitlement.ConnectorCall]{
	name: "connector_calls", what: "connector call",
	id: func(c entitlement.ConnectorCall) string { return c.ID },
	indexes: []index[entitlement.ConnectorCall]{
		{name: "resource", values: func(c entitlement.ConnectorCall) []string { return one(c.ResourceID) }},
	},
}

// tables lists every table, for the migrations that create their buckets or rewrite them.
var tables = []interface {
	buckets() [][]byte
	fills() map[string]float64
	keyPackers() []func(*bolt.Tx) error
}{
	usersTable, groupsTable, catalogsTable, resourcesTable, resourceRequestsTable, packagesTable,
	policiesTable, orgsTable, requestsTable, assignmentsTable, assignmentRolesTable, auditTable, outboxTable,
	guestBlocksTable, sessionsTable, mailTable, reviewsTable, reviewDecisionsTable, reviewSchedulesTable,
	apiTokensTable,
	provisionTasksTable, connectorsTable, connectorCallsTable,
}

// bucketFills gives the fill percent of the buckets that split otherwise than appended ones
// (mustBucket): the tables' fills, the memberships by group and by user, and the audit indexes.
var bucketFills = sync.OnceValue(func() map[string]float64 {
	out := map[string]float64{
		string(bucketGroupMembers): scatteredFillPercent, string(bucketUserGroups): scatteredFillPercent,
		string(bucketAuditSeq): sealedFillPercent, string(bucketAuditActor): actorFillPercent, string(bucketAuditObject): objectFillPercent,
	}
	for _, t := range tables {
		maps.Copy(out, t.fills())
	}
	return out
})

// itoa is strconv.Itoa, named for the version key.
func itoa(n int) string { return strconv.Itoa(n) }

// The idParts of the indexes whose values are ids: the value itself, or both ids of a pair.
var (
	first = []int{0}
	both  = []int{0, 1}
)

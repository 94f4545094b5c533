package entitlement

import (
	"context"
	"time"
)

// Store runs functions in storage transactions. Update transactions are serialized and atomic: a
// function that returns an error leaves nothing behind. An update function may run more than once
// (a store may share one commit among concurrent writers and run them again when one fails), so
// it must leave nothing outside the transaction that a second run would repeat or find stale:
// results it hands out are set afresh on each run. The bbolt store implements it; a PostgreSQL
// store can implement it later for several portal instances.
type Store interface {
	View(ctx context.Context, fn func(tx Tx) error) error
	Update(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one storage transaction. Every Put keeps the record's secondary indexes in step, in the same
// transaction. Lookups of a missing record return an error wrapping ErrNotFound.
type Tx interface {
	Users() Users
	Groups() Groups
	Catalogs() Catalogs
	Resources() Resources
	ResourceRequests() ResourceRequests
	AccessPackages() AccessPackages
	Policies() Policies
	ConnectedOrganizations() ConnectedOrganizations
	Requests() Requests
	Assignments() Assignments
	AssignmentRoles() AssignmentRoles
	Audit() AuditLog
	Outbox() Outbox
	GuestBlocks() GuestBlocks
	Sessions() Sessions
	APITokens() APITokens
	Mail() Mailbox
	Reviews() Reviews
	ReviewDecisions() ReviewDecisions
	ReviewSchedules() ReviewSchedules
	ProvisionTasks() ProvisionTasks
	Connectors() Connectors
	ConnectorCalls() ConnectorCalls
	Settings() (Settings, error)
	PutSettings(s Settings) error
	// DirectorySync is the LDAP import's settings and last reports; the zero value when none.
	DirectorySync() (DirectorySyncState, error)
	PutDirectorySync(s DirectorySyncState) error
	// ConfigVersion changes whenever a catalog, resource, access package or policy is written or
	// deleted (in the transaction that does it), so that what was read of them at one version
	// may be kept and used again while the version stays.
	ConfigVersion() (uint64, error)
	// Writable reports whether the transaction may write: what it reads may then never be
	// committed (it fails, or a shared commit rolls it back and runs it again).
	Writable() bool
}

// DefaultPageSize and MaxPageSize bound list pages.
const (
	DefaultPageSize = 25
	MaxPageSize     = 200
)

// ListOptions asks for one page of a list. Cursors are opaque strings from an earlier Page; After
// continues forward, Before goes back. Search is a case-insensitive prefix of a name or e-mail,
// where the list supports it.
type ListOptions struct {
	Limit  int
	After  string
	Before string
	Search string
	// Desc walks the list from its end: newest first for the lists in creation order
	// (requests, assignments, decisions), Z to A for those in name order.
	Desc bool
	// NameOrder keeps a one-word search in name order, as the list without a search is, at the
	// cost of reading every match (the API, whose lists have one order); without it the search
	// lists best match first and costs what its page holds.
	NameOrder bool
	// NoTotal says the caller shows no total (the API without $count): a list that would walk
	// its keys to count them leaves Page.Total at -1 instead.
	NoTotal bool
}

// PageSize returns the effective page size.
func (o ListOptions) PageSize() int {
	switch {
	case o.Limit <= 0:
		return DefaultPageSize
	case o.Limit > MaxPageSize:
		return MaxPageSize
	}
	return o.Limit
}

// Page is one page of a list. Next and Prev are cursors for the neighbouring pages, empty at the
// ends. Total counts every item the list holds under the same search and filter, except that a
// search may stop counting at SearchCountLimit: then TotalAtLeast is set, and more match; and a
// list asked for NoTotal may leave it at -1.
type Page[T any] struct {
	Items        []T
	Next         string
	Prev         string
	Total        int
	TotalAtLeast bool
}

// SearchCountLimit is where a search may stop counting its matches: past it a page says "100+",
// so that its cost does not grow with the directory (a word like "user1" starts the names of
// thousands of people in 50,000). The API's $count is given only where the total is exact.
const SearchCountLimit = 100

// Users stores the directory's users.
type Users interface {
	Get(id string) (User, error)
	ByEmail(email string) (User, error)
	BySubject(issuer, subject string) (User, error)
	// ByExternalID finds the user a directory source knows by the external id.
	ByExternalID(source, externalID string) (User, error)
	// BySource returns the people a directory source keeps (not those it removed), in name
	// order, from offset on and at most limit of them (all when limit <= 0), with how many it
	// keeps in all; only the records returned are read.
	BySource(source string, offset, limit int) ([]User, int, error)
	List(opt ListOptions) (Page[User], error)
	// IDsMatching returns the ids of the users that a search (ListOptions.Search) finds, in no
	// particular order, without reading the users.
	IDsMatching(search string) ([]string, error)
	Reports(managerID string) ([]User, error)
	// ServiceAccounts lists the service accounts in name order; List and IDsMatching, which
	// are for people, never return them.
	ServiceAccounts(opt ListOptions) (Page[User], error)
	Put(u User) error
	Delete(id string) error
}

// Groups stores the directory's groups and their members.
type Groups interface {
	Get(id string) (Group, error)
	List(opt ListOptions) (Page[Group], error)
	// ByExternalID finds the group a directory source knows by the external id.
	ByExternalID(source, externalID string) (Group, error)
	// BySource is Users.BySource for groups.
	BySource(source string, offset, limit int) ([]Group, int, error)
	Put(g Group) error
	Delete(id string) error
	// AddMember adds sources to the user's membership of the group, making them a member if they
	// were not; a missing group or user is ErrNotFound.
	AddMember(groupID, userID string, sources MemberSources) error
	// RemoveMember takes sources off the membership and returns the sources left; the membership
	// ends when none is left.
	RemoveMember(groupID, userID string, sources MemberSources) (MemberSources, error)
	// Membership returns the sources of the user's membership, 0 when they are not a member.
	Membership(groupID, userID string) (MemberSources, error)
	IsMember(groupID, userID string) (bool, error)
	// ByName finds the groups with the name, compared case-insensitively.
	ByName(name string) ([]Group, error)
	MemberIDs(groupID string, opt ListOptions) (Page[string], error)
	GroupIDsOf(userID string) ([]string, error)
}

// Catalogs stores catalogs.
type Catalogs interface {
	Get(id string) (Catalog, error)
	List(opt ListOptions) (Page[Catalog], error)
	// ListIDs is List giving the catalogs' ids, with the same cursors and total, so that a
	// caller with the configuration cache decodes no catalog.
	ListIDs(opt ListOptions) (Page[string], error)
	// IDsByPrincipal lists the catalogs in which the user or group holds any role.
	IDsByPrincipal(principalID string) ([]string, error)
	// RolesByPrincipal returns, by catalog id, the roles the user or group itself holds (not
	// through its groups). It reads an index only, no catalog, because every service call loads
	// its caller's roles.
	RolesByPrincipal(principalID string) (map[string][]CatalogRole, error)
	Put(c Catalog) error
	Delete(id string) error
}

// Resources stores the resources of catalogs.
type Resources interface {
	Get(id string) (Resource, error)
	ByCatalog(catalogID string, opt ListOptions) (Page[Resource], error)
	// CountByCatalog counts the catalog's resources from an index, reading none.
	CountByCatalog(catalogID string) (int, error)
	ByOrigin(catalogID, originSystem, originID string) (Resource, error)
	// IDsByOrigin lists the resources, in any catalog, of one object of an origin system.
	IDsByOrigin(originSystem, originID string) ([]string, error)
	Put(r Resource) error
	Delete(id string) error
}

// ResourceRequests stores the record of resources added to and removed from catalogs.
type ResourceRequests interface {
	List(opt ListOptions) (Page[ResourceRequest], error)
	ByCatalog(catalogID string, opt ListOptions) (Page[ResourceRequest], error)
	Put(r ResourceRequest) error
}

// AccessPackages stores access packages.
type AccessPackages interface {
	Get(id string) (AccessPackage, error)
	List(opt ListOptions) (Page[AccessPackage], error)
	ByCatalog(catalogID string, opt ListOptions) (Page[AccessPackage], error)
	// CountByCatalog counts the catalog's packages from an index, reading none.
	CountByCatalog(catalogID string) (int, error)
	// IDsByResource lists the packages with a role scope on the resource.
	IDsByResource(resourceID string) ([]string, error)
	// FirstIDsByName lists the ids of the first limit packages in List's order (by name), from an
	// index, reading no package.
	FirstIDsByName(limit int) ([]string, error)
	Put(p AccessPackage) error
	Delete(id string) error
}

// Policies stores assignment policies, indexed by whom they let request so that "what may I
// request" is a handful of index lookups.
type Policies interface {
	Get(id string) (AssignmentPolicy, error)
	List(opt ListOptions) (Page[AssignmentPolicy], error)
	ByPackage(accessPackageID string) ([]AssignmentPolicy, error)
	// IDsByRequestor lists the policies whose allowed requestors name the user, group or connected
	// organization.
	IDsByRequestor(principalID string) ([]string, error)
	// IDsByApprover lists the policies that name the user or group as an approver of any stage
	// (escalation included) or as a reviewer.
	IDsByApprover(principalID string) ([]string, error)
	// IDsByScopeType lists the policies with the scope type.
	IDsByScopeType(scopeType string) ([]string, error)
	Put(p AssignmentPolicy) error
	Delete(id string) error
}

// ConnectedOrganizations stores connected organizations.
type ConnectedOrganizations interface {
	Get(id string) (ConnectedOrganization, error)
	List(opt ListOptions) (Page[ConnectedOrganization], error)
	// ByIdentity finds the organization recognised by an e-mail domain, tenant id or issuer.
	ByIdentity(value string) (ConnectedOrganization, error)
	Put(o ConnectedOrganization) error
	Delete(id string) error
}

// RequestFilter narrows a request listing.
type RequestFilter struct {
	States []RequestState
}

// Requests stores assignment requests.
type Requests interface {
	Get(id string) (Request, error)
	List(f RequestFilter, opt ListOptions) (Page[Request], error)
	ByTarget(targetID string, f RequestFilter, opt ListOptions) (Page[Request], error)
	ByPackage(accessPackageID string, f RequestFilter, opt ListOptions) (Page[Request], error)
	// ByPackageAndTargets lists the package's requests for any of the targets, oldest first,
	// through an index of package and target: the package's other requests are not read.
	ByPackageAndTargets(accessPackageID string, targetIDs []string, f RequestFilter, opt ListOptions) (Page[Request], error)
	// ReadableBy lists, each once and in id order (oldest first, newest with Desc), the requests
	// that a person who is not an administrator may read (canReadRequest): those whose target
	// or requestor they are, those they are or were asked to approve (Request.AskedToApprove),
	// and those of the catalogs given (where they hold a role that reads requests). It merges
	// indexes of each; only the page's requests are read, unless f needs more.
	ReadableBy(userID string, catalogIDs []string, f RequestFilter, opt ListOptions) (Page[Request], error)
	// WaitingFor lists the requests whose current stage the user may decide now.
	WaitingFor(approverID string, opt ListOptions) (Page[Request], error)
	// StagesWaitingFor is WaitingFor reading only each request's RequestStages.
	StagesWaitingFor(approverID string, opt ListOptions) (Page[RequestStages], error)
	// CountWaitingFor counts the requests WaitingFor lists, from its index, reading none.
	CountWaitingFor(approverID string) (int, error)
	// DecidedBy lists the requests in which the user decided a stage.
	DecidedBy(approverID string, opt ListOptions) (Page[Request], error)
	// Open returns the open request of the target for the package, if any.
	Open(targetID, accessPackageID string) (Request, error)
	// OpenID returns the id of Open's request without reading the request, for a reader that
	// may hold it already.
	OpenID(targetID, accessPackageID string) (string, error)
	// Due lists up to limit requests whose DueDateTime is at or before t, earliest first.
	Due(t time.Time, limit int) ([]Request, error)
	// SubmittedSince lists up to limit requests, newest first, back to the first one created
	// before t; it reads no older request. It relies on ids sorting in creation order.
	SubmittedSince(t time.Time, limit int) ([]Request, error)
	// CountWaiting counts the requests that someone may decide now, from the index of their
	// approvers and without reading any request, for a gauge read at every scrape.
	CountWaiting() (int, error)
	Put(r Request) error
}

// AssignmentFilter narrows an assignment listing.
type AssignmentFilter struct {
	States   []AssignmentState
	PolicyID string
}

// Assignments stores assignments.
type Assignments interface {
	Get(id string) (Assignment, error)
	List(f AssignmentFilter, opt ListOptions) (Page[Assignment], error)
	ByTarget(targetID string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error)
	ByPackage(accessPackageID string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error)
	// ReadableBy lists, each once and in id order, the assignments that a person who is not an
	// administrator may read: their own (as target) and those of the catalogs given. It merges
	// indexes of each; only the page's assignments are read, unless f needs more.
	ReadableBy(userID string, catalogIDs []string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error)
	// ByPackageAndTargets lists the package's assignments of any of the targets, oldest first,
	// through an index of package and target: the package's other assignments are not read.
	ByPackageAndTargets(accessPackageID string, targetIDs []string, f AssignmentFilter, opt ListOptions) (Page[Assignment], error)
	// LiveByTargetEndingFirst lists the target's live assignments by end, soonest first and
	// open-ended last (ties by id), reading only the page; its total counts index keys.
	LiveByTargetEndingFirst(targetID string, opt ListOptions) (Page[Assignment], error)
	// Live returns the target's live assignment of the package, if any.
	Live(targetID, accessPackageID string) (Assignment, error)
	// CountLiveByPolicy counts the live assignments made through a policy.
	CountLiveByPolicy(policyID string) (int, error)
	// CountLiveByPackage counts the live assignments of a package.
	CountLiveByPackage(accessPackageID string) (int, error)
	// Due lists up to limit assignments whose DueDateTime is at or before t, earliest first.
	Due(t time.Time, limit int) ([]Assignment, error)
	Put(a Assignment) error
}

// AssignmentRoles stores the resource roles subjects hold through assignments.
type AssignmentRoles interface {
	Get(id string) (AssignmentResourceRole, error)
	BySubject(subjectID string) ([]AssignmentResourceRole, error)
	List(opt ListOptions) (Page[AssignmentResourceRole], error)
	// Put refuses a role whose id is not its subject's (AssignmentResourceRoleID): a role keeps
	// its subject for life, which lets the store skip reading it back on every write.
	Put(r AssignmentResourceRole) error
	Delete(id string) error
}

// AuditLog is the append-only, hash-chained record of changes. Nothing updates or deletes an
// event; VerifyAuditChain finds what was changed behind the log's back.
type AuditLog interface {
	// Append seals the event onto the chain after the current head (AuditHead.Seal, whatever
	// Seq, PrevHash and Hash the caller set) and makes it the head, in the caller's transaction.
	// An id already in the log is ErrConflict.
	Append(e AuditEvent) error
	// List pages through the events, newest first. Without a filter, Total is the count of
	// events appended (the head's), read without a walk over the log.
	List(f AuditFilter, opt ListOptions) (Page[AuditEvent], error)
	// Stored counts the events the log holds, chained or not, by walking its keys: for the
	// verification, which must see events slipped in behind the chain's back.
	Stored() (int, error)
	// Head returns the chain's head as the last Append left it.
	Head() (AuditHead, error)
	// Chain calls fn with the chained events in chain order, oldest first, as they are stored,
	// and stops at fn's first error, which it returns. A position whose event is gone is
	// skipped, so that the verification sees the gap.
	Chain(fn func(e AuditEvent) error) error
}

// Outbox holds side effects waiting to be carried out.
type Outbox interface {
	Put(m OutboxMessage) error
	// Replace is Put for a message the caller read in this transaction (old, as Get returned
	// it): the store updates its indexes from old rather than reading the message again.
	Replace(old, m OutboxMessage) error
	Get(id string) (OutboxMessage, error)
	// Due lists up to limit undelivered messages whose NextAttempt is at or before t.
	Due(t time.Time, limit int) ([]OutboxMessage, error)
	// DueIDs lists the ids of the messages Due lists, in the same order, from the index alone.
	DueIDs(t time.Time, limit int) ([]string, error)
	// CountUndelivered counts the messages neither delivered nor given up on, from the due
	// index and without reading any message.
	CountUndelivered() (int, error)
	List(opt ListOptions) (Page[OutboxMessage], error)
	// Failing lists the undelivered messages of a kind whose last attempt failed (waiting for a
	// retry or given up), oldest first.
	Failing(kind string, opt ListOptions) (Page[OutboxMessage], error)
	// PurgeDelivered deletes up to limit messages delivered before t, earliest first, from an
	// index of delivery times, and returns how many it deleted. Messages not delivered (due, or
	// given up on) stay.
	PurgeDelivered(t time.Time, limit int) (int, error)
}

// Reviews stores access review instances.
type Reviews interface {
	Get(id string) (Review, error)
	// ByPackage lists the reviews that cover the package, oldest first (Desc for newest first).
	ByPackage(accessPackageID string, opt ListOptions) (Page[Review], error)
	// Occurrence finds the scheduled review of the policy that starts at start; there is at most
	// one, so that opening it twice is refused with ErrConflict.
	Occurrence(policyID string, start time.Time) (Review, error)
	// Due lists up to limit reviews whose DueDateTime is at or before t, earliest first.
	Due(t time.Time, limit int) ([]Review, error)
	Put(r Review) error
}

// ReviewDecisions stores the items of reviews: one assignment each, with its decision.
type ReviewDecisions interface {
	Get(id string) (ReviewDecision, error)
	// ByReview lists the review's items in creation order.
	ByReview(reviewID string, opt ListOptions) (Page[ReviewDecision], error)
	// Pending lists the open, undecided items the user may decide (ReviewDecision.PendingFor).
	Pending(reviewerID string, opt ListOptions) (Page[ReviewDecision], error)
	Put(d ReviewDecision) error
}

// ReviewSchedules stores when each policy with reviews opens its next one.
type ReviewSchedules interface {
	Get(policyID string) (ReviewSchedule, error)
	// Due lists up to limit schedules whose NextDateTime is at or before t, earliest first.
	Due(t time.Time, limit int) ([]ReviewSchedule, error)
	Put(s ReviewSchedule) error
	Delete(policyID string) error
}

// ProvisionTasks stores the tasks that ask a resource's owners to carry out a change by hand.
// Lists are in creation order.
type ProvisionTasks interface {
	Put(t ProvisionTask) error
	Get(id string) (ProvisionTask, error)
	// ByRole lists every task of one assignment resource role.
	ByRole(roleID string) ([]ProvisionTask, error)
	ByState(state TaskState, opt ListOptions) (Page[ProvisionTask], error)
	ByResource(resourceID string, state TaskState, opt ListOptions) (Page[ProvisionTask], error)
	ByCatalog(catalogID string, state TaskState, opt ListOptions) (Page[ProvisionTask], error)
	// CountByState and CountByCatalog read counts that the store keeps as tasks are put, so
	// that the badge of every admin page reads neither a task nor a list of them.
	CountByState(state TaskState) (int, error)
	CountByCatalog(catalogID string, state TaskState) (int, error)
}

// Connectors stores each resource's connector, keyed by the resource's id.
type Connectors interface {
	Put(c Connector) error
	Get(resourceID string) (Connector, error)
	Delete(resourceID string) error
	// DueReconcile lists up to limit connectors whose scheduled comparison is due at t, earliest
	// first.
	DueReconcile(t time.Time, limit int) ([]Connector, error)
}

// ConnectorCalls keeps a bounded log of each connector's recent calls.
type ConnectorCalls interface {
	// Append adds a call and drops the resource's oldest beyond keep.
	Append(c ConnectorCall, keep int) error
	// Recent lists the resource's calls, newest first.
	Recent(resourceID string) ([]ConnectorCall, error)
}

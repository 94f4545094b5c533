package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketMeta         = []byte("meta")
	bucketSecrets      = []byte("secrets")
	bucketGroupMembers = []byte("group_members")
	bucketUserGroups   = []byte("user_groups")
	keySchemaVersion   = []byte("schema_version")
	keySettings        = []byte("settings")
	keyAuditHead       = []byte("audit_head")
	keyDirectorySync   = []byte("directory_sync")
	keyConfigVersion   = []byte("config_version")
)

// migration brings the schema from version-1 to version. Migrations run in order at Open, each in
// its own transaction together with the version bump, so a crash leaves a consistent version.
type migration struct {
	version int
	name    string
	apply   func(tx *bolt.Tx) error
}

// preparations run before the migration of their version, in transactions of their own, for work
// too large for one: a transaction grows the file by all it rewrites, as the pages it frees are
// reused only once it has committed. Each must leave data the code reads wherever it stops, and
// be safe to run again after a crash; the migration itself then finishes what is left.
var preparations = map[int]func(db *bolt.DB) error{
	packMigration:           packInBatches(packedTables),
	packS2Migration:         packInBatches(packedS2Tables),
	packKeysMigration:       packKeysByIndex,
	auditIndexMigration:     reindexAuditInBatches,
	dropPrevHashesMigration: packInBatches([]repacker{dropPrevHashes}),
	rolesMigration:          stepByStep(roleSteps),
	// About 500,000 requests at full scale, most of them finished.
	dropStagesMigration:     packInBatches([]repacker{dropFinishedPolicyStages}),
	varintPostingsMigration: varintPostingsInBatches,
}

var migrations = []migration{
	{1, "create buckets and default settings", func(tx *bolt.Tx) error {
		names := [][]byte{bucketSecrets, bucketGroupMembers, bucketUserGroups}
		for _, t := range tables {
			names = append(names, t.buckets()...)
		}
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		data, err := json.Marshal(entitlement.DefaultSettings())
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySettings, data)
	}},
	{2, "index resources by origin object and resource requests by catalog; search keys carry the name", func(tx *bolt.Tx) error {
		for _, t := range []interface{ reindex(*bolt.Tx) error }{
			usersTable, groupsTable, catalogsTable, resourcesTable, resourceRequestsTable, packagesTable, orgsTable,
		} {
			if err := t.reindex(tx); err != nil {
				return err
			}
		}
		return nil
	}},
	{3, "create the guest_blocks bucket of the external-user life cycle", func(tx *bolt.Tx) error {
		for _, n := range guestBlocksTable.buckets() {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}},
	{4, "index catalog roles by principal and role, so that loading a caller's access reads no catalog", func(tx *bolt.Tx) error {
		return catalogsTable.reindex(tx)
	}},
	{5, "create the sessions buckets: sign-ins that sign-out and blocking can end", func(tx *bolt.Tx) error {
		for _, n := range sessionsTable.buckets() {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}},
	{6, "record where each group membership comes from: directly, or granted by access packages", sourceMemberships},
	{7, "index policies by the users and groups they name as approvers or reviewers", func(tx *bolt.Tx) error {
		return policiesTable.reindex(tx)
	}},
	{8, "index guest blocks by their next attempt, so that guests who cannot be deleted yet wait out of the queue of blocks by time", func(tx *bolt.Tx) error {
		return guestBlocksTable.reindex(tx)
	}},
	{9, "seal the audit log into a hash chain, oldest event first", chainAudit},
	{10, "create the mail bucket of mail kept instead of sent, and index the outbox messages that fail", func(tx *bolt.Tx) error {
		for _, n := range mailTable.buckets() {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return outboxTable.reindex(tx)
	}},
	{11, "create the access review buckets and schedule the reviews of policies that have them", func(tx *bolt.Tx) error {
		return scheduleReviews(tx, time.Now())
	}},
	{12, "index requests and assignments by package and person, so that a package's lists are searched by person without reading them whole", func(tx *bolt.Tx) error {
		if err := requestsTable.buildIndex(tx, "package_target"); err != nil {
			return err
		}
		return assignmentsTable.buildIndex(tx, "package_target")
	}},
	{13, "index users and groups by their directory source's external id", func(tx *bolt.Tx) error {
		// No record had an external id before, so the new indexes start empty.
		for _, n := range [][]byte{usersTable.index("external").bucket(usersTable.name), groupsTable.index("external").bucket(groupsTable.name)} {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}},
	{14, "create the API token buckets and index service accounts by kind", func(tx *bolt.Tx) error {
		// No API token and no service account existed before, so the new buckets start empty.
		names := append(apiTokensTable.buckets(), usersTable.index("kind").bucket(usersTable.name))
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}},
	{15, "index users and groups by the directory source that keeps them, so that SCIM lists and the LDAP import page through a source's records", func(tx *bolt.Tx) error {
		if err := usersTable.buildIndex(tx, "source"); err != nil {
			return err
		}
		return groupsTable.buildIndex(tx, "source")
	}},
	{16, "create the buckets of provisioning tasks, resource connectors and their recent calls", func(tx *bolt.Tx) error {
		for _, t := range []interface{ buckets() [][]byte }{provisionTasksTable, connectorsTable, connectorCallsTable} {
			for _, n := range t.buckets() {
				if _, err := tx.CreateBucketIfNotExists(n); err != nil {
					return fmt.Errorf("create bucket %s: %w", n, err)
				}
			}
		}
		return nil
	}},
	{17, "index delivered outbox messages by delivery time, so that the worker purges them after the retention period", func(tx *bolt.Tx) error {
		return outboxTable.buildIndex(tx, "delivered")
	}},
	{18, "index open requests by person, so that a person's open requests are listed without reading their finished ones", func(tx *bolt.Tx) error {
		return requestsTable.buildIndex(tx, "target_open")
	}},
	{19, "index connectors by their next scheduled comparison with the target", func(tx *bolt.Tx) error {
		return connectorsTable.buildIndex(tx, "reconcile_due")
	}},
	{20, "index live assignments by person and end, so that the home page reads only the few ending soonest", func(tx *bolt.Tx) error {
		return assignmentsTable.buildIndex(tx, "live_end")
	}},
	{21, "index requests by requestor, by the approvers asked and by catalog, and assignments by catalog, so that people who are not administrators page through what they may read; count both, so that an administrator's list does not walk them all for its total", func(tx *bolt.Tx) error {
		if err := requestsTable.buildIndex(tx, "requestor", "asked", "catalog"); err != nil {
			return err
		}
		if err := assignmentsTable.buildIndex(tx, "catalog"); err != nil {
			return err
		}
		if err := requestsTable.recount(tx); err != nil {
			return err
		}
		return assignmentsTable.recount(tx)
	}},
	{packMigration, "store outbox messages and provisioning tasks compressed with a dictionary of their keys, a third to a half of their JSON", packRecords(packedTables)},
	{23, "count provisioning tasks by state and by catalog and state, so that the Tasks badge of every admin page reads a count instead of walking the open tasks", func(tx *bolt.Tx) error {
		return provisionTasksTable.countIndex(tx, "state", "catalog_state")
	}},
	{packS2Migration, "store requests, assignments and their resource roles compressed with S2, and audit events with Zstandard, each with a dictionary of their keys: a quarter to a half of their JSON", packRecords(packedS2Tables)},
	{packKeysMigration, "store the ids in index keys packed, 23 bytes instead of 36, which sort as the ids do: most index keys are one or two ids and a third of their bytes go", packKeys},
	{26, "count the people in the users' name index, so that the users page reads their number instead of walking every page of the index", func(tx *bolt.Tx) error {
		return usersTable.countTotal(tx, "name")
	}},
	{auditIndexMigration, "store the audit chain's positions in 8 bytes and the events' ids packed, and each actor's and object's events as blocks of 64 positions instead of a key each: the audit indexes shrink to a fraction", reindexAudit},
	{dropPrevHashesMigration, "store audit events without their PrevHash, the Hash of the event before them, which reads restore: a tenth of a packed event", packRecords([]repacker{dropPrevHashes})},
	{rolesMigration, "drop the index of assignment roles by subject, whose ids start with it, and store the assignment roles' ids in index keys packed, 67 bytes instead of 110", inOne(roleSteps)},
	{dropStagesMigration, "drop the copy of the policy's approval stages from requests no longer waiting for approval, which nothing reads after: about a tenth of a finished request's bytes", packRecords([]repacker{dropFinishedPolicyStages})},
	{varintPostingsMigration, "store each actor's and object's blocks of audit positions as the differences between them, in varints of 1 to 3 bytes mostly instead of 8 bytes a position", varintPostings},
}

// dropPrevHashesMigration is the version of the migration that stores audit events without
// their PrevHash (auditPrevHash).
const dropPrevHashesMigration = 28

// noPrevHash is how an event's JSON holds the PrevHash it is stored without.
var noPrevHash = []byte(`"prevHash":""`)

// dropPrevHashes rewrites the audit events that still store a PrevHash without it. Reads restore
// PrevHash whether an event stores it or not, so it may stop anywhere.
var dropPrevHashes = rewriteRecords(auditTable, "drop the PrevHash of audit event",
	func(plain []byte) bool { return !bytes.Contains(plain, noPrevHash) },
	func(e *entitlement.AuditEvent) bool {
		e.PrevHash = ""
		return true
	})

// rewriteRecords is a repacker that rewrites the records of t whose JSON holds something to
// drop (holds) and that edit changes, up to limit records looked at from the first key after
// after: it returns the last key it looked at, or nil at the end of the table. Only the records
// holds picks are decoded. The records it leaves alone read as they are, so it may stop anywhere
// and run again; what it drops must be in no index key, as records are written without them.
func rewriteRecords[T any](t *table[T], what string, holds func(plain []byte) bool, edit func(*T) bool) repacker {
	return func(tx *bolt.Tx, after []byte, limit int) ([]byte, error) {
		return rewriteBatch(tx, []byte(t.name), after, limit, func(k, v []byte) ([]byte, error) {
			var has bool
			if err := t.codec().read(v, func(plain []byte) error {
				has = holds(plain)
				return nil
			}); err != nil {
				return nil, fmt.Errorf("%s %q: %w", what, k, err)
			}
			if !has {
				return nil, nil
			}
			r, err := t.decode(string(k), v)
			if err != nil {
				return nil, err
			}
			if !edit(&r) {
				return nil, nil
			}
			data, err := t.codec().encode(r)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", what, k, err)
			}
			return data, nil
		})
	}
}

// dropStagesMigration is the version of the migration that drops the policy's stages from
// the requests out of approval.
const dropStagesMigration = 30

// policyStagesKey is how a request's JSON holds the copy of its policy's stages.
var policyStagesKey = []byte(`"policyStages":`)

// dropFinishedPolicyStages rewrites the requests no longer waiting for approval without the copy
// of their policy's approval stages, which the domain drops when a request leaves approval
// (entitlement.Request.PolicyStages). Only a request whose JSON holds the copy is decoded.
var dropFinishedPolicyStages = rewriteRecords(requestsTable, "drop the policy stages of request",
	func(plain []byte) bool { return bytes.Contains(plain, policyStagesKey) },
	func(r *entitlement.Request) bool {
		if r.RequestState == entitlement.StatePendingApproval || r.PolicyStages == nil {
			return false
		}
		r.PolicyStages = nil
		return true
	})

// rolesMigration is the version of the migration that drops the index of assignment roles by
// subject and packs the assignment roles' ids (UUIDs joined by '_', keys.go) in index keys.
const rolesMigration = 29

// bucketRolesBySubject is the index of assignment roles by subject that rolesMigration drops: a
// subject's roles are the table's keys that start with its id (assignmentRoles.BySubject).
var bucketRolesBySubject = []byte("assignment_roles_by_subject")

// roleSteps are rolesMigration's steps: the index dropped first, so that the indexes rebuilt
// after it reuse its pages; then the one whose values hold assignment roles' ids, the tasks by
// role (the audit events by object, an assignment role's own events among them, were packed
// with them by auditIndexMigration). Each is done when run again: the index is gone, and
// packIndexKeys leaves packed keys alone.
var roleSteps = []func(*bolt.Tx) error{dropRolesBySubject, provisionTasksTable.keyPacker("role")}

func dropRolesBySubject(tx *bolt.Tx) error {
	if tx.Bucket(bucketRolesBySubject) == nil {
		return nil
	}
	if err := tx.DeleteBucket(bucketRolesBySubject); err != nil {
		return fmt.Errorf("drop %s: %w", bucketRolesBySubject, err)
	}
	return nil
}

// stepByStep runs each step in a transaction of its own: a step then reuses the pages that the
// ones before it freed, which become free only when their transaction commits.
func stepByStep(steps []func(*bolt.Tx) error) func(db *bolt.DB) error {
	return func(db *bolt.DB) error {
		for _, step := range steps {
			if err := db.Update(step); err != nil {
				return err
			}
		}
		return nil
	}
}

// inOne runs the steps in one transaction, the migration's own: after stepByStep, they find
// nothing left to do unless it was stopped.
func inOne(steps []func(*bolt.Tx) error) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, step := range steps {
			if err := step(tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// packKeysMigration is the version of the migration that packs the ids in index keys (keys.go).
const packKeysMigration = 25

// packKeysByIndex rewrites the keys of one index a transaction: the file then grows by the
// largest index rather than by all of them. An index it rewrote is read as done when run again.
func packKeysByIndex(db *bolt.DB) error {
	for _, t := range tables {
		for _, pack := range t.keyPackers() {
			if err := db.Update(pack); err != nil {
				return err
			}
		}
	}
	return nil
}

// packKeys packs what packKeysByIndex left, which is nothing unless it was stopped, in the
// transaction that moves the schema version on.
func packKeys(tx *bolt.Tx) error {
	for _, t := range tables {
		for _, pack := range t.keyPackers() {
			if err := pack(tx); err != nil {
				return err
			}
		}
	}
	return nil
}

// packMigration and packS2Migration are the versions of the migrations that pack records
// (codec.go): the outbox and provisioning tasks, then the busy pages' tables.
const (
	packMigration   = 22
	packS2Migration = 24
)

// repacker rewrites a table's records in its codec's stored form (table.repack), or in another
// form that reads the same (dropPrevHashes).
type repacker = func(tx *bolt.Tx, after []byte, limit int) ([]byte, error)

// packedTables and packedS2Tables repack the tables that packMigration and packS2Migration pack.
var (
	packedTables   = []repacker{outboxTable.repack, provisionTasksTable.repack}
	packedS2Tables = []repacker{requestsTable.repack, assignmentsTable.repack, assignmentRolesTable.repack, auditTable.repack}
)

// packInBatches rewrites the records of tables with their repackers, a few thousand a
// transaction, in key order: rewriting them in one would grow a large file by the size of all it
// rewrites. Each leaves records the code reads (packed or plain JSON, their JSON as it was or
// without what its migration drops), so it may stop anywhere.
func packInBatches(tables []repacker) func(db *bolt.DB) error {
	return func(db *bolt.DB) error {
		for _, repack := range tables {
			var after []byte
			for {
				err := db.Update(func(tx *bolt.Tx) error {
					var err error
					after, err = repack(tx, after, 5000)
					return err
				})
				if err != nil {
					return err
				}
				if after == nil {
					break
				}
			}
		}
		return nil
	}
}

// packRecords packs what packInBatches left, which is nothing unless it was stopped, in the
// transaction that moves the schema version on.
func packRecords(tables []repacker) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, repack := range tables {
			if _, err := repack(tx, nil, math.MaxInt); err != nil {
				return err
			}
		}
		return nil
	}
}

// scheduleReviews creates the buckets of reviews, their items and schedules, and gives every
// policy with reviews turned on the schedule that saving it would give it now.
func scheduleReviews(tx *bolt.Tx, now time.Time) error {
	for _, t := range []interface{ buckets() [][]byte }{reviewsTable, reviewDecisionsTable, reviewSchedulesTable} {
		for _, n := range t.buckets() {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
	}
	var due []entitlement.ReviewSchedule
	err := mustBucket(tx, []byte(policiesTable.name)).ForEach(func(_, v []byte) error {
		var p entitlement.AssignmentPolicy
		if err := policiesTable.codec().decode(v, &p); err != nil {
			return fmt.Errorf("decode policy: %w", err)
		}
		if r := p.AccessReviewSettings; r != nil && r.IsEnabled && r.StartDateTime != nil {
			due = append(due, entitlement.ReviewSchedule{PolicyID: p.ID, NextDateTime: entitlement.NextReviewStart(*r, now)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range due {
		if err := reviewSchedulesTable.put(tx, s); err != nil {
			return fmt.Errorf("schedule reviews: %w", err)
		}
	}
	return nil
}

// sourceMemberships gives every membership of schema 5 (a key with no value) its source. A
// membership that a delivered access package grants is recorded as granted, any other as direct;
// whether an administrator had also added a granted member cannot be known any more, so such a
// membership keeps ending with the grant, as it did before.
func sourceMemberships(tx *bolt.Tx) error {
	granted := map[string]bool{} // <groupId>\x00<userId>
	err := mustBucket(tx, []byte(assignmentRolesTable.name)).ForEach(func(_, v []byte) error {
		var r entitlement.AssignmentResourceRole
		if err := assignmentRolesTable.codec().decode(v, &r); err != nil {
			return fmt.Errorf("decode assignment role: %w", err)
		}
		if r.IsMembership() && len(r.AssignmentIDs) > 0 && r.Status == entitlement.RoleStatusFulfilled {
			granted[r.ResourceOriginID+sep+r.SubjectID] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	members := mustBucket(tx, bucketGroupMembers)
	type update struct{ key, value []byte }
	var updates []update
	err = members.ForEach(func(k, v []byte) error {
		if len(v) > 0 {
			return nil
		}
		m := membership{Direct: true}
		if granted[string(k)] {
			m = membership{Granted: true}
		}
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		updates = append(updates, update{append([]byte(nil), k...), data})
		return nil
	})
	if err != nil {
		return err
	}
	// bbolt forbids writing to a bucket while ForEach walks it.
	for _, u := range updates {
		if err := members.Put(u.key, u.value); err != nil {
			return fmt.Errorf("record membership source: %w", err)
		}
	}
	return nil
}

// chainAudit seals the events of an older log onto the audit chain in id order, which is the
// order they were made in, and records the head. Events are rewritten one at a time from a list
// of ids, because bbolt forbids writing to a bucket while a cursor walks it.
func chainAudit(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketAuditSeq); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketAuditSeq, err)
	}
	var ids []string
	err := mustBucket(tx, []byte(auditTable.name)).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	var head entitlement.AuditHead
	for _, id := range ids {
		e, err := auditTable.get(tx, id)
		if err != nil {
			return err
		}
		e, head = head.Seal(e)
		if err := auditTable.put(tx, e); err != nil {
			return fmt.Errorf("seal audit event %s: %w", id, err)
		}
		// Positions in the form of v27, which keeps them in any form it finds; the actor and
		// object indexes it builds from the events.
		if err := putAuditSeq(tx, e.Seq, e.ID); err != nil {
			return err
		}
	}
	return putAuditHead(tx, head)
}

// SchemaVersion is the version the code expects.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func (s *Store) migrate() error {
	if err := s.db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	}); err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	current, err := s.version()
	if err != nil {
		return err
	}
	if current > SchemaVersion() {
		return fmt.Errorf("data file has schema version %d, newer than this program's %d: use a newer Steward", current, SchemaVersion())
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		if prepare := preparations[m.version]; prepare != nil {
			if err := prepare(s.db); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := m.apply(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(itoa(m.version)))
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func (s *Store) version() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySchemaVersion)
		if raw == nil {
			return nil
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("schema version %q: %w", raw, err)
		}
		v = n
		return nil
	})
	return v, err
}

package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

var sampleAt = time.Date(2026, 6, 5, 20, 53, 16, 719649472, time.UTC)

// sampleRequest is a request approved at its one stage and waiting for a person to fulfil it,
// the shape most requests have.
func sampleRequest() entitlement.Request {
	ann, bo, approvers := entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	decided := sampleAt.Add(time.Hour)
	return entitlement.Request{ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDelivering,
		RequestStatus: entitlement.RequestStatusWaitingForPerson, Justification: "Quarterly close", CatalogID: entitlement.NewID(),
		AccessPackageID: entitlement.NewID(), PolicyID: entitlement.NewID(), TargetID: ann, RequestorID: ann, AssignmentID: entitlement.NewID(),
		Schedule: entitlement.Schedule{Expiration: entitlement.Expiration{Type: "notSpecified"}},
		Stages: []entitlement.StageState{{Index: 1, Status: entitlement.StageApproved, StartedDateTime: &sampleAt, Approvers: []string{bo},
			DecidedBy: bo, DecidedByName: "Bo Berg", Decision: "Approve", DecidedDateTime: &decided}},
		PolicyStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 14,
			PrimaryApprovers: []entitlement.UserSet{{Type: "groupMembers", ID: approvers, Description: "Finance approvers"}}}},
		Events: []entitlement.RequestEvent{
			{Kind: entitlement.EventSubmitted, At: sampleAt, ActorID: ann, ActorName: "Ann Adams", Detail: "Quarterly close"},
			{Kind: entitlement.EventStageStarted, At: sampleAt, ActorID: ann, ActorName: "Ann Adams", Stage: 1, Detail: "asked Bo Berg"},
			{Kind: entitlement.EventApproved, At: decided, ActorID: bo, ActorName: "Bo Berg", Stage: 1},
			{Kind: entitlement.EventDelivering, At: decided, ActorName: "Steward"},
			{Kind: entitlement.EventWaitingForPerson, At: decided, ActorName: "Steward", Detail: "Ledger Writer"},
		},
		CreatedDateTime: sampleAt}
}

func sampleAssignment() entitlement.Assignment {
	end := sampleAt.AddDate(1, 0, 0)
	return entitlement.Assignment{ID: entitlement.NewID(), CatalogID: entitlement.NewID(), AccessPackageID: entitlement.NewID(),
		PolicyID: entitlement.NewID(), TargetID: entitlement.NewID(), AssignmentState: entitlement.AssignmentDelivered,
		AssignmentStatus: entitlement.StatusDelivered, Schedule: entitlement.Schedule{StartDateTime: &sampleAt,
			Expiration: entitlement.Expiration{Type: "afterDateTime", EndDateTime: &end}},
		ExpiredDateTime: &end, RequestID: entitlement.NewID(), ResourceRoleIDs: []string{entitlement.NewID() + "_" + entitlement.NewID()},
		CreatedDateTime: sampleAt}
}

func sampleRole() entitlement.AssignmentResourceRole {
	subject, role, scope, group := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	return entitlement.AssignmentResourceRole{ID: subject + "_" + role + "_" + scope, SubjectID: subject, ResourceID: entitlement.NewID(),
		RoleID: role, ScopeID: scope, OriginID: "Member_" + group, OriginSystem: "AadGroup", ResourceOriginID: group,
		ResourceName: "Finance team", RoleName: "Member", Status: entitlement.RoleStatusFulfilled,
		AssignmentIDs: []string{entitlement.NewID()}, ModifiedDateTime: sampleAt}
}

// sampleAuditEvent is an approval sealed onto a chain after an event with the hash prev.
func sampleAuditEvent(prev entitlement.AuditHead) entitlement.AuditEvent {
	e, _ := prev.Seal(entitlement.AuditEvent{ID: entitlement.NewID(), At: sampleAt, ActorID: entitlement.NewID(), ActorName: "Bo Berg",
		Action: "request.approve", ObjectType: "request", ObjectID: entitlement.NewID(), ObjectName: "Ledger access",
		Summary: "stage 1 of 2; reason: fine"})
	return e
}

// busyCases are the tables migration 24 packs, each with a sample record and how to read one back.
var busyCases = []struct {
	table  string
	codec  *codec
	sample func() any
	read   func(c *codec, data []byte) (any, error)
	// at most this share of the JSON's bytes once packed: an audit event is mostly two hashes
	// and ids, which only shrink by half.
	most float64
}{
	{requestsTable.name, requestsTable.codec(), func() any { return sampleRequest() }, readAs[entitlement.Request], 0.4},
	{assignmentsTable.name, assignmentsTable.codec(), func() any { return sampleAssignment() }, readAs[entitlement.Assignment], 0.5},
	{assignmentRolesTable.name, assignmentRolesTable.codec(), func() any { return sampleRole() }, readAs[entitlement.AssignmentResourceRole], 0.6},
	{auditTable.name, auditTable.codec(), func() any { return sampleAuditEvent(entitlement.AuditHead{Count: 41, Hash: fmt.Sprintf("%064x", 41)}) }, readAs[entitlement.AuditEvent], 0.6},
}

func readAs[T any](c *codec, data []byte) (any, error) {
	var v T
	err := c.decode(data, &v)
	return v, err
}

// TestBusyRecordsRoundTrip checks that each table migration 24 packs gives back what it was
// given, stores fewer bytes than the JSON, still reads a record stored as plain JSON, and reads
// no record of another form.
func TestBusyRecordsRoundTrip(t *testing.T) {
	for _, tc := range busyCases {
		t.Run(tc.table, func(t *testing.T) {
			v := tc.sample()
			plain, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			packed, err := tc.codec.encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if packed[0] != tc.codec.form || float64(len(packed)) > tc.most*float64(len(plain)) {
				t.Errorf("packed %d bytes (first %#x) of %d bytes of JSON; want form %#x in at most %.0f%%", len(packed), packed[0], len(plain), tc.codec.form, 100*tc.most)
			}
			for name, data := range map[string][]byte{"packed": packed, "plain JSON": plain} {
				got, err := tc.read(tc.codec, data)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if d := cmp.Diff(v, got); d != "" {
					t.Errorf("%s read back (-want +got):\n%s", name, d)
				}
			}
			if again, err := tc.codec.pack(packed); err != nil || string(again) != string(packed) {
				t.Errorf("packing a packed record changed it (%v)", err)
			}
			other := outboxTable.codec()
			if tc.codec.form == other.form {
				other = requestsTable.codec()
			}
			for _, c := range []*codec{plainJSON, other} {
				if _, err := tc.read(c, packed); err == nil {
					t.Errorf("a table stored in form %#x read a record of form %#x", c.form, packed[0])
				}
			}
			if _, err := tc.read(tc.codec, append([]byte{tc.codec.form}, plain[:40]...)); err == nil {
				t.Error("a corrupt packed record read")
			}
		})
	}
}

// TestMigrationPacksBusyRecords turns a data file back into the schema before packS2Migration,
// with requests, an assignment, its role and audit events stored as plain JSON, and checks that
// opening it packs them all and that they read back the same: lists, the state filter
// that peeks at stored requests, and an audit chain that still verifies to the same head, since
// the hashes cover the events' fields, not their stored bytes.
func TestMigrationPacksBusyRecords(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	open, done := sampleRequest(), sampleRequest()
	open.RequestState, open.RequestStatus = entitlement.StatePendingApproval, entitlement.RequestStatusPendingApproval
	done.TargetID, done.RequestState, done.RequestStatus = open.TargetID, entitlement.StateDenied, entitlement.RequestStatusDenied
	done.PolicyStages = nil // as the domain writes a finished request, and as migration 30 leaves it
	a, role := sampleAssignment(), sampleRole()
	must(t, s.Update(ctx, func(tx entitlement.Tx) error {
		for _, r := range []entitlement.Request{open, done} {
			if err := tx.Requests().Put(r); err != nil {
				return err
			}
		}
		if err := tx.Assignments().Put(a); err != nil {
			return err
		}
		if err := tx.AssignmentRoles().Put(role); err != nil {
			return err
		}
		for i := range 5 {
			e := entitlement.AuditEvent{ID: entitlement.NewID(), At: sampleAt.Add(time.Duration(i) * time.Minute), Action: "request.approve",
				ObjectType: "request", ObjectID: open.ID, Summary: fmt.Sprintf("stage %d of 5", i+1)}
			if err := tx.Audit().Append(e); err != nil {
				return err
			}
		}
		return nil
	}))
	before := verify(t, s)
	if !before.Intact || before.Count != 5 {
		t.Fatalf("chain before the migration: %+v", before)
	}
	// The schema before packS2Migration stored them as plain JSON.
	s = migrateFrom(t, s, packS2Migration-1, packS2Migration, func(tx *bolt.Tx) error {
		for _, tc := range busyCases {
			b := tx.Bucket([]byte(tc.table))
			type record struct{ key, value []byte }
			var plain []record
			err := b.ForEach(func(k, v []byte) error {
				rec, err := tc.read(tc.codec, v)
				if err != nil {
					return err
				}
				data, err := json.Marshal(rec)
				plain = append(plain, record{k, data})
				return err
			})
			if err != nil {
				return err
			}
			for _, r := range plain {
				if err := b.Put(r.key, r.value); err != nil {
					return err
				}
			}
		}
		return nil
	})
	must(t, s.db.View(func(tx *bolt.Tx) error {
		for _, tc := range busyCases {
			name, n := tc.table, 0
			err := tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				n++
				if v[0] != tc.codec.form {
					t.Errorf("%s %s after migration: %.40q, not packed", name, k, v)
				}
				return nil
			})
			if n == 0 || err != nil {
				t.Errorf("%s after migration: %d records, %v", name, n, err)
			}
		}
		return nil
	}))
	if after := verify(t, s); !after.Intact || after.Count != before.Count || after.HeadHash != before.HeadHash {
		t.Errorf("chain after the migration: %+v; before: %+v", after, before)
	}
	must(t, s.View(ctx, func(tx entitlement.Tx) error {
		gotA, err := tx.Assignments().Get(a.ID)
		if err != nil {
			return err
		}
		gotRole, err := tx.AssignmentRoles().Get(role.ID)
		if err != nil {
			return err
		}
		denied, err := tx.Requests().ByTarget(open.TargetID, entitlement.RequestFilter{States: []entitlement.RequestState{entitlement.StateDenied}}, entitlement.ListOptions{})
		if err != nil {
			return err
		}
		if d := cmp.Diff(a, gotA); d != "" {
			t.Errorf("assignment after migration (-want +got):\n%s", d)
		}
		if d := cmp.Diff(role, gotRole); d != "" {
			t.Errorf("assignment role after migration (-want +got):\n%s", d)
		}
		if len(denied.Items) != 1 || denied.Total != 1 {
			t.Fatalf("denied requests of the target after migration: %+v", denied)
		}
		if d := cmp.Diff(done, denied.Items[0]); d != "" {
			t.Errorf("request after migration (-want +got):\n%s", d)
		}
		return nil
	}))
}

// BenchmarkRecordDecode measures what reading a record costs a list page, per table: decoding
// its JSON alone, and unpacking it first from S2 or from Zstandard with the table's dictionary.
func BenchmarkRecordDecode(b *testing.B) {
	dicts := map[string]string{requestsTable.name: requestDictionary, assignmentsTable.name: assignmentDictionary,
		assignmentRolesTable.name: assignmentRoleDictionary, auditTable.name: auditDictionary}
	for _, tc := range busyCases {
		v := tc.sample()
		for _, form := range []struct {
			name  string
			codec *codec
		}{{"json", plainJSON}, {"s2", packedWithS2(dicts[tc.table])}, {"zstd", packed(dicts[tc.table])}} {
			data, err := form.codec.encode(v)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(tc.table+"/"+form.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := tc.read(form.codec, data); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(data)), "bytes/record")
			})
		}
	}
}

// BenchmarkRecordEncode measures what packing a record costs a write.
func BenchmarkRecordEncode(b *testing.B) {
	for _, tc := range busyCases {
		v := tc.sample()
		b.Run(tc.table, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.codec.encode(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package store

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// sampleRequest is a decided request of two stages, the shape most stored requests have.
func sampleRequest() entitlement.Request {
	at := time.Date(2026, 12, 1, 16, 20, 56, 956679324, time.UTC)
	ann, bo := entitlement.NewID(), entitlement.NewID()
	return entitlement.Request{
		ID: entitlement.NewID(), RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateDelivered,
		RequestStatus: entitlement.RequestStatusFulfilled, Justification: "Needed for my work on the project.",
		CatalogID: entitlement.NewID(), AccessPackageID: entitlement.NewID(), PolicyID: entitlement.NewID(),
		TargetID: ann, RequestorID: ann, AssignmentID: entitlement.NewID(),
		Schedule: entitlement.Schedule{Expiration: entitlement.Expiration{Type: entitlement.ExpirationNotSpecified}},
		Stages: []entitlement.StageState{{Index: 1, Status: entitlement.StageApproved, StartedDateTime: &at, Approvers: []string{bo},
			DecidedBy: bo, DecidedByName: "Bo Berg", Decision: "Approve", DecidedDateTime: &at, DecisionJustification: "Approved."}},
		PolicyStages: []entitlement.ApprovalStage{{ApprovalStageTimeOutInDays: 14,
			PrimaryApprovers: []entitlement.UserSet{{Type: entitlement.UserSetSingleUser, ID: bo, Description: "Bo Berg"}}}},
		Events: []entitlement.RequestEvent{
			{Kind: entitlement.EventSubmitted, At: at, ActorID: ann, ActorName: "Ann Adams", Detail: "Needed for my work on the project."},
			{Kind: entitlement.EventApproved, At: at, ActorID: bo, ActorName: "Bo Berg", Stage: 1, Detail: "Approved."},
			{Kind: entitlement.EventDelivered, At: at, ActorName: "Steward"},
		},
		CreatedDateTime: at, CompletedDate: &at,
	}
}

// TestPackedRecordsRoundTrip checks that a packed table gives back what it was given, stores
// far fewer bytes than the JSON, and still reads a record stored as plain JSON.
func TestPackedRecordsRoundTrip(t *testing.T) {
	r := sampleRequest()
	plain, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	c := requestsTable.codec()
	packed, err := c.encode(r)
	if err != nil {
		t.Fatal(err)
	}
	if packed[0] != packedV1 || len(packed) > len(plain)/2 {
		t.Fatalf("packed %d bytes (first %#x) of %d bytes of JSON; want a packed record under half", len(packed), packed[0], len(plain))
	}
	for name, data := range map[string][]byte{"packed": packed, "plain JSON": plain} {
		var got entitlement.Request
		if err := c.decode(data, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(r, got); d != "" {
			t.Errorf("%s read back (-want +got):\n%s", name, d)
		}
	}
	if again, err := c.pack(packed); err != nil || string(again) != string(packed) {
		t.Errorf("packing a packed record changed it (%v)", err)
	}
	var got entitlement.Request
	if err := plainJSON.decode(packed, &got); err == nil {
		t.Error("a table of plain JSON read a packed record")
	}
}

// TestMigrationPacksRecords turns a data file back into the schema before packMigration, with a
// request, an outbox message and an assignment stored as plain JSON, and checks that opening it
// runs the migration: they are stored packed, read back the same, and keep their indexes.
func TestMigrationPacksRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := sampleRequest()
	at := r.CreatedDateTime
	m := entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, Topic: "request.approved",
		Payload:         json.RawMessage(`{"event":"request.approved","requestId":"` + r.ID + `","recipients":["` + r.TargetID + `"]}`),
		CreatedDateTime: at, Attempts: 1, NextAttempt: at, DeliveredAt: &at}
	a := entitlement.Assignment{ID: r.ID, CatalogID: r.CatalogID, AccessPackageID: r.AccessPackageID, PolicyID: r.PolicyID, TargetID: r.TargetID,
		AssignmentState: entitlement.AssignmentDelivered, Schedule: entitlement.Schedule{StartDateTime: &at}, RequestID: r.ID, CreatedDateTime: at}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.Requests().Put(r); err != nil {
			return err
		}
		if err := tx.Assignments().Put(a); err != nil {
			return err
		}
		return tx.Outbox().Put(m)
	}); err != nil {
		t.Fatal(err)
	}
	// The schema before packMigration stored them as plain JSON.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, rec := range []struct {
			bucket, id string
			v          any
		}{{requestsTable.name, r.ID, r}, {outboxTable.name, m.ID, m}, {assignmentsTable.name, a.ID, a}} {
			data, err := json.Marshal(rec.v)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte(rec.bucket)).Put([]byte(rec.id), data); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(itoa(packMigration-1)))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if v, err := s.version(); err != nil || v != SchemaVersion() || SchemaVersion() < packMigration {
		t.Fatalf("version %d (code %d), %v", v, SchemaVersion(), err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		for _, rec := range []struct{ bucket, id string }{{requestsTable.name, r.ID}, {outboxTable.name, m.ID}, {assignmentsTable.name, a.ID}} {
			if data := tx.Bucket([]byte(rec.bucket)).Get([]byte(rec.id)); len(data) == 0 || data[0] != packedV1 {
				t.Errorf("%s %s after migration: %.40q, not packed", rec.bucket, rec.id, data)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var gotR entitlement.Request
	var gotM entitlement.OutboxMessage
	var gotA entitlement.Assignment
	var mine []entitlement.Request
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		if gotR, err = tx.Requests().Get(r.ID); err != nil {
			return err
		}
		if gotM, err = tx.Outbox().Get(m.ID); err != nil {
			return err
		}
		if gotA, err = tx.Assignments().Get(a.ID); err != nil {
			return err
		}
		page, err := tx.Requests().ByTarget(r.TargetID, entitlement.RequestFilter{}, entitlement.ListOptions{})
		mine = page.Items
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, gotR); d != "" {
		t.Errorf("request after migration (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m, gotM); d != "" {
		t.Errorf("outbox message after migration (-want +got):\n%s", d)
	}
	if d := cmp.Diff(a, gotA); d != "" {
		t.Errorf("assignment after migration (-want +got):\n%s", d)
	}
	if len(mine) != 1 || mine[0].ID != r.ID {
		t.Errorf("requests of the target after migration: %v", mine)
	}
}

// TestRepackInBatches stores seven requests as plain JSON and repacks them three at a time: every
// batch but the last tells where to go on, and at the end every request is packed.
func TestRepackInBatches(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for range 7 {
			r := sampleRequest()
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte(requestsTable.name)).Put([]byte(r.ID), data); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	batches := 0
	for after := []byte(nil); ; {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			after, err = requestsTable.repack(tx, after, 3)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		batches++
		if after == nil {
			break
		}
	}
	if batches != 3 {
		t.Errorf("%d batches of three for seven requests; want 3", batches)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(requestsTable.name)).ForEach(func(k, v []byte) error {
			if v[0] != packedV1 {
				t.Errorf("request %s not packed", k)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDecodeRequest measures what packing costs a page that reads requests: the decoding
// of one request stored as plain JSON and packed.
func BenchmarkDecodeRequest(b *testing.B) {
	r := sampleRequest()
	plain, err := json.Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	packed, err := requestsTable.codec().pack(plain)
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"json": plain, "packed": packed} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			for b.Loop() {
				var got entitlement.Request
				if err := requestsTable.codec().decode(data, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

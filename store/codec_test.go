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

// sampleMessage is a delivered notification to an approver, the shape most outbox messages have.
func sampleMessage() entitlement.OutboxMessage {
	at := time.Date(2026, 12, 1, 16, 20, 56, 956679324, time.UTC)
	ann, bo, req, pkg := entitlement.NewID(), entitlement.NewID(), entitlement.NewID(), entitlement.NewID()
	n := entitlement.Notification{Event: "request.approvalNeeded", RequestID: req, AccessPackageID: pkg, TargetID: ann,
		Recipients: []string{bo}, Detail: "stage 1 of 2", At: at, ID: entitlement.NewID(),
		Recipient:   &entitlement.Recipient{UserID: bo, Name: "Bo Berg", Email: "bo@example.com", Role: "approver"},
		RequestType: entitlement.RequestUserAdd, PackageName: "Analyst access", RequestorID: ann, RequestorName: "Ann Adams", TargetName: "Ann Adams"}
	payload, err := json.Marshal(n)
	if err != nil {
		panic(err)
	}
	return entitlement.OutboxMessage{ID: entitlement.NewID(), Kind: entitlement.OutboxNotify, Topic: n.Event, Payload: payload,
		CreatedDateTime: at, Attempts: 1, NextAttempt: at.Add(30 * time.Second), DeliveredAt: &at}
}

// TestPackedRecordsRoundTrip checks that a packed table gives back what it was given, stores
// far fewer bytes than the JSON, and still reads a record stored as plain JSON.
func TestPackedRecordsRoundTrip(t *testing.T) {
	m := sampleMessage()
	plain, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	c := outboxTable.codec()
	packed, err := c.encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if packed[0] != packedV1 || len(packed) > len(plain)/2 {
		t.Fatalf("packed %d bytes (first %#x) of %d bytes of JSON; want a packed record under half", len(packed), packed[0], len(plain))
	}
	for name, data := range map[string][]byte{"packed": packed, "plain JSON": plain} {
		var got entitlement.OutboxMessage
		if err := c.decode(data, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(m, got); d != "" {
			t.Errorf("%s read back (-want +got):\n%s", name, d)
		}
	}
	if again, err := c.pack(packed); err != nil || string(again) != string(packed) {
		t.Errorf("packing a packed record changed it (%v)", err)
	}
	var got entitlement.OutboxMessage
	if err := plainJSON.decode(packed, &got); err == nil {
		t.Error("a table of plain JSON read a packed record")
	}
}

// TestMigrationPacksRecords turns a data file back into the schema before packMigration, with an
// outbox message and a provisioning task stored as plain JSON, and checks that opening it runs
// the migration: they are stored packed, read back the same, and keep their indexes.
func TestMigrationPacksRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m := sampleMessage()
	task := entitlement.ProvisionTask{ID: entitlement.NewID(), CatalogID: entitlement.NewID(), ResourceID: entitlement.NewID(),
		RoleID: entitlement.NewID(), Op: entitlement.ProvisionAdd, Reason: entitlement.TaskManual, SubjectID: entitlement.NewID(),
		SubjectName: "Ann Adams", SubjectEmail: "ann@example.com", ResourceName: "App 2", RoleName: "Reader",
		State: entitlement.TaskOpen, Created: m.CreatedDateTime}
	if err := s.Update(ctx, func(tx entitlement.Tx) error {
		if err := tx.ProvisionTasks().Put(task); err != nil {
			return err
		}
		return tx.Outbox().Put(m)
	}); err != nil {
		t.Fatal(err)
	}
	// The schema before packMigration stored them as plain JSON.
	s = migrateFrom(t, s, packMigration-1, packMigration, func(tx *bolt.Tx) error {
		for _, rec := range []struct {
			bucket, id string
			v          any
		}{{outboxTable.name, m.ID, m}, {provisionTasksTable.name, task.ID, task}} {
			data, err := json.Marshal(rec.v)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte(rec.bucket)).Put([]byte(rec.id), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.db.View(func(tx *bolt.Tx) error {
		for _, rec := range []struct{ bucket, id string }{{outboxTable.name, m.ID}, {provisionTasksTable.name, task.ID}} {
			if data := tx.Bucket([]byte(rec.bucket)).Get([]byte(rec.id)); len(data) == 0 || data[0] != packedV1 {
				t.Errorf("%s %s after migration: %.40q, not packed", rec.bucket, rec.id, data)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var gotM entitlement.OutboxMessage
	var open entitlement.Page[entitlement.ProvisionTask]
	if err := s.View(ctx, func(tx entitlement.Tx) error {
		if gotM, err = tx.Outbox().Get(m.ID); err != nil {
			return err
		}
		open, err = tx.ProvisionTasks().ByResource(task.ResourceID, entitlement.TaskOpen, entitlement.ListOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, gotM); d != "" {
		t.Errorf("outbox message after migration (-want +got):\n%s", d)
	}
	if len(open.Items) != 1 {
		t.Fatalf("open tasks of the resource after migration: %v", open.Items)
	}
	if d := cmp.Diff(task, open.Items[0]); d != "" {
		t.Errorf("task after migration (-want +got):\n%s", d)
	}
}

// TestRepackInBatches stores seven outbox messages as plain JSON and repacks them three at a
// time: every batch but the last tells where to go on, and at the end every message is packed.
func TestRepackInBatches(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for range 7 {
			m := sampleMessage()
			data, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte(outboxTable.name)).Put([]byte(m.ID), data); err != nil {
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
			after, err = outboxTable.repack(tx, after, 3)
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
		t.Errorf("%d batches of three for seven messages; want 3", batches)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(outboxTable.name)).ForEach(func(k, v []byte) error {
			if v[0] != packedV1 {
				t.Errorf("message %s not packed", k)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}

package entitlement

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// AuditEvent records one change: who did what to which object, and when. Events are appended in
// the same transaction as the change, and sealed onto the audit chain as they are (see the
// package comment): Seq, PrevHash and Hash are set by AuditLog.Append, never by the caller.
type AuditEvent struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actorId"` // empty for the system
	ActorName  string    `json:"actorName"`
	Action     string    `json:"action"` // e.g. "catalog.create"
	ObjectType string    `json:"objectType"`
	ObjectID   string    `json:"objectId"`
	ObjectName string    `json:"objectName"`
	Summary    string    `json:"summary"`
	Seq        uint64    `json:"seq"`      // position in the chain, from 1
	PrevHash   string    `json:"prevHash"` // Hash of the event at Seq-1; empty for the first
	Hash       string    `json:"hash"`
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	ActorID    string
	ObjectID   string
	ObjectType string
	Action     string // a prefix, e.g. "catalog." or "catalog.create"
	From, To   time.Time
}

// auditHashDomain starts every hashed encoding, so that an audit hash cannot be mistaken for the
// hash of anything else and a later encoding can be told apart by its version.
const auditHashDomain = "steward-audit-v1"

// ChainHash returns the hash that seals the event onto the chain: the lowercase hex SHA-256 of
// its canonical encoding (see the package comment). It covers Seq and PrevHash, so an event
// cannot move in the chain or leave it without breaking the hash of every later one.
func (e AuditEvent) ChainHash() string {
	h := sha256.New()
	for _, f := range []string{
		auditHashDomain, strconv.FormatUint(e.Seq, 10), e.PrevHash, e.ID, e.At.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.ActorName, e.Action, e.ObjectType, e.ObjectID, e.ObjectName, e.Summary,
	} {
		// A netstring per field: the length makes the encoding unambiguous whatever a field holds.
		fmt.Fprintf(h, "%d:%s,", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditHead is the newest end of the audit chain: how many events it holds and the newest one's
// hash. The zero value is the head of an empty chain.
type AuditHead struct {
	Count uint64 `json:"count"`
	Hash  string `json:"hash"`
}

// Seal chains e after the head: it sets e's Seq, PrevHash and Hash and returns the sealed event
// with the head that follows it. Stores call it in Append, in the transaction that writes e.
func (h AuditHead) Seal(e AuditEvent) (AuditEvent, AuditHead) {
	e.Seq, e.PrevHash = h.Count+1, h.Hash
	e.Hash = e.ChainHash()
	return e, AuditHead{Count: e.Seq, Hash: e.Hash}
}

// Ways the audit chain can be found broken.
const (
	ChainAltered   = "altered"   // an event's content no longer matches its hash
	ChainRemoved   = "removed"   // an event is missing
	ChainReordered = "reordered" // an event sits at another position than the one it was sealed at
	ChainInserted  = "inserted"  // the log holds events that are not on the chain
)

// ChainVerification is the outcome of checking the audit chain.
type ChainVerification struct {
	Intact bool `json:"intact"`
	// Count and HeadHash are the chain's length and newest hash when it is intact, and the events
	// checked before the break and the last good hash when it is not.
	Count    uint64 `json:"count"`
	HeadHash string `json:"headHash"`
	// Problem is one of the Chain* values, Position the chain position (from 1) of the first
	// break, EventID the event to look at there (for a removed event, the one after the gap) and
	// Detail a sentence for people.
	Problem  string `json:"problem,omitempty"`
	Position uint64 `json:"position,omitempty"`
	EventID  string `json:"eventId,omitempty"`
	Detail   string `json:"detail,omitempty"`
	// ExportedAt is the position of the event whose hash is the exported head asked about, 0 when
	// none was asked about or the intact chain does not hold it.
	ExportedAt uint64 `json:"exportedAt,omitempty"`
}

// errChainStop ends a chain walk once the verification has what it needs.
var errChainStop = errors.New("stop the chain walk")

// VerifyAuditChain walks the audit chain from its first event and reports the first event that
// was altered, removed or reordered, or that the chain is intact with its count and head hash.
// Removed newest events show against the head the log keeps, events slipped into the log without
// being sealed against its total. exportedHead, when not empty, is a head hash from an evidence
// export: the result says at which position the chain holds it, which tells an auditor that the
// log has only grown since the export.
func VerifyAuditChain(log AuditLog, exportedHead string) (ChainVerification, error) {
	var v ChainVerification
	var prevID string
	var gap *AuditEvent // the event after a gap in Seq, until the rest tells removed from reordered
	var movedLater bool // the event sealed for the gap's position comes later
	err := log.Chain(func(e AuditEvent) error {
		pos := v.Count + 1
		if gap != nil {
			if e.Seq == pos {
				movedLater = true
				return errChainStop
			}
			return nil
		}
		switch {
		case e.Seq > pos:
			// Told before its hash is checked: a store that restores PrevHash from the event
			// before (store/) cannot restore it after a gap, so the hash would fail as well.
			gap = &e
			return nil
		case e.ChainHash() != e.Hash && pos == 1:
			v.Problem, v.Position, v.EventID = ChainAltered, pos, e.ID
			v.Detail = fmt.Sprintf("event 1 (%s, %s at %s) was altered: its content does not match its hash", e.ID, e.Action, e.At.UTC().Format(time.RFC3339))
		case e.ChainHash() != e.Hash:
			// The hash covers the one before: when a store restores PrevHash rather than keeping
			// it, an event before that was altered and sealed again shows here too.
			v.Problem, v.Position, v.EventID = ChainAltered, pos, e.ID
			v.Detail = fmt.Sprintf("event %d (%s, %s at %s) was altered, or event %d (%s) was altered and sealed again: its content does not match its hash",
				pos, e.ID, e.Action, e.At.UTC().Format(time.RFC3339), v.Count, prevID)
		case pos == 1 && e.PrevHash != "":
			v.Problem, v.Position, v.EventID = ChainAltered, pos, e.ID
			v.Detail = fmt.Sprintf("event 1 (%s) was altered: it was sealed after an event that the log does not hold", e.ID)
		case e.Seq == pos && e.PrevHash != v.HeadHash:
			// The event is where it was sealed, so the one before it changed, hash and all.
			v.Problem, v.Position, v.EventID = ChainAltered, v.Count, prevID
			v.Detail = fmt.Sprintf("event %d (%s) was altered: event %d was sealed after another hash", v.Count, prevID, pos)
		case e.Seq != pos:
			v.Problem, v.Position, v.EventID = ChainReordered, pos, e.ID
			v.Detail = fmt.Sprintf("event %d (%s) was sealed as event %d: the events were reordered", pos, e.ID, e.Seq)
		}
		if v.Problem != "" {
			return errChainStop
		}
		v.Count, v.HeadHash, prevID = pos, e.Hash, e.ID
		if exportedHead != "" && e.Hash == exportedHead {
			v.ExportedAt = pos
		}
		return nil
	})
	if err != nil && !errors.Is(err, errChainStop) {
		return v, fmt.Errorf("verify the audit chain: %w", err)
	}
	if gap != nil {
		pos := v.Count + 1
		v.Position, v.EventID = pos, gap.ID
		if movedLater {
			v.Problem = ChainReordered
			v.Detail = fmt.Sprintf("event %d (%s) was sealed as event %d: the events were reordered", pos, gap.ID, gap.Seq)
		} else {
			v.Problem = ChainRemoved
			v.Detail = fmt.Sprintf("event %d was removed: the chain goes from event %d to event %d (%s)", pos, v.Count, gap.Seq, gap.ID)
		}
	}
	if v.Problem == "" {
		if err := checkChainEnds(log, &v, prevID); err != nil {
			return v, err
		}
	}
	if v.Problem != "" {
		v.ExportedAt = 0
		return v, nil
	}
	v.Intact = true
	return v, nil
}

// checkChainEnds compares a chain whose events all check out with the head and the total the log
// keeps, which a walk alone cannot see past.
func checkChainEnds(log AuditLog, v *ChainVerification, lastID string) error {
	head, err := log.Head()
	if err != nil {
		return fmt.Errorf("verify the audit chain: %w", err)
	}
	stored, err := log.Stored()
	if err != nil {
		return fmt.Errorf("verify the audit chain: %w", err)
	}
	switch {
	case head.Count > v.Count:
		v.Problem, v.Position = ChainRemoved, v.Count+1
		v.Detail = fmt.Sprintf("the newest events were removed: the log recorded %d events, the chain ends at event %d", head.Count, v.Count)
	case head.Count < v.Count:
		v.Problem, v.Position = ChainInserted, head.Count+1
		v.Detail = fmt.Sprintf("the chain goes on past the head the log recorded (event %d): events were added behind its back", head.Count)
	case head.Hash != v.HeadHash:
		v.Problem, v.Position, v.EventID = ChainAltered, v.Count, lastID
		v.Detail = fmt.Sprintf("event %d (%s) was altered: it is not the head the log recorded", v.Count, lastID)
	case uint64(stored) != v.Count:
		v.Problem, v.Position = ChainInserted, v.Count
		v.Detail = fmt.Sprintf("the log holds %d events but only %d are on the chain: events were added without being sealed", stored, v.Count)
	}
	return nil
}

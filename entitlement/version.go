package entitlement

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Optimistic concurrency. Every record a person edits (catalogs, access packages, policies,
// connected organizations, groups, users, the settings) carries a Version that the Service raises by
// one on every write to it, whoever makes it: a person, the worker or a directory sync. A caller that
// read version n and writes back passes n as the expected version (IfVersion in the inputs, an
// argument of the deletes); when the record has moved on, the write is refused with a RuleError
// whose Code is CodeStaleVersion and which wraps ErrStale (and so ErrConflict). An expected version
// of 0 means "do not check", for callers that do not care, such as imports.
//
// The Service, not the store, raises the version, inside the write transaction that read the
// record, so any store that runs update transactions serially (bbolt) or serializably (PostgreSQL)
// gives the same answer. A store only keeps the number; a record stored before versions existed
// reads as version 1.
//
// An update whose values are those the record already has writes nothing and is not refused, so a
// form sent twice (a double click, Back and send again) after a successful save is not a conflict.

// CodeStaleVersion is the code of a write refused because the record changed after the caller
// read it.
const CodeStaleVersion = "staleVersion"

// ErrStale is wrapped by the refusal of a stale write. It wraps ErrConflict, so callers that only
// know conflicts still map it to one.
var ErrStale = fmt.Errorf("%w: changed since it was read", ErrConflict)

// ETag returns the weak entity tag of a version, as the API sends it in @odata.etag and ETag:
// W/"7".
func ETag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

// ParseETag reads an If-Match value made by ETag (weak or strong, W/"7" or "7") and returns the
// version. "*" matches any version and returns 0, which the Service reads as "do not check".
func ParseETag(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return 0, nil
	}
	s = strings.TrimPrefix(s, "W/")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, fmt.Errorf("entity tag %q: expected a quoted version such as W/\"3\"", s)
	}
	v, err := strconv.ParseInt(s[1:len(s)-1], 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("entity tag %s: not a version of Steward's", s)
	}
	return v, nil
}

// StaleChange says who made the change that a stale write had not seen, and when, as far as the
// audit trail knows.
type StaleChange struct {
	By string    // a person's name or "Steward"; empty when unknown
	At time.Time // zero when unknown
	// Version is the record's current version: a form that shows the person the current values
	// carries it, so that saving again after checking them succeeds.
	Version int64
}

// StaleOf returns the details of a stale-write refusal, and false for any other error.
func StaleOf(err error) (StaleChange, bool) {
	var re *RuleError
	if errors.As(err, &re) && re.Code == CodeStaleVersion && re.Stale != nil {
		return *re.Stale, true
	}
	return StaleChange{}, false
}

// nextVersion is the version a write stores: one more than the record's. A record not yet stored
// (0) starts at 1.
func nextVersion(v int64) int64 { return max(v, 0) + 1 }

// checkVersion refuses a write that expected version want of a record that is at version have.
// want 0 checks nothing. what and name describe the record in the message ("catalog", "Finance");
// modified is when the record was last written (zero when it does not say).
func checkVersion(tx Tx, what, id, name string, have, want int64, modified time.Time) error {
	have = max(have, 1)
	if want == 0 || want == have {
		return nil
	}
	ch := StaleChange{Version: have}
	// The last audited event on the record names who changed it; audit events are indexed by
	// object, so this reads one key and one event. A write after that event was not audited
	// (a sign-in that brought a new name), so the event would name the wrong person: none then.
	if pg, err := tx.Audit().List(AuditFilter{ObjectID: id}, ListOptions{Limit: 1, Desc: true}); err == nil && len(pg.Items) == 1 &&
		!pg.Items[0].At.Before(modified) {
		ch.By, ch.At = pg.Items[0].ActorName, pg.Items[0].At
	}
	msg := fmt.Sprintf("the %s %q changed since you read it (now version %d, you had %d); read it again and reapply your changes", what, name, have, want)
	if ch.By != "" {
		msg = fmt.Sprintf("%s changed the %s %q at %s, after you read it (now version %d, you had %d); read it again and reapply your changes",
			ch.By, what, name, ch.At.UTC().Format(time.RFC3339), have, want)
	}
	return &RuleError{Code: CodeStaleVersion, Message: msg, Kind: ErrStale, Object: what, Stale: &ch}
}

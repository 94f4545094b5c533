package views

import (
	"context"
	"strconv"
	"time"

	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// Stale tells a person that their save was refused because someone changed the record after
// they opened the form: who and when (when the audit trail knows), and the values saved now, so
// that they can check their own, which the form still shows, against them.
type Stale struct {
	What    string // what changed, as a sentence names it: "this catalog", "the settings"
	By      string // "Ana Ruiz"; empty when unknown
	At      time.Time
	Now     time.Time // to say "at 14:02" today and the date otherwise
	Current []CurrentValue
}

// CurrentValue is one saved value shown beside the person's unsaved one.
type CurrentValue struct {
	Label string
	Value string
}

// Headline says what happened: "Ana Ruiz changed this catalog at 14:02 after you opened it."
func (s Stale) Headline(ctx context.Context) string {
	if s.By == "" || s.At.IsZero() {
		return words.Capitalize(s.What) + " changed after you opened it."
	}
	at, now := s.At.In(Zone(ctx)), s.Now.In(Zone(ctx))
	when := "at " + at.Format("15:04")
	if at.Year() != now.Year() || at.YearDay() != now.YearDay() {
		when = "on " + at.Format(DateFormat) + " at " + at.Format("15:04")
	}
	return s.By + " changed " + s.What + " " + when + " after you opened it."
}

// StaleAdvice says what to do about it.
const StaleAdvice = "Your changes are below and were not saved: check them against the current values and save again."

// emptyValue shows a current value that is empty.
func emptyValue(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// versionHidden is the hidden field that sends the version of the record a delete dialog
// names, so that deleting a record changed since the page was shown is refused.
func versionHidden(version int64) []components.HiddenField {
	return []components.HiddenField{{Name: "version", Value: strconv.FormatInt(version, 10)}}
}

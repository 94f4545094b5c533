package entitlement

import "time"

// ExtensionWindow is how long before its end a holder may extend an assignment: from the first
// reminder on, as in Entra. Earlier, an extension would let a holder stack extensions far into the
// future and never face the question whether they still need the access.
const ExtensionWindow = ReminderEarly

// MinExtension is the least time an extension must add; anything shorter is a mistake, not an
// extension.
const MinExtension = 24 * time.Hour

// CodeExtensionNotOpen refuses an extension asked for before ExtensionWindow.
const CodeExtensionNotOpen = "extensionNotYetOpen"

// ExtensionTerms say when and how far an assignment can be extended under its policy. The new end
// is counted from the current end, not from the day of the extension, so that extending adds what
// the policy gives (30 more days on a 30-day policy) whenever in the window it is asked for.
type ExtensionTerms struct {
	CurrentEnd time.Time
	// OpensAt is the start of the window in which the holder may ask.
	OpensAt time.Time
	// DefaultEnd is the new end when the holder names none: the policy's duration after the
	// current end, or its fixed end; nil when the policy sets no end.
	DefaultEnd *time.Time
}

// extensionTermsOf returns the terms of extending an assignment that ends at end under pol.
func extensionTermsOf(pol AssignmentPolicy, end time.Time) ExtensionTerms {
	return ExtensionTerms{CurrentEnd: end, OpensAt: end.Add(-ExtensionWindow), DefaultEnd: pol.AssignmentEnd(end)}
}

// IsOpen reports whether the holder may ask for an extension at now.
func (t ExtensionTerms) IsOpen(now time.Time) bool {
	return !now.Before(t.OpensAt) && now.Before(t.CurrentEnd)
}

// EarliestEnd is the earliest new end an extension may ask for.
func (t ExtensionTerms) EarliestEnd() time.Time { return t.CurrentEnd.Add(MinExtension) }

// AddsEnough reports whether a new end (nil: none) extends the access by at least MinExtension.
func (t ExtensionTerms) AddsEnough(newEnd *time.Time) bool {
	return newEnd == nil || !newEnd.Before(t.EarliestEnd())
}

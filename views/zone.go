package views

import (
	"context"
	"time"
)

// Times are shown in the person's own time zone, which the web layer puts into each request's
// context; every time helper of this package reads it from there, so that no page has to pass it
// along. People who have not set one see UTC.

type zoneKey struct{}

// WithZone returns a context whose pages show times in loc.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey{}, loc)
}

// Zone is the time zone of the context's pages: the person's own, or UTC.
func Zone(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey{}).(*time.Location); ok && loc != nil {
		return loc
	}
	return time.UTC
}

// LoadZone reads an IANA zone name as stored on a profile; an empty or unknown name is UTC.
func LoadZone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CalendarDate formats a day that was chosen as a calendar date (a policy's last day, a review's
// first), which the wizard keeps in UTC; shown in another zone it could move by a day.
func CalendarDate(t time.Time) string { return t.UTC().Format(DateFormat) }

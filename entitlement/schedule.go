package entitlement

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StartTolerance is how far in the past a requested start may lie and still count as "now": a
// form filled in a minute ago, or a client clock slightly ahead, should not be refused.
const StartTolerance = 5 * time.Minute

// timeSlack absorbs the rounding of forms that show dates without seconds.
const timeSlack = time.Minute

// latestDateTime is the latest moment a schedule or a policy may name. Later times cannot be
// stored (JSON and RFC 3339 end at year 9999) nor kept in order in the time-ordered indexes.
var latestDateTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// tooLate reports whether t lies beyond latestDateTime.
func tooLate(t time.Time) bool { return t.After(latestDateTime) }

// isoDuration is a parsed ISO-8601 duration such as P30D or P1DT12H. Calendar parts (years,
// months, weeks, days) are added with AddDate so that "P1M" means one calendar month.
type isoDuration struct {
	years, months, days int
	clock               time.Duration
}

// parseISODuration parses PnYnMnWnDTnHnMnS (every part optional, at least one present, whole
// numbers only). Negative durations are refused.
func parseISODuration(s string) (isoDuration, error) {
	var d isoDuration
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) < 3 || s[0] != 'P' {
		return d, fmt.Errorf("%q is not an ISO-8601 duration such as P30D", s)
	}
	rest, inTime, any := s[1:], false, false
	seen := map[string]bool{} // each unit once, as ISO 8601 says; repeats could overflow the clock part
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return d, fmt.Errorf("%q has two T separators", s)
			}
			inTime, rest = true, rest[1:]
			continue
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return d, fmt.Errorf("%q is not an ISO-8601 duration such as P30D", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 100000 {
			return d, fmt.Errorf("%q has a number out of range", s)
		}
		unit := rest[i]
		rest = rest[i+1:]
		any = true
		key := fmt.Sprint(inTime, unit)
		if seen[key] {
			return d, fmt.Errorf("%q names the unit %q twice", s, string(unit))
		}
		seen[key] = true
		switch {
		case !inTime && unit == 'Y':
			d.years += n
		case !inTime && unit == 'M':
			d.months += n
		case !inTime && unit == 'W':
			d.days += 7 * n
		case !inTime && unit == 'D':
			d.days += n
		case inTime && unit == 'H':
			d.clock += time.Duration(n) * time.Hour
		case inTime && unit == 'M':
			d.clock += time.Duration(n) * time.Minute
		case inTime && unit == 'S':
			d.clock += time.Duration(n) * time.Second
		default:
			return d, fmt.Errorf("%q has an unknown unit %q", s, string(unit))
		}
	}
	if !any {
		return d, fmt.Errorf("%q is an empty duration", s)
	}
	return d, nil
}

func (d isoDuration) addTo(t time.Time) time.Time {
	return t.AddDate(d.years, d.months, d.days).Add(d.clock)
}

func (d isoDuration) isZero() bool {
	return d.years == 0 && d.months == 0 && d.days == 0 && d.clock == 0
}

// checkScheduleShape validates a schedule on its own, before any policy is known: known
// expiration type, a parsable duration, an end after the start. It normalizes the expiration
// type ("" becomes notSpecified).
func checkScheduleShape(s *Schedule) error {
	e := &s.Expiration
	if s.StartDateTime != nil && tooLate(*s.StartDateTime) {
		return invalid("scheduleTooLate", "schedule.startDateTime", "choose a start before %s", formatTime(latestDateTime))
	}
	if e.EndDateTime != nil && tooLate(*e.EndDateTime) {
		return invalid("scheduleTooLate", "schedule.expiration.endDateTime", "choose an end before %s, or no end", formatTime(latestDateTime))
	}
	switch e.Type {
	case "":
		e.Type = ExpirationNotSpecified
		if e.EndDateTime != nil {
			e.Type = ExpirationAfterDateTime
		} else if e.Duration != "" {
			e.Type = ExpirationAfterDuration
		}
	case ExpirationNotSpecified, ExpirationNone, ExpirationAfterDateTime, ExpirationAfterDuration:
	default:
		return invalid("invalidExpirationType", "schedule.expiration.type", "choose how access ends: the policy's default, a date, a duration or never")
	}
	switch e.Type {
	case ExpirationAfterDateTime:
		if e.EndDateTime == nil {
			return invalid("endDateRequired", "schedule.expiration.endDateTime", "choose the date access should end")
		}
		if s.StartDateTime != nil && !e.EndDateTime.After(*s.StartDateTime) {
			return invalid("scheduleEndBeforeStart", "schedule.expiration.endDateTime", "choose an end after the start (%s)", formatTime(*s.StartDateTime))
		}
	case ExpirationAfterDuration:
		d, err := parseISODuration(e.Duration)
		if err != nil {
			return invalid("invalidDuration", "schedule.expiration.duration", "enter a duration such as P30D (30 days) or PT8H (8 hours)")
		}
		if d.isZero() {
			return invalid("invalidDuration", "schedule.expiration.duration", "enter a duration longer than zero")
		}
	}
	return nil
}

// scheduleEnd returns when access granted at start under the schedule ends, or nil for no end.
// An unspecified expiration takes the policy's; explicit ends are checked against it separately.
func scheduleEnd(p AssignmentPolicy, s Schedule, start time.Time) *time.Time {
	switch s.Expiration.Type {
	case ExpirationAfterDateTime:
		t := s.Expiration.EndDateTime.UTC()
		return &t
	case ExpirationAfterDuration:
		d, err := parseISODuration(s.Expiration.Duration)
		if err != nil {
			return p.AssignmentEnd(start)
		}
		t := d.addTo(start).UTC()
		return &t
	case ExpirationNone:
		return nil
	}
	return p.AssignmentEnd(start)
}

// checkScheduleAgainstPolicy checks a shape-valid schedule against what the policy allows, at
// time now, and returns the effective start (now when none or within the tolerance). It refuses a
// start in the past beyond StartTolerance, a start on or after the policy's fixed expiration, an
// end before the start, and an end later than the policy's limit.
func checkScheduleAgainstPolicy(p AssignmentPolicy, s *Schedule, now time.Time) (time.Time, error) {
	start := now
	if s.StartDateTime != nil {
		st := s.StartDateTime.UTC()
		if st.Before(now.Add(-StartTolerance)) {
			return now, invalid("scheduleStartInPast", "schedule.startDateTime", "choose a start from now on; %s has passed", formatTime(st))
		}
		if st.After(now) {
			start = st
		}
		s.StartDateTime = &st
	}
	if p.ExpirationDateTime != nil && !start.Before(*p.ExpirationDateTime) {
		return start, invalid("scheduleBeyondPolicy", "schedule.startDateTime", "access through this policy ends on %s; choose an earlier start", formatTime(*p.ExpirationDateTime))
	}
	limit := p.AssignmentEnd(start)
	end := scheduleEnd(p, *s, start)
	if err := checkEndNotTooLate(*s, end); err != nil {
		return start, err
	}
	if end != nil && !end.After(start) {
		return start, invalid("scheduleEndBeforeStart", "schedule.expiration.endDateTime", "choose an end after the start (%s)", formatTime(start))
	}
	if limit != nil {
		if s.Expiration.Type == ExpirationNone {
			return start, invalid("scheduleBeyondPolicy", "schedule.expiration.type", "this policy gives access until %s at the latest; choose an end date or leave the end to the policy", formatTime(*limit))
		}
		if end != nil && end.After(limit.Add(timeSlack)) {
			return start, invalid("scheduleBeyondPolicy", "schedule.expiration.endDateTime", "this policy gives access until %s at the latest; choose that date or an earlier one", formatTime(*limit))
		}
	}
	return start, nil
}

// checkEndNotTooLate refuses an end, computed from the schedule (a duration) or the policy,
// that lies beyond latestDateTime.
func checkEndNotTooLate(s Schedule, end *time.Time) error {
	if end == nil || !tooLate(*end) {
		return nil
	}
	field := "schedule.expiration.endDateTime"
	if s.Expiration.Type == ExpirationAfterDuration {
		field = "schedule.expiration.duration"
	}
	return invalid("scheduleTooLate", field, "access would end after %s; choose an earlier end", formatTime(latestDateTime))
}

// formatTime is how the engine writes a time into messages people read.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

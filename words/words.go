// Package words holds the few text helpers that every layer uses to write English for people:
// capitalising a message, counting with a noun, listing names. It uses the standard library
// only, so the domain may import it as well as the views and handlers.
package words

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Capitalize puts the first letter of s in upper (title) case. It works on the first rune, not
// the first byte, because messages often begin with a person's name ("Élodie", "Ωμέγα").
func Capitalize(s string) string {
	return mapFirst(s, unicode.ToTitle)
}

// Uncapitalize puts the first letter of s in lower case, to use a phrase inside a sentence.
func Uncapitalize(s string) string {
	return mapFirst(s, unicode.ToLower)
}

// Sentence makes a message a sentence: trimmed, capitalised, ending with a full stop.
func Sentence(s string) string { return Finish(Capitalize(strings.TrimSpace(s))) }

// Finish ends s with a full stop unless it already ends a sentence (or is empty).
func Finish(s string) string {
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func mapFirst(s string, f func(rune) rune) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		// Empty, or not UTF-8 at the start: leave the bytes as they are rather than corrupt them.
		return s
	}
	m := f(r)
	if m == r {
		return s
	}
	return string(m) + s[n:]
}

// Plural counts with a noun: "1 day", "3 days".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Minutes says a number of minutes in the largest whole unit: "2 days", "4 hours", "90 minutes".
func Minutes(m int) string {
	switch {
	case m > 0 && m%(24*60) == 0:
		return Plural(m/(24*60), "day", "days")
	case m > 0 && m%60 == 0:
		return Plural(m/60, "hour", "hours")
	}
	return Plural(m, "minute", "minutes")
}

// JoinAnd lists items as people write them: "A", "A and B", "A, B and C".
func JoinAnd(items []string) string { return join(items, "and") }

// JoinOr lists alternatives: "A", "A or B", "A, B or C" (any one of them).
func JoinOr(items []string) string { return join(items, "or") }

func join(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

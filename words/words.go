// Package words holds the few text helpers that every layer uses to write English for people:
// capitalising a message, counting with a noun, listing names. It uses the standard library
// only, so the domain may import it as well as the views and handlers.
package words

import (
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

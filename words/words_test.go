package words

import (
	"testing"
	"unicode/utf8"
)

func TestCapitalize(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, lower string
	}{
		{"empty", "", "", ""},
		{"latin", "dana is already a member", "Dana is already a member", "dana is already a member"},
		{"accented", "élodie is already a member", "Élodie is already a member", "élodie is already a member"},
		{"greek", "ωμέγα", "Ωμέγα", "ωμέγα"},
		{"cyrillic", "юлия", "Юлия", "юлия"},
		{"cjk", "山田 is already a member", "山田 is already a member", "山田 is already a member"},
		{"emoji", "🎉 done", "🎉 done", "🎉 done"},
		{"digraph", "ǆenana", "ǅenana", "ǆenana"},
		{"already upper", "Élodie", "Élodie", "élodie"},
		{"one letter", "é", "É", "é"},
		{"invalid start", "\xc3", "\xc3", "\xc3"},
	} {
		got := Capitalize(tc.in)
		if got != tc.want {
			t.Errorf("%s: Capitalize(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
		if utf8.ValidString(tc.in) && !utf8.ValidString(got) {
			t.Errorf("%s: Capitalize(%q) = %q is not UTF-8", tc.name, tc.in, got)
		}
		if got := Uncapitalize(tc.want); got != tc.lower {
			t.Errorf("%s: Uncapitalize(%q) = %q, want %q", tc.name, tc.want, got, tc.lower)
		}
	}
}

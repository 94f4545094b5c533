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

func TestPluralAndMinutes(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Plural(0, "day", "days"), "0 days"},
		{Plural(1, "day", "days"), "1 day"},
		{Plural(2, "request is", "requests are"), "2 requests are"},
		{Minutes(0), "0 minutes"},
		{Minutes(1), "1 minute"},
		{Minutes(90), "90 minutes"},
		{Minutes(60), "1 hour"},
		{Minutes(180), "3 hours"},
		{Minutes(2880), "2 days"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		and, or string
	}{
		{nil, "", ""},
		{[]string{"A"}, "A", "A"},
		{[]string{"A", "B"}, "A and B", "A or B"},
		{[]string{"A", "B", "C"}, "A, B and C", "A, B or C"},
	} {
		if got := JoinAnd(tc.in); got != tc.and {
			t.Errorf("JoinAnd(%q) = %q, want %q", tc.in, got, tc.and)
		}
		if got := JoinOr(tc.in); got != tc.or {
			t.Errorf("JoinOr(%q) = %q, want %q", tc.in, got, tc.or)
		}
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "  élodie is already a member ": "Élodie is already a member.", "done!": "Done!", "why?": "Why?", "ok.": "Ok.",
	} {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Finish("not removed: in use"); got != "not removed: in use." {
		t.Errorf("Finish = %q", got)
	}
}

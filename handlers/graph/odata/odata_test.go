package odata

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// object is what the filter tests evaluate against.
var object = map[string]any{
	"displayname":           "Marketing Staff",
	"id":                    "4d5e6f70-0000-7000-8000-0000000000aa",
	"accesspackage/id":      "0190F000-AAAA-7000-8000-000000000001",
	"target/objectid":       "u1",
	"ishidden":              false,
	"durationindays":        30,
	"createddatetime":       time.Date(2020, 9, 25, 10, 0, 0, 0, time.UTC),
	"expireddatetime":       (*time.Time)(nil),
	"description":           "",
	"accesspackage/catalog": nil,
}

func lookup(p string) any { return object[p] }

func TestFilterEval(t *testing.T) {
	cases := []struct {
		filter string
		want   bool
	}{
		{"displayName eq 'Marketing Staff'", true},
		{"displayname eq 'marketing staff'", true},
		{"displayName ne 'Marketing Staff'", false},
		{"(displayName eq 'General')", false},
		{"contains(tolower(displayName),'staff')", true},
		{"startswith(displayName,'Mark')", true},
		{"endswith(displayName,'aff')", true},
		{"not startswith(displayName,'X')", true},
		{"accessPackage/id eq '0190f000-aaaa-7000-8000-000000000001'", true},
		{"accessPackage/Id eq 0190f000-aaaa-7000-8000-000000000001", true},
		{"accessPackage/id eq 'x' and target/objectid eq 'u1'", false},
		{"accessPackage/id eq 'x' or target/objectId eq 'u1'", true},
		{"isHidden eq false", true},
		{"isHidden eq true", false},
		{"durationInDays gt 29 and durationInDays le 30", true},
		{"durationInDays lt 30", false},
		{"durationInDays eq 30", true},
		{"createdDateTime ge 2020-09-25T10:00:00Z", true},
		{"createdDateTime gt 2020-09-25T10:00:00Z", false},
		{"createdDateTime lt 2021-01-01", true},
		{"createdDateTime lt '2020-01-01T00:00:00Z'", false},
		{"expiredDateTime eq null", true},
		{"expiredDateTime ne null", false},
		{"description eq null", true},
		{"displayName eq 'It''s'", false},
		{"not (isHidden eq true or durationInDays eq 1)", true},
	}
	for _, c := range cases {
		e, err := ParseFilter(c.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.filter, err)
			continue
		}
		got, err := Eval(e, lookup)
		if err != nil {
			t.Errorf("Eval(%q): %v", c.filter, err)
			continue
		}
		if got != c.want {
			t.Errorf("Eval(%q) = %v, want %v", c.filter, got, c.want)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	cases := []struct{ filter, says string }{
		{"", "empty"},
		{"displayName eq", "ends where"},
		{"displayName 'x'", "expected a comparison"},
		{"displayName eq 'x", "no closing quote"},
		{"(displayName eq 'x'", "')'"},
		{"displayName eq 'x')", "unexpected"},
		{"displayName in ('a','b')", "not supported"},
		{"any(x)", "not supported"},
		{"length(displayName) eq 3", "not supported"},
		{"'a' eq 'b'", "two literals"},
		{"displayName eq 'x' and", "ends where"},
		{"startswith(displayName, 3)", "string literal"},
		{"displayName eq #", "unexpected character"},
		{"displayName eq 12abc", "neither a property nor a value"},
		{strings.Repeat("(", 40) + "a eq 1" + strings.Repeat(")", 40), "nests deeper"},
		{strings.Repeat("a", MaxFilterLength+1), "longer than"},
	}
	for _, c := range cases {
		_, err := ParseFilter(c.filter)
		var oe *Error
		if !errors.As(err, &oe) {
			t.Errorf("ParseFilter(%q) = %v, want an *Error", c.filter, err)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("ParseFilter(%q) = %q, want it to say %q", c.filter, err, c.says)
		}
	}
	// Types that do not order are refused when parsed, or at evaluation for a property.
	for _, f := range []string{"displayName gt 'a'", "isHidden lt true", "description ge null"} {
		if _, err := ParseFilter(f); err == nil || !strings.Contains(err.Error(), "dates, times and numbers") {
			t.Errorf("ParseFilter(%q) = %v", f, err)
		}
	}
	e, err := ParseFilter("displayName gt 3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Eval(e, lookup); err == nil || !strings.Contains(err.Error(), "number") {
		t.Errorf("a string property gt a number: %v", err)
	}
}

func TestEquality(t *testing.T) {
	cases := []struct {
		filter, path, want string
		ok                 bool
	}{
		{"accessPackage/id eq 'p1'", "accessPackage/id", "p1", true},
		{"'p1' eq accessPackage/id", "accesspackage/id", "p1", true},
		{"accessPackage/id eq 'p1' and target/objectid eq 'u'", "accessPackage/id", "p1", true},
		{"target/objectid eq 'u' and (accessPackage/id eq 'p1')", "accessPackage/id", "p1", true},
		{"accessPackage/id eq 'p1' or target/objectid eq 'u'", "accessPackage/id", "", false},
		{"accessPackage/id ne 'p1'", "accessPackage/id", "", false},
		{"not (accessPackage/id eq 'p1')", "accessPackage/id", "", false},
		{"displayName eq 'p1'", "accessPackage/id", "", false},
	}
	for _, c := range cases {
		e, err := ParseFilter(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := Equality(e, c.path)
		if got != c.want || ok != c.ok {
			t.Errorf("Equality(%q, %q) = %q, %v; want %q, %v", c.filter, c.path, got, ok, c.want, c.ok)
		}
	}
	e, _ := ParseFilter("contains(tolower(displayName),'x') and accessPackage/id eq 'p' and target/objectId eq 'u'")
	if got := strings.Join(Paths(e), ","); got != "displayname,accesspackage/id,target/objectid" {
		t.Errorf("Paths = %s", got)
	}
}

func TestParseOptions(t *testing.T) {
	q, err := Parse(url.Values{
		"$filter":    {"displayName eq 'x'"},
		"$select":    {"id, displayName"},
		"$expand":    {"accessPackageResourceRoleScopes($expand=accessPackageResourceRole,accessPackageResourceScope;$select=id),target"},
		"$orderby":   {"displayName desc, id"},
		"$top":       {"999"},
		"$skiptoken": {"abc"},
		"$count":     {"true"},
		"other":      {"ignored"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Filter == nil || len(q.Select) != 2 || q.Select[1] != "displayName" || q.Top != 999 || q.SkipToken != "abc" || !q.Count {
		t.Errorf("query = %+v", q)
	}
	if len(q.Expand) != 2 || q.Expand[0].Name != "accessPackageResourceRoleScopes" || len(q.Expand[0].Expand) != 2 ||
		q.Expand[0].Expand[1].Name != "accessPackageResourceScope" || len(q.Expand[0].Select) != 1 || q.Expand[1].Name != "target" {
		t.Errorf("expand = %+v", q.Expand)
	}
	if len(q.OrderBy) != 2 || !q.OrderBy[0].Desc || q.OrderBy[1].Desc || q.OrderBy[0].Path != "displayname" {
		t.Errorf("orderby = %+v", q.OrderBy)
	}

	bad := []struct {
		v    url.Values
		says string
	}{
		{url.Values{"$top": {"1000"}}, "from 1 to 999"},
		{url.Values{"$top": {"-1"}}, "from 1 to 999"},
		{url.Values{"$top": {"ten"}}, "from 1 to 999"},
		{url.Values{"$skip": {"10"}}, "@odata.nextLink"},
		{url.Values{"$search": {"x"}}, "startswith"},
		{url.Values{"$apply": {"x"}}, "supported: $filter"},
		{url.Values{"$count": {"yes"}}, "true or false"},
		{url.Values{"$orderby": {"displayName sideways"}}, "asc or desc"},
		{url.Values{"$select": {"a,,b"}}, "empty name"},
		{url.Values{"$select": {"a/b"}}, "not a property name"},
		{url.Values{"$expand": {"target("}}, "without its ')'"},
		{url.Values{"$expand": {"target($top=1)"}}, "not supported"},
		{url.Values{"$expand": {"a)"}}, "without its '('"},
		{url.Values{"$filter": {"x eq"}}, "ends where"},
		{url.Values{"$top": {"1", "2"}}, "once"},
		{url.Values{"$skiptoken": {""}}, "empty"},
	}
	for _, c := range bad {
		_, err := Parse(c.v, nil)
		var oe *Error
		if !errors.As(err, &oe) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Parse(%v) = %v, want an *Error saying %q", c.v, err, c.says)
		}
	}
	if _, err := Parse(url.Values{"$filter": {"a eq 1"}}, []string{}); err == nil || !strings.Contains(err.Error(), "takes no query options") {
		t.Errorf("options on an endpoint without any: %v", err)
	}
	if _, err := Parse(url.Values{"$orderby": {"a"}}, []string{"$filter", "$top"}); err == nil || !strings.Contains(err.Error(), "$filter, $top") {
		t.Errorf("unsupported option: %v", err)
	}
}

// FuzzParseFilter checks that no input makes the parser or the evaluator panic, and that every
// failure is an *Error the API answers with 400.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"displayName eq 'x'", "contains(tolower(displayName),'staff')", "accessPackage/id eq 'a' and target/objectId eq 'b'",
		"not (a eq 1 or b ne null)", "createdDateTime ge 2020-01-01T00:00:00Z", "a eq 'it''s'", "((a eq 1))", "a eq 0190f000-aaaa-7000-8000-000000000001",
		"startswith(a,'b", ")", "a gt 'x'", "durationInDays le -1.5e3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseFilter(s)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("ParseFilter(%q) returned %T, want *Error", s, err)
			}
			return
		}
		if _, err := Eval(e, lookup); err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("Eval(%q) returned %T, want *Error", s, err)
			}
		}
		_ = Paths(e)
		_, _ = Equality(e, "accessPackage/id")
	})
}

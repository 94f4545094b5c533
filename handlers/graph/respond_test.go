package graph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

// TestWriteCollectionBytes checks that the one-pass collection writer sends, byte for byte, what
// the API sent when it encoded each item alone and then the collection around them with
// encoding/json (the oracle below): the same property order, escaping and time format, with and
// without @odata.count, @odata.nextLink and $select.
func TestWriteCollectionBytes(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("x", 3600))
	users := []User{
		{ETag: `W/"2"`, ID: "u1", DisplayName: "Zoë <Ops> & \"Sales\"", Mail: "z@corp.example", UserPrincipalName: "z@corp.example", UserType: "Member", AccountEnabled: true, Department: "line\u2028break", CreatedDateTime: ts(at)},
		{ID: "u2", DisplayName: "bad \xff byte", UserType: "Guest"},
	}
	approvals := []Approval{{ID: "r1", Stages: []ApprovalStep{
		{ID: "1", Status: "Approved", ReviewResult: "Approve", ReviewedBy: &Identity{ID: "a", DisplayName: "Avery"}, ReviewedDateTime: ts(at), Justification: "ok"},
		{ID: "2", Status: "Pending", ReviewResult: "NotReviewed", AssignedToMe: true},
	}}, {ID: "r2", Stages: []ApprovalStep{}}}
	three := 3
	cases := []struct {
		name  string
		items any
		next  string
		count *int
		q     odata.Query
	}{
		{"users", users, "", nil, odata.Query{}},
		{"users, count and next", users, "tok&en", &three, odata.Query{Count: true}},
		{"users, select", users, "", nil, odata.Query{Select: []string{"displayName", "createdDateTime"}}},
		{"approvals", approvals, "", nil, odata.Query{}},
		{"no items, count", []User{}, "", new(int), odata.Query{Count: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &api{root: "/beta"}
			e := echo.New()
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/beta/users?$top=2&$skiptoken=old&x=<y>", nil), rec)
			var err error
			switch items := tc.items.(type) {
			case []User:
				err = writeCollection(a, c, "users", items, tc.next, tc.count, tc.q)
			case []Approval:
				err = writeCollection(a, c, "users", items, tc.next, tc.count, tc.q)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := oracleCollection(t, a, c, tc.items, tc.next, tc.count, tc.q)
			if got := rec.Body.String(); got != want {
				t.Errorf("body\n%s\nwant\n%s", got, want)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("not valid JSON: %s", rec.Body)
			}
		})
	}
}

// oracleCollection is how the API wrote a collection before it was written in one pass.
func oracleCollection(t *testing.T, a *api, c echo.Context, items any, next string, count *int, q odata.Query) string {
	t.Helper()
	type collection struct {
		Context  string            `json:"@odata.context"`
		Count    *int              `json:"@odata.count,omitempty"`
		NextLink string            `json:"@odata.nextLink,omitempty"`
		Value    []json.RawMessage `json:"value"`
	}
	out := collection{Context: a.contextURL(c, "users"), Count: count, Value: []json.RawMessage{}}
	add := func(v any) {
		b, err := project(v, q.Select, q.Expand)
		if err != nil {
			t.Fatal(err)
		}
		out.Value = append(out.Value, b)
	}
	switch items := items.(type) {
	case []User:
		for _, it := range items {
			add(it)
		}
	case []Approval:
		for _, it := range items {
			add(it)
		}
	}
	if next != "" {
		out.NextLink = nextLink(c, next)
	}
	b, err := marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package store

import (
	"encoding/json"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestRequestStateOf checks the state read without decoding the request against the state the
// whole record decodes to, for a record as the store writes it and for fields in other orders.
func TestRequestStateOf(t *testing.T) {
	written, err := json.Marshal(entitlement.Request{ID: "r1", RequestType: entitlement.RequestUserAdd, RequestState: entitlement.StateScheduled,
		Justification: `a "requestState":"Denied" in a string`, Events: []entitlement.RequestEvent{{Kind: entitlement.EventSubmitted, Detail: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		raw  string
		want entitlement.RequestState
	}{
		{"as the store writes it", string(written), entitlement.StateScheduled},
		{"after nested values", `{"stages":[{"index":1,"requestState":"Denied"}],"schedule":{"requestState":"Denied"},"requestState":"PendingApproval"}`, entitlement.StatePendingApproval},
		{"last", `{"id":"r1","justification":"requestState","requestState":"Canceled"}`, entitlement.StateCanceled},
		{"missing", `{"id":"r1"}`, ""},
		{"an escape before it", `{"id":"r\u0031","requestType":"UserAdd","requestState":"Denied"}`, entitlement.StateDenied},
		{"an escape in it", `{"id":"r1","requestType":"UserAdd","requestState":"Deni\u0065d"}`, entitlement.StateDenied},
		{"spaces", `{ "id": "r1", "requestType": "UserAdd", "requestState": "Denied" }`, entitlement.StateDenied},
	} {
		got, err := requestStateOf([]byte(tc.raw))
		if err != nil || got != tc.want {
			t.Errorf("%s: state = %q, %v; want %q", tc.name, got, err, tc.want)
		}
		var whole entitlement.Request
		if err := json.Unmarshal([]byte(tc.raw), &whole); err != nil || whole.RequestState != got {
			t.Errorf("%s: the whole record decodes to %q (%v), the peek to %q", tc.name, whole.RequestState, err, got)
		}
	}
	// The record as the store writes it takes the short way.
	if state, ok := leadingRequestState(written); !ok || state != entitlement.StateScheduled {
		t.Errorf("a written request's leading state = %q, %v; want %q", state, ok, entitlement.StateScheduled)
	}
	for _, raw := range []string{``, `[]`, `{"id":`, `{"requestState":3}`} {
		if got, err := requestStateOf([]byte(raw)); err == nil {
			t.Errorf("%q: state %q and no error", raw, got)
		}
	}
}

package entitlement_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestStatesEncodeAsPlainStrings: the named state types keep the JSON that the store holds and
// the API will show.
func TestStatesEncodeAsPlainStrings(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{entitlement.Request{RequestState: entitlement.StatePendingApproval}, `"requestState":"PendingApproval"`},
		{entitlement.Assignment{AssignmentState: entitlement.AssignmentDelivered}, `"assignmentState":"Delivered"`},
		{entitlement.AssignmentResourceRole{Status: entitlement.RoleStatusFulfilled}, `"status":"Fulfilled"`},
	} {
		b, err := json.Marshal(tc.v)
		if err != nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("%T encodes as %s (%v), want %s in it", tc.v, b, err, tc.want)
		}
	}
	var r entitlement.Request
	if err := json.Unmarshal([]byte(`{"requestState":"Denied"}`), &r); err != nil || r.RequestState != entitlement.StateDenied {
		t.Errorf("decode: %q, %v", r.RequestState, err)
	}
}

package entitlement_test

import (
	"slices"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestAskedToApprove checks who counts as asked to approve a request, which decides who reads it
// as an approver and what the store indexes for them.
func TestAskedToApprove(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stages []entitlement.StageState
		want   []string
	}{
		{"no stages", nil, nil},
		{"primary approvers", []entitlement.StageState{{Approvers: []string{"a", "b"}}}, []string{"a", "b"}},
		{"escalation approvers before the stage escalates", []entitlement.StageState{{Approvers: []string{"a"}, EscalationApprovers: []string{"e"}}}, []string{"a"}},
		{"escalation approvers once it escalated", []entitlement.StageState{{Approvers: []string{"a"}, EscalationApprovers: []string{"e"}, Escalated: true}}, []string{"a", "e"}},
		{"the decider, even when not an approver", []entitlement.StageState{{Approvers: []string{"a"}, DecidedBy: "admin"}}, []string{"a", "admin"}},
		{"every stage, each person once", []entitlement.StageState{{Approvers: []string{"a"}, DecidedBy: "a"}, {Approvers: []string{"b", "a"}}, {Approvers: []string{}}}, []string{"a", "b"}},
	} {
		if got := (entitlement.Request{Stages: tc.stages}).AskedToApprove(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

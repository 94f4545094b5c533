package entitlement_test

import (
	"reflect"
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

// TestRequestStagesReadAsRequests checks that RequestStages and StageDecision are read from a
// stored request by name: each of their fields is a field of Request or StageState with the
// same name, type and JSON tag.
func TestRequestStagesReadAsRequests(t *testing.T) {
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[entitlement.RequestStages](), reflect.TypeFor[entitlement.Request]()},
		{reflect.TypeFor[entitlement.StageDecision](), reflect.TypeFor[entitlement.StageState]()},
	} {
		part, whole := pair[0], pair[1]
		for i := range part.NumField() {
			f := part.Field(i)
			w, ok := whole.FieldByName(f.Name)
			switch {
			case !ok:
				t.Errorf("%s.%s: %s has no such field", part.Name(), f.Name, whole.Name())
			case f.Tag.Get("json") != w.Tag.Get("json"):
				t.Errorf("%s.%s: JSON tag %q, %s's is %q", part.Name(), f.Name, f.Tag.Get("json"), whole.Name(), w.Tag.Get("json"))
			case f.Type != w.Type && (f.Name != "Stages" || part != reflect.TypeFor[entitlement.RequestStages]()):
				t.Errorf("%s.%s: type %s, %s's is %s", part.Name(), f.Name, f.Type, whole.Name(), w.Type)
			}
		}
	}
}

package views

import "github.com/stewardhq/steward/entitlement"

// PolicyHooksProps configures PolicyHooksPage.
type PolicyHooksProps struct {
	Page    Page
	Policy  entitlement.AssignmentPolicy
	Package entitlement.AccessPackage
	// Values are the addresses sent back after an error, by stage; keys are never sent back.
	Values map[string]string
	// Errors are by field: "customExtension.<stage>.url" and ".key".
	Errors map[string]string
	// Failing are the policy's calls whose last attempt failed, oldest first.
	Failing []FailingHookRow
}

// FailingHookRow is a failed call with when it was given up on or is tried next.
type FailingHookRow struct {
	Call entitlement.FailingHookCall
	At   Time
}

func hookStageLabel(stage string) string {
	for _, s := range HookStages {
		if s.Stage == stage {
			return s.Label
		}
	}
	return stage
}

// HookStage is one stage of the hooks form.
type HookStage struct {
	Stage, Label, Help string
}

// HookStages are the stages in the order of a request's life, in words.
var HookStages = []HookStage{
	{entitlement.StageRequestCreated, "A request is submitted", "Before anyone approves: the request has just been made."},
	{entitlement.StageRequestApproved, "A request is approved", "After the last approval stage approved it."},
	{entitlement.StageRequestGranted, "Access is granted", "When every role of the assignment has been delivered."},
	{entitlement.StageRequestRemoved, "Access is removed", "When the assignment is removed or expires."},
}

func (p PolicyHooksProps) url(stage string) string {
	if v, ok := p.Values[stage]; ok {
		return v
	}
	c, _ := p.Policy.CustomExtension(stage)
	return c.EndpointURL
}

func (p PolicyHooksProps) hasKey(stage string) bool {
	c, ok := p.Policy.CustomExtension(stage)
	return ok && c.SealedKey != ""
}

func (p PolicyHooksProps) keyHelp(stage string) string {
	if p.hasKey(stage) {
		return "A key is saved and is never shown again. Leave empty to keep it."
	}
	return "At least 16 characters. Steward signs each call with it (Steward-Signature: v1=HMAC-SHA256 of the timestamp, a dot and the body)."
}

func hookField(stage, name string) string { return "customExtension." + stage + "." + name }

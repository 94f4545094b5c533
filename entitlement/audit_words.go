package entitlement

import (
	"fmt"
	"strings"
)

// The audit log is read by people (the audit page, the dashboard, the CSV export), so the
// summaries recorded with each event are plain words, never field names or enum values.

// catalogCreated summarizes a new catalog: "published, visible to external users".
func catalogCreated(c Catalog) string {
	s := "created as a draft"
	if c.CatalogStatus == CatalogStatusPublished {
		s = "created and published"
	}
	if c.IsExternallyVisible {
		s += ", visible to external users"
	}
	return s
}

// packageCreated summarizes a new access package: "created in Corporate, hidden".
func packageCreated(p AccessPackage, c Catalog) string {
	s := "created in " + c.DisplayName
	if p.IsHidden {
		s += ", hidden from the package list"
	}
	return s
}

// decisionSummary tells which stage an approver decided and, when they gave one, why: the
// reason is what an auditor looks for. "stage 1 of 2; reason: covers the audit".
func decisionSummary(idx, stages int, reason string) string {
	var parts []string
	if stages > 1 {
		parts = append(parts, fmt.Sprintf("stage %d of %d", idx+1, stages))
	}
	if reason != "" {
		parts = append(parts, "reason: "+reason)
	}
	return strings.Join(parts, "; ")
}

// removalSummary says who asked for an assignment to end: "asked to remove their access" or
// "asked to remove Riley's access".
func removalSummary(tx Tx, requestType string, p Principal, targetID string) string {
	switch {
	case requestType == RequestSystemRemove:
		return "removed " + userLabel(tx, targetID) + "'s access"
	case targetID == p.UserID:
		return "asked to remove their access"
	}
	return "asked to remove " + userLabel(tx, targetID) + "'s access"
}

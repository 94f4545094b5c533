package views

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/words"
)

// DescribePolicyChoice describes a policy in words: who it is for, who approves, how long access
// lasts.
func DescribePolicyChoice(ctx context.Context, pol entitlement.AssignmentPolicy, stages []entitlement.StagePreview, names map[string]string, now time.Time) PolicyChoice {
	ch := PolicyChoice{
		ID: pol.ID, Name: pol.DisplayName,
		JustificationRequired: pol.RequestApprovalSettings.IsRequestorJustificationRequired,
		ApprovalRequired:      pol.IsApprovalRequired(),
		Lifetime:              lifetime(pol),
		Questions:             pol.Questions,
	}
	if end := pol.AssignmentEnd(now); end != nil {
		ch.MaxEnd = FormTime(ctx, *end)
	}
	parts := []string{scopeWords(pol, names)}
	if ch.ApprovalRequired {
		var steps []string
		for _, st := range stages {
			steps = append(steps, approverWords(st.Approvers, 3))
		}
		parts = append(parts, "approved by "+strings.Join(steps, ", then "))
	} else {
		parts = append(parts, "no approval needed")
	}
	parts = append(parts, "access "+ch.Lifetime)
	ch.Summary = words.Sentence(strings.Join(parts, " · "))
	ch.Summary = strings.TrimSuffix(ch.Summary, ".")
	if ch.JustificationRequired {
		ch.Facts = append(ch.Facts, "Justification required")
	}
	if pol.CanExtend {
		if pol.RequestApprovalSettings.IsApprovalRequiredForExtension && ch.ApprovalRequired {
			ch.Facts = append(ch.Facts, "Can be extended, with approval")
		} else {
			ch.Facts = append(ch.Facts, "Can be extended")
		}
	}
	ch.About = pol.Description
	return ch
}

// lifetime says how long access through the policy lasts: "for 90 days", "until 31 Dec 2026",
// "until you give it back".
func lifetime(pol entitlement.AssignmentPolicy) string {
	switch {
	case pol.ExpirationDateTime != nil:
		return "until " + CalendarDate(*pol.ExpirationDateTime)
	case pol.DurationInDays > 0:
		return "for " + words.Plural(pol.DurationInDays, "day", "days")
	}
	return "until you give it back"
}

// scopeWords says whom a policy is for.
func scopeWords(pol entitlement.AssignmentPolicy, names map[string]string) string {
	rs := pol.RequestorSettings
	var who []string
	for _, u := range rs.AllowedRequestors {
		n := names[u.ID]
		if n == "" {
			continue
		}
		if u.Type == entitlement.UserSetGroupMembers {
			n = "members of " + n
		}
		who = append(who, n)
	}
	switch entitlement.NormalizeScopeType(rs.ScopeType) {
	case entitlement.ScopeAllExistingDirectoryMembers:
		return "for everyone in the organization"
	case entitlement.ScopeAllExistingDirectorySubjects:
		return "for everyone in the directory, guests included"
	case entitlement.ScopeSpecificDirectorySubjects:
		if len(who) > 0 {
			return "for " + words.JoinOr(who)
		}
		return "for named people and groups"
	case entitlement.ScopeSpecificConnectedOrgSubjects:
		if len(who) > 0 {
			return "for people from " + words.JoinOr(who)
		}
		return "for people from partner organizations"
	case entitlement.ScopeAllConfiguredConnectedOrgs:
		return "for people from connected organizations"
	case entitlement.ScopeAllExternalSubjects:
		return "for external users"
	}
	return "for you"
}

// approverWords names who approves a stage: "your manager (Manny Manager)", "Dana Lee", "any of
// the 6 members of Security". At most limit people are named one by one.
func approverWords(ps []entitlement.ApproverPreview, limit int) string {
	if len(ps) == 0 {
		return "nobody (no approver could be found)"
	}
	groups := map[string]int{}
	for _, p := range ps {
		groups[strings.TrimPrefix(p.Via, "backup approver: ")]++
	}
	var out []string
	done := map[string]bool{}
	for _, p := range ps {
		via := strings.TrimPrefix(p.Via, "backup approver: ")
		switch {
		case via == "manager":
			out = append(out, "your manager ("+p.DisplayName+")")
		case via == "second-level manager":
			out = append(out, "your manager's manager ("+p.DisplayName+")")
		case strings.HasPrefix(via, "member of ") && groups[via] > limit:
			if !done[via] {
				done[via] = true
				out = append(out, fmt.Sprintf("any of the %d members of %s", groups[via], strings.TrimPrefix(via, "member of ")))
			}
		default:
			out = append(out, p.DisplayName)
		}
	}
	return words.JoinOr(out)
}

// StagePreviews describes each stage's approvers for the request form.
func StagePreviews(stages []entitlement.StagePreview) []StagePreview {
	out := make([]StagePreview, 0, len(stages))
	for _, st := range stages {
		sp := StagePreview{Title: fmt.Sprintf("Stage %d", st.Stage)}
		for _, a := range st.Approvers {
			sp.Approvers = append(sp.Approvers, approverName(a))
		}
		var detail []string
		if st.TimeoutInDays > 0 {
			detail = append(detail, fmt.Sprintf("They have %s to decide; after that the request is denied.", Countdown(time.Duration(st.TimeoutInDays)*24*time.Hour)))
		}
		var esc []string
		for _, a := range st.EscalationApprovers {
			if !slices.ContainsFunc(st.Approvers, func(p entitlement.ApproverPreview) bool { return p.UserID == a.UserID }) {
				esc = append(esc, a.DisplayName)
			}
		}
		if st.EscalationInMinutes > 0 && len(esc) > 0 {
			detail = append(detail, fmt.Sprintf("If nobody decides within %s, %s %s asked too.", words.Minutes(st.EscalationInMinutes), words.JoinAnd(esc), isAre(len(esc))))
		}
		sp.Detail = strings.Join(detail, " ")
		switch {
		case st.NoApprover:
			sp.Note = "Nobody could be found to approve this stage, so a request would be denied at once. " + words.Sentence(strings.Join(st.Notes, "; "))
		case st.UsedBackup:
			sp.Note = "The backup approvers are asked, because " + strings.Join(st.Notes, "; ") + "."
		}
		out = append(out, sp)
	}
	return out
}

func approverName(a entitlement.ApproverPreview) string {
	via := a.Via
	backup := strings.HasPrefix(via, "backup approver: ")
	via = strings.TrimPrefix(via, "backup approver: ")
	var s string
	switch {
	case via == "manager":
		s = a.DisplayName + " (your manager)"
	case via == "second-level manager":
		s = a.DisplayName + " (your manager's manager)"
	case strings.HasPrefix(via, "member of "), strings.Contains(via, "sponsor of "):
		s = a.DisplayName + " (" + via + ")"
	default:
		s = a.DisplayName
	}
	if backup {
		s += ", as backup"
	}
	return s
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

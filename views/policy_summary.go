package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/words"
)

// PolicySummary says what a policy does in plain words, one section per wizard step: who can
// request, who approves, how long access lasts, how it is reviewed.
func PolicySummary(in entitlement.PolicyInput, names map[string]string) []SummarySection {
	var who []string
	rs := in.RequestorSettings
	switch rs.ScopeType {
	case entitlement.ScopeNoSubjects:
		who = append(who, "Nobody can request this package; people get it only when an administrator or assignment manager assigns it directly.")
	case entitlement.ScopeSpecificDirectorySubjects, entitlement.ScopeSpecificConnectedOrgSubjects:
		var ps []string
		for _, u := range rs.AllowedRequestors {
			switch u.Type {
			case entitlement.UserSetGroupMembers:
				ps = append(ps, "members of "+names[NameKey(u)])
			case entitlement.UserSetConnectedOrgMembers:
				ps = append(ps, "users of "+names[NameKey(u)])
			default:
				ps = append(ps, names[NameKey(u)])
			}
		}
		if len(ps) == 0 {
			who = append(who, "Nobody has been chosen yet who may request.")
		} else {
			who = append(who, words.Capitalize(words.JoinAnd(ps))+" can request.")
		}
	case entitlement.ScopeAllExistingDirectoryMembers:
		who = append(who, "Every member of your directory can request (guests cannot).")
	case entitlement.ScopeAllExistingDirectorySubjects:
		who = append(who, "Everyone in your directory can request, guests included.")
	case entitlement.ScopeAllConfiguredConnectedOrgs:
		who = append(who, "Users of every configured connected organization can request.")
	case entitlement.ScopeAllExternalSubjects:
		who = append(who, "Any external user can request; an organization not known yet is added as proposed.")
	default:
		who = append(who, "Who may request is not chosen yet.")
	}
	if !rs.AcceptRequests && rs.ScopeType != entitlement.ScopeNoSubjects {
		who = append(who, "New requests are turned off for now.")
	}
	if rs.RemoveWhenOutOfScope && rs.ScopeType != entitlement.ScopeNoSubjects {
		who = append(who, "People who leave this scope lose the access at once.")
	}

	var appr []string
	as := in.RequestApprovalSettings
	if as.IsRequestorJustificationRequired {
		appr = append(appr, "Requestors must say why they need access.")
	}
	if !as.IsApprovalRequired || len(as.ApprovalStages) == 0 {
		appr = append(appr, "No approval is needed: access is granted as soon as it is requested.")
	}
	for i, st := range as.ApprovalStages {
		var prim, back []string
		for _, u := range st.PrimaryApprovers {
			if u.IsBackup {
				back = append(back, userSetPhrase(u, names))
			} else {
				prim = append(prim, userSetPhrase(u, names))
			}
		}
		lead := "First, "
		switch {
		case len(as.ApprovalStages) == 1:
			lead = ""
		case i > 0:
			lead = "Then "
		}
		approver := words.JoinOr(prim)
		if approver == "" {
			approver = "nobody yet"
		}
		s := fmt.Sprintf("%s%s approves within %s", lead, approver, Countdown(time.Duration(st.ApprovalStageTimeOutInDays)*24*time.Hour))
		if lead == "" {
			s = words.Capitalize(s)
		}
		if len(back) > 0 {
			s += fmt.Sprintf(" (if there is nobody to ask, %s does)", words.JoinOr(back))
		}
		s += "."
		if st.IsApproverJustificationRequired {
			s += " Approvers must give a reason."
		}
		if st.IsEscalationEnabled {
			var esc []string
			for _, u := range st.EscalationApprovers {
				esc = append(esc, userSetPhrase(u, names))
			}
			s += fmt.Sprintf(" If nobody acts within %s, %s is asked too.", words.Minutes(st.EscalationTimeInMinutes), words.JoinAnd(esc))
		}
		appr = append(appr, s)
	}
	if as.IsApprovalRequired && len(as.ApprovalStages) > 0 {
		appr = append(appr, "A request that is not decided in time is denied.")
	}

	var life string
	switch {
	case in.ExpirationDateTime != nil:
		life = "Access ends on " + CalendarDate(*in.ExpirationDateTime)
	case in.DurationInDays > 0:
		life = "Access lasts " + words.Plural(in.DurationInDays, "day", "days")
	default:
		life = "Access does not expire"
	}
	switch {
	case in.CanExtend && as.IsApprovalRequiredForExtension:
		life += " and can be extended, with approval."
	case in.CanExtend:
		life += " and can be extended without approval."
	case in.ExpirationDateTime != nil || in.DurationInDays > 0:
		life += " and cannot be extended."
	default:
		life += "."
	}

	var rev string
	if r := in.AccessReviewSettings; r != nil && r.IsEnabled {
		var ps []string
		for _, u := range r.Reviewers {
			ps = append(ps, userSetPhrase(u, names))
		}
		by := "the people who hold it"
		switch r.ReviewerType {
		case entitlement.ReviewerReviewers:
			by = words.JoinAnd(ps)
		case entitlement.ReviewerManager:
			by = "each holder's manager (" + words.JoinOr(ps) + " for people without one)"
		}
		rev = fmt.Sprintf("Access is reviewed %s by %s; each review stays open %s. %s %s", recurrencePhrase(r.RecurrenceType), by,
			words.Plural(r.DurationInDays, "day", "days"), entitlement.DescribeReviewStart(*r), entitlement.DescribeUndecided(r.AccessReviewTimeoutBehavior))
	} else {
		rev = "Access is not reviewed periodically."
	}

	if rs := in.RequestorSettings; rs.EnableOnBehalfRequestorsToAddAccess {
		if rs.ManagersMayRequestForReports() {
			who = append(who, "Managers can request for their direct reports, and administrators and assignment managers of the catalog for anyone who may get it.")
		} else {
			who = append(who, "Administrators and assignment managers of the catalog can request for anyone who may get it.")
		}
	}
	for _, q := range in.Questions {
		s := fmt.Sprintf("Requestors are asked %q", q.Text)
		if len(q.Choices) > 0 {
			var cs []string
			for _, c := range q.Choices {
				cs = append(cs, c.DisplayValue)
			}
			s += " (" + words.JoinOr(cs) + ")"
		}
		if q.IsRequired {
			s += " and must answer."
		} else {
			s += "; answering is optional."
		}
		appr = append(appr, s)
	}
	return []SummarySection{
		{Title: "Who can request", Step: StepRequestors, Lines: who},
		{Title: "Approval", Step: StepApproval, Lines: appr},
		{Title: "Lifecycle", Step: StepLifecycle, Lines: []string{life}},
		{Title: "Access reviews", Step: StepReviews, Lines: []string{rev}},
	}
}

// userSetPhrase names a user set in a sentence: "Dana Lee", "a member of Security", "their
// manager".
func userSetPhrase(u entitlement.UserSet, names map[string]string) string {
	name := names[NameKey(u)]
	if name == "" {
		name = "an unknown " + strings.ToLower(Choice{Kind: u.Type}.KindLabel())
	}
	switch u.Type {
	case entitlement.UserSetSingleUser:
		return name
	case entitlement.UserSetGroupMembers:
		return "a member of " + name
	case entitlement.UserSetConnectedOrgMembers:
		return "a user of " + name
	case entitlement.UserSetRequestorManager:
		if u.ManagerLevel == 2 {
			return "their manager's manager"
		}
		return "their manager"
	case entitlement.UserSetInternalSponsors:
		return "an internal sponsor of their organization"
	case entitlement.UserSetExternalSponsors:
		return "an external sponsor of their organization"
	}
	return name
}

// recurrencePhrase names a review cadence in a sentence: "every quarter".
func recurrencePhrase(r string) string {
	switch r {
	case "weekly":
		return "every week"
	case "monthly":
		return "every month"
	case "quarterly":
		return "every quarter"
	case "semiAnnually":
		return "every six months"
	case "annually":
		return "every year"
	}
	return r
}

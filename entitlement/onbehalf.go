package entitlement

import (
	"errors"
	"fmt"
	"strings"
)

// loadOnBehalfTarget loads the person a request on someone's behalf is for; a blocked account
// cannot be requested for, as it could not use the access.
func loadOnBehalfTarget(tx Tx, id string) (subject, error) {
	target, err := loadSubject(tx, id)
	if isNotFound(err) {
		return target, ruleError(ErrNotFound, "targetNotFound", "the person you request for is not in the directory")
	} else if err != nil {
		return target, err
	}
	if target.user.IsServiceAccount() {
		return target, ruleError(ErrConflict, CodeServiceAccount, "%s is a service account; access packages are for people", target.user.Label())
	}
	if !target.user.AccountEnabled {
		return target, ruleError(ErrConflict, "targetBlocked", "%s's account is blocked, so they cannot get access", target.user.Label())
	}
	return target, nil
}

// mayRequestFor reports whether the caller may ask for the target's access through the policy:
// the policy allows requests on behalf of others, and the caller is an administrator or
// assignment manager of the catalog, or the target's manager when the policy lets managers ask.
func mayRequestFor(acc *access, pol AssignmentPolicy, target subject) bool {
	rs := pol.RequestorSettings
	if !rs.EnableOnBehalfRequestorsToAddAccess || target.user.ID == acc.p.UserID {
		return false
	}
	if acc.canManageAssignments(pol.CatalogID) {
		return true
	}
	return rs.ManagersMayRequestForReports() && target.user.ManagerID != "" && target.user.ManagerID == acc.p.UserID
}

// checkOnBehalf applies the rules of a request for someone else: the caller may ask for them
// through the policy, and the target (not the caller) is in the policy's scope.
func checkOnBehalf(acc *access, pol AssignmentPolicy, cat Catalog, target subject) error {
	name := target.user.Label()
	if !pol.RequestorSettings.EnableOnBehalfRequestorsToAddAccess {
		return ruleError(ErrForbidden, "requestForOthers", "the policy %q takes requests only from the people who get the access, not for others", pol.DisplayName)
	}
	if !mayRequestFor(acc, pol, target) {
		who := "administrators and assignment managers of the catalog"
		if pol.RequestorSettings.ManagersMayRequestForReports() {
			who = name + "'s manager, " + who
		}
		return ruleError(ErrForbidden, "notOnBehalfRequestor", "through the policy %q, only %s can request for %s", pol.DisplayName, who, name)
	}
	err := target.checkRequestable(pol, cat)
	var re *RuleError
	if errors.As(err, &re) {
		switch re.Code {
		case "notInScope":
			re.Message = fmt.Sprintf("%s is not among the people who may get access through the policy %q", name, pol.DisplayName)
		case "externalNotAllowed":
			re.Message = fmt.Sprintf("%s is an external user, and packages of the catalog %q are open to people of this organization only", name, cat.DisplayName)
		}
	}
	return err
}

// answersSummary appends a request's answers to its audit summary, so that the log keeps what
// the requestor said.
func answersSummary(answers []Answer) string {
	if len(answers) == 0 {
		return ""
	}
	parts := make([]string, len(answers))
	for i, a := range answers {
		parts[i] = fmt.Sprintf("%s %s", strings.TrimRight(a.AnsweredQuestion.Text, " :"), quoteAnswer(a.DisplayValue))
	}
	return "; answers: " + strings.Join(parts, "; ")
}

func quoteAnswer(s string) string { return "\u201c" + s + "\u201d" }

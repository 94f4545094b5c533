package notify

import (
	"fmt"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/words"
)

// Letter is one mail in words, before it is rendered: what the HTML and the plain-text template
// both show.
type Letter struct {
	Subject  string
	Greeting string
	// Lines are the paragraphs, in order.
	Lines []string
	// Facts are label and value pairs about the request or the access.
	Facts []Fact
	// Action is the main link: the page on which to act.
	Action Link
	// Also is a second link, when there is one (extend the access, besides seeing it).
	Also *Link
	// Why says why the person gets this mail, and where to turn optional mail off.
	Why         string
	Preferences string // absolute link to the profile page, for optional mail
}

// Fact is one labelled value.
type Fact struct{ Label, Value string }

// Link is an absolute URL with the words that lead to it.
type Link struct{ Label, URL string }

// compose puts a notification into words for its recipient. base is the portal's absolute URL
// without a trailing slash.
func compose(n entitlement.Notification, base string) Letter {
	r := n.Recipient
	pkg := n.PackageName
	if pkg == "" {
		pkg = "an access package"
	}
	l := Letter{Greeting: "Hello " + r.Name + ","}
	link := func(label, path string) Link { return Link{Label: label, URL: base + path} }
	requestPage := link("See the request", "/access/requests/"+n.RequestID)
	approvalPage := link("Review the request", "/approvals/"+n.RequestID)
	extension := n.RequestType == entitlement.RequestUserExtend
	forWhom := ""
	if n.TargetID != "" && n.TargetID != n.RequestorID {
		forWhom = " for " + n.TargetName
	}
	// yourRequest names the request from the recipient's side.
	yourRequest := "your request for " + pkg + forWhom
	if r.Role == entitlement.RecipientTarget && n.RequestorID != "" && n.RequestorID != r.UserID {
		yourRequest = "the request of " + n.RequestorName + " to give you " + pkg
	}
	if extension {
		yourRequest = "your request to extend your access to " + pkg
	}
	l.Facts = append(l.Facts, Fact{"Access package", pkg})
	if n.RequestorName != "" && n.RequestorID != r.UserID {
		l.Facts = append(l.Facts, Fact{"Requested by", n.RequestorName})
	}
	if n.TargetName != "" && n.TargetID != r.UserID && n.TargetID != n.RequestorID {
		l.Facts = append(l.Facts, Fact{"For", n.TargetName})
	}
	if n.EndDateTime != nil {
		l.Facts = append(l.Facts, Fact{"Access ends", formatTime(*n.EndDateTime)})
	}
	optional := true

	switch n.Event {
	case entitlement.NotifyApprovalNeeded, entitlement.NotifyRequestEscalated:
		optional = false
		what := "asks for access to " + pkg + forWhom
		if extension {
			what = "asks to extend their access to " + pkg
		}
		l.Subject = "Approval needed: " + n.RequestorName + " " + what
		l.Lines = []string{n.RequestorName + " " + what + ". You are asked to approve or deny the request."}
		if n.Event == entitlement.NotifyRequestEscalated {
			l.Subject = "Escalated to you: " + n.RequestorName + " " + what
			l.Lines = []string{
				n.RequestorName + " " + what + ".",
				"The approvers did not decide in time, so you are asked too. Whoever decides first decides for everyone.",
			}
		}
		if n.Detail != "" {
			l.Facts = append(l.Facts, Fact{"Approval", words.Capitalize(n.Detail)})
		}
		l.Action = approvalPage
		l.Why = "You get this mail because you are an approver of this request."
	case entitlement.NotifyRequestSubmitted:
		l.Subject = "Request received: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was received. You get a mail when it is decided."}
		if r.Role == entitlement.RecipientTarget {
			l.Subject = n.RequestorName + " requested " + pkg + " for you"
			l.Lines = []string{n.RequestorName + " requested access to " + pkg + " for you. You get a mail when it is decided."}
		}
		l.Action = requestPage
	case entitlement.NotifyRequestApproved:
		l.Subject = "Approved: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was approved. The access is being set up; you get a mail when it is ready."}
		l.Action = requestPage
	case entitlement.NotifyRequestDenied:
		l.Subject = "Denied: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was denied."}
		l.Action = requestPage
	case entitlement.NotifyRequestTimedOut:
		l.Subject = "Timed out: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was closed because nobody decided in time. You can ask again."}
		l.Action = requestPage
	case entitlement.NotifyRequestDelivered:
		l.Subject = "Access ready: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was delivered: the access is ready."}
		if extension {
			l.Subject = "Access extended: " + pkg
			l.Lines = []string{"Your access to " + pkg + " was extended."}
		}
		l.Action = link("See your access", "/access/assignments")
	case entitlement.NotifyRequestCanceled:
		l.Subject = "Canceled: " + pkg
		l.Lines = []string{words.Capitalize(yourRequest) + " was canceled."}
		l.Action = requestPage
		if r.Role == entitlement.RecipientApprover {
			optional = false
			l.Subject = "No longer needed: " + n.RequestorName + "'s request for " + pkg
			l.Lines = []string{n.RequestorName + " canceled their request for " + pkg + forWhom + ". You no longer need to decide it."}
			l.Action = approvalPage
			l.Why = "You get this mail because you were asked to approve this request."
		}
	case entitlement.NotifyAssignmentExpiring:
		left := "soon"
		if n.EndDateTime != nil {
			left = inDays(n.EndDateTime.Sub(n.At))
		}
		l.Subject = "Your access to " + pkg + " ends " + left
		l.Lines = []string{"Your access to " + pkg + " ends " + left + "."}
		l.Action = link("See your access", "/access/assignments")
		if n.CanExtend {
			l.Lines = append(l.Lines, "If you still need it, ask for more time before it ends.")
			l.Action = link("Extend your access", "/access/assignments/"+n.AssignmentID+"/extend")
			l.Also = &Link{Label: "See your access", URL: base + "/access/assignments"}
		} else {
			l.Lines = append(l.Lines, "Its policy does not allow extending it; request it again after it ends if you still need it.")
		}
		l.Why = "You get this reminder because you hold this access."
	case entitlement.NotifyAssignmentExpired, entitlement.NotifyAssignmentRemoved:
		optional = false
		l.Subject = "Your access to " + pkg + " has ended"
		l.Lines = []string{"Your access to " + pkg + " has ended."}
		if n.Event == entitlement.NotifyAssignmentRemoved {
			l.Subject = "Your access to " + pkg + " was removed"
			l.Lines = []string{"Your access to " + pkg + " was removed."}
		}
		l.Lines = append(l.Lines, "If you need it again, you can request it.")
		l.Action = link("Request it again", "/access/packages/"+n.AccessPackageID)
		l.Why = "You get this mail because you held this access."
	case entitlement.NotifyGuestBlocked:
		optional = false
		l.Subject = "Your guest account is blocked"
		l.Lines = []string{"Your last access ended, so your guest account can no longer sign in."}
		if n.Detail != "" {
			l.Lines = append(l.Lines, "The account will be deleted after "+n.Detail+", unless someone gives you access again.")
		}
		l.Lines = append(l.Lines, "If you still need access, ask your contact at the organisation to request it for you.")
		l.Facts = nil
		l.Action = link("Open Steward", "/")
		l.Why = "You get this mail because you are a guest user of this organisation."
	case entitlement.NotifyReviewOpened, entitlement.NotifyReviewReminder, entitlement.NotifyReviewCompleted:
		optional = false
		l.Facts = nil
		if n.PackageName != "" {
			l.Facts = append(l.Facts, Fact{"Access package", n.PackageName})
		}
		switch n.Event {
		case entitlement.NotifyReviewOpened:
			l.Subject = "An access review waits for your decisions"
			l.Lines = []string{"Please decide whether each person still needs their access: keep it or remove it, with a reason."}
		case entitlement.NotifyReviewReminder:
			l.Subject = "Reminder: an access review closes soon"
			l.Lines = []string{"Some access in this review still waits for your decision."}
		default:
			l.Subject = "An access review has finished"
			l.Lines = []string{"The review is closed and its decisions are applied."}
		}
		if n.Detail != "" {
			l.Lines = append(l.Lines, words.Capitalize(n.Detail)+".")
		}
		l.Action = link("Open your reviews", "/reviews")
		l.Why = "You get this mail because you review this access, or started the review."
	case entitlement.NotifyTargetDrift:
		optional = false
		l.Facts = nil
		l.Subject = "A resource's target differs from what Steward granted"
		l.Lines = []string{"The scheduled comparison found " + n.Detail + ".",
			"Nothing was changed. The resource's page lists the differences and can send the missing grants again."}
		l.Action = link("Open the resource", "/admin/resources/"+n.ResourceID)
		l.Why = "You get this mail because you own the catalog of this resource."
	default:
		l.Subject = "Steward: " + pkg
		l.Lines = []string{"There is news about " + yourRequest + "."}
		l.Action = requestPage
	}
	switch n.Event {
	case entitlement.NotifyRequestApproved, entitlement.NotifyRequestDenied, entitlement.NotifyRequestCanceled:
		if optional && n.Detail != "" {
			l.Lines = append(l.Lines, words.Capitalize(n.Detail)+".")
		}
	}
	if optional {
		if l.Why == "" {
			l.Why = "You get this mail because it is about your request."
		}
		l.Why += " You can turn such mail off on your profile."
		l.Preferences = base + "/profile"
	}
	return l
}

// formatTime is the one date format of mail; mail has no time zone of the reader, so it says UTC.
func formatTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") }

// inDays says how far off d is, in whole days: "tomorrow", "in 14 days".
func inDays(d time.Duration) string {
	days := int((d + 12*time.Hour) / (24 * time.Hour))
	switch {
	case days <= 0:
		return "today"
	case days == 1:
		return "tomorrow"
	}
	return fmt.Sprintf("in %d days", days)
}

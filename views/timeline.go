package views

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/views/components"
	"github.com/stewardhq/steward/words"
)

// RequestTimeline tells a request's story, oldest first: its events, then, while it is open, the
// steps still to come; me is the person looking, who is "you" in it.
func RequestTimeline(ctx context.Context, v entitlement.RequestView, now time.Time, me string) components.TimelineProps {
	r := v.Request
	name := func(id, fallback string) string {
		if id == "" {
			return fallback
		}
		if id == me {
			return "You"
		}
		return v.Person(id).Name
	}
	at := func(t time.Time) (string, string, string) {
		w := At(ctx, now, t)
		return w.Relative, w.Exact, w.ISO
	}
	stageOf := func(e entitlement.RequestEvent) string {
		if e.Stage == 0 || len(r.Stages) <= 1 {
			return ""
		}
		return fmt.Sprintf("Stage %d of %d: ", e.Stage, len(r.Stages))
	}
	var items []components.TimelineItem
	for i, e := range r.Events {
		it := components.TimelineItem{}
		it.When, it.WhenExact, it.DateTime = at(e.At)
		switch e.Kind {
		case entitlement.EventSubmitted:
			it.Title, it.Who, it.Detail = "Submitted", name(e.ActorID, e.ActorName), quote(e.Detail)
			if r.IsOnBehalf() {
				it.Title = "Submitted for " + v.Person(r.TargetID).Name
			}
		case entitlement.EventStageStarted:
			st := r.Stages[e.Stage-1]
			it.Title = strings.TrimSpace(stageOf(e) + "Sent for approval")
			if len(r.Stages) > 1 {
				it.Title = fmt.Sprintf("Stage %d of %d: sent for approval", e.Stage, len(r.Stages))
			}
			it.Who = words.JoinOr(v.Names(st.Approvers))
			if st.UsedBackup {
				it.Detail = "Backup approvers."
				if len(st.Notes) > 0 {
					it.Detail = "Backup approvers, because " + strings.Join(st.Notes, "; ") + "."
				}
			}
			it.Tone = components.ToneWaiting
			if r.RequestState == entitlement.StatePendingApproval && e.Stage-1 == r.CurrentStage && !laterStageEvent(r.Events[i+1:], e.Stage) {
				it.Current = true
				it.Title = strings.Replace(it.Title, "sent for approval", "waiting for approval", 1)
				if it.Title == "Sent for approval" {
					it.Title = "Waiting for approval"
				}
				if st.TimeoutDateTime != nil {
					it.Detail = strings.TrimSpace(it.Detail + " Times out " + Deadline(ctx, now, *st.TimeoutDateTime).Relative + ".")
				}
			}
		case entitlement.EventEscalated:
			st := r.Stages[e.Stage-1]
			it.Title = stageTitle(stageOf(e), "Escalated")
			it.Who = words.JoinAnd(v.Names(st.EscalationApprovers))
			it.Detail = "Nobody decided in time, so more approvers were asked."
			if len(st.EscalationApprovers) == 0 {
				it.Detail = words.Sentence(e.Detail)
			}
			it.Tone = components.ToneWaiting
		case entitlement.EventApproved:
			it.Title = stageTitle(stageOf(e), "Approved")
			it.Who, it.Detail, it.Tone = name(e.ActorID, e.ActorName), quote(e.Detail), components.ToneSuccess
		case entitlement.EventDenied:
			if e.Stage == 0 && i > 0 && (r.Events[i-1].Kind == entitlement.EventTimedOut || r.Events[i-1].Kind == entitlement.EventNoApprover) {
				continue // the refusal before it says why
			}
			it.Title = stageTitle(stageOf(e), "Denied")
			it.Tone = components.ToneDanger
			if e.Stage > 0 {
				it.Who, it.Detail = name(e.ActorID, e.ActorName), quote(e.Detail)
			} else {
				it.Detail = words.Sentence(e.Detail)
			}
		case entitlement.EventTimedOut:
			it.Title = stageTitle(stageOf(e), "Timed out")
			it.Detail = words.Sentence(e.Detail) + " The request was denied."
			it.Tone = components.ToneDanger
		case entitlement.EventNoApprover:
			it.Title = "No approver found"
			it.Detail = words.Sentence(e.Detail) + " The request was denied."
			it.Tone = components.ToneDanger
		case entitlement.EventScheduled:
			it.Title, it.Detail, it.Tone = "Scheduled", words.Sentence(e.Detail), components.ToneScheduled
			if st := r.Schedule.StartDateTime; st != nil {
				it.Detail = "Access starts on " + FormatDateTime(ctx, *st) + "."
			}
		case entitlement.EventDelivering:
			it.Title, it.Tone = "Being delivered", components.ToneWaiting
		case entitlement.EventWaitingForPerson:
			it.Title, it.Tone = "Waiting for manual fulfilment", components.ToneWaiting
			it.Detail = "Someone responsible for " + e.Detail + " grants it by hand; Steward cannot do it."
		case entitlement.EventDelivered:
			it.Title, it.Tone = "Delivered", components.ToneSuccess
			switch r.RequestType {
			case entitlement.RequestUserRemove, entitlement.RequestAdminRemove, entitlement.RequestSystemRemove:
				it.Title = "Done"
			}
			if e.Detail != "" {
				it.Detail = words.Sentence(e.Detail)
			}
		case entitlement.EventPartial:
			it.Title, it.Detail, it.Tone = "Partly delivered", words.Sentence(e.Detail), components.TonePartial
		case entitlement.EventDeliveryFailed:
			it.Title, it.Detail, it.Tone = "Delivery failed; retrying", words.Sentence(e.Detail), components.ToneDanger
		case entitlement.EventCanceled:
			it.Title, it.Tone = "Canceled", components.ToneNeutral
			if e.ActorID != "" {
				// A person's cancel carries their reason, when they gave one (an administrator must).
				it.Who, it.Detail = name(e.ActorID, e.ActorName), quote(e.Detail)
			} else if e.Detail != "" {
				it.Detail = words.Sentence(e.Detail)
			}
		case entitlement.EventExtended:
			it.Title, it.Detail, it.Tone = "Extended", words.Sentence(e.Detail), components.ToneSuccess
		case entitlement.EventRemoved:
			it.Title, it.Who, it.Tone = "Access removed", name(e.ActorID, e.ActorName), components.ToneNeutral
		default:
			it.Title, it.Detail = e.Kind, words.Sentence(e.Detail)
		}
		items = append(items, it)
	}
	p := components.TimelineProps{Label: "Request history", Items: items}
	switch r.RequestState {
	case entitlement.StatePendingApproval:
		for i := r.CurrentStage + 1; i < len(r.Stages); i++ {
			items = append(items, components.TimelineItem{Title: fmt.Sprintf("Stage %d of %d", i+1, len(r.Stages)), Upcoming: true})
		}
		items = append(items, components.TimelineItem{Title: deliveredTitle(r), Upcoming: true})
		p.Items = items
		who := words.JoinOr(v.Names(r.PendingApprovers()))
		next := who + " decides."
		if len(r.PendingApprovers()) > 1 {
			next = "One of " + words.JoinAnd(v.Names(r.PendingApprovers())) + " decides; the first decision counts."
		}
		if r.CurrentStage+1 < len(r.Stages) {
			next += " If approved, the next stage's approvers are asked."
		} else {
			next += " If approved, " + afterApproval(r, now) + "."
		}
		if st := r.Stages[r.CurrentStage]; st.TimeoutDateTime != nil {
			next += " If nobody decides by " + FormatDateTime(ctx, *st.TimeoutDateTime) + ", the request is denied."
		}
		p.Next = next
	case entitlement.StateScheduled:
		items = append(items, components.TimelineItem{Title: deliveredTitle(r), Upcoming: true})
		p.Items = items
		if st := r.Schedule.StartDateTime; st != nil {
			p.Next = "The access is delivered on " + FormatDateTime(ctx, *st) + ". You can cancel until then."
		}
	case entitlement.StateSubmitted, entitlement.StateDelivering:
		p.Next = "Steward is delivering the access; this usually takes moments."
		if r.RequestStatus == entitlement.RequestStatusWaitingForPerson {
			p.Next = "A person responsible for the resource grants part of the access by hand. The request is delivered when they mark it done."
		}
	}
	return p
}

// laterStageEvent reports whether events (after a StageStarted of stage) hold a decision or a
// later stage, so that the StageStarted is not the current step.
func laterStageEvent(events []entitlement.RequestEvent, stage int) bool {
	for _, e := range events {
		if e.Stage >= stage && e.Kind != entitlement.EventEscalated {
			return true
		}
	}
	return false
}

// afterApproval says what the last approval brings: an extension moves the end, a scheduled
// request waits for its start, anything else is delivered at once.
func afterApproval(r entitlement.Request, now time.Time) string {
	end := r.Schedule.Expiration.EndDateTime
	switch {
	case r.RequestType == entitlement.RequestUserExtend && end != nil:
		return "your access is extended until " + end.UTC().Format(TimeFormat)
	case r.RequestType == entitlement.RequestUserExtend:
		return "your access no longer ends"
	case r.Schedule.StartDateTime != nil && r.Schedule.StartDateTime.After(now):
		return "the access starts on " + r.Schedule.StartDateTime.UTC().Format(TimeFormat)
	}
	return "the access is delivered at once"
}

func deliveredTitle(r entitlement.Request) string {
	if r.RequestType == entitlement.RequestUserExtend {
		return "Extended"
	}
	return "Delivered"
}

// stageTitle is "Stage 1 of 2: approved", or "Approved" for a request of one stage.
func stageTitle(prefix, what string) string {
	if prefix == "" {
		return what
	}
	return prefix + strings.ToLower(what)
}

// quote puts a reason in quotation marks.
func quote(s string) string {
	if s == "" {
		return ""
	}
	return "\u201c" + s + "\u201d"
}

// ScheduleWords says when access starts and ends under a request: once a request for access is
// delivered, the real start and end of the access it gave; before, what its schedule asks for.
func ScheduleWords(ctx context.Context, v entitlement.RequestView) (start, end string) {
	r := v.Request
	if a := v.Access; a != nil && a.Schedule.StartDateTime != nil {
		start = FormatDateTime(ctx, *a.Schedule.StartDateTime)
		switch {
		case a.EndedDateTime != nil:
			end = "Ended " + FormatDateTime(ctx, *a.EndedDateTime)
		case a.EndDateTime() != nil:
			end = FormatDateTime(ctx, *a.EndDateTime())
		default:
			end = "No end date"
		}
		return start, end
	}
	start = "As soon as it is approved"
	if r.RequestType == entitlement.RequestUserExtend {
		start = "Already started"
	} else if len(r.Stages) == 0 {
		start = "At once"
	}
	if st := r.Schedule.StartDateTime; st != nil {
		start = FormatDateTime(ctx, *st)
	}
	e := r.Schedule.Expiration
	switch e.Type {
	case entitlement.ExpirationAfterDateTime:
		if e.EndDateTime != nil {
			end = FormatDateTime(ctx, *e.EndDateTime)
		}
	case entitlement.ExpirationAfterDuration:
		end = "After " + e.Duration
	case entitlement.ExpirationNone:
		end = "No end date"
	default:
		switch {
		case v.PolicyExpiration != nil:
			end = FormatDateTime(ctx, *v.PolicyExpiration)
		case v.PolicyDurationInDays > 0:
			end = words.Plural(v.PolicyDurationInDays, "day", "days") + " after it starts"
		default:
			end = "No end date"
		}
	}
	return start, end
}

package entitlement

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// MaxEvidenceEvents bounds one evidence export, so that it stays a file a person can open; a
// longer range is refused with a request to narrow it rather than cut short silently.
const MaxEvidenceEvents = 100000

// EventExpired names, in evidence, the removal Steward records when access reaches its end.
const EventExpired = "Expired"

// EvidenceFilter selects what an evidence export covers: the events from From up to, not
// including, To, of every access package or of one.
type EvidenceFilter struct {
	From, To        time.Time
	AccessPackageID string
}

// Evidence is what an auditor receives for a time range: every step of every request in it (the
// request, each stage's decision with its approver and reason, deliveries, extensions, removals
// and expiries), and the audit chain's head when it was taken, which `steward audit verify
// --head` later finds in the chain.
type Evidence struct {
	GeneratedAt       time.Time       `json:"generatedAt"`
	GeneratedBy       string          `json:"generatedBy"`
	From              time.Time       `json:"from"`
	To                time.Time       `json:"to"`
	AccessPackageID   string          `json:"accessPackageId,omitempty"`
	AccessPackageName string          `json:"accessPackageName,omitempty"`
	AuditChain        AuditHead       `json:"auditChain"`
	Events            []EvidenceEvent `json:"events"`
}

// EvidenceEvent is one step of a request, with the names as they are at the export.
type EvidenceEvent struct {
	At                time.Time `json:"at"`
	Kind              string    `json:"kind"` // a RequestEvent kind, or EventExpired
	RequestID         string    `json:"requestId"`
	RequestType       string    `json:"requestType"`
	AccessPackageID   string    `json:"accessPackageId"`
	AccessPackageName string    `json:"accessPackageName"`
	TargetID          string    `json:"targetId"`
	TargetName        string    `json:"targetName"`
	AssignmentID      string    `json:"assignmentId,omitempty"`
	Stage             int       `json:"stage,omitempty"` // 1-based, for approval steps
	ActorID           string    `json:"actorId,omitempty"`
	ActorName         string    `json:"actorName"` // the approver of a decision; Steward for its own steps
	Reason            string    `json:"reason,omitempty"`
}

// Evidence exports the requests' steps in the filter's range. Only administrators export
// evidence, and each export is recorded in the audit log before it is read, so the chain head in
// the file includes the record of the export itself.
func (s *Service) Evidence(ctx context.Context, f EvidenceFilter) (Evidence, error) {
	fe := fieldErrors{}
	if f.From.IsZero() {
		fe.add("from", "Choose the first day.")
	}
	if f.To.IsZero() {
		fe.add("to", "Choose the last day.")
	} else if !f.From.IsZero() && !f.To.After(f.From) {
		fe.add("to", "Choose a last day on or after the first.")
	}
	if err := fe.err("invalidEvidenceRange"); err != nil {
		return Evidence{}, err
	}
	out := Evidence{GeneratedAt: s.now(), From: f.From.UTC(), To: f.To.UTC(), AccessPackageID: f.AccessPackageID}
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "export audit evidence"); err != nil {
			return err
		}
		out.GeneratedBy = actorLabel(a.p)
		what := "every access package"
		if f.AccessPackageID != "" {
			p, err := tx.AccessPackages().Get(f.AccessPackageID)
			if isNotFound(err) {
				return notFound("access package", f.AccessPackageID)
			} else if err != nil {
				return err
			}
			out.AccessPackageName, what = p.DisplayName, fmt.Sprintf("access package %q", p.DisplayName)
		}
		return s.audit(tx, a.p, "audit.exportEvidence", "audit", "", "Audit evidence",
			fmt.Sprintf("exported evidence of %s from %s to %s", what, formatTime(out.From), formatTime(out.To)))
	})
	if err != nil {
		return Evidence{}, err
	}
	// A read of its own, so that a large range does not hold up every writer.
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		if out.AuditChain, err = tx.Audit().Head(); err != nil {
			return fmt.Errorf("export evidence: %w", err)
		}
		out.Events, err = evidenceEvents(tx, f)
		return err
	})
	if err != nil {
		return Evidence{}, err
	}
	return out, nil
}

// evidenceEvents collects the steps in the range, in time order; steps at the same moment keep
// the order of their request's timeline.
func evidenceEvents(tx Tx, f EvidenceFilter) ([]EvidenceEvent, error) {
	out := []EvidenceEvent{}
	names := map[string]string{}
	name := func(id string, lookup func(Tx, string) string) string {
		if n, ok := names[id]; ok {
			return n
		}
		names[id] = lookup(tx, id)
		return names[id]
	}
	opt := ListOptions{Limit: MaxPageSize}
	for {
		var page Page[Request]
		var err error
		if f.AccessPackageID != "" {
			page, err = tx.Requests().ByPackage(f.AccessPackageID, RequestFilter{}, opt)
		} else {
			page, err = tx.Requests().List(RequestFilter{}, opt)
		}
		if err != nil {
			return nil, fmt.Errorf("export evidence: %w", err)
		}
		for _, r := range page.Items {
			if r.IsValidationOnly || !r.CreatedDateTime.Before(f.To) {
				continue
			}
			for _, e := range r.Events {
				if e.At.Before(f.From) || !e.At.Before(f.To) {
					continue
				}
				if len(out) == MaxEvidenceEvents {
					return nil, invalid("tooMuchEvidence", "to", "More than %d events fall in this range; choose a shorter one or one access package.", MaxEvidenceEvents)
				}
				out = append(out, evidenceEvent(r, e, name(r.AccessPackageID, packageName), name(r.TargetID, userLabel)))
			}
		}
		if page.Next == "" {
			break
		}
		opt.After = page.Next
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

func evidenceEvent(r Request, e RequestEvent, packageName, targetName string) EvidenceEvent {
	ev := EvidenceEvent{
		At: e.At.UTC(), Kind: e.Kind, RequestID: r.ID, RequestType: r.RequestType,
		AccessPackageID: r.AccessPackageID, AccessPackageName: packageName, TargetID: r.TargetID, TargetName: targetName,
		AssignmentID: r.AssignmentID, Stage: e.Stage, ActorID: e.ActorID, ActorName: e.ActorName, Reason: e.Detail,
	}
	if e.Kind == EventRemoved && r.RequestType == RequestSystemRemove {
		ev.Kind = EventExpired
	}
	// The request's own justification is the reason for asking, and for a removal its reason.
	if ev.Reason == "" && (e.Kind == EventSubmitted || e.Kind == EventRemoved) {
		ev.Reason = r.Justification
	}
	return ev
}

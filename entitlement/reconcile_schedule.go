package entitlement

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// How often a connector's target may be compared with Steward's grants on a schedule.
const (
	ReconcileDaily  = "daily"
	ReconcileWeekly = "weekly"
)

// MaxDriftLines bounds the lines of drift a scheduled comparison keeps, of each kind: enough to
// see what is wrong and repair it, small enough to keep on the connector.
const MaxDriftLines = 20

// ReconcileResult is what one scheduled comparison of a target with Steward's grants found. The
// counts are complete; the lines are the first MaxDriftLines of each kind. Error is set, and the
// rest empty, when the target could not be read.
type ReconcileResult struct {
	At       time.Time     `json:"at"`
	Granted  int           `json:"granted"`
	Unknown  int           `json:"unknown"`
	Missing  int           `json:"missing"`
	Drift    Drift         `json:"drift"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Reconciler compares a connector's target with what Steward granted (provision.Dispatcher); the
// worker calls it for the connectors compared on a schedule. It changes nothing.
type Reconciler interface {
	Reconcile(ctx context.Context, c Connector, granted []GrantedMember) (Drift, error)
}

// reconcileInterval returns the interval of a schedule choice, or 0 for none.
func reconcileInterval(every string) time.Duration {
	switch every {
	case ReconcileDaily:
		return 24 * time.Hour
	case ReconcileWeekly:
		return 7 * 24 * time.Hour
	}
	return 0
}

// canListMembers tells whether the connector's target can list its members: webhooks cannot.
func canListMembers(kind string) bool { return kind == ConnectorLDAP || kind == ConnectorSCIM }

// SetReconcileSchedule sets how often the worker compares the resource's target with Steward's
// grants: "" turns it off, ReconcileDaily or ReconcileWeekly. The first comparison is one interval
// from now. A comparison only reports; repairing stays an explicit action. Administrators and the
// catalog's owners may.
func (s *Service) SetReconcileSchedule(ctx context.Context, resourceID, every string) error {
	return s.write(ctx, func(tx Tx, a *access) error {
		res, err := load("resource", resourceID, tx.Resources().Get)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(res.CatalogID) {
			return forbidden("only administrators and the catalog's owners can schedule its comparison")
		}
		if every != "" && reconcileInterval(every) == 0 {
			return invalid("invalidSchedule", "every", "choose off, daily or weekly")
		}
		c, err := connectorOf(tx, res)
		if err != nil {
			return err
		}
		if every != "" && !canListMembers(c.Kind) {
			return invalid("invalidSchedule", "every", "only LDAP group and SCIM connectors can list the target's members; save one first")
		}
		if c.ReconcileEvery == every {
			return nil
		}
		c.ReconcileEvery, c.NextReconcile = every, nil
		if every != "" {
			next := s.now().Add(reconcileInterval(every))
			c.NextReconcile = &next
		}
		if err := tx.Connectors().Put(c); err != nil {
			return fmt.Errorf("schedule comparison: %w", err)
		}
		what := "scheduled comparison with the target turned off"
		if every != "" {
			what = "target compared with Steward's grants " + every
		}
		return s.audit(tx, a.p, "connector.schedule", "resource", res.ID, res.DisplayName, what)
	})
}

// runDueReconciles compares each due connector's target with Steward's grants and keeps the
// result on the connector; it repairs nothing. Each target call has its own timeout. It returns
// how many it compared and whether the batch was full.
func (s *Service) runDueReconciles(ctx context.Context, r Reconciler, limit int, timeout time.Duration) (int, bool, error) {
	var due []Connector
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		due, err = tx.Connectors().DueReconcile(s.now(), limit)
		return err
	}); err != nil {
		return 0, false, fmt.Errorf("read due comparisons: %w", err)
	}
	n := 0
	var errs []error
	for _, c := range due {
		if err := ctx.Err(); err != nil {
			return n, false, errors.Join(append(errs, err)...)
		}
		if err := s.reconcileOne(ctx, r, c, timeout); err != nil {
			s.logger(ctx).ErrorContext(ctx, "worker: compare target", "resource", c.ResourceID, "error", err)
			errs = append(errs, fmt.Errorf("compare target of %s: %w", c.ResourceID, err))
			continue
		}
		n++
	}
	return n, len(due) == limit && n > 0, errors.Join(errs...)
}

// reconcileOne runs one due comparison. A target that cannot be read is a result, kept like any
// other; only a failure to read or write Steward's own records is an error.
func (s *Service) reconcileOne(ctx context.Context, r Reconciler, c Connector, timeout time.Duration) error {
	var granted []GrantedMember
	if err := s.store.View(ctx, func(tx Tx) error {
		res, err := tx.Resources().Get(c.ResourceID)
		if err != nil {
			return err
		}
		granted, err = grantedMembers(tx, res)
		return err
	}); err != nil && !isNotFound(err) {
		return err
	}
	start := time.Now()
	out := ReconcileResult{At: s.now(), Granted: len(granted)}
	open, err := s.openSecrets(c)
	if err == nil {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		var d Drift
		d, err = r.Reconcile(callCtx, open, granted)
		cancel()
		if err == nil {
			out.Unknown, out.Missing = len(d.Unknown), len(d.Missing)
			out.Drift = Drift{Unknown: d.Unknown[:min(len(d.Unknown), MaxDriftLines)], Missing: d.Missing[:min(len(d.Missing), MaxDriftLines)]}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // cut short by the job's budget: due again
		}
		out.Error = err.Error()
		if len(out.Error) > 500 {
			out.Error = out.Error[:500] + "…"
		}
	}
	out.Duration = time.Since(start)
	return s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Connectors().Get(c.ResourceID)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		// Changed meanwhile (turned off, another kind, rescheduled): that wins.
		if cur.NextReconcile == nil || c.NextReconcile == nil || !cur.NextReconcile.Equal(*c.NextReconcile) || cur.Kind != c.Kind {
			return nil
		}
		next := s.now().Add(reconcileInterval(cur.ReconcileEvery))
		if !canListMembers(cur.Kind) || reconcileInterval(cur.ReconcileEvery) == 0 {
			cur.ReconcileEvery, cur.NextReconcile = "", nil
		} else {
			cur.NextReconcile = &next
		}
		cur.LastReconcile = &out
		if err := tx.Connectors().Put(cur); err != nil {
			return err
		}
		if out.Unknown+out.Missing == 0 {
			return nil
		}
		return s.notifyDrift(tx, cur, out)
	})
}

// notifyDrift tells the catalog's owners what a scheduled comparison found, so that someone
// looks; the page has the details and the repair.
func (s *Service) notifyDrift(tx Tx, c Connector, r ReconcileResult) error {
	res, err := tx.Resources().Get(c.ResourceID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	cat, err := tx.Catalogs().Get(res.CatalogID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	var owners []string
	for _, m := range cat.Roles {
		if m.Role != RoleCatalogOwner {
			continue
		}
		if m.PrincipalType == PrincipalGroup {
			ids, err := allMembers(tx, m.PrincipalID)
			if err != nil {
				return err
			}
			owners = append(owners, ids...)
			continue
		}
		owners = append(owners, m.PrincipalID)
	}
	detail := fmt.Sprintf("%s: %d not granted by Steward, %d missing at the target", res.DisplayName, r.Unknown, r.Missing)
	return s.sendNotification(tx, Notification{Event: NotifyTargetDrift, ResourceID: res.ID, Detail: detail}, owners)
}

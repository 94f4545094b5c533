package entitlement

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// WorkerOptions configures a Worker. Zero values take the defaults noted.
type WorkerOptions struct {
	Interval    time.Duration // between ticks when there is nothing more to do; default 30s
	BatchSize   int           // items per kind per tick; default 100
	Provisioner Provisioner   // default ManualProvisioner
	Notifier    Notifier      // default LogNotifier
	MaxAttempts int           // attempts per outbox message before it fails; default 8
	RetryBase   time.Duration // wait after the first failed attempt, doubled per attempt; default 30s
	RetryMax    time.Duration // longest wait between attempts; default 1h
	CallTimeout time.Duration // longest wait for one Provisioner or Notifier call; default 30s
}

// Worker does everything time-driven: escalations, stage timeouts, scheduled starts, expiry
// reminders and expiries, the external-user life cycle and the outbox. It reads due items from
// the time-ordered indexes and handles each in its own transaction, re-checking its state there,
// so a tick that runs twice, or is cut short by a crash, changes nothing further.
type Worker struct {
	svc *Service
	opt WorkerOptions
	mu  sync.Mutex // one tick at a time
}

// NewWorker returns a worker for the service.
func NewWorker(svc *Service, opt WorkerOptions) *Worker {
	if opt.Interval <= 0 {
		opt.Interval = 30 * time.Second
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 100
	}
	if opt.Provisioner == nil {
		opt.Provisioner = ManualProvisioner{Log: svc.log}
	}
	if opt.Notifier == nil {
		opt.Notifier = LogNotifier{Log: svc.log}
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 8
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = 30 * time.Second
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = time.Hour
	}
	return &Worker{svc: svc, opt: opt}
}

// TickResult counts what one tick did.
type TickResult struct {
	Requests        int // requests escalated, timed out or delivered on schedule
	Assignments     int // reminders sent and assignments expired
	GuestsDeleted   int
	SessionsPurged  int
	OutboxDelivered int
	OutboxRetried   int
	OutboxFailed    int
	// More tells that a batch was full, so more may be due right away.
	More bool
}

// Run ticks every Interval, at once again when a batch was full, and as soon as a change commits
// (Service.Changes), until ctx is done; then it returns nil. Errors of a tick are logged; the next
// tick tries again.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.opt.Interval)
	defer t.Stop()
	for {
		res, err := w.Tick(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.svc.log.Error("worker tick", "error", err)
		}
		if res.More && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.svc.Changes():
		}
	}
}

// Tick processes one bounded batch of each kind of due work, in this order: requests,
// assignments, blocked guests, outbox (so that the messages the first steps write go out in the
// same tick). An item that fails is logged and left due; the others go on. The error joins the
// failures, or is the context's when it ends.
func (w *Worker) Tick(ctx context.Context) (TickResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var res TickResult
	var errs []error
	s := w.svc
	n := w.opt.BatchSize

	now := s.now()
	var reqIDs, asgIDs, guestIDs []string
	err := s.store.View(ctx, func(tx Tx) error {
		rs, err := tx.Requests().Due(now, n)
		if err != nil {
			return err
		}
		for _, r := range rs {
			reqIDs = append(reqIDs, r.ID)
		}
		as, err := tx.Assignments().Due(now, n)
		if err != nil {
			return err
		}
		for _, a := range as {
			asgIDs = append(asgIDs, a.ID)
		}
		settings, err := tx.Settings()
		if err != nil {
			return err
		}
		if settings.ExternalUserLifecycleAction == LifecycleBlockSignInAndDelete {
			cutoff := now.Add(-time.Duration(settings.DaysUntilExternalUserDeletedAfterBlocked) * 24 * time.Hour)
			bs, err := tx.GuestBlocks().BlockedBefore(cutoff, n)
			if err != nil {
				return err
			}
			for _, b := range bs {
				guestIDs = append(guestIDs, b.UserID)
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("worker: read due items: %w", err)
	}

	step := func(what string, ids []string, fn func(Tx, string, time.Time) (bool, error), count *int) error {
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			var changed bool
			err := s.store.Update(ctx, func(tx Tx) error {
				var err error
				changed, err = fn(tx, id, s.now())
				return err
			})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.log.Error("worker: "+what, "id", id, "error", err)
				errs = append(errs, fmt.Errorf("%s %s: %w", what, id, err))
				continue
			}
			if changed {
				*count++
			}
		}
		return nil
	}
	if err := step("process request", reqIDs, s.processDueRequest, &res.Requests); err != nil {
		return res, err
	}
	if err := step("process assignment", asgIDs, s.processDueAssignment, &res.Assignments); err != nil {
		return res, err
	}
	if err := step("process blocked guest", guestIDs, s.processGuestBlock, &res.GuestsDeleted); err != nil {
		return res, err
	}

	purged, err := s.purgeExpiredSessions(ctx, n)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		s.log.Error("worker: purge expired sessions", "error", err)
		errs = append(errs, err)
	}
	res.SessionsPurged = purged

	// A full batch that made progress means more may be due at once; a full batch of items that
	// cannot progress yet (a guest whose removal is still under way) must not make Run spin.
	res.More = (len(reqIDs) == n && res.Requests > 0) || (len(asgIDs) == n && res.Assignments > 0) ||
		(len(guestIDs) == n && res.GuestsDeleted > 0) || purged == n

	// The outbox is read after the steps above, so their messages are included.
	var msgIDs []string
	err = s.store.View(ctx, func(tx Tx) error {
		ms, err := tx.Outbox().Due(s.now(), n)
		for _, m := range ms {
			msgIDs = append(msgIDs, m.ID)
		}
		return err
	})
	if err != nil {
		return res, fmt.Errorf("worker: read outbox: %w", err)
	}
	for _, id := range msgIDs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		out, err := w.deliverMessage(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			s.log.Error("worker: deliver outbox message", "id", id, "error", err)
			errs = append(errs, fmt.Errorf("deliver outbox message %s: %w", id, err))
			continue
		}
		switch out {
		case outboxDelivered:
			res.OutboxDelivered++
		case outboxRetry:
			res.OutboxRetried++
		case outboxFailed:
			res.OutboxFailed++
		}
	}
	res.More = res.More || (len(msgIDs) == n && res.OutboxDelivered+res.OutboxRetried+res.OutboxFailed > 0)
	return res, errors.Join(errs...)
}

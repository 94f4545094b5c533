package entitlement

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// WorkerOptions configures a Worker. Zero values take the defaults noted.
type WorkerOptions struct {
	Interval    time.Duration // between runs of a job that has nothing more to do; default 30s
	BatchSize   int           // items per job per run; default 100
	Provisioner Provisioner   // default ManualProvisioner
	Notifier    Notifier      // default LogNotifier
	// Hooks sends policies' custom-extension calls; default the Provisioner when it is a
	// HookCaller, else none, and hook calls fail with a message that says so.
	Hooks HookCaller
	// Reconciler compares connectors' targets with Steward's grants on their schedule; without
	// one, scheduled comparisons wait.
	Reconciler  Reconciler
	MaxAttempts int // attempts per outbox message before it fails; default 8
	// RetryBase is the wait after the first failed attempt to deliver an outbox message or to
	// delete a blocked guest, doubled per attempt; default 30s.
	RetryBase   time.Duration
	RetryMax    time.Duration // longest wait between attempts; default 1h
	CallTimeout time.Duration // longest wait for one Provisioner or Notifier call; default 30s
	// JobBudget is the longest one run of a job may take; a job that reaches it stops between
	// items and leaves the rest due for its next run. Default 2m.
	JobBudget time.Duration
	// Observer, when set, hears of every job run and outbox delivery, for metrics.
	Observer WorkerObserver
	// ConfirmWait is how long a message a target accepted waits for its confirmation before it
	// is sent again; default 1h.
	ConfirmWait time.Duration
	// Concurrency is how many outbox calls run at once; default 1 (one after the other).
	// PerTarget bounds those to one target (a resource's connector, or mail), so that a slow
	// target holds at most that many and the others go on; default 2.
	Concurrency int
	PerTarget   int
	// OutboxRetention is how long delivered outbox messages are kept before the worker purges
	// them; default DefaultOutboxRetention. Messages given up on stay until handled.
	OutboxRetention time.Duration
}

// DefaultOutboxRetention keeps delivered outbox messages a week: long enough to see what went
// out when something is asked about, short enough that the outbox does not grow for ever.
const DefaultOutboxRetention = 7 * 24 * time.Hour

// Outcomes of an attempt to deliver an outbox message, as a WorkerObserver hears them.
const (
	OutcomeDelivered = "delivered" // carried out
	OutcomeRetry     = "retry"     // failed; tried again later
	OutcomeFailed    = "failed"    // failed for the last time, or can never be carried out
)

// WorkerObserver hears what the worker does, so that metrics can count it without the domain
// knowing how they are kept. Its methods are called from the worker's loops and must return
// quickly.
type WorkerObserver interface {
	// JobRan tells that a run of the named job ended after took, with its error if it failed.
	JobRan(job string, took time.Duration, err error)
	// OutboxAttempted tells that an attempt to deliver a message of the kind (OutboxNotify,
	// OutboxProvision, OutboxDeprovision) came to the outcome (OutcomeDelivered, OutcomeRetry or
	// OutcomeFailed).
	OutboxAttempted(kind, outcome string)
}

// Worker does everything time-driven: escalations, stage timeouts, scheduled starts, expiry
// reminders and expiries, access reviews (opening, reminding, closing), the external-user life
// cycle, the purge of expired sessions, scheduled comparisons of connectors' targets and the outbox. Each of these is a job that reads its own time-ordered index and handles each due item
// in its own transaction, re-checking its state there, so a run that happens twice, or is cut
// short by a crash, changes nothing further.
type Worker struct {
	svc  *Service
	opt  WorkerOptions
	jobs []*job
}

// job is one kind of due work.
type job struct {
	name string
	// run handles up to a batch of due items, adds what it did to res, and reports whether the
	// batch was full and made progress, so that more may be due at once.
	run func(ctx context.Context, res *TickResult) (more bool, err error)
	// deaf jobs are not woken by changes: nothing a change writes falls due for them sooner
	// than their next interval. The outbox purge is one; waking it at every commit would make
	// its own commit wake it again, and an idle server would commit for ever.
	deaf bool
	mu   sync.Mutex // one run at a time, whether from Run or Tick
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
	if opt.Hooks == nil {
		if hc, ok := opt.Provisioner.(HookCaller); ok {
			opt.Hooks = hc
		} else {
			opt.Hooks = noHooks{}
		}
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
	if opt.CallTimeout <= 0 {
		opt.CallTimeout = 30 * time.Second
	}
	if opt.JobBudget <= 0 {
		opt.JobBudget = 2 * time.Minute
	}
	if opt.ConfirmWait <= 0 {
		opt.ConfirmWait = time.Hour
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 1
	}
	if opt.PerTarget <= 0 {
		opt.PerTarget = 2
	}
	if opt.OutboxRetention <= 0 {
		opt.OutboxRetention = DefaultOutboxRetention
	}
	w := &Worker{svc: svc, opt: opt}
	w.jobs = []*job{
		{name: "requests", run: w.itemJob("process request", dueRequestIDs, svc.processDueRequest, func(r *TickResult) *int { return &r.Requests })},
		{name: "assignments", run: w.itemJob("process assignment", dueAssignmentIDs, svc.processDueAssignment, func(r *TickResult) *int { return &r.Assignments })},
		{name: "review schedules", run: w.itemJob("open scheduled review", dueScheduleIDs, svc.processDueSchedule, func(r *TickResult) *int { return &r.ReviewsOpened })},
		{name: "reviews", run: w.itemJob("process review", dueReviewIDs, svc.processDueReview, func(r *TickResult) *int { return &r.Reviews })},
		{name: "guest clean-up", run: w.guestCleanUp},
		{name: "session purge", run: w.sessionPurge},
		{name: "directory sync", run: w.directorySync},
		{name: "target comparisons", run: w.reconcile},
		{name: "outbox purge", run: w.outboxPurge, deaf: true},
		// Last, so that a tick delivers the messages the jobs before it wrote.
		{name: "outbox", run: w.outbox},
	}
	return w
}

// TickResult counts what one tick did.
type TickResult struct {
	Requests        int // requests escalated, timed out or delivered on schedule
	Assignments     int // reminders sent and assignments expired
	ReviewsOpened   int // review schedules processed: a review opened or the schedule moved on
	Reviews         int // review reminders sent and reviews closed
	GuestsDeleted   int
	SessionsPurged  int
	DirectorySyncs  int // scheduled LDAP import runs
	Reconciles      int // scheduled comparisons of a connector's target with Steward's grants
	OutboxDelivered int
	OutboxRetried   int
	OutboxFailed    int
	OutboxPurged    int // delivered messages deleted after the retention period
	// More tells that a batch was full, so more may be due right away.
	More bool
}

// Run runs each job in a loop of its own until ctx is done, then returns nil. A job runs again at
// once when its batch was full, every Interval, and, unless it is deaf, as soon as a change
// commits (Service.Changes). The loops are separate so that a slow job (a connector that answers
// only at its call timeout) or a failing one holds back none of the others. Errors are logged; the
// next run tries again.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	var wakes []chan struct{}
	for _, j := range w.jobs {
		wake := make(chan struct{}, 1)
		if !j.deaf {
			wakes = append(wakes, wake)
		}
		wg.Go(func() { w.loop(ctx, j, wake) })
	}
	// Changes has one receiver; every job but the deaf ones hears of each change.
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.svc.Changes():
			for _, c := range wakes {
				select {
				case c <- struct{}{}:
				default: // already woken
				}
			}
		}
	}
}

// loop runs one job until ctx is done.
func (w *Worker) loop(ctx context.Context, j *job, wake <-chan struct{}) {
	t := time.NewTicker(w.opt.Interval)
	defer t.Stop()
	for {
		more, err := w.runJob(ctx, j, &TickResult{})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			w.svc.log.Error("worker job", "job", j.name, "error", err)
		}
		if more && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// Tick runs every job once, in order: requests, assignments, review schedules, reviews, guest
// clean-up, session purge, directory sync (the LDAP import on its schedule), target comparisons (connectors compared on their schedule), outbox. Each job has its own budget, and one that fails or runs out of time does not keep the
// next from running. The error joins the jobs' failures, or is the context's when it ends.
func (w *Worker) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	var errs []error
	for _, j := range w.jobs {
		more, err := w.runJob(ctx, j, &res)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err != nil {
			errs = append(errs, err)
		}
		res.More = res.More || more
	}
	return res, errors.Join(errs...)
}

// runJob runs one job within its budget, with a logger that names the job, and tells the
// observer how it went.
func (w *Worker) runJob(ctx context.Context, j *job, res *TickResult) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	start := time.Now()
	more, err := w.runBudgeted(WithLogger(ctx, w.svc.log.With("job", j.name)), j, res)
	if w.opt.Observer != nil && ctx.Err() == nil {
		w.opt.Observer.JobRan(j.name, time.Since(start), err)
	}
	return more, err
}

// runBudgeted runs one job with the job's budget as its deadline.
func (w *Worker) runBudgeted(ctx context.Context, j *job, res *TickResult) (bool, error) {
	jobCtx, cancel := context.WithTimeout(ctx, w.opt.JobBudget)
	defer cancel()
	more, err := j.run(jobCtx, res)
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case jobCtx.Err() != nil:
		// Also when the last item was cut short: what it was doing is due again, and the budget
		// may be too small for it.
		return false, fmt.Errorf("worker: %s: ran out of its budget of %s, what is left stays due: %w", j.name, w.opt.JobBudget, errors.Join(err, jobCtx.Err()))
	case err != nil:
		return more, fmt.Errorf("worker: %s: %w", j.name, err)
	}
	return more, nil
}

// full tells whether a batch was full and made progress: then more may be due at once. A full
// batch of items that cannot progress yet must not make Run spin.
func (w *Worker) full(batch, progress int) bool {
	return batch == w.opt.BatchSize && progress > 0
}

// itemJob is a job that reads the ids of due items with due and handles each with handle, in a
// transaction of its own; count names the result it adds to.
func (w *Worker) itemJob(what string, due func(Tx, time.Time, int) ([]string, error), handle func(Tx, string, time.Time) (bool, error), count func(*TickResult) *int) func(context.Context, *TickResult) (bool, error) {
	return func(ctx context.Context, res *TickResult) (bool, error) {
		var ids []string
		err := w.svc.store.View(ctx, func(tx Tx) error {
			var err error
			ids, err = due(tx, w.svc.now(), w.opt.BatchSize)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("read due items: %w", err)
		}
		n, err := w.eachItem(ctx, what, ids, handle, nil)
		*count(res) += n
		return w.full(len(ids), n), err
	}
}

// eachItem handles each id in a transaction of its own and counts those handle changed. An item
// that fails is logged and given to failed, when set; the others go on. It stops between items
// when ctx ends.
func (w *Worker) eachItem(ctx context.Context, what string, ids []string, handle func(Tx, string, time.Time) (bool, error), failed func(context.Context, string, error) error) (int, error) {
	s := w.svc
	var errs []error
	changed := 0
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return changed, errors.Join(append(errs, err)...)
		}
		var ok bool
		err := s.store.Update(ctx, func(tx Tx) error {
			var err error
			ok, err = handle(tx, id, s.now())
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return changed, errors.Join(append(errs, ctx.Err())...)
			}
			s.logger(ctx).ErrorContext(ctx, "worker: "+what, "id", id, "error", err)
			errs = append(errs, fmt.Errorf("%s %s: %w", what, id, err))
			if failed != nil {
				if err := failed(ctx, id, err); err != nil {
					errs = append(errs, fmt.Errorf("%s %s: record the failure: %w", what, id, err))
				}
			}
			continue
		}
		if ok {
			changed++
		}
	}
	return changed, errors.Join(errs...)
}

func dueRequestIDs(tx Tx, now time.Time, limit int) ([]string, error) {
	rs, err := tx.Requests().Due(now, limit)
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids, err
}

func dueScheduleIDs(tx Tx, now time.Time, limit int) ([]string, error) {
	ss, err := tx.ReviewSchedules().Due(now, limit)
	ids := make([]string, 0, len(ss))
	for _, s := range ss {
		ids = append(ids, s.PolicyID)
	}
	return ids, err
}

func dueReviewIDs(tx Tx, now time.Time, limit int) ([]string, error) {
	rs, err := tx.Reviews().Due(now, limit)
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids, err
}

func dueAssignmentIDs(tx Tx, now time.Time, limit int) ([]string, error) {
	as, err := tx.Assignments().Due(now, limit)
	ids := make([]string, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids, err
}

// guestCleanUp deletes the guests the life cycle blocked once the settings' delay has passed.
// It reads the blocks by time first and fills the rest of its batch with blocks whose next
// attempt has come; a guest who cannot be deleted yet, or whose deletion fails, waits for a next
// attempt that moves on with backoff, out of the queue by time.
func (w *Worker) guestCleanUp(ctx context.Context, res *TickResult) (bool, error) {
	s := w.svc
	var ids []string
	err := s.store.View(ctx, func(tx Tx) error {
		settings, err := tx.Settings()
		if err != nil || settings.ExternalUserLifecycleAction != LifecycleBlockSignInAndDelete {
			return err
		}
		now := s.now()
		cutoff := now.Add(-time.Duration(settings.DaysUntilExternalUserDeletedAfterBlocked) * 24 * time.Hour)
		bs, err := tx.GuestBlocks().BlockedBefore(cutoff, w.opt.BatchSize)
		if err != nil {
			return err
		}
		retries, err := tx.GuestBlocks().RetryDue(now, w.opt.BatchSize-len(bs))
		for _, b := range append(bs, retries...) {
			ids = append(ids, b.UserID)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("read due guest blocks: %w", err)
	}
	waiting := 0
	deleted, err := w.eachItem(ctx, "process blocked guest", ids, func(tx Tx, id string, now time.Time) (bool, error) {
		out, err := s.processGuestBlock(tx, id, now, w.backoff)
		if err == nil && out == guestWaiting {
			waiting++
		}
		return out == guestDone, err
	}, w.putOffGuestBlock)
	res.GuestsDeleted += deleted
	return w.full(len(ids), deleted+waiting), err
}

// putOffGuestBlock records, in a transaction of its own, that processing a guest's block failed,
// and moves its next attempt on, so that a guest whose deletion keeps failing does not stay at the
// front of the queue.
func (w *Worker) putOffGuestBlock(ctx context.Context, userID string, cause error) error {
	return w.svc.store.Update(ctx, func(tx Tx) error {
		b, err := tx.GuestBlocks().Get(userID)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		return putOffGuestBlock(tx, b, w.svc.now(), cause.Error(), w.backoff)
	})
}

// sessionPurge deletes expired sessions.
func (w *Worker) sessionPurge(ctx context.Context, res *TickResult) (bool, error) {
	n, err := w.svc.purgeExpiredSessions(ctx, w.opt.BatchSize)
	res.SessionsPurged += n
	return n == w.opt.BatchSize, err
}

// outboxPurge deletes the messages delivered longer ago than the retention period.
func (w *Worker) outboxPurge(ctx context.Context, res *TickResult) (bool, error) {
	var n int
	err := w.svc.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Outbox().PurgeDelivered(w.svc.now().Add(-w.opt.OutboxRetention), w.opt.BatchSize)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("purge outbox: %w", err)
	}
	res.OutboxPurged += n
	return n == w.opt.BatchSize, nil
}

// outbox delivers the messages that are due, each within the call timeout: one after the other,
// or with Concurrency > 1 several at once, at most PerTarget to any one target and a role's
// provisioning messages in order. A call waits for its target's slot before it takes one of the
// shared slots, so the calls queued for a slow target never hold more than PerTarget of them and
// the other targets go on. Above 1, a crash may catch up to Concurrency messages sent and not
// yet recorded, each sent again after the restart.
//
// The batch is claimed in one transaction (claimDue) and each result recorded in one of its own,
// which the store commits together with the others waiting (group commit); a slot is held from
// the call to its recorded result. A result that cannot be recorded stops the run. The messages
// the run does not get to call (its budget ran out, or it stopped) get their attempt back.
func (w *Worker) outbox(ctx context.Context, res *TickResult) (bool, error) {
	s := w.svc
	batch, errs := w.claimDue(ctx)
	var (
		mu   sync.Mutex
		done = len(batch.gaveUp)
	)
	res.OutboxFailed += len(batch.gaveUp)
	if w.opt.Observer != nil {
		for _, kind := range batch.gaveUp {
			w.opt.Observer.OutboxAttempted(kind, OutcomeFailed)
		}
	}
	// A result that cannot be recorded stops the run: the calls after it would be made with no
	// way to record them, and each would go out again later.
	var halted atomic.Bool
	deliver := func(c *claim) {
		if halted.Load() {
			return
		}
		out, err := w.send(ctx, c)
		if err != nil {
			halted.Store(true)
		}
		mu.Lock()
		defer mu.Unlock()
		if w.opt.Observer != nil && err == nil && out != outboxNothing {
			w.opt.Observer.OutboxAttempted(c.msg.Kind, out.String())
		}
		if err != nil {
			if ctx.Err() != nil {
				errs = append(errs, ctx.Err())
				return
			}
			s.logger(ctx).ErrorContext(ctx, "worker: deliver outbox message", "id", c.msg.ID, "error", err)
			errs = append(errs, fmt.Errorf("deliver outbox message %s: %w", c.msg.ID, err))
			return
		}
		switch out {
		case outboxDelivered:
			res.OutboxDelivered++
		case outboxRetry:
			res.OutboxRetried++
		case outboxFailed:
			res.OutboxFailed++
		}
		if out != outboxNothing {
			done++
		}
	}
	if w.opt.Concurrency <= 1 {
		for _, c := range batch.claims {
			if ctx.Err() != nil {
				break
			}
			deliver(c)
		}
	} else {
		w.deliverConcurrently(ctx, batch.claims, deliver)
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	if err := w.giveBack(ctx, batch.claims); err != nil {
		errs = append(errs, fmt.Errorf("give back the attempts not made: %w", err))
	}
	return w.full(batch.due, done), errors.Join(errs...)
}

// deliverConcurrently delivers the claims Concurrency at a time, at most PerTarget to a target.
// The provisioning messages of one role go out one after the other, in order, so that a removal
// never overtakes the grant it undoes; each waits for its target's slot, then for one of the
// shared slots.
func (w *Worker) deliverConcurrently(ctx context.Context, claims []*claim, deliver func(*claim)) {
	shared := make(chan struct{}, w.opt.Concurrency)
	targets := map[string]chan struct{}{}
	var chains [][]*claim
	chainOf := map[string]int{}
	for _, c := range claims {
		key := outboxChain(c)
		i, ok := chainOf[key]
		if !ok {
			i = len(chains)
			chainOf[key] = i
			chains = append(chains, nil)
		}
		chains[i] = append(chains[i], c)
		if targets[outboxTarget(c)] == nil {
			targets[outboxTarget(c)] = make(chan struct{}, w.opt.PerTarget)
		}
	}
	send := func(c *claim) {
		for _, sem := range []chan struct{}{targets[outboxTarget(c)], shared} {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
		}
		deliver(c)
	}
	var wg sync.WaitGroup
	for _, chain := range chains {
		wg.Go(func() {
			for _, c := range chain {
				if ctx.Err() != nil {
					return
				}
				send(c)
			}
		})
	}
	wg.Wait()
}

// outboxChain is what must go out in order: a role's provisioning messages; any other message
// stands alone.
func outboxChain(c *claim) string {
	if k := c.msg.Kind; (k == OutboxProvision || k == OutboxDeprovision) && c.action.RoleID != "" {
		return "role:" + c.action.RoleID
	}
	return "message:" + c.msg.ID
}

// outboxTarget names the system a message goes to: the resource whose connector carries out a
// provisioning action, or the mail server.
func outboxTarget(c *claim) string {
	if k := c.msg.Kind; k != OutboxProvision && k != OutboxDeprovision {
		return k
	}
	return "resource:" + c.action.ResourceID
}

// directorySync runs the LDAP import when its interval has passed since the last run.
func (w *Worker) directorySync(ctx context.Context, res *TickResult) (bool, error) {
	ran, err := w.svc.runDueDirectorySync(ctx)
	if ran {
		res.DirectorySyncs++
	}
	return false, err
}

// reconcile compares the targets whose scheduled comparison is due; it repairs nothing.
func (w *Worker) reconcile(ctx context.Context, res *TickResult) (bool, error) {
	if w.opt.Reconciler == nil {
		return false, nil
	}
	n, more, err := w.svc.runDueReconciles(ctx, w.opt.Reconciler, w.opt.BatchSize, w.opt.CallTimeout)
	res.Reconciles += n
	return more, err
}

package entitlement

import (
	"context"
	"errors"
	"time"
)

// A run of the LDAP import can take longer than an HTTP answer may (a first run over tens of
// thousands of people), so an administrator's run goes on in the background and shows its
// progress. The run under way lives in the Service's memory: the store allows one process, so a
// run that memory does not know of is not running. Its marker in the store is only there so that
// a run cut short by a crash leaves a report.

// Phases of a run, as its progress shows them.
const (
	PhaseReading  = "reading"  // reading the directory
	PhasePlanning = "planning" // comparing it with the store
	PhaseApplying = "applying" // making the changes, Done of Total
)

// directoryRunTimeout bounds a run an administrator starts, so that a directory that stops
// answering does not hold the one run slot forever.
const directoryRunTimeout = 30 * time.Minute

// DirectorySyncRun is the marker the store keeps while a run is under way.
type DirectorySyncRun struct {
	ID              string    `json:"id"`
	StartedDateTime time.Time `json:"startedDateTime"`
	StartedBy       string    `json:"startedBy,omitempty"` // empty for a scheduled run
	Forced          bool      `json:"forced,omitempty"`
}

// cutShort is the report of a run whose process ended before it could keep its own.
func (m DirectorySyncRun) cutShort() DirectorySyncReport {
	return DirectorySyncReport{
		ID: m.ID, StartedDateTime: m.StartedDateTime, StartedBy: m.StartedBy, Forced: m.Forced, Outcome: RunFailed,
		Message: "the run was cut short when Steward stopped; what it changed stays, and the next run carries on",
	}
}

// DirectorySyncProgress is a run under way.
type DirectorySyncProgress struct {
	DirectorySyncRun
	DryRun bool
	// Phase is PhaseReading, PhasePlanning or PhaseApplying.
	Phase string
	// PeopleRead and GroupsRead are known from PhasePlanning on.
	PeopleRead, GroupsRead int
	// Created, Changed, Blocked (people) and GroupChanges are what the run plans, known from
	// PhaseApplying on.
	Created, Changed, Blocked, GroupChanges int
	// Done of Total records are applied; Errors of them could not be.
	Done, Total, Errors int
}

var errShuttingDown = invalid("shuttingDown", "", "Steward is shutting down; start the sync again once it is back")

// StartDirectorySync starts a real run of the LDAP import in the background and returns at once
// with its progress; administrators only. The run is not tied to ctx: it goes on when the
// request ends, until it finishes, reaches its time limit, or Shutdown stops it. Its report is
// kept with the last ones. A second start while a run (also a scheduled one or a dry run) is
// under way is refused.
func (s *Service) StartDirectorySync(ctx context.Context, force bool) (DirectorySyncProgress, error) {
	var by string
	err := s.read(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "run the directory sync"); err != nil {
			return err
		}
		by = a.p.Name
		st, err := tx.DirectorySync()
		if err == nil && st.LDAP == nil {
			return invalid("directoryNotConfigured", "", "save the LDAP settings first")
		}
		return err
	})
	if err != nil {
		return DirectorySyncProgress{}, err
	}
	if s.directory == nil {
		return DirectorySyncProgress{}, errNoDirectory
	}
	if by == "" {
		by = "an administrator"
	}
	opt := DirectorySyncOptions{Force: force}
	run, err := s.claimDirectorySync(by, opt, true)
	if err != nil {
		return DirectorySyncProgress{}, err
	}
	go func() {
		defer s.bgRuns.Done()
		ctx, cancel := context.WithTimeout(s.bg, directoryRunTimeout)
		defer cancel()
		r, err := s.executeDirectorySync(ctx, run, opt)
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			s.log.Error("directory sync", "run", run.ID, "error", err)
		case r.Outcome == RunFailed:
			s.log.Warn("directory sync failed", "run", run.ID, "message", r.Message)
		}
	}()
	return run, nil
}

// Shutdown stops the runs StartDirectorySync started and waits until they have kept their
// reports, or until ctx ends. Starts after it are refused.
func (s *Service) Shutdown(ctx context.Context) error {
	s.syncMu.Lock()
	s.stopping = true
	s.syncMu.Unlock()
	s.stopBg()
	done := make(chan struct{})
	go func() {
		s.bgRuns.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// claimDirectorySync takes the one run slot, or says a run is under way; background counts the
// run for Shutdown.
func (s *Service) claimDirectorySync(by string, opt DirectorySyncOptions, background bool) (DirectorySyncProgress, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.syncRun != nil {
		return DirectorySyncProgress{}, errSyncRunning
	}
	if background {
		if s.stopping {
			return DirectorySyncProgress{}, errShuttingDown
		}
		s.bgRuns.Add(1)
	}
	s.syncRun = &DirectorySyncProgress{
		DirectorySyncRun: DirectorySyncRun{ID: NewID(), StartedDateTime: s.now(), StartedBy: by, Forced: opt.Force},
		DryRun:           opt.DryRun, Phase: PhaseReading,
	}
	return *s.syncRun, nil
}

// endDirectorySync frees the run slot.
func (s *Service) endDirectorySync() {
	s.syncMu.Lock()
	s.syncRun = nil
	s.syncMu.Unlock()
}

// directorySyncProgress records progress of the run under way.
func (s *Service) directorySyncProgress(fn func(p *DirectorySyncProgress)) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.syncRun != nil {
		fn(s.syncRun)
	}
}

// directorySyncRunning returns a copy of the run under way, nil when none.
func (s *Service) directorySyncRunning() *DirectorySyncProgress {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.syncRun == nil {
		return nil
	}
	p := *s.syncRun
	return &p
}

// markDirectorySyncRunning reads the import's state and, for a real run, marks the run under way
// in the store. A marker already there is a run that a crash cut short: it becomes its report.
func (s *Service) markDirectorySyncRunning(ctx context.Context, run DirectorySyncProgress) (DirectorySyncState, error) {
	var st DirectorySyncState
	if run.DryRun {
		err := s.store.View(ctx, func(tx Tx) error {
			var err error
			st, err = tx.DirectorySync()
			return err
		})
		return st, err
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if st, err = tx.DirectorySync(); err != nil || st.LDAP == nil {
			return err
		}
		if st.Running != nil {
			st.Reports = keepReports(st.Running.cutShort(), st.Reports)
		}
		m := run.DirectorySyncRun
		st.Running = &m
		return tx.PutDirectorySync(st)
	})
	return st, err
}

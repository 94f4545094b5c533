package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
)

// Update transactions share commits (group commit). A bbolt commit costs an fsync, which is most of
// a small write's time; when several writers wait at once, the first runs a transaction alone and,
// while it commits, the others queue; then one of them runs the whole queue in one transaction and
// one commit. A lone writer waits for nothing, unlike bbolt's DB.Batch, whose timer adds up to
// its delay to every write.
//
// Each function keeps the meaning of its own transaction: the functions of a batch run one after
// another, each seeing what the ones before it wrote. When one fails, the transaction is rolled
// back; the ones before it run again as a batch, the failing one runs alone so that its error
// comes from a transaction of its own, and the ones after it run again after that, so that the
// order stays the order of arrival. So a function may run more than once: it must do nothing
// outside the transaction that a second run would repeat (entitlement.Store says so).
type committer struct {
	mu      sync.Mutex
	queue   []*update
	leading bool // a goroutine is running the queue
}

type update struct {
	ctx   context.Context
	fn    func(entitlement.Tx) error
	err   error
	panic any // what fn panicked with, raised again in the caller's goroutine
	done  chan struct{}
}

// errPanicked stops a transaction whose function panicked.
var errPanicked = errors.New("store: update function panicked")

// Update runs fn in a read-write transaction, possibly shared with other callers' functions; fn's
// writes commit only when fn returns nil and ctx is not done, and then they commit atomically.
func (s *Store) Update(ctx context.Context, fn func(entitlement.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &update{ctx: ctx, fn: fn, done: make(chan struct{})}
	c := &s.commits
	c.mu.Lock()
	c.queue = append(c.queue, u)
	lead := !c.leading
	c.leading = true
	c.mu.Unlock()
	if lead {
		c.lead(s.db)
	}
	<-u.done
	if u.panic != nil {
		panic(u.panic)
	}
	return u.err
}

// lead runs the queue in batches until it is empty.
func (c *committer) lead(db *bolt.DB) {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		if len(batch) == 0 {
			c.leading = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		commitBatch(db, batch)
	}
}

// commitBatch runs the updates in one transaction and finishes each of them.
func commitBatch(db *bolt.DB, batch []*update) {
	if len(batch) == 0 {
		return
	}
	failed := -1
	err := db.Update(func(btx *bolt.Tx) error {
		for i, u := range batch {
			if err := u.run(btx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	switch {
	case failed < 0: // committed, or the commit itself failed for all
		for _, u := range batch {
			u.finish(err)
		}
	case len(batch) == 1:
		batch[0].finish(err)
	default:
		commitBatch(db, batch[:failed])
		commitBatch(db, batch[failed:failed+1])
		commitBatch(db, batch[failed+1:])
	}
}

// run calls the function in the transaction, turning a panic into an error that stops it.
func (u *update) run(btx *bolt.Tx) (err error) {
	u.panic = nil
	defer func() {
		if p := recover(); p != nil {
			u.panic = p
			err = fmt.Errorf("%w: %v", errPanicked, p)
		}
	}()
	if err := u.fn(&tx{btx}); err != nil {
		return err
	}
	return u.ctx.Err()
}

func (u *update) finish(err error) {
	u.err = err
	close(u.done)
}

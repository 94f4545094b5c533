package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stewardhq/steward/entitlement"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Store is the bbolt implementation of entitlement.Store.
type Store struct {
	db      *bolt.DB
	commits committer
}

var _ entitlement.Store = (*Store)(nil)

// ErrLocked means another process holds the data file open.
var ErrLocked = errors.New("the data file is in use by another process")

// Open opens (creating if needed) the data file at path and brings its schema up to date.
func Open(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open store: create directory %s: %w", dir, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.migrate(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing data file for reading only, for checks on a stopped portal. It
// takes a shared lock, so it refuses with ErrLocked while a portal holds the file, and it runs no
// migration, so it refuses a file of another schema version instead of changing it.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.Ping(context.Background()); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: not a Steward data file: %w", path, err)
	}
	v, err := s.version()
	if err == nil && v != SchemaVersion() {
		err = fmt.Errorf("data file has schema version %d, this program expects %d: start Steward once with this version to upgrade it", v, SchemaVersion())
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the data file.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the data file's path.
func (s *Store) Path() string { return s.db.Path() }

// Ping reports whether the store can serve a read.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("store: meta bucket missing")
		}
		return ctx.Err()
	})
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(entitlement.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error { return fn(&tx{btx}) })
}

// Backup writes a consistent copy of the whole store to w while it stays online.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// Restore replaces the data file at path with the backup at from. The store at path must be closed:
// while a process holds it open Restore refuses with ErrLocked (a file renamed under a running
// portal would keep taking its writes, which the next start then loses), and it holds the lock
// itself until the new file is in place. The backup is opened and migrated first, so a damaged
// or foreign file is refused and the current data stays as it was.
func Restore(from, path string) error {
	if _, err := os.Stat(path); err == nil {
		cur, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return fmt.Errorf("restore: %s: %w; stop Steward first", path, ErrLocked)
		case err == nil:
			defer func() { _ = cur.Close() }() // read-only: nothing to lose
		}
		// A current file that does not open at all is what a restore is for: replace it.
	}
	tmp := path + ".restore"
	if err := copyFile(from, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	check, err := Open(tmp)
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: %s is not a usable Steward backup: %w", from, err)
	}
	if err := check.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read-only: a failed close loses nothing
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// Secret returns the named secret, creating it with generate on first use, atomically, so that
// keys such as the session keys survive restarts.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSecrets).Get([]byte(name)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil || out != nil {
		return out, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSecrets)
		if v := b.Get([]byte(name)); v != nil {
			out = append([]byte(nil), v...)
			return nil
		}
		v, err := generate()
		if err != nil {
			return fmt.Errorf("generate secret %s: %w", name, err)
		}
		out = v
		return b.Put([]byte(name), v)
	})
	return out, err
}

package entitlement

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Backupper is a store that can write a consistent copy of itself while it is in use.
type Backupper interface {
	Backup(w io.Writer) (int64, error)
}

// ErrBackupUnsupported means the store cannot be copied while it runs.
var ErrBackupUnsupported = errors.New("this store cannot be backed up while it runs")

// Backup writes a consistent copy of the whole store to w. Only administrators may take one, and
// each is recorded in the audit log before it is written, so a copy of the data never leaves
// unrecorded.
func (s *Service) Backup(ctx context.Context, w io.Writer) (int64, error) {
	if s.backup == nil {
		return 0, ErrBackupUnsupported
	}
	err := s.write(ctx, func(tx Tx, a *access) error {
		if err := requireAdmin(a, "download a backup"); err != nil {
			return err
		}
		return s.audit(tx, a.p, "store.backup", "store", "", "Steward data", "downloaded a backup of all data")
	})
	if err != nil {
		return 0, err
	}
	n, err := s.backup.Backup(w)
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

package views

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/entitlement"
)

// TestSyncReportMessageIsASentence: the domain words a failed run's message in lower case, as
// errors are; the page shows it as a sentence.
func TestSyncReportMessageIsASentence(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	r := NewSyncReport(context.Background(), now, entitlement.DirectorySyncReport{
		StartedDateTime: now, Outcome: entitlement.RunFailed, Message: "could not read the directory: the server at ldap.example.com:636 did not answer",
	})
	if want := "Could not read the directory: the server at ldap.example.com:636 did not answer."; r.Message != want {
		t.Errorf("message = %q, want %q", r.Message, want)
	}
	if r.Outcome != "Failed" || r.Summary != "Nothing was read from the directory." {
		t.Errorf("outcome %q, summary %q", r.Outcome, r.Summary)
	}
}

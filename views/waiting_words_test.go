package views

import (
	"strings"
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

// TestZeroWaitingIsSaidInWords: a count of nothing waiting reads "Nothing is waiting", never
// "0 requests are waiting".
func TestZeroWaitingIsSaidInWords(t *testing.T) {
	for name, got := range map[string]string{
		"home approvals":    approvalsWaiting(0),
		"dashboard pending": PendingChart(entitlement.DashboardCharts{}).Summary,
		"review decisions":  decisionsWaiting(0),
	} {
		if strings.Contains(got, "0 ") || !strings.HasPrefix(got, "Nothing is waiting") {
			t.Errorf("%s: %q", name, got)
		}
	}
	if got := approvalsWaiting(2); got != "2 requests are waiting" {
		t.Errorf("two: %q", got)
	}
	if got := decisionsWaiting(1); got != "1 decision waiting" {
		t.Errorf("one decision: %q", got)
	}
}

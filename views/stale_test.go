package views_test

import (
	"context"
	"testing"
	"time"

	"github.com/stewardhq/steward/views"
)

func TestStaleHeadline(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	inParis := views.WithZone(context.Background(), paris)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		s    views.Stale
		want string
	}{
		{"today, in the person's zone", inParis, views.Stale{What: "this catalog", By: "Ana Ruiz", At: now.Add(-58 * time.Minute), Now: now},
			"Ana Ruiz changed this catalog at 15:02 after you opened it."},
		{"another day", context.Background(), views.Stale{What: "this group", By: "Steward", At: now.Add(-30 * time.Hour), Now: now},
			"Steward changed this group on 1 Mar 2026 at 09:00 after you opened it."},
		{"who is unknown", context.Background(), views.Stale{What: "the settings", Now: now},
			"The settings changed after you opened it."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.Headline(tc.ctx); got != tc.want {
				t.Errorf("Headline = %q, want %q", got, tc.want)
			}
		})
	}
}

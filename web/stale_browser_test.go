package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/web/browsertest"
)

// TestBrowserStaleSaveOnAPhone: Owen edits the Finance catalog on a phone while Ada changes it
// (with a long address that has no spaces). His save comes back with the notice at the top, his
// words still in the form and Ada's among the current values, and the page fits the screen.
func TestBrowserStaleSaveOnAPhone(t *testing.T) {
	f := startAdmin(t)
	b := browsertest.New(t)
	b.SignIn(f.env.URL, "owen", "Owen Owner")
	b.Viewport(360, 740)
	edit := f.env.URL + "/admin/catalogs/" + f.finance.ID + "/edit"
	step(t, b, "open the form", chromedp.Navigate(edit), waitFor(`[data-testid="catalog-form"] #description`))

	adas := "Moved to https://wiki.example.com/finance/reports/monthly/" + strings.Repeat("x", 80)
	if _, err := f.env.Svc.UpdateCatalog(f.ctxAs("admin@example.com"), f.finance.ID, entitlement.CatalogInput{DisplayName: "Finance", Description: adas, Published: true}); err != nil {
		t.Fatal(err)
	}

	step(t, b, "type", clearAndType(`#description`, "Owen's words")...)
	step(t, b, "save", click(`[data-testid="catalog-form"] [data-testid="save"]`), waitFor(`[data-testid="stale-notice"]`))
	notice := b.Text(`[data-testid="stale-notice"]`)
	for _, want := range []string{"Ada Admin changed this catalog at ", "after you opened it.", "were not saved", "Current values", adas} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	kept, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`document.querySelector('#description').value`))
	if err != nil || kept != "Owen's words" {
		t.Errorf("the form shows %q (%v), want Owen's words kept", kept, err)
	}
	b.CheckLayout("stale catalog save")
	b.Screenshot("stale-save-phone")
	if cat, _ := f.env.Svc.CatalogByID(f.ctxAs("admin@example.com"), f.finance.ID); cat.Description != adas {
		t.Errorf("Ada's description was overwritten: %q", cat.Description)
	}
}

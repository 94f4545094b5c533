package components

import (
	"bytes"
	"context"
	"testing"

	templruntime "github.com/a-h/templ/runtime"
)

// TestClassAttrWritesWhatClassWrote checks that the spread writes the same class attribute as
// templ's class={ } did, for the lists the components use, kept or not.
func TestClassAttrWritesWhatClassWrote(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{"h-4 w-4 shrink-0"}, ` class="h-4 w-4 shrink-0"`},
		{[]string{buttonBase, buttonVariantClasses(ButtonDanger), buttonSizeClasses(ButtonSmall)}, ` class="` + buttonBase + ` border-transparent bg-red-600 text-white shadow-sm hover:bg-red-700 focus-visible:ring-red-600 px-2.5 py-1 text-sm"`},
		{[]string{"a", "b", "c", "d", "e"}, ` class="a b c d e"`},
	} {
		for range 2 { // made, then kept
			var buf bytes.Buffer
			if err := templruntime.RenderAttributes(context.Background(), &buf, &buf, "span", classAttr(tc.parts...)); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("classAttr(%q) wrote %q, want %q", tc.parts, buf.String(), tc.want)
			}
		}
	}
}

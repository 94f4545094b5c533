package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestPathIsVersionedByContent(t *testing.T) {
	versioned := regexp.MustCompile(`^/static/[a-z.]+\?v=[0-9a-f]{10}$`)
	for _, name := range []string{"app.css", "htmx.min.js", "app.js"} {
		t.Run(name, func(t *testing.T) {
			got := Path(name)
			if !versioned.MatchString(got) {
				t.Fatalf("Path(%q) = %q, want /static/%s?v=<10 hex digits>", name, got, name)
			}
			b, err := fs.ReadFile(FS, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Fatalf("%s is embedded but empty: run scripts/generate", name)
			}
			sum := sha256.Sum256(b)
			if want := Prefix + name + "?v=" + hex.EncodeToString(sum[:])[:10]; got != want {
				t.Errorf("Path(%q) = %q, want %q", name, got, want)
			}
		})
	}
}

func TestVersionChangesWithContent(t *testing.T) {
	before, err := versionedPaths(fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := versionedPaths(fstest.MapFS{"app.css": {Data: []byte("body{color:blue}")}})
	if err != nil {
		t.Fatal(err)
	}
	if before["app.css"] == after["app.css"] {
		t.Errorf("the URL did not change with the content: %q", before["app.css"])
	}
	again, err := versionedPaths(fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}})
	if err != nil {
		t.Fatal(err)
	}
	if before["app.css"] != again["app.css"] {
		t.Errorf("the same content gave two URLs: %q and %q", before["app.css"], again["app.css"])
	}
}

func TestPathPanicsOnUnknownName(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Path of an unknown asset did not panic")
		}
		if msg, _ := r.(string); !strings.Contains(msg, `"nope.css"`) {
			t.Errorf("panic %v does not name the asset", r)
		}
	}()
	Path("nope.css")
}

// The project pins htmx 2 (npm's latest is a breaking major); catch a
// vendored file from another major.
func TestVendoredHTMXIsVersion2(t *testing.T) {
	b, err := fs.ReadFile(FS, "htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `version:"2.`) {
		t.Error(`static/htmx.min.js is not htmx 2.x: run scripts/generate with the pinned package.json`)
	}
}

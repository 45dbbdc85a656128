package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The default config's globs.
func defaultInclude() []string { return []string{"**/module.manifest.json"} }
func defaultExclude() []string { return []string{"**/.*/**", "**/node_modules/**", "**/dist/**"} }

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want bool
	}{
		{"module.manifest.json", true},
		{"core/module.manifest.json", true},
		{"./core/module.manifest.json", true},
		{"a/b/c/d/module.manifest.json", true},
		{".git/module.manifest.json", false},
		{"manifests/.archive/x/module.manifest.json", false},
		{"labs/.venv/lib/module.manifest.json", false},
		{"web/node_modules/pkg/module.manifest.json", false},
		{"node_modules/module.manifest.json", false},
		{"dist/module.manifest.json", false},
		{"svc/dist/x/module.manifest.json", false},
		{"distro/module.manifest.json", true},
		{".hidden.manifest.json", false},
		{"core/module.manifest.json.bak", false},
		{"core/other.json", false},
		{`core\module.manifest.json`, false},
	}
	for _, tt := range tests {
		if got := Match(defaultInclude(), defaultExclude(), tt.path); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if !Match([]string{"svc/*/manifest.json", "[bad"}, nil, "svc/a/manifest.json") {
		t.Error("Match() with one bad glob rejected a path the good glob matches")
	}
	if Match([]string{"svc/*/manifest.json"}, nil, "svc/a/b/manifest.json") {
		t.Error("Match(): * crossed a folder")
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	outside := filepath.Join(base, "outside")
	for _, name := range []string{
		"module.manifest.json",
		"a/module.manifest.json",
		"a/b/c/module.manifest.json",
		"a/notes.json",
		".git/module.manifest.json",
		"manifests/.archive/old/module.manifest.json",
		"web/node_modules/pkg/module.manifest.json",
		"dist/module.manifest.json",
		"svc/dist/module.manifest.json",
		"svc/api/module.manifest.json",
	} {
		write(t, root, name, "{}")
	}
	write(t, outside, "x/module.manifest.json", "{}")
	links := map[string]string{
		"alias":                         "a/b",                                     // folder inside: followed
		"svc/api2/module.manifest.json": "../api/module.manifest.json",             // file inside: followed
		"ext":                           "../outside/x",                            // folder outside: warned
		"svc/ext/module.manifest.json":  "../../../outside/x/module.manifest.json", // file outside: warned
		"svc/readme.md":                 "../../outside/x/module.manifest.json",    // outside but not a manifest: silent
		"a/b/up":                        "../..",                                   // loop back to root: warned
		"self":                          "self",                                    // link to itself: warned
		"gone":                          "nowhere",                                 // dangling: warned
		"web/node_modules/ext":          "../../../outside",                        // excluded: silent
	}
	for name, target := range links {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	paths, warnings, err := Discover(root, defaultInclude(), defaultExclude())
	if err != nil {
		t.Fatalf("Discover() error: %v", err)
	}
	wantPaths := []string{
		"a/b/c/module.manifest.json",
		"a/module.manifest.json",
		"alias/c/module.manifest.json",
		"module.manifest.json",
		"svc/api/module.manifest.json",
		"svc/api2/module.manifest.json",
	}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("Discover() paths mismatch (-want +got):\n%s", diff)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.Error())
	}
	wantWarnings := []string{
		"a/b/up: symlink loop (it leads back to the repository root); skipped",
		"alias/up: symlink loop (it leads back to the repository root); skipped",
		"ext: symlink to ../outside/x, outside the repository; skipped (the sync reads only files inside the repository)",
		"gone: broken symlink to nowhere; skipped",
		"self: symlink loop through self; skipped",
		"svc/ext/module.manifest.json: symlink to ../../../outside/x/module.manifest.json, outside the repository; skipped (the sync reads only files inside the repository)",
	}
	if diff := cmp.Diff(wantWarnings, got); diff != "" {
		t.Errorf("Discover() warnings mismatch (-want +got):\n%s", diff)
	}

	// Hidden folders are excluded by the globs, not by Discover itself.
	paths, _, err = Discover(root, []string{"**/.*/**/module.manifest.json"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".git/module.manifest.json", "manifests/.archive/old/module.manifest.json"}, paths); diff != "" {
		t.Errorf("Discover(hidden include) mismatch (-want +got):\n%s", diff)
	}

	if _, _, err := Discover(filepath.Join(base, "missing"), defaultInclude(), nil); err == nil {
		t.Error("Discover(missing root) succeeded")
	}
}

// TestDiscoverThroughSymlinkedRoot checks that a root reached through a symlink
// (as /tmp is on macOS) does not make its own files look outside.
func TestDiscoverThroughSymlinkedRoot(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	write(t, base, "real/x/module.manifest.json", "{}")
	if err := os.Symlink("real", filepath.Join(base, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("x", filepath.Join(base, "real", "y")); err != nil {
		t.Fatal(err)
	}
	paths, warnings, err := Discover(filepath.Join(base, "link"), defaultInclude(), nil)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Discover() warnings %v, error %v", warnings, err)
	}
	if diff := cmp.Diff([]string{"x/module.manifest.json", "y/module.manifest.json"}, paths); diff != "" {
		t.Errorf("Discover() mismatch (-want +got):\n%s", diff)
	}
}

// TestDiscoverNonFiles: a folder or a FIFO named module.manifest.json is
// returned by Discover and reported by Load as a broken manifest (so the sync
// keeps its page), never skipped silently nor read (a FIFO would block).
func TestDiscoverNonFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(p)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mk("dir/module.manifest.json/inner")
	if err := os.WriteFile(filepath.Join(root, "dir/module.manifest.json/inner/module.manifest.json"), []byte(`{"module":"inner"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mk("fifo")
	if err := syscall.Mkfifo(filepath.Join(root, "fifo/module.manifest.json"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	include, exclude := []string{"**/module.manifest.json"}, []string(nil)
	paths, warnings, err := Discover(root, include, exclude)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Discover() = %v, %v", warnings, err)
	}
	want := []string{"dir/module.manifest.json", "dir/module.manifest.json/inner/module.manifest.json", "fifo/module.manifest.json"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Fatalf("Discover() paths (-want +got):\n%s", diff)
	}
	tests := []struct{ path, want string }{
		{"dir/module.manifest.json", "dir/module.manifest.json: is a folder, not a file; a manifest is a JSON file: remove or rename it (its Notion page is kept until then)"},
		{"fifo/module.manifest.json", "fifo/module.manifest.json: is a named pipe (FIFO), not a file; a manifest is a JSON file: remove or rename it (its Notion page is kept until then)"},
	}
	for _, tt := range tests {
		_, err := Load(root, tt.path)
		var p *Problem
		if !errors.As(err, &p) || err.Error() != tt.want {
			t.Errorf("Load(%s) = %v, want the *Problem %q", tt.path, err, tt.want)
		}
	}
	if _, err := Load(root, "dir/module.manifest.json/inner/module.manifest.json"); err != nil {
		t.Errorf("Load(inner) = %v", err)
	}
}

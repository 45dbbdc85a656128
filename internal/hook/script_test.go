package hook

import (
	"errors"
	"flag"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.sh from the current Script output")

// TestScript pins the rendered hook byte for byte: the golden files were
// written by the script renderer before it moved here from internal/app.
func TestScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec Spec
	}{
		{"root", Spec{Bin: "/opt/tools/notion sync", GitDir: "/home/ana/src/mono/.git", Dir: ".", Include: []string{"**/module.manifest.json"}}},
		{"subdir", Spec{Bin: "/usr/local/bin/notion-sync", GitDir: "/home/ana/it's here/.git", Dir: "mono/tools", Config: "cfg/notion sync.yml",
			Include: []string{"**/*.manifest.json", "{core,labs}/**/module.manifest.json"}, Exclude: []string{"**/.*/**", "**/node_modules/**"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Script(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".golden.sh"), got, *update)
			if owner := Owner(got); owner != tt.spec.GitDir {
				t.Errorf("Owner(Script()) = %q, want %q", owner, tt.spec.GitDir)
			}
		})
	}
}

func TestScriptBadGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		spec    Spec
		wantErr string
	}{
		{"include", Spec{Dir: ".", Include: []string{"a[b"}}, `translate manifests.include for the hook: glob "a[b": unclosed [`},
		{"exclude", Spec{Dir: ".", Include: []string{"**"}, Exclude: []string{"a{b"}}, `translate manifests.exclude for the hook: glob "a{b": unclosed {`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			script, err := Script(tt.spec)
			if err == nil {
				t.Fatalf("Script() = %q, want an error", script)
			}
			if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
				t.Errorf("Script() error mismatch (-want +got):\n%s", diff)
			}
			if _, ok := errors.AsType[*InputError](err); !ok {
				t.Errorf("Script() error %T is not an *InputError", err)
			}
		})
	}
}

func TestOwner(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, script, want string }{
		{"plain", "#!/bin/sh\n" + Marker + "\ngit_dir='/r/.git'\n", "/r/.git"},
		{"quote", "git_dir='/it'\\''s/.git'\n", "/it's/.git"},
		{"before hooks named it", "#!/bin/sh\n" + Marker + "\nnotion_sync='ns'\n", ""},
		{"not at a line start", "echo git_dir='/r/.git'\n", ""},
	}
	for _, tt := range tests {
		if got := Owner([]byte(tt.script)); got != tt.want {
			t.Errorf("%s: Owner() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWord(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/home/me/repo-at-0123abcd", "/home/me/repo-at-0123abcd"},
		{"", "''"},
		{"my repo", "'my repo'"},
		{"it's", "'it'\\''s'"},
		{"$(rm -rf ~)", "'$(rm -rf ~)'"},
	}
	for _, tt := range tests {
		if got := Word(tt.in); got != tt.want {
			t.Errorf("Word(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff("'it'\\''s'", Quote("it's")); diff != "" {
		t.Errorf("Quote() mismatch (-want +got):\n%s", diff)
	}
}

func TestBinary(t *testing.T) {
	t.Parallel()
	tests := []struct{ exe, want string }{
		{"/usr/local/bin/notion-sync", "/usr/local/bin/notion-sync"},
		{"/home/ana/go/bin/notion-sync", "/home/ana/go/bin/notion-sync"},
		{"/tmp/go-build1234/b001/exe/notion-sync", "notion-sync"},
		{"/tmp/go-build567/b042/app.test", "notion-sync"},
	}
	for _, tt := range tests {
		if got := Binary(tt.exe); got != tt.want {
			t.Errorf("Binary(%q) = %q, want %q", tt.exe, got, tt.want)
		}
	}
}

// TestGlobRegexp checks the hook's glob translation against doublestar itself,
// on the default config's globs and the other forms the syntax allows.
func TestGlobRegexp(t *testing.T) {
	t.Parallel()
	globs := []string{
		"**/module.manifest.json", "**/.*/**", "**/node_modules/**", "**/dist/**",
		"**", "*", "a/**", "a/**/b", "modules/*/manifest.json", "src/**/*.json",
		"{core,labs}/**/module.manifest.json", "x?y/[a-c]*.json", "x/[!a]b", "x/[^a]b",
		"**/*.{json,yaml}", `lit\*eral`, "a.b+c(d)|e$^", "some{thing{new,},}", "a**b/c",
	}
	paths := []string{
		"module.manifest.json", "a/module.manifest.json", "a/b/module.manifest.json",
		".archive/module.manifest.json", "x/.hidden/y/module.manifest.json", ".h", "a/.h",
		"node_modules/module.manifest.json", "web/node_modules/x", "dist", "a/dist", "dist/x",
		"a", "a/b", "a/c/b", "a/c/d/b", "ab", "a/x/y", "modules/m/manifest.json", "modules/m/n/manifest.json",
		"src/x.json", "src/a/b/x.json", "srcx.json", "core/x/module.manifest.json", "labs/module.manifest.json",
		"other/module.manifest.json", "xay/b1.json", "xzy/b1.json", "x/y/z/b.json", "x/ab", "x/bb", "x//b", "x/b",
		"p.json", "p.yaml", "d/p.yml", `lit*eral`, "litXeral", "a.b+c(d)|e$^", "aXb+c(d)|e$^",
		"something", "somethingnew", "some", "someth", "aXXb/c", "ab/c", "a/b/c",
	}
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			t.Errorf("globRegexp(%q): %v", g, err)
			continue
		}
		rx, err := regexp.Compile("^(" + re + ")$")
		if err != nil {
			t.Errorf("globRegexp(%q) = %q does not compile: %v", g, re, err)
			continue
		}
		for _, p := range paths {
			want, err := doublestar.Match(g, p)
			if err != nil {
				t.Fatalf("doublestar.Match(%q): %v", g, err)
			}
			if got := rx.MatchString(p); got != want {
				t.Errorf("glob %q (regexp %q) on %q: %v, doublestar says %v", g, re, p, got, want)
			}
		}
	}
	for _, bad := range []string{"a[b", "a{b", `x[\]]`} {
		if re, err := globRegexp(bad); err == nil {
			t.Errorf("globRegexp(%q) = %q, want an error", bad, re)
		}
	}
}

package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/golden"
	"github.com/lukhas/notion-sync-action/internal/safefile"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestProblemError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a/m.json", Line: 3, Col: 7, Field: "quality.mqi", Msg: "bad"}, "a/m.json:3:7: quality.mqi: bad"},
		{Problem{File: "a/m.json", Line: 3, Msg: "bad"}, "a/m.json:3: bad"},
		{Problem{File: "a/m.json", Field: "x", Msg: "bad"}, "a/m.json: x: bad"},
		{Problem{File: "a/m.json", Col: 4, Msg: "bad"}, "a/m.json: bad"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestLoadInvalid reads every testdata/invalid/*.json and compares the problem
// with the .out file next to it (actionlint style; -update rewrites them).
func TestLoadInvalid(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, err := Load("testdata", "invalid/"+name+".json")
			if err == nil {
				t.Fatalf("Load() = %+v, want a problem", m)
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("Load() error %T %v, want *Problem", err, err)
			}
			if p.File != "invalid/"+name+".json" {
				t.Errorf("Problem.File = %q", p.File)
			}
			checkGolden(t, strings.TrimSuffix(file, ".json")+".out", []byte(err.Error()+"\n"))
		})
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got, *update)
}

func TestLoad(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write(t, root, "module.manifest.json", `{"module": "top"}`)
	write(t, root, "svc/api/module.manifest.json", `{"module": "api"}`)
	tests := []struct {
		path    string
		wantDir string
	}{
		{"module.manifest.json", filepath.Base(root)},
		{"svc/api/module.manifest.json", "api"},
		{"./svc/api/module.manifest.json", "api"},
	}
	for _, tt := range tests {
		m, err := Load(root, tt.path)
		if err != nil {
			t.Fatalf("Load(%q) error: %v", tt.path, err)
		}
		if m.Dir != tt.wantDir || m.Path != strings.TrimPrefix(tt.path, "./") {
			t.Errorf("Load(%q) Path, Dir = %q, %q; want %q, %q", tt.path, m.Path, m.Dir, tt.path, tt.wantDir)
		}
		if len(m.SHA) != 64 {
			t.Errorf("SHA = %q, want 64 hex digits", m.SHA)
		}
	}
	_, err := Load(root, "missing/module.manifest.json")
	var p *Problem
	if !errors.As(err, &p) || p.File != "missing/module.manifest.json" || !strings.Contains(p.Msg, "no such file") {
		t.Errorf("Load(missing) = %v, want a Problem naming the file", err)
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`{"b": 1, "a": [true, null, "x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{"{\n  \"z\": {\"y\": 2, \"x\": 1}\n}\n", `{"z":{"x":1,"y":2}}`},
		{`{"n": [1, 1.0, 1e2, -0, 0.10, 1.5e300, 12345678901234567890, 1E-7]}`, `{"n":[1,1,100,0,0.1,1.5e+300,12345678901234567890,1e-7]}`},
		{`{"s": "a\u00e9\/<&>\t"}`, "{\"s\":\"aé/<&>\\t\"}"},
		{`"just a string"`, `"just a string"`},
	}
	for _, tt := range tests {
		got, err := Canonical([]byte(tt.in))
		if err != nil {
			t.Fatalf("Canonical(%s) error: %v", tt.in, err)
		}
		if string(got) != tt.want {
			t.Errorf("Canonical(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{`{"a":`, `{} {}`, ``} {
		if got, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) = %s, want an error", bad, got)
		}
	}
}

// TestSHAStable checks that $sha ignores layout, key order, escapes, number
// spelling and notion_page_id, and changes with any real change.
func TestSHAStable(t *testing.T) {
	t.Parallel()
	base := mustParse(t, `{"module": "core", "quality": {"mqi": 92.3, "ok": true}, "tags": ["a", "b"]}`)
	same := []string{
		"{\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ],\n  \"quality\": {\"ok\": true, \"mqi\": 92.30},\n  \"module\": \"core\"\n}\n",
		"{\"module\":\"c\\u006fre\",\"quality\":{\"mqi\":9.23e1,\"ok\":true},\"tags\":[\"a\",\"b\"]}",
		"{\r\n\t\"module\": \"core\",\r\n\t\"quality\": {\"mqi\": 92.3, \"ok\": true},\r\n\t\"tags\": [\"a\", \"b\"],\r\n\t\"notion_page_id\": \"abc\"\r\n}",
	}
	for _, s := range same {
		if got := mustParse(t, s).SHA; got != base.SHA {
			t.Errorf("SHA of reformatted %q = %s, want %s", s, got, base.SHA)
		}
	}
	different := []string{
		`{"module": "core", "quality": {"mqi": 92.4, "ok": true}, "tags": ["a", "b"]}`,
		`{"module": "core", "quality": {"mqi": 92.3, "ok": true}, "tags": ["b", "a"]}`,
		`{"module": "core", "quality": {"mqi": 92.3, "ok": true}, "tags": ["a", "b"], "notion_database_options": {}}`,
		`{"module": "core", "quality": {"mqi": 92.3, "ok": true, "notion_page_id": "x"}, "tags": ["a", "b"]}`,
	}
	for _, s := range different {
		if got := mustParse(t, s).SHA; got == base.SHA {
			t.Errorf("SHA of changed %q = base SHA, want a different one", s)
		}
	}
}

func mustParse(t *testing.T, s string) *Manifest {
	t.Helper()
	m, err := Parse("m.json", "d", []byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return m
}

func TestSetField(t *testing.T) {
	t.Parallel()
	hydrate := json.RawMessage(`{"Status":"Active","Tags":["a","b"],"MQI":92.3}`)
	tests := []struct {
		name  string
		file  string
		path  string
		value any
	}{
		{"pretty-new-page-id", "pretty.json", "notion_database_options", hydrate},
		{"pretty-existing-page-id", "pretty.json", "notion_page_id", "11111111-2222-3333-4444-555555555555"},
		{"pretty-nested-new", "pretty.json", "matrix.gate", "strict"},
		{"pretty-nested-existing", "pretty.json", "quality.mqi", 95},
		{"pretty-inline-new", "pretty.json", "quality.gate", "strict"},
		{"pretty-new-two-levels", "pretty.json", "a.b\\.c", true},
		{"tabs-empty-object", "tabs.json", "notion_database_options.Status", "Active"},
		{"tabs-new-object", "tabs.json", "notion_database_options", hydrate},
		{"tabs-existing-object", "tabs.json", "module", hydrate},
		{"compact-new", "compact.json", "notion_page_id", "abc"},
		{"compact-nested", "compact.json", "apis.x.doc", "<html> & more"},
		{"crlf-new", "crlf.json", "notion_database_options", hydrate},
		{"crlf-nested", "crlf.json", "ownership.members", []string{"a", "b"}},
		{"unicode-empty-object", "unicode.json", "empty.k", 1},
		{"spaced-new", "spaced.json", "notion_database_options", map[string]any{"Tags": []string{"a", "b"}}},
		{"spaced-empty-object", "spaced.json", "options.k", "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join("testdata/valid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			orig := bytes.Clone(raw)
			out, err := SetField(raw, tt.path, tt.value)
			if err != nil {
				t.Fatalf("SetField() error: %v", err)
			}
			if !bytes.Equal(raw, orig) {
				t.Error("SetField() changed its input")
			}
			if !json.Valid(out) {
				t.Fatalf("SetField() output is not JSON:\n%s", out)
			}
			gpath := tt.path // SetField's escapes are gjson's
			want, _ := json.Marshal(tt.value)
			gotC, _ := Canonical([]byte(gjson.GetBytes(out, gpath).Raw))
			wantC, _ := Canonical(want)
			if string(gotC) != string(wantC) {
				t.Errorf("value at %s = %s, want %s", tt.path, gotC, wantC)
			}
			// Only the edited region may differ: what was removed is the old
			// value (or nothing), and the rest of the file is byte for byte.
			old := gjson.GetBytes(raw, gpath)
			pre, suf := commonAffixes(raw, out)
			removed := string(raw[pre : len(raw)-suf])
			if old.Exists() {
				if !strings.Contains(old.Raw, removed) {
					t.Errorf("SetField() changed bytes outside the old value: removed %q, old value %q", removed, old.Raw)
				}
			} else if strings.TrimSpace(removed) != "" {
				t.Errorf("SetField() removed %q while adding a key", removed)
			}
			checkGolden(t, filepath.Join("testdata/setfield", tt.name+".golden"), out)
			again, err := SetField(out, tt.path, tt.value)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("SetField() twice is not stable:\n%s\nthen\n%s", out, again)
			}
		})
	}
}

func commonAffixes(a, b []byte) (pre, suf int) {
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	return pre, suf
}

func TestSetFieldErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, path, want string
	}{
		{`{"a": 1}`, "a.b", "set a.b: a is a number, not an object"},
		{`{"a": [1]}`, "a.b", "set a.b: a is a list, not an object"},
		{`[1]`, "a", "set a: the manifest is not a JSON object"},
		{`{"a": `, "a", "set a: the manifest is not a JSON object"},
		{`{"a": 1}`, "a..b", `set "a..b": empty key in the path`},
	}
	for _, tt := range tests {
		_, err := SetField([]byte(tt.raw), tt.path, 1)
		if err == nil || err.Error() != tt.want {
			t.Errorf("SetField(%s, %q) error = %v, want %q", tt.raw, tt.path, err, tt.want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write(t, root, "a/module.manifest.json", "{}")
	if err := os.Chmod(filepath.Join(root, "a/module.manifest.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	write(t, root, "real/module.manifest.json", "{}")
	if err := os.Symlink("../real/module.manifest.json", filepath.Join(root, "a/link.json")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(root, "a/module.manifest.json", []byte(`{"x":1}`)); err != nil {
		t.Fatalf("WriteFile() error: %v", err)
	}
	if err := WriteFile(root, "a/link.json", []byte(`{"y":2}`)); err != nil {
		t.Fatalf("WriteFile(symlink) error: %v", err)
	}
	got := map[string]string{}
	entries, _ := os.ReadDir(filepath.Join(root, "a"))
	for _, e := range entries {
		info, _ := os.Lstat(filepath.Join(root, "a", e.Name()))
		got[e.Name()] = info.Mode().String()
	}
	want := map[string]string{"module.manifest.json": "-rw-------", "link.json": "Lrwxrwxrwx"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("folder after WriteFile (-want +got), temp files left or mode lost:\n%s", diff)
	}
	for p, body := range map[string]string{"a/module.manifest.json": `{"x":1}`, "real/module.manifest.json": `{"y":2}`} {
		if b, _ := os.ReadFile(filepath.Join(root, p)); string(b) != body {
			t.Errorf("%s = %s, want %s", p, b, body)
		}
	}
	if err := WriteFile(root, "nope/module.manifest.json", []byte("{}")); err == nil {
		t.Error("WriteFile() into a missing folder succeeded")
	}
}

func write(t *testing.T, root, name, body string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzLoad checks that no input makes reading panic, and that whatever reads
// as a manifest has a stable canonical form and takes an edit.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse("m.json", "d", raw)
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("Parse() error %T, want *Problem", err)
			}
			return
		}
		c, err := Canonical(m.Raw)
		if err != nil {
			t.Fatalf("Canonical() of a loaded manifest: %v", err)
		}
		c2, err := Canonical(c)
		if err != nil || !bytes.Equal(c, c2) {
			t.Fatalf("Canonical() is not idempotent: %s then %s (%v)", c, c2, err)
		}
		if m2 := mustParse(t, string(c)); m2.SHA != m.SHA {
			t.Fatalf("SHA changed by canonicalising: %s vs %s", m.SHA, m2.SHA)
		}
		out, err := SetField(m.Raw, PageIDField, "abc")
		if err != nil {
			t.Fatalf("SetField() on a loaded manifest: %v", err)
		}
		m3, err := Parse("m.json", "d", out)
		if err != nil {
			t.Fatalf("SetField() output does not load: %v\n%s", err, out)
		}
		if m3.SHA != m.SHA {
			t.Fatalf("setting notion_page_id changed SHA:\n%s\n%s", m.Raw, out)
		}
		if got := gjson.GetBytes(out, PageIDField).String(); got != "abc" {
			t.Fatalf("notion_page_id after SetField = %q", got)
		}
	})
}

// TestWriteFileRefusesOutsideLinks checks that an edit never writes through a
// link that leads out of the repository, at the manifest or at its folder.
func TestWriteFileRefusesOutsideLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, link, target string
	}{
		{"manifest links out", "a/module.manifest.json", "rc"},
		{"folder links out", "a", "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, home := t.TempDir(), t.TempDir()
			write(t, home, "rc", "rc")
			if err := os.MkdirAll(filepath.Join(root, "a"), 0o755); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(root, filepath.FromSlash(tt.link))
			os.Remove(link)
			if err := os.Symlink(filepath.Join(home, tt.target), link); err != nil {
				t.Fatal(err)
			}
			err := WriteFile(root, "a/module.manifest.json", []byte(`{"x":1}`))
			if !errors.Is(err, safefile.ErrNotPlain) {
				t.Errorf("WriteFile() error = %v, want safefile.ErrNotPlain", err)
			}
			entries, _ := os.ReadDir(home)
			if b, _ := os.ReadFile(filepath.Join(home, "rc")); len(entries) != 1 || string(b) != "rc" {
				t.Errorf("WriteFile wrote outside the repository: %d entries, rc = %q", len(entries), b)
			}
		})
	}
}

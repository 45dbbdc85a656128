package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// loadInput reads a testdata/<name>.input.json: the document WriteJSON writes.
func loadInput(t *testing.T, name string) (Plan, Stats) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in result
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return in.Plan, in.Stats.stats()
}

// checkGolden compares got with testdata/file, or rewrites it with -update.
func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", file), got, *update)
}

func TestWriteTextGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sync_ok", "sync_failures", "dry_run", "hostile", "empty"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, s := loadInput(t, name)
			var buf bytes.Buffer
			if err := WriteText(&buf, p, s); err != nil {
				t.Fatalf("WriteText() error = %v", err)
			}
			checkGolden(t, name+".golden.txt", buf.Bytes())
		})
	}
}

// TestWriteTextNoControlCharacters checks what the golden file shows: no manifest text
// reaches the terminal as a control character, so it cannot forge lines or escapes.
func TestWriteTextNoControlCharacters(t *testing.T) {
	t.Parallel()
	p, s := loadInput(t, "hostile")
	var buf bytes.Buffer
	if err := WriteText(&buf, p, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\r", "\t", "\x00", "\x07", "\x7f", "\u202e", "\u2028"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(line, "forged") || strings.HasPrefix(line, "✅ 999") || strings.HasPrefix(line, "⚠️ fake") {
			t.Errorf("manifest text started a line of its own: %q", line)
		}
	}
	// The error has 7 lines; 5 are shown and the rest counted.
	if !strings.Contains(out, "   … (+2 lines)\n") {
		t.Errorf("long error not cut to 5 lines:\n%s", out)
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	p, s := loadInput(t, "dry_run")
	var buf bytes.Buffer
	if err := WriteJSON(&buf, p, s); err != nil {
		t.Fatalf("WriteJSON() error = %v", err)
	}
	checkGolden(t, "dry_run.golden.json", buf.Bytes())

	var got result
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON() output is not one JSON document: %v", err)
	}
	if diff := cmp.Diff(p, got.Plan); diff != "" {
		t.Errorf("plan round trip mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(s, got.Stats.stats()); diff != "" {
		t.Errorf("stats round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	changes := []Change{
		{Action: ActionCreate}, {Action: ActionUpdate}, {Action: ActionUpdate}, {Action: ActionArchive},
		{Action: ActionNoop}, {Action: ActionNoop}, {Action: ActionNoop}, {Action: ActionError},
		{Action: ActionDuplicate}, {Action: ActionOrphan},
	}
	got := Summarize(changes)
	want := Summary{Create: 1, Update: 2, Archive: 1, Noop: 3, Error: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize() mismatch (-want +got):\n%s", diff)
	}
	if got.Total() != 8 {
		t.Errorf("Total() = %d, want 8", got.Total())
	}
}

func TestRenderValue(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 100)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "(empty)"},
		{"string", "Active", `"Active"`},
		{"empty string", "", `""`},
		{"string with controls", "a\nb\x1b[0m", `"a\nb\x1b[0m"`},
		{"long string cut", long, `"` + strings.Repeat("a", 59) + `…" (+41 chars)`},
		{"60 runes kept", strings.Repeat("é", 60), `"` + strings.Repeat("é", 60) + `"`},
		{"float", 92.3, "92.3"},
		{"int", 7, "7"},
		{"big number", 1e21, "1e+21"},
		{"bool", true, "true"},
		{"names", []string{"a", "b c"}, `["a", "b c"]`},
		{"empty names", []string{}, "[]"},
		{"raw", json.RawMessage(`{"start":"2025-10-05"}`), `{"start":"2025-10-05"}`},
		{"raw number", json.RawMessage(`92.30`), "92.30"},
		{"long list cut", []string{long}, `["` + strings.Repeat("a", 57) + `… (+45 chars)`},
		{"bidi override in list", []string{"\u202eabc"}, `["\u202eabc"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, renderValue(tt.in)); diff != "" {
				t.Errorf("renderValue(%#v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "consciousness", 80, "consciousness"},
		{"emoji kept", "🧠 brain ⚠️ 👩‍💻", 80, "🧠 brain ⚠️ 👩‍💻"},
		{"newlines and tabs", "a\nb\r\nc\td", 80, "a b  c d"},
		{"ansi", "\x1b[31mred\x1b[0m", 80, `\x1b[31mred\x1b[0m`},
		{"bidi and line separator", "\u202eabc\u2028", 80, `\u202eabc `},
		{"nul and del", "a\x00b\x7f", 80, `a\x00b\x7f`},
		{"invalid utf-8", "a\xffb", 80, "a\uFFFDb"},
		{"cut", "abcdefghij", 5, "abcd… (+6 chars)"},
		{"exactly max", "abcde", 5, "abcde"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, clean(tt.in, tt.max)); diff != "" {
				t.Errorf("clean(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{500 * time.Microsecond, "<1ms"},
		{40 * time.Millisecond, "40ms"},
		{3240 * time.Millisecond, "3.2s"},
		{9960 * time.Millisecond, "10s"},
		{45 * time.Second, "45s"},
		{59600 * time.Millisecond, "1m 0s"},
		{83 * time.Second, "1m 23s"},
		{2*time.Hour + 5*time.Minute, "2h 5m 0s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShortID(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"12abcdef-0000-1111-2222-333344445555": "12abcdef…",
		"abcdef0123456789abcdef0123456789":     "abcdef01…",
		"short":                                "short",
		"12abcdef-0000-1111-2222-33334444555g": "12abcdef-0000-1111-2222-33334444555g",
		"\x1b]8;;http://x\x07id":               `\x1b]8;;http://x\aid`,
	}
	for in, want := range tests {
		if got := ShortID(in); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", in, got, want)
		}
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteTextUnknownAction(t *testing.T) {
	t.Parallel()
	p := Plan{Summary: Summary{Noop: 1}, Changes: []Change{{Module: "m", Action: "restore", PageID: "p"}, {Module: "quiet", Action: ActionNoop}}}
	var buf bytes.Buffer
	if err := WriteText(&buf, p, Stats{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	if diff := cmp.Diff("🔹 m: restore (page_id: p)", lines[1]); diff != "" {
		t.Errorf("line 2 mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(buf.String(), "quiet") {
		t.Errorf("a noop change without warnings was listed:\n%s", buf.String())
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	if err := WriteText(errWriter{}, Plan{}, Stats{}); err == nil || !strings.HasPrefix(err.Error(), "write report: ") {
		t.Errorf("WriteText() error = %v, want a write report error", err)
	}
	if err := WriteJSON(errWriter{}, Plan{}, Stats{}); err == nil || !strings.HasPrefix(err.Error(), "write report: ") {
		t.Errorf("WriteJSON() error = %v, want a write report error", err)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	got := Sanitize("core\x1b[31m red\nnext\ttab\x7f")
	if want := "core [31m red next\ttab "; got != want {
		t.Errorf("Sanitize() = %q, want %q", got, want)
	}
}

// TestWriteDocument: any --json document is EncodeJSON's form (indented, <
// and & kept), and a failed write is an error naming it.
func TestWriteDocument(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteDocument(&b, map[string]string{"a": "<b & c>"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("{\n  \"a\": \"<b & c>\"\n}\n", b.String()); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
	if err := WriteDocument(failingWriter{}, 1); err == nil || !strings.HasPrefix(err.Error(), "write report: ") {
		t.Errorf("WriteDocument to a failing writer = %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

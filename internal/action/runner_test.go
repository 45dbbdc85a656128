package action

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
)

type fileEnv map[string]string

func (f fileEnv) get(k string) string { return f[k] }

func newFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixedRand returns the same bytes forever, so a test can predict (and collide
// with) the delimiter.
type fixedRand byte

func (b fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// cycleRand returns byte 0 for the first n reads' worth of bytes, then 1.
type cycleRand struct{ n, read int }

func (c *cycleRand) Read(p []byte) (int, error) {
	for i := range p {
		if c.read < c.n {
			p[i] = 0
		} else {
			p[i] = 1
		}
		c.read++
	}
	return len(p), nil
}

// TestSetOutputInjection writes values crafted to end a heredoc early: the
// delimiter a fixed-delimiter writer uses, a line that looks like another
// output, and the very delimiter the Runner would pick first. The runner's
// parser must see exactly the outputs written, with their values intact.
func TestSetOutputInjection(t *testing.T) {
	t.Parallel()
	out := newFile(t, "output", "")
	r := NewRunner(fileEnv{"GITHUB_OUTPUT": out}.get, &bytes.Buffer{})
	colliding := "ghadelimiter_" + strings.Repeat("00", 16)
	r.rand = &cycleRand{n: 16} // the first delimiter tried is `colliding`
	values := map[string]string{
		"plain":      "3",
		"fixed":      "x\n_GitHubActionsFileCommandDelimeter_\nfailed=0\n",
		"lines":      "a\nfailed=0\nb<<EOF",
		"collide":    "before\n" + colliding + "\nfailed=0",
		"empty":      "",
		"crlf":       "a\r\nb",
		"has-hyphen": "ok",
	}
	// "collide" first: its first delimiter candidate is the one in its value.
	names := []string{"collide", "plain", "fixed", "lines", "empty", "crlf", "has-hyphen"}
	if err := r.SetOutputs(names, values); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := actiontest.Outputs(string(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for k, v := range values {
		want[k] = strings.ReplaceAll(v, "\r\n", "\n") // the parser splits lines as the runner does
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs as the runner reads them (-want +got):\n%s\nfile:\n%s", diff, data)
	}
	if !strings.Contains(string(data), colliding+"\nfailed") {
		t.Fatal("the colliding value was not written")
	}
	if strings.Count(string(data), "collide<<"+colliding) != 0 {
		t.Error("the delimiter that occurs in the value was used")
	}
}

func TestSetOutputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, envPath, output, want string
	}{
		{"unset", "", "created", "GITHUB_OUTPUT is not set"},
		{"missing file", filepath.Join(dir, "nope", "output"), "created", "no such file"},
		{"bad name", newFile(t, "o", ""), "a=b", "not a valid output name"},
		{"newline in name", newFile(t, "o", ""), "a\nb", "not a valid output name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := NewRunner(fileEnv{"GITHUB_OUTPUT": tt.envPath}.get, &bytes.Buffer{})
			err := r.SetOutput(tt.output, "1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SetOutput() error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAnnotations(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := NewRunner(fileEnv{}.get, &log)
	r.Error(Annotation{File: "a/module.manifest.json", Line: 3, Col: 7, Title: "bad: key, here", Message: "100% wrong\r\n::error::forged"})
	r.Warning(Annotation{File: "b, c:d.json", Title: "t", Message: "w"})
	r.Notice(Annotation{Col: 4, Message: "no file: col dropped"})
	r.Error(Annotation{File: "x.json", Col: 2, Message: "col without line"})
	want := "::error col=7,file=a/module.manifest.json,line=3,title=bad%3A key%2C here::100%25 wrong%0D%0A::error::forged\n" +
		"::warning file=b%2C c%3Ad.json,title=t::w\n" +
		"::notice::no file: col dropped\n" +
		"::error file=x.json::col without line\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}

// TestAnnotationCap checks GitHub's 10-per-type cap: nine annotations, then
// one that says how many more there were, per type.
func TestAnnotationCap(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := NewRunner(fileEnv{}.get, &log)
	for i := range 25 {
		r.Error(Annotation{Message: fmt.Sprintf("e%d", i)})
		if i < 3 {
			r.Warning(Annotation{Message: fmt.Sprintf("w%d", i)})
		}
	}
	r.Flush()
	r.Flush() // a second flush adds nothing
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	var errs, warns []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "::error"):
			errs = append(errs, l)
		case strings.HasPrefix(l, "::warning"):
			warns = append(warns, l)
		}
	}
	if len(errs) != MaxAnnotations || len(warns) != 3 {
		t.Fatalf("%d errors and %d warnings, want %d and 3:\n%s", len(errs), len(warns), MaxAnnotations, log.String())
	}
	if want := "::error::16 more errors not shown as annotations (GitHub shows 10 per step): see the job summary"; errs[9] != want {
		t.Errorf("last error = %q, want %q", errs[9], want)
	}
	if errs[8] != "::error::e8" {
		t.Errorf("ninth error = %q", errs[8])
	}
}

func TestAnnotationMessageCut(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := NewRunner(fileEnv{}.get, &log)
	r.Error(Annotation{Message: strings.Repeat("é", 5000)})
	msg := strings.TrimSuffix(strings.TrimPrefix(log.String(), "::error::"), "\n")
	if n := utf8.RuneCountInString(msg); n != maxMessage || !strings.HasSuffix(msg, "…") {
		t.Errorf("message has %d runes (want %d, ending in …)", n, maxMessage)
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   fileEnv
		write func(r *Runner)
		want  string
	}{
		{"mask", nil, func(r *Runner) { r.AddMask("s3cr%t\nline2") }, "::add-mask::s3cr%25t%0Aline2\n"},
		{"empty mask skipped", nil, func(r *Runner) { r.AddMask("  ") }, ""},
		{"group", nil, func(r *Runner) { r.Group("Sync"); r.EndGroup() }, "::group::Sync\n::endgroup::\n"},
		{"debug off", nil, func(r *Runner) { r.Debugf("x %d", 1) }, ""},
		{"debug on", fileEnv{"RUNNER_DEBUG": "1"}, func(r *Runner) { r.Debugf("x %d\n", 1) }, "::debug::x 1%0A\n"},
		{"text stops commands, a command resumes them", nil, func(r *Runner) {
			fmt.Fprint(r.Text(), "a\n")
			fmt.Fprint(r.Text(), "b")
			r.Group("G")
			r.EndGroup()
		}, "::stop-commands::" + strings.Repeat("07", 16) + "\na\nb\n::" + strings.Repeat("07", 16) + "::\n::group::G\n::endgroup::\n"},
		{"flush resumes", nil, func(r *Runner) {
			fmt.Fprint(r.Text(), "a\n")
			r.Flush()
		}, "::stop-commands::" + strings.Repeat("07", 16) + "\na\n::" + strings.Repeat("07", 16) + "::\n"},
		{"empty text stops nothing", nil, func(r *Runner) { fmt.Fprint(r.Text(), "") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			r := NewRunner(tt.env.get, &log)
			r.rand = fixedRand(7)
			tt.write(r)
			if diff := cmp.Diff(tt.want, log.String()); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTextCannotIssueCommands writes text crafted to issue workflow commands
// in every form the runner reads, between commands of the Runner's own, and
// reads the log as the runner does: only the Runner's commands (and its
// stop/resume pairs) are processed.
func TestTextCannotIssueCommands(t *testing.T) {
	t.Parallel()
	forged := []string{
		"::error title=forged::forged\n",
		"  ::add-mask::forged\n",
		"x\r::warning::forged\r\n",
		"text ##[error]forged\n",
		"::ERROR::forged", // no newline: the next command must still start a line
		"::stop-commands::forged\n::error::forged\n::forged::\n",
	}
	var log bytes.Buffer
	r := NewRunner(fileEnv{}.get, &log)
	var want []string
	for i, f := range forged {
		if _, err := io.WriteString(r.Text(), f); err != nil {
			t.Fatal(err)
		}
		r.Notice(Annotation{Message: fmt.Sprintf("ours %d", i)})
		want = append(want, fmt.Sprintf("ours %d", i))
	}
	r.Flush()
	var got []string
	for _, c := range actiontest.Commands(log.String()) {
		switch c.Name {
		case "stop-commands":
		case "notice":
			got = append(got, c.Data)
		default:
			if c.Data != "" || len(c.Name) != 32 {
				t.Errorf("the text issued %q", c.Line)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notices processed (-want +got):\n%s\nlog:\n%s", diff, log.String())
	}
	if cmds := actiontest.Commands(log.String()); cmds[len(cmds)-1].Name == "stop-commands" {
		t.Error("the log ends with commands stopped")
	}
}

func TestTextWithoutRandomness(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	r := NewRunner(fileEnv{}.get, &log)
	r.rand = failReader{}
	if _, err := io.WriteString(r.Text(), "::error::forged\n"); err == nil {
		t.Error("Write without a stop token succeeded")
	}
	if log.Len() != 0 {
		t.Errorf("text printed without commands stopped: %q", log.String())
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestRunnerErr(t *testing.T) {
	t.Parallel()
	r := NewRunner(fileEnv{}.get, failWriter{})
	if r.Err() != nil {
		t.Fatal("error before any write")
	}
	r.Group("x")
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Err() = %v", err)
	}
}

func TestAddSummary(t *testing.T) {
	t.Parallel()
	t.Run("appends", func(t *testing.T) {
		t.Parallel()
		p := newFile(t, "summary", "# earlier step\n")
		r := NewRunner(fileEnv{"GITHUB_STEP_SUMMARY": p}.get, &bytes.Buffer{})
		cut, err := r.AddSummary("## Notion sync")
		if err != nil || cut {
			t.Fatalf("AddSummary() = %v, %v", cut, err)
		}
		data, _ := os.ReadFile(p)
		if diff := cmp.Diff("# earlier step\n## Notion sync\n", string(data)); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
	t.Run("cut to the runner's limit", func(t *testing.T) {
		t.Parallel()
		p := newFile(t, "summary", strings.Repeat("x", 1000)+"\n")
		r := NewRunner(fileEnv{"GITHUB_STEP_SUMMARY": p}.get, &bytes.Buffer{})
		row := "| é | 🚀 |\n"
		cut, err := r.AddSummary(strings.Repeat(row, MaxSummaryBytes/len(row)+10))
		if err != nil || !cut {
			t.Fatalf("AddSummary() = %v, %v; want a cut", cut, err)
		}
		data, _ := os.ReadFile(p)
		if len(data) > MaxSummaryBytes {
			t.Errorf("summary is %d bytes, over %d", len(data), MaxSummaryBytes)
		}
		if !utf8.Valid(data) {
			t.Error("the cut split a UTF-8 sequence")
		}
		body := strings.TrimPrefix(string(data), strings.Repeat("x", 1000)+"\n")
		before, _, ok := strings.Cut(body, "\n\n> [!WARNING]")
		if !ok || strings.TrimSuffix(strings.ReplaceAll(before, row, ""), "\n") != "" {
			t.Errorf("the cut is not on a row boundary followed by the note: ...%q", body[len(body)-300:])
		}
	})
	t.Run("unavailable", func(t *testing.T) {
		t.Parallel()
		r := NewRunner(fileEnv{}.get, &bytes.Buffer{})
		if _, err := r.AddSummary("x"); !errors.Is(err, ErrSummaryUnavailable) {
			t.Errorf("AddSummary() error = %v, want ErrSummaryUnavailable", err)
		}
	})
	t.Run("already full", func(t *testing.T) {
		t.Parallel()
		p := newFile(t, "summary", strings.Repeat("x", MaxSummaryBytes-10))
		r := NewRunner(fileEnv{"GITHUB_STEP_SUMMARY": p}.get, &bytes.Buffer{})
		if _, err := r.AddSummary(strings.Repeat("y", 100)); err == nil {
			t.Error("AddSummary() into a full summary: no error")
		}
		if st, _ := os.Stat(p); st.Size() != MaxSummaryBytes-10 {
			t.Errorf("the full summary grew to %d bytes", st.Size())
		}
	})
}

func TestTruncateBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"héllo", 2, "h"},
		{"héllo", 3, "hé"},
		{"🚀🚀", 5, "🚀"},
		{"aaaaaaaa\nbb", 10, "aaaaaaaa\n"},
		{"a\nbbbbbbbbbbbb", 10, "a\nbbbbbbbb"},
	}
	for _, tt := range tests {
		if got := truncateBytes(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateBytes(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

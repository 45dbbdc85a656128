// Package action is everything notion-sync knows about the GitHub Actions
// runner: the inputs (INPUT_*), the event that triggered the run, the outputs
// (GITHUB_OUTPUT), the job summary (GITHUB_STEP_SUMMARY), annotations, masks,
// log groups and debug lines, and which sync an event asks for.
//
// It exists apart from the app so that the runner's rules are written once and
// tested against the runner's own parsing: outputs use a random heredoc
// delimiter (go-githubactions v1.3.0 uses a fixed one, so manifest text could
// forge outputs), annotations are escaped and capped as the runner caps them,
// and the summary never passes the 1 MiB above which the runner drops it whole.
// Nothing here reads os.Getenv or writes os.Stdout: the app passes getenv and
// the writers, so tests run in parallel.
package action

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sethvargo/go-githubactions"
)

// Limits the runner enforces (reference §2.2, §2.3).
const (
	// MaxSummaryBytes is the size above which the runner drops a step's whole
	// summary with an error.
	MaxSummaryBytes = 1024 * 1024
	// MaxAnnotations is how many annotations of one type (error, warning,
	// notice) the runner attaches to a step; it prints the rest as plain lines.
	MaxAnnotations = 10
	// maxMessage is where the runner cuts an annotation's message.
	maxMessage = 4096
)

// Annotation is one ::error or ::warning with the place it points at. File is
// workspace-relative (or a container path under the workspace, which the
// runner maps back); Line and Col are 1-based, 0 when unknown.
type Annotation struct {
	File    string
	Line    int
	Col     int
	Title   string
	Message string
}

// Runner writes workflow commands to the step's log and the environment files
// the runner reads after the step. It keeps GitHub's per-step annotation cap
// itself, so that the last annotation it writes can say how many were left
// out rather than have them vanish.
//
// The zero value is not usable; call NewRunner. A Runner is safe for
// concurrent use.
type Runner struct {
	getenv func(string) string
	rand   io.Reader

	mu      sync.Mutex
	out     io.Writer
	counts  map[string]int // annotations written, by command
	dropped map[string]int // annotations over the cap, by command
	err     error          // first write error on out
	stopped string         // the stop-commands token while commands are stopped; "" while they run
	midLine bool           // the last text written did not end its line
}

// NewRunner returns a Runner that writes commands to out (the step's stdout)
// and finds GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE and
// RUNNER_DEBUG through getenv.
func NewRunner(getenv func(string) string, out io.Writer) *Runner {
	return &Runner{getenv: getenv, out: out, rand: rand.Reader, counts: map[string]int{}, dropped: map[string]int{}}
}

// Err returns the first error met writing to the log, if any. Commands are
// fire-and-forget (a log that cannot be written has no one to tell), but the
// app checks Err once at the end.
func (r *Runner) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Debugging reports whether the run has debug logging on (RUNNER_DEBUG=1, set
// when the run is re-run with debug logging or ACTIONS_STEP_DEBUG is set).
func (r *Runner) Debugging() bool { return r.getenv("RUNNER_DEBUG") == "1" }

func (r *Runner) issue(name, msg string, props map[string]string) {
	cmd := githubactions.Command{Name: name, Message: msg, Properties: props}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resumeLocked()
	r.writeLocked(cmd.String() + "\n")
}

// resumeLocked ends a line of text left open and resumes workflow commands
// when Text stopped them, so that the command written next is processed.
func (r *Runner) resumeLocked() {
	if r.midLine {
		r.writeLocked("\n")
		r.midLine = false
	}
	if r.stopped != "" {
		r.writeLocked("::" + r.stopped + "::\n")
		r.stopped = ""
	}
}

func (r *Runner) writeLocked(s string) {
	if _, err := io.WriteString(r.out, s); err != nil && r.err == nil {
		r.err = fmt.Errorf("write workflow command: %w", err)
	}
}

// AddMask tells the runner to replace value with *** in the rest of the log,
// each of its lines too. Call it before anything could print the value. An
// empty value is skipped: the runner warns about it.
func (r *Runner) AddMask(value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	r.issue("add-mask", value, nil)
}

// Group starts a collapsed section of the log titled title; EndGroup ends it.
func (r *Runner) Group(title string) { r.issue("group", title, nil) }

// EndGroup ends the section Group started.
func (r *Runner) EndGroup() { r.issue("endgroup", "", nil) }

// Debugf writes a ::debug:: line, only when RUNNER_DEBUG=1: the runner hides
// them otherwise, and they are not worth the log's bytes.
func (r *Runner) Debugf(format string, a ...any) {
	if r.Debugging() {
		r.issue("debug", fmt.Sprintf(format, a...), nil)
	}
}

// Error writes an ::error annotation. The message and properties are escaped
// as the runner expects (%, CR and LF; in properties also : and ,), so text
// from a manifest cannot end the command or add properties. Past
// MaxAnnotations-1 errors, further ones are counted, and Flush reports them.
func (r *Runner) Error(a Annotation) { r.annotate("error", a) }

// Warning writes a ::warning annotation, capped as Error is.
func (r *Runner) Warning(a Annotation) { r.annotate("warning", a) }

// Notice writes a ::notice annotation, capped as Error is.
func (r *Runner) Notice(a Annotation) { r.annotate("notice", a) }

func (r *Runner) annotate(kind string, a Annotation) {
	r.mu.Lock()
	// The last slot is kept for the line that says how many were left out.
	if r.counts[kind] >= MaxAnnotations-1 {
		r.dropped[kind]++
		r.mu.Unlock()
		return
	}
	r.counts[kind]++
	r.mu.Unlock()
	props := map[string]string{}
	if a.File != "" {
		props["file"] = a.File
		if a.Line > 0 {
			props["line"] = strconv.Itoa(a.Line)
			if a.Col > 0 {
				props["col"] = strconv.Itoa(a.Col)
			}
		}
	}
	if a.Title != "" {
		props["title"] = cut(oneLine(a.Title), 200)
	}
	r.issue(kind, cut(a.Message, maxMessage), props)
}

// Flush writes, for each annotation type that went over the cap, one last
// annotation saying how many were left out and where to read them, and
// resumes workflow commands if Text stopped them. Call it once, at the end of
// the step.
func (r *Runner) Flush() {
	for _, kind := range []string{"error", "warning", "notice"} {
		r.mu.Lock()
		n := r.dropped[kind]
		r.dropped[kind] = 0
		r.mu.Unlock()
		if n == 0 {
			continue
		}
		what := map[string]string{"error": "errors", "warning": "warnings", "notice": "notices"}[kind]
		r.issue(kind, fmt.Sprintf("%d more %s not shown as annotations (GitHub shows %d per step): see the job summary", n, what, MaxAnnotations), nil)
	}
	// Leave commands running: the step must not end with them stopped.
	r.mu.Lock()
	r.resumeLocked()
	r.mu.Unlock()
}

// Text returns a writer for everything the step prints that is not a
// workflow command of its own: logs, reports and errors, any of which may
// carry repository text (a manifest value, a config key) made to look like a
// command. The runner reads both stdout and stderr for commands, the legacy
// "##[command]" form anywhere in a line, and splits lines at CR as well as
// LF, so escaping such text is brittle; instead, Text writes it to the same
// stream as the commands with commands stopped (::stop-commands::<random
// token>), and the Runner resumes them (::<token>::) only to issue one of its
// own. Since the stop, the text and the resume go through one pipe in order,
// nothing in the text can issue a command, whatever it holds.
//
// Call AddMask for the secrets before writing any text: masks are commands
// too. Without randomness for a token, Write prints nothing and fails. The
// writer is safe for concurrent use with the Runner's other methods.
func (r *Runner) Text() io.Writer { return textWriter{r} }

type textWriter struct{ r *Runner }

func (w textWriter) Write(p []byte) (int, error) {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if r.stopped == "" {
		token, err := r.token()
		if err != nil {
			return 0, fmt.Errorf("stop workflow commands: %w", err)
		}
		r.writeLocked("::stop-commands::" + token + "\n")
		r.stopped = token
	}
	r.writeLocked(string(p))
	r.midLine = p[len(p)-1] != '\n'
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

func (r *Runner) token() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r.rand, b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// outputName is what the runner accepts as an output name, in practice.
var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutput appends name=value to the file GITHUB_OUTPUT names, as a heredoc
// with a random delimiter that occurs nowhere in the value. A fixed delimiter
// (go-githubactions') lets a value that contains it on a line of its own end
// the heredoc early, and the lines after it become outputs of their own.
// GITHUB_OUTPUT must name an existing file, as the toolkit requires: a missing
// one means the runner will read no outputs, which must not pass silently.
func (r *Runner) SetOutput(name, value string) error {
	if !outputName.MatchString(name) {
		return fmt.Errorf("set output %q: not a valid output name", name)
	}
	return r.appendKV("GITHUB_OUTPUT", name, value)
}

// SetOutputs sets several outputs in one append, in the order of names.
func (r *Runner) SetOutputs(names []string, values map[string]string) error {
	for _, n := range names {
		if err := r.SetOutput(n, values[n]); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) appendKV(envVar, name, value string) error {
	path := r.getenv(envVar)
	if path == "" {
		return fmt.Errorf("set output %s: %s is not set (a runner older than 2.297.0, or not run by Actions)", name, envVar)
	}
	var delim string
	for {
		tok, err := r.token()
		if err != nil {
			return fmt.Errorf("set output %s: %w", name, err)
		}
		delim = "ghadelimiter_" + tok
		if !strings.Contains(value, delim) && !strings.Contains(name, delim) {
			break
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("set output %s: %w", name, err)
	}
	_, werr := fmt.Fprintf(f, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("set output %s: %w", name, err)
	}
	return nil
}

// ErrSummaryUnavailable is returned by AddSummary when GITHUB_STEP_SUMMARY is
// not set (old GHES runners): the caller warns and goes on.
var ErrSummaryUnavailable = errors.New("GITHUB_STEP_SUMMARY is not set: no job summary on this runner")

// AddSummary appends markdown to the step's summary file. The runner drops the
// whole summary when the file passes MaxSummaryBytes, so AddSummary cuts
// markdown (at a line break when it can) to fit with what the file already
// holds, and ends it with a note saying so. It reports whether it cut.
func (r *Runner) AddSummary(markdown string) (cut bool, err error) {
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return false, ErrSummaryUnavailable
	}
	var have int64
	if st, err := os.Stat(path); err == nil {
		have = st.Size()
	}
	if !strings.HasSuffix(markdown, "\n") {
		markdown += "\n"
	}
	const note = "\n\n> [!WARNING]\n> The summary was cut here: GitHub drops a step summary over 1 MiB. The plan artifact holds everything.\n"
	room := MaxSummaryBytes - int(have)
	if len(markdown) > room {
		cut = true
		keep := room - len(note)
		if keep < 0 {
			return true, fmt.Errorf("append job summary: the summary already holds %d bytes, the runner's limit is %d", have, MaxSummaryBytes)
		}
		markdown = truncateBytes(markdown, keep) + note
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return cut, fmt.Errorf("append job summary: %w", err)
	}
	_, werr := io.WriteString(f, markdown)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return cut, fmt.Errorf("append job summary: %w", err)
	}
	return cut, nil
}

// Summarize is AddSummary for a run that goes on whatever happens: a runner
// without a summary file gets a warning in log, any other failure, or a
// summary cut at MaxSummaryBytes, a warning annotation.
func (r *Runner) Summarize(markdown string, log *slog.Logger) {
	cut, err := r.AddSummary(markdown)
	switch {
	case errors.Is(err, ErrSummaryUnavailable):
		log.Warn("no job summary", "reason", err)
	case err != nil:
		r.Warning(Annotation{Title: "notion-sync: job summary", Message: err.Error()})
	case cut:
		r.Warning(Annotation{Title: "notion-sync: job summary", Message: "the job summary was cut at GitHub's 1 MiB: the plan artifact holds everything"})
	}
}

// RunURL is the run's page, where the job summary is; "" when the runner's
// variables do not name it.
func (r *Runner) RunURL() string {
	server, repo, id := r.getenv("GITHUB_SERVER_URL"), r.getenv("GITHUB_REPOSITORY"), r.getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + id
}

// truncateBytes returns at most n bytes of s, never cutting a UTF-8 sequence,
// and ending at a line break when one is in the last quarter.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// s[n] is the first byte left out: back off to the start of its rune.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '\n'); i >= 0 && i >= len(s)*3/4 {
		s = s[:i+1]
	}
	return s
}

// cut shortens s to at most n runes, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

package action

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/report"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// TestSyncOutputs: the counts of the summary, and has-changes only for a
// create, an update or an archive (a failure or a noop is no change).
func TestSyncOutputs(t *testing.T) {
	t.Parallel()
	got := SyncOutputs(report.Summary{Create: 1, Update: 2, Archive: 3, Noop: 4, Error: 5})
	want := map[string]string{"created": "1", "updated": "2", "archived": "3", "unchanged": "4", "failed": "5", "has-changes": "true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SyncOutputs (-want +got):\n%s", diff)
	}
	if got := SyncOutputs(report.Summary{Noop: 4, Error: 1})["has-changes"]; got != "false" {
		t.Errorf("has-changes of noops and a failure = %q, want false", got)
	}
	for name := range want {
		if !strings.Contains(" "+strings.Join(Outputs(), " ")+" ", " "+name+" ") {
			t.Errorf("SyncOutputs sets %s, which Outputs does not declare", name)
		}
	}
}

// TestRunURL: the run's page from the runner's variables, or "" when one is
// missing.
func TestRunURL(t *testing.T) {
	t.Parallel()
	vars := fileEnv{"GITHUB_SERVER_URL": "https://github.example/", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42"}
	if got := NewRunner(vars.get, &bytes.Buffer{}).RunURL(); got != "https://github.example/o/r/actions/runs/42" {
		t.Errorf("RunURL() = %q", got)
	}
	delete(vars, "GITHUB_RUN_ID")
	if got := NewRunner(vars.get, &bytes.Buffer{}).RunURL(); got != "" {
		t.Errorf("RunURL() without GITHUB_RUN_ID = %q, want \"\"", got)
	}
}

// TestSummarize: a runner without a summary file is a log warning, a summary
// that is cut or cannot be written a warning annotation, and a good one
// neither.
func TestSummarize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		vars      fileEnv
		markdown  string
		annotated string // in the step's output
		logged    string
	}{
		{"written", fileEnv{"GITHUB_STEP_SUMMARY": newFile(t, "s", "")}, "## ok", "", ""},
		{"no summary file", fileEnv{}, "## ok", "", "no job summary"},
		{"cut", fileEnv{"GITHUB_STEP_SUMMARY": newFile(t, "s", "")}, strings.Repeat("x\n", MaxSummaryBytes), "the job summary was cut at GitHub's 1 MiB", ""},
		{"full", fileEnv{"GITHUB_STEP_SUMMARY": newFile(t, "s", strings.Repeat("x", MaxSummaryBytes))}, "## more", "::warning title=notion-sync%3A job summary::append job summary", ""},
	}
	for _, tt := range tests {
		var out, log bytes.Buffer
		NewRunner(tt.vars.get, &out).Summarize(tt.markdown, slog.New(slog.NewTextHandler(&log, nil)))
		if tt.annotated == "" && out.Len() > 0 || !strings.Contains(out.String(), tt.annotated) {
			t.Errorf("%s: step output %q, want %q", tt.name, out.String(), tt.annotated)
		}
		if tt.logged == "" && log.Len() > 0 || !strings.Contains(log.String(), tt.logged) {
			t.Errorf("%s: log %q, want %q", tt.name, log.String(), tt.logged)
		}
	}
}

// TestNewChangeFinder: the finder takes the inputs and the runner's
// variables; a GitHub client only with a github-token.
func TestNewChangeFinder(t *testing.T) {
	t.Parallel()
	vars := fileEnv{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_WORKFLOW_REF": "o/r/.github/workflows/s.yml@refs/heads/main",
		"GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": "42", "GITHUB_API_URL": "https://api.github.com"}
	ev := Event{Name: "push"}
	log := slog.New(slog.DiscardHandler)
	f := NewChangeFinder(vars.get, "/ws", ev, Inputs{Before: "b", After: "a"}, log)
	want := ChangeFinder{Workspace: "/ws", Event: ev, Before: "b", After: "a", ServerURL: "https://github.com",
		WorkflowRef: "o/r/.github/workflows/s.yml@refs/heads/main", Branch: "main", RunID: 42}
	if f.Log != log {
		t.Error("the finder does not log to the logger it was given")
	}
	f.Log = nil
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("without a token (-want +got):\n%s", diff)
	}
	f = NewChangeFinder(vars.get, "/ws", ev, Inputs{GitHubToken: secret.Token("ghs_x")}, log)
	if f.GitHub == nil || f.Token != "ghs_x" {
		t.Errorf("with a token: GitHub %v, Token set %v", f.GitHub, f.Token != "")
	}
}

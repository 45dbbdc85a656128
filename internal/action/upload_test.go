package action

import (
	"bytes"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/report"
)

func TestArtifactName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		env   fileEnv
		want  string
	}{
		{"mine", fileEnv{"GITHUB_JOB": "sync"}, "mine"},
		{"", fileEnv{}, "notion-sync"},
		{"", fileEnv{"GITHUB_JOB": "sync", "GITHUB_RUN_ATTEMPT": "2"}, "notion-sync-sync-2"},
		{"", fileEnv{"GITHUB_JOB": `a/b:c"d`, "GITHUB_RUN_ATTEMPT": "1"}, "notion-sync-a_b_c_d-1"},
	}
	for _, tt := range tests {
		if got := ArtifactName(tt.input, tt.env.get); got != tt.want {
			t.Errorf("ArtifactName(%q, %v) = %q, want %q", tt.input, tt.env, got, tt.want)
		}
	}
}

// TestUploadWarnings: a link committed at a path is never uploaded, and
// without the runtime's variables the files stay where they are, named.
func TestUploadWarnings(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "environ"), "NOTION_TOKEN=secret_fake")
	mustWrite(t, filepath.Join(ws, "artifacts", "plan.json"), "{}")
	mustSymlink(t, filepath.Join(outside, "environ"), filepath.Join(ws, "artifacts", "ledger.jsonl"))
	var out bytes.Buffer
	r := NewRunner(fileEnv{}.get, &out)
	id, link := r.Upload(t.Context(), "notion-sync", slog.New(slog.NewTextHandler(io.Discard, nil)),
		OwnFiles(ws, filepath.Join(ws, "artifacts", "plan.json"), filepath.Join(ws, "artifacts", "ledger.jsonl"), filepath.Join(ws, "artifacts", "gone.log")))
	r.Flush()
	if id != 0 || link != "" {
		t.Errorf("Upload() = %d, %q without a results service, want nothing", id, link)
	}
	got := out.String()
	for _, want := range []string{
		"::warning title=notion-sync%3A not uploaded::not a plain file of the workspace: ",
		"artifacts/ledger.jsonl is a symbolic link",
		"::warning title=notion-sync%3A no artifact::ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing (GHES, or not a container action): the files stay at artifacts/plan.json;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret_fake") || strings.Contains(got, "gone.log") {
		t.Errorf("output names what it must not:\n%s", got)
	}
}

func TestAnnotateFailures(t *testing.T) {
	t.Parallel()
	p := report.Plan{Changes: []report.Change{
		{Action: report.ActionError, Module: "broken", Path: "broken/module.manifest.json", Line: 3, Column: 5,
			Error: "broken/module.manifest.json:3:5: invalid character"},
		{Action: report.ActionError, Path: "other/module.manifest.json", Error: "no key"},
		{Action: report.ActionCreate, Module: "fine", Path: "fine/module.manifest.json"},
	}}
	for _, tt := range []struct {
		asError bool
		kind    string
	}{{true, "error"}, {false, "warning"}} {
		var out bytes.Buffer
		r := NewRunner(fileEnv{}.get, &out)
		r.AnnotateFailures(p, tt.asError)
		r.Flush()
		want := "::" + tt.kind + " col=5,file=broken/module.manifest.json,line=3,title=Notion sync failed%3A broken::invalid character\n" +
			"::" + tt.kind + " file=other/module.manifest.json,title=Notion sync failed%3A other/module.manifest.json::no key\n"
		if out.String() != want {
			t.Errorf("asError %v:\ngot  %q\nwant %q", tt.asError, out.String(), want)
		}
	}
}

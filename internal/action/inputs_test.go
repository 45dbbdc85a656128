package action

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// inputsEnv is a getenv that serves with: values as the runner exports them.
func inputsEnv(with map[string]string) func(string) string {
	env := map[string]string{}
	for k, v := range with {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	return func(k string) string { return env[k] }
}

func TestReadInputsDefaults(t *testing.T) {
	t.Parallel()
	got, err := ReadInputs(inputsEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		Mode: ModeAuto, Scope: ScopeAuto, MaxRetries: 5, RateLimit: 3, Concurrency: 3,
		Comment: true, UploadArtifact: true, FailOnError: true, MaxArchiveShare: 0.1,
		LedgerPath: DefaultLedgerPath, PlanPath: DefaultPlanPath,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadInputs() mismatch (-want +got):\n%s", diff)
	}
}

func TestReadInputsAllSet(t *testing.T) {
	t.Parallel()
	got, err := ReadInputs(inputsEnv(map[string]string{
		"notion-token": " ntn_secret ", "database-id": "0123456789abcdef0123456789abcdef",
		"mode": "Plan", "scope": "all", "config": "./ci/notion.yml", "dry-run": "TRUE",
		"on-delete": "ignore", "create-if-missing": "True", "batch-size": "20", "batch-delay": "1.5",
		"max-retries": "0", "rate-limit": "2.5", "concurrency": "4", "github-token": "ghs_x",
		"comment": "false", "upload-artifact": "False", "artifact-name": "ledger-${job}",
		"ledger-path": "out/ledger.jsonl", "plan-path": "out/plan.json", "fail-on-error": "false",
		"before": "abc123", "after": "def456", "allow-mass-archive": "true", "max-archive-share": "0.25", "notion-version": "2026-03-11",
		"data-source-id": "https://www.notion.so/ws/1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d?v=1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Inputs{
		NotionToken: "ntn_secret", DatabaseID: "0123456789abcdef0123456789abcdef",
		Mode: ModePlan, Scope: ScopeAll, Config: "./ci/notion.yml", DryRun: true, OnDelete: "ignore",
		CreateIfMissing: true, BatchSize: 20, BatchDelay: 1500 * time.Millisecond, MaxRetries: 0,
		RateLimit: 2.5, Concurrency: 4, GitHubToken: "ghs_x", ArtifactName: "ledger-${job}",
		LedgerPath: "out/ledger.jsonl", PlanPath: "out/plan.json", Before: "abc123", After: "def456",
		AllowMassArchive: true, MaxArchiveShare: 0.25, NotionVersion: "2026-03-11", DataSourceID: "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadInputs() mismatch (-want +got):\n%s", diff)
	}
}

func TestReadInputsDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"10", 10 * time.Second},
		{"0", 0},
		{"0.25", 250 * time.Millisecond},
		{"10s", 10 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"1m30s", 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ReadInputs(inputsEnv(map[string]string{"batch-delay": tt.in}))
			if err != nil {
				t.Fatal(err)
			}
			if got.BatchDelay != tt.want {
				t.Errorf("batch-delay %q = %v, want %v", tt.in, got.BatchDelay, tt.want)
			}
		})
	}
}

// TestReadInputsErrors checks that each bad input is refused with its name and a
// fix, and that several bad inputs are all reported at once.
func TestReadInputsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, value string
		want         string // in the message
	}{
		{"mode", "deploy", "is not one of auto, sync, plan, verify, audit, preflight, health, schema-apply"},
		{"scope", "some", "is not one of auto, changed, all"},
		{"on-delete", "delete", "is not one of archive, ignore"},
		{"dry-run", "yes", "use true or false"},
		{"comment", "1", "use true or false"},
		{"batch-size", "ten", "is not a whole number"},
		{"batch-size", "-1", "is below 0"},
		{"concurrency", "0", "is below 1"},
		{"max-retries", "2.5", "is not a whole number"},
		{"rate-limit", "0", "0 is below 0.01 requests per second"},
		{"rate-limit", "1e-300", "1e-300 is below 0.01 requests per second"},
		{"rate-limit", "NaN", "NaN is not a number of requests per second"},
		{"max-archive-share", "1.5", "1.5 is not a share of the pages"},
		{"max-archive-share", "lots", "\"lots\" is not a number"},
		{"rate-limit", "fast", "is not a number of requests per second"},
		{"max-retries", "-1", "-1 is below 0"},
		{"batch-delay", "-3", "-3s is negative"},
		{"batch-delay", "soon", "is not a duration"},
		{"notion-token", "ntn_x\nntn_y", "the Notion token is malformed: it holds a line break at character 6"},
		{"ledger-path", "/tmp/ledger.jsonl", "is absolute"},
		{"plan-path", "../plan.json", "leaves the workspace"},
		{"config", "a/../../x.yml", "leaves the workspace"},
		{"plan-path", ".", "names the workspace itself"},
		{"artifact-name", "a/b", "which artifact names may not"},
		{"before", "--upload-pack=x", "is not a commit"},
		{"after", "a..b", "is not a commit"},
	}
	for _, tt := range tests {
		t.Run(tt.input+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := ReadInputs(inputsEnv(map[string]string{tt.input: tt.value}))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ReadInputs() error = %v, want an *InputError", err)
			}
			if ie.Input != tt.input || !strings.Contains(ie.Msg, tt.want) {
				t.Errorf("error = %q, want input %s and %q", err, tt.input, tt.want)
			}
		})
	}

	_, err := ReadInputs(inputsEnv(map[string]string{"mode": "x", "dry-run": "x", "concurrency": "x"}))
	var names []string
	for _, e := range unjoinAll(err) {
		var ie *InputError
		if errors.As(e, &ie) {
			names = append(names, ie.Input)
		}
	}
	if diff := cmp.Diff([]string{"mode", "dry-run", "concurrency"}, names); diff != "" {
		t.Errorf("inputs reported (-want +got):\n%s", diff)
	}
}

// TestReadInputsNeverEchoesTokens checks that a bad token-like value given to
// another input is not what makes the tokens print: tokens are Secrets.
func TestReadInputsNeverEchoesTokens(t *testing.T) {
	t.Parallel()
	in, _ := ReadInputs(inputsEnv(map[string]string{"notion-token": "ntn_abc", "github-token": "ghs_def"}))
	for _, s := range []string{fmt.Sprint(in), fmt.Sprintf("%+v", in), fmt.Sprintf("%#v", in), fmt.Sprintf("%q %x", in.NotionToken, in.GitHubToken)} {
		if strings.Contains(s, "ntn_abc") || strings.Contains(s, "ghs_def") {
			t.Errorf("formatted inputs show a token: %s", s)
		}
	}
	if in.NotionToken.Reveal() != "ntn_abc" {
		t.Errorf("Reveal() = %q", in.NotionToken.Reveal())
	}
}

func unjoinAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestReadInputsHyphensKept checks the runner's naming: `dry-run` arrives as
// INPUT_DRY-RUN, and INPUT_DRY_RUN is some other input.
func TestReadInputsHyphensKept(t *testing.T) {
	t.Parallel()
	env := map[string]string{"INPUT_DRY_RUN": "true", "INPUT_FAIL-ON-ERROR": "false"}
	got, err := ReadInputs(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.DryRun || got.FailOnError {
		t.Errorf("DryRun = %v, FailOnError = %v; want false, false", got.DryRun, got.FailOnError)
	}
}

package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// harness is one repository, one emulated database, and the artifacts folder.
type harness struct {
	t    *testing.T
	srv  *emulator.Server
	db   string
	repo string
	art  string
}

// resolveCalls is the GET /v1/databases/{id} that finds the database's data
// source before any schema read or query, under the default Notion-Version
// 2025-09-03 (notion-api.md §8).
const resolveCalls = 1

func newHarness(t *testing.T, opts emulator.Options) *harness {
	t.Helper()
	srv := notiontest.NewServer(t, opts)
	db, err := srv.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := &harness{t: t, srv: srv, db: db, repo: filepath.Join(dir, "repo"), art: filepath.Join(dir, "artifacts")}
	if err := copyTree(filepath.Join("..", "..", "testdata", "example"), h.repo); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) getenv(k string) string {
	switch k {
	case "NOTION_API_TOKEN":
		return h.srv.Token()
	case "NOTION_DATABASE_ID":
		return h.db
	case "NOTION_API_BASE_URL":
		return h.srv.URL()
	}
	return ""
}

// run runs one command against the harness and returns its exit code and output.
func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{args[0]}, "--repo", h.repo)
	if args[0] == "sync" {
		full = append(full, "--plan", h.path("plan.json"), "--ledger", h.path("ledger.jsonl"))
	}
	// The emulator here has no rate limit; the client's own pacing is tested in internal/notion.
	full = append(full, "--audit-log", h.path("audit.log"), "--backoff", "1ms", "--rate-limit", "1000")
	full = append(full, args[1:]...)
	code := Main(h.t.Context(), full, h.getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// mustRun runs a command through the harness and fails the test unless it exits 0.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	code, out, errOut := h.run(args...)
	if code != ExitOK {
		h.t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// initGit makes the harness's repository a git repository, with no commit yet.
func (h *harness) initGit() *git.Repository {
	h.t.Helper()
	repo, err := git.PlainInit(h.repo, false)
	if err != nil {
		h.t.Fatal(err)
	}
	return repo
}

func (h *harness) path(name string) string { return filepath.Join(h.art, name) }

// live returns the database's unarchived pages by key; it fails on duplicates.
func (h *harness) live() map[string]emulator.Page {
	h.t.Helper()
	out := map[string]emulator.Page{}
	for _, p := range h.srv.Pages(h.db) {
		if p.Archived {
			continue
		}
		key := p.PlainText("Module")
		if _, dup := out[key]; dup {
			h.t.Errorf("duplicate pages for key %q", key)
		}
		out[key] = p
	}
	return out
}

func (h *harness) writes() int {
	return h.srv.Count("POST", "/v1/pages") + h.srv.Count("PATCH", "/v1/pages/{id}")
}

func (h *harness) seed(props string) string {
	h.t.Helper()
	id, err := h.srv.SeedPage(h.db, json.RawMessage(props))
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

func exampleKeys(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("..", "..", "testdata", "example"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Name())
	}
	return keys
}

// TestSyncUnderFaults is the end-to-end check of issue 3: a full sync through 429
// bursts, 5xx answers and creates that are stored but answered with an error
// leaves exactly one page per manifest with the manifest's values, never touches
// a column the config does not name, and a second sync writes nothing.
func TestSyncUnderFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	human := h.seed(`{"Module":{"title":[{"text":{"content":"identity"}}]},"Notes":{"rich_text":[{"text":{"content":"reviewed by Ana"}}]}}`)
	handmade := h.seed(`{"Module":{"title":[{"text":{"content":"roadmap"}}]}}`)
	gone := h.seed(`{"Module":{"title":[{"text":{"content":"legacy"}}]},"Manifest":{"rich_text":[{"text":{"content":"legacy/module.manifest.json"}}]}}`)

	h.srv.FailNext(3, emulator.Fault{Route: "POST /v1/pages", Status: 429, RetryAfter: -1})
	h.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Status: 502, Commit: true})
	h.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Status: 504, Commit: true, HTML: true})
	h.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Reset: true, Commit: true})
	h.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Partial: true})
	h.srv.FailNext(1, emulator.Fault{Route: "POST /v1/pages", Status: 500})
	h.srv.FailNext(2, emulator.Fault{Route: "PATCH /v1/pages/{id}", Status: 503, HTML: true})
	h.srv.FailNext(1, emulator.Fault{Route: "/v1/databases/{id}/query", Status: 502})

	code, out, errOut := h.run("sync", "--all")
	if code != ExitOK {
		t.Fatalf("sync --all exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	live := h.live()
	for _, key := range exampleKeys(t) {
		if _, ok := live[key]; !ok {
			t.Errorf("no page for module %s", key)
		}
	}
	if live["identity"].ID != human {
		t.Errorf("identity synced into page %s, want the existing page %s", live["identity"].ID, human)
	}
	if got := live["identity"].PlainText("Notes"); got != "reviewed by Ana" {
		t.Errorf("Notes = %q: a column outside the config was touched", got)
	}
	if _, ok := live["roadmap"]; !ok || live["roadmap"].ID != handmade {
		t.Error("a page the sync did not create was archived")
	}
	if p, _ := h.srv.Page(gone); !p.Archived {
		t.Error("the page of a manifest that is gone was not archived")
	}
	if got := len([]rune(live["quantum"].PlainText("Description"))); got != 3000 {
		t.Errorf("quantum description has %d characters, want all 3000", got)
	}
	if got := live["matriz"].PlainText("Tags"); !strings.Contains(got, "pipeline; experimental") {
		t.Errorf("matriz tags = %q, want the comma replaced", got)
	}
	if got := live["consciousness"].PlainText("MQI"); got != "92.3" {
		t.Errorf("consciousness MQI = %q, want 92.3", got)
	}

	h.srv.ResetRequests()
	code, out, errOut = h.run("sync", "--all")
	if code != ExitOK {
		t.Fatalf("second sync exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.writes(); n != 0 {
		t.Errorf("second sync made %d writes, want 0", n)
	}
	if n := len(h.srv.Requests()); n > 3 {
		t.Errorf("second sync made %d calls, want at most ceil(%d/100)+2", n, len(live))
	}
	if err := ledger.Verify(h.path("ledger.jsonl")); err != nil {
		t.Errorf("ledger chain: %v", err)
	}
	records, err := ledger.Read(h.path("ledger.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lossRecorded := false
	for _, r := range records {
		if r.Module == "matriz" && r.Action == "create" && strings.Contains(strings.Join(r.Warnings, " "), "commas") {
			lossRecorded = true
		}
	}
	if !lossRecorded {
		t.Error("the ledger does not record the comma replaced in matriz's tags")
	}
	assertNoToken(t, h, out+errOut)
}

// assertNoToken checks that the token appears in no output and no artifact.
func assertNoToken(t *testing.T, h *harness, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, h.srv.Token()) {
			t.Error("the token appears in the command's output")
		}
	}
	for _, name := range []string{"plan.json", "ledger.jsonl", "audit.log"} {
		data, err := os.ReadFile(h.path(name))
		if err != nil {
			t.Errorf("artifact %s: %v", name, err)
			continue
		}
		if bytes.Contains(data, []byte(h.srv.Token())) {
			t.Errorf("the token appears in %s", name)
		}
	}
}

func TestSyncModuleAndDryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})

	code, out, errOut := h.run("sync", "--all", "--dry-run")
	if code != ExitOK {
		t.Fatalf("dry run exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.writes(); n != 0 {
		t.Errorf("dry run made %d writes", n)
	}
	plan, err := report.ReadPlan(h.path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(exampleKeys(t)); plan.Summary.Create != want || !plan.DryRun {
		t.Errorf("dry-run plan: %+v, want %d creates", plan.Summary, want)
	}

	h.srv.ResetRequests()
	code, out, errOut = h.run("sync", "--module", "memory")
	if code != ExitOK {
		t.Fatalf("sync --module exit %d\n%s\n%s", code, out, errOut)
	}
	if got := len(h.live()); got != 1 {
		t.Errorf("--module memory left %d pages, want 1", got)
	}
	if n := len(h.srv.Requests()); n != 3+resolveCalls {
		t.Errorf("--module made %d calls, want %d (database, schema, one filtered query, one create)", n, 3+resolveCalls)
	}
	if !strings.Contains(out, "memory") {
		t.Errorf("output does not name the module:\n%s", out)
	}

	code, _, errOut = h.run("sync", "--module", "nope")
	if code != ExitUsage || !strings.Contains(errOut, `"nope"`) {
		t.Errorf("unknown module: exit %d, stderr %q", code, errOut)
	}
}

func TestSyncBrokenManifestFailsAlone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	broken := filepath.Join(h.repo, "broken", "module.manifest.json")
	if err := os.MkdirAll(filepath.Dir(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte("{\n  \"module\": \"broken\",\n  \"tags\": [\"a\",]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run("sync", "--all")
	if code != ExitProblems {
		t.Errorf("exit %d, want %d", code, ExitProblems)
	}
	if !strings.Contains(out, "broken/module.manifest.json:3") {
		t.Errorf("output does not point at the broken line:\n%s", out)
	}
	if got, want := len(h.live()), len(exampleKeys(t)); got != want {
		t.Errorf("%d pages, want the %d good modules", got, want)
	}
	if err := ledger.Verify(h.path("ledger.jsonl")); err != nil {
		t.Errorf("ledger chain: %v", err)
	}
}

func TestSyncUpdateManifestAndStalePageID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	h.mustRun("sync", "--module", "dream", "--update-manifest")
	m, err := manifest.Load(h.repo, "dream/module.manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		PageID string `json:"notion_page_id"`
	}
	if err := json.Unmarshal(m.Raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.PageID != h.live()["dream"].ID {
		t.Fatalf("notion_page_id = %q, want %q", got.PageID, h.live()["dream"].ID)
	}
	h.srv.ResetRequests()
	if code, out, errOut := h.run("sync", "--module", "dream"); code != ExitOK || h.writes() != 0 {
		t.Fatalf("sync after --update-manifest: exit %d, %d writes\n%s\n%s", code, h.writes(), out, errOut)
	}

	// The page is deleted in Notion: the runbook's 404, then --create-if-missing.
	if _, err := h.srv.SeedPage(h.db, json.RawMessage(`{"Module":{"title":[{"text":{"content":"x"}}]}}`)); err != nil {
		t.Fatal(err)
	}
	archiveAll(t, h)
	code, out, _ := h.run("sync", "--module", "dream")
	if code != ExitProblems || !strings.Contains(out, "Page not found (page_id: "+got.PageID) {
		t.Errorf("stale page id: exit %d, want %d and the runbook's message:\n%s", code, ExitProblems, out)
	}
	h.mustRun("sync", "--module", "dream", "--create-if-missing", "--update-manifest")
	if len(h.live()) != 1 {
		t.Errorf("want one live page after --create-if-missing, got %d", len(h.live()))
	}
}

func archiveAll(t *testing.T, h *harness) {
	t.Helper()
	for _, p := range h.srv.Pages(h.db) {
		req := map[string]any{"archived": true}
		body, _ := json.Marshal(req)
		r, err := newRequest(h, "PATCH", "/v1/pages/"+p.ID, body)
		if err != nil {
			t.Fatal(err)
		}
		if r.StatusCode != 200 {
			t.Fatalf("archive %s: %d", p.ID, r.StatusCode)
		}
		r.Body.Close()
	}
}

// TestSyncChanged builds a real git history: a sync --changed after a commit that
// edits one manifest and deletes another writes one update and one archive, and
// reads with filtered queries only.
func TestSyncChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "initial")
	h.mustRun("sync", "--all")
	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(h.repo, "dream")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "edit memory, drop dream")
	h.srv.ResetRequests()
	code, out, errOut := h.run("sync", "--changed", "--since", "HEAD~1")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	plan, err := report.ReadPlan(h.path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := report.Summary{Update: 1, Archive: 1}
	if diff := cmp.Diff(want, plan.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if got := h.live()["memory"].PlainText("Description"); got != "Rewritten memory" {
		t.Errorf("memory description = %q", got)
	}
	if _, ok := h.live()["dream"]; ok {
		t.Error("dream's page is still live after its manifest was deleted")
	}
	if n := len(h.srv.Requests()); n != 5+resolveCalls {
		t.Errorf("--changed made %d calls, want %d (database, schema, 2 filtered queries, update, archive)", n, 5+resolveCalls)
	}
}

func commitAll(t *testing.T, repo *git.Repository, msg string) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := wt.Commit(msg, &git.CommitOptions{Author: sig, AllowEmptyCommits: true}); err != nil {
		t.Fatal(err)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	dir := filepath.Join(t.TempDir(), "demo")
	code := Main(t.Context(), []string{"demo", "--fast", "--example", filepath.Join("..", "..", "testdata", "example"), "--out", dir},
		func(string) string { return "" }, &out, &errOut)
	if code != ExitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, f := range []string{"notion_sync_plan.json", "notion_sync_ledger.jsonl", "notion_api_audit.log"} {
		if _, err := os.Stat(filepath.Join(dir, "artifacts", f)); err != nil {
			t.Errorf("demo left no %s: %v", f, err)
		}
	}
}

// newRequest sends a raw request to the emulator, as a person in the Notion UI
// would change things behind the sync's back.
func newRequest(h *harness, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(h.t.Context(), method, h.srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+h.srv.Token())
	req.Header.Set("Notion-Version", "2022-06-28")
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// TestSyncChangedDuplicateKey: a new manifest that copies the key of an unchanged
// one must not take over that module's page in a partial sync.
func TestSyncChangedDuplicateKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "initial")
	h.mustRun("sync", "--all")
	copyPath := filepath.Join(h.repo, "labs", "memory", "module.manifest.json")
	if err := os.MkdirAll(filepath.Dir(copyPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, []byte(`{"module": "memory", "description": "a stale copy"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "copy memory into labs")
	h.srv.ResetRequests()
	code, out, _ := h.run("sync", "--changed")
	if code != ExitProblems || !strings.Contains(out, `duplicate key "memory": also used by memory/module.manifest.json`) {
		t.Errorf("exit %d, want %d and the duplicate named:\n%s", code, ExitProblems, out)
	}
	if n := h.writes(); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
	if got := h.live()["memory"].PlainText("Description"); got == "a stale copy" {
		t.Error("the copy overwrote the module's page")
	}
}

// TestSyncPageOfAnotherDatabase: a notion_page_id copied from a staging database
// must never make a sync write into that database.
func TestSyncPageOfAnotherDatabase(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	other, err := h.srv.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := h.srv.SeedPage(other, json.RawMessage(`{"Module":{"title":[{"text":{"content":"memory"}}]},"Description":{"rich_text":[{"text":{"content":"staging"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(h.repo, "memory/module.manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := manifest.SetField(m.Raw, "notion_page_id", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if err := manifest.WriteFile(h.repo, "memory/module.manifest.json", raw); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run("sync", "--module", "memory")
	if code != ExitProblems || !strings.Contains(out, "is a page of database") {
		t.Errorf("exit %d, want %d and the other database named:\n%s", code, ExitProblems, out)
	}
	if p, _ := h.srv.Page(foreign); p.PlainText("Description") != "staging" {
		t.Errorf("the page of the other database was written: %q", p.PlainText("Description"))
	}
}

// TestSyncChangedDeleteKeepsSharedKey: deleting one of two folders that used to
// hold the module moves the page to the remaining manifest; it is not archived.
func TestSyncChangedDeleteKeepsSharedKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "initial")
	h.mustRun("sync", "--all")
	before := h.live()["memory"].ID
	// memory/ moves to labs/memory/ by a delete and an unrelated add.
	if err := os.MkdirAll(filepath.Join(h.repo, "labs", "memory"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.repo, "labs", "memory", "module.manifest.json"), []byte(`{"module": "memory", "description": "moved"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "add labs copy")
	if err := os.RemoveAll(filepath.Join(h.repo, "memory")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "drop the old folder")
	h.mustRun("sync", "--changed")
	p, ok := h.live()["memory"]
	if !ok || p.ID != before {
		t.Fatalf("memory's page %s was archived or replaced (live: %v)", before, ok)
	}
	if got := p.PlainText("Manifest"); got != "labs/memory/module.manifest.json" {
		t.Errorf("Manifest = %q, want the remaining manifest's path", got)
	}
}

// TestSyncChangedFallsBackToFull: without a base to diff from (a first commit),
// --changed syncs everything, archives included.
func TestSyncChangedFallsBackToFull(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	gone := h.seed(`{"Module":{"title":[{"text":{"content":"legacy"}}]},"Manifest":{"rich_text":[{"text":{"content":"legacy/module.manifest.json"}}]}}`)
	repo := h.initGit()
	commitAll(t, repo, "only commit")
	code, out, errOut := h.run("sync", "--changed")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if p, _ := h.srv.Page(gone); !p.Archived {
		t.Error("the full sync --changed fell back to did not archive the page of a gone manifest")
	}
	if !strings.Contains(errOut, "syncing every manifest instead") {
		t.Errorf("the fallback is not said:\n%s", errOut)
	}
}

func TestSyncAutoBackfillEdges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	broken := filepath.Join(h.repo, "broken", "module.manifest.json")
	if err := os.MkdirAll(filepath.Dir(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte(`{"module": `), 0o644); err != nil {
		t.Fatal(err)
	}
	memory := filepath.Join(h.repo, "memory", "module.manifest.json")
	orig, err := os.ReadFile(memory)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := h.run("sync", "--all", "--auto-backfill", "--dry-run"); code != ExitProblems {
		t.Errorf("dry run: exit %d, want %d for the broken manifest", code, ExitProblems)
	}
	if now, _ := os.ReadFile(memory); !bytes.Equal(now, orig) {
		t.Error("--auto-backfill edited a manifest during a dry run")
	}
	code, out, _ := h.run("sync", "--all", "--auto-backfill", "--json")
	if code != ExitProblems {
		t.Errorf("exit %d, want %d: one broken manifest fails that module only", code, ExitProblems)
	}
	var res struct {
		Plan report.Plan `json:"plan"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if res.Plan.Summary.Create != 12 || res.Plan.Summary.Error != 1 {
		t.Errorf("summary %+v, want 12 creates and 1 error", res.Plan.Summary)
	}
	if now, _ := os.ReadFile(memory); bytes.Equal(now, orig) {
		t.Error("--auto-backfill did not hydrate the good manifests")
	}
}

// TestConcurrentSyncsMakeNoDuplicates: a hook's background sync and a manual one
// at the same moment must not both create the same pages.
func TestConcurrentSyncsMakeNoDuplicates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{Latency: 2 * time.Millisecond})
	codes := make(chan int, 2)
	for range 2 {
		go func() {
			var out, errOut bytes.Buffer
			codes <- Main(t.Context(), []string{"sync", "--all", "--repo", h.repo, "--plan", h.path("plan.json"),
				"--ledger", h.path("ledger.jsonl"), "--audit-log", h.path("audit.log"), "--rate-limit", "1000"}, h.getenv, &out, &errOut)
		}()
	}
	for range 2 {
		if code := <-codes; code != ExitOK {
			t.Errorf("exit %d", code)
		}
	}
	if got, want := len(h.live()), len(exampleKeys(t)); got != want {
		t.Errorf("%d pages, want %d", got, want)
	}
	if err := ledger.Verify(h.path("ledger.jsonl")); err != nil {
		t.Errorf("ledger chain: %v", err)
	}
}

// TestSyncAsyncChecksFirst: a hook's background sync that cannot run must say so
// at once, not only in its log file.
func TestSyncAsyncChecksFirst(t *testing.T) {
	t.Parallel()
	repo := filepath.Join(t.TempDir(), "repo")
	if err := copyTree(filepath.Join("..", "..", "testdata", "example"), repo); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no token", map[string]string{"NOTION_DATABASE_ID": "0123456789abcdef0123456789abcdef"}, "no Notion token"},
		{"bad database id", map[string]string{"NOTION_API_TOKEN": "secret_x", "NOTION_DATABASE_ID": "secret_x"}, "is not a Notion database id"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		code := Main(t.Context(), []string{"sync", "--changed", "--async", "--repo", repo}, func(k string) string { return tt.env[k] }, &out, &out)
		if code != ExitUsage || !strings.Contains(out.String(), tt.want) || strings.Contains(out.String(), "queued") {
			t.Errorf("%s: exit %d, output %q; want exit 2 naming %q and nothing queued", tt.name, code, out.String(), tt.want)
		}
		if strings.Contains(out.String(), "secret_x") {
			t.Errorf("%s: the token was echoed", tt.name)
		}
	}
}

// TestSyncChangedCommittedOnly: the post-commit hook syncs what was committed, not
// edits still in the working tree.
func TestSyncChangedCommittedOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "initial")
	h.mustRun("sync", "--all")
	if err := editDescription(h.repo, "memory/module.manifest.json", "committed"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "edit memory")
	if err := editDescription(h.repo, "emotion/module.manifest.json", "WIP, not committed"); err != nil {
		t.Fatal(err)
	}
	h.mustRun("sync", "--changed", "--committed-only")
	live := h.live()
	if got := live["memory"].PlainText("Description"); got != "committed" {
		t.Errorf("memory = %q, want the committed edit", got)
	}
	if got := live["emotion"].PlainText("Description"); got == "WIP, not committed" {
		t.Error("an uncommitted edit was synced with --committed-only")
	}
}

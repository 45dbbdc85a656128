package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/restore"
)

// liveValues is every live page's properties as plain text, by key: what a
// restore must bring back.
func (h *harness) liveValues() map[string]map[string]string {
	h.t.Helper()
	out := map[string]map[string]string{}
	for key, p := range h.live() {
		vals := map[string]string{}
		for name := range p.Properties {
			vals[name] = p.PlainText(name)
		}
		out[key] = vals
	}
	return out
}

func head(t *testing.T, repo *git.Repository) string {
	t.Helper()
	ref, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	return ref.Hash().String()
}

func ledgerLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// patchPage edits a page as a person in Notion would.
func patchPage(h *harness, path, body string) {
	h.t.Helper()
	resp, err := newRequest(h, http.MethodPatch, path, []byte(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("PATCH %s: %d %s", path, resp.StatusCode, b)
	}
}

// syncedHistory builds the runbook's rollback scenario: a good sync at sha A, then
// an edit (B), a new module and a second edit of the same module (B2), and a
// deleted module (B3), each synced.
func syncedHistory(t *testing.T, h *harness) (shaA string, atA map[string]map[string]string) {
	t.Helper()
	repo := h.initGit()
	commitAll(t, repo, "A")
	shaA = head(t, repo)
	h.mustRun("sync", "--all")
	atA = h.liveValues()

	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B: edit memory")
	h.mustRun("sync", "--module", "memory")

	writeFile(t, filepath.Join(h.repo, "newmod", "module.manifest.json"),
		`{"module": "newmod", "description": "A module added after A", "tags": ["new"]}`)
	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory, twice"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B2: add newmod, edit memory again")
	h.mustRun("sync", "--changed")

	if err := os.RemoveAll(filepath.Join(h.repo, "dream")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B3: drop dream")
	h.mustRun("sync", "--all")
	return shaA, atA
}

// TestRestore is the runbook's emergency rollback (§4.1) end to end: after three
// syncs past a good one, restore without --confirm lists the undo and writes
// nothing; with --confirm the database shows exactly what it showed after the
// good sync, the ledger records the undo and still verifies, and a second
// restore writes nothing.
func TestRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	shaA, atA := syncedHistory(t, h)
	live := h.live()
	memory, newmod, dream := live["memory"].ID, live["newmod"].ID, ""
	for _, p := range h.srv.Pages(h.db) {
		if p.PlainText("Module") == "dream" {
			dream = p.ID
		}
	}
	if memory == "" || newmod == "" || dream == "" {
		t.Fatalf("history not as expected: memory %q, newmod %q, dream %q", memory, newmod, dream)
	}
	// Someone fixes memory's description by hand after the bad sync.
	patchPage(h, "/v1/pages/"+memory, `{"properties": {"Description": {"rich_text": [{"text": {"content": "Fixed by hand"}}]}}}`)
	path := h.path("ledger.jsonl")
	lines := ledgerLines(t, path)

	h.srv.ResetRequests()
	code, out, errOut := h.run("restore", "--ledger", path, "--sha", shaA[:10])
	if code != ExitOK {
		t.Fatalf("restore (dry run) exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.writes(); n != 0 {
		t.Errorf("restore without --confirm made %d writes", n)
	}
	if got := ledgerLines(t, path); got != lines {
		t.Errorf("restore without --confirm wrote %d ledger lines", got-lines)
	}
	for _, want := range []string{
		"⏪ Restore to sha " + shaA,
		"↩️  dream: unarchive",
		"↩️  newmod: archive (the page was created after sha",
		"↩️  memory: update",
		`Description: "Fixed by hand" → "Fold-based memory`,
		"⚠️  memory: Description was changed in Notion after the sync (now \"Fixed by hand\", the sync wrote \"Rewritten memory, twice\")",
		"📊 4 writes after it, on 3 pages",
		"📋 Dry run: 3 writes on 3 pages, nothing written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "dream:"), strings.Index(out, "memory:"); i > j {
		t.Errorf("the newest write (dream's archive) is not undone first:\n%s", out)
	}

	code, out, errOut = h.run("restore", "--ledger", path, "--sha", shaA, "--confirm")
	if code != ExitOK {
		t.Fatalf("restore --confirm exit %d\n%s\n%s", code, out, errOut)
	}
	if diff := cmp.Diff(atA, h.liveValues()); diff != "" {
		t.Errorf("database after restore differs from the state after sync A (-want +got):\n%s", diff)
	}
	if p, _ := h.srv.Page(newmod); !p.Archived {
		t.Error("the page created after A is not archived")
	}
	for _, want := range []string{"✅ dream: unarchived", "✅ newmod: archived", "✅ memory: updated", "✅ 3 pages restored to sha " + shaA[:12]} {
		if !strings.Contains(out, want) {
			t.Errorf("confirm output lacks %q:\n%s", want, out)
		}
	}
	if err := ledger.Verify(path); err != nil {
		t.Errorf("ledger chain after restore: %v", err)
	}
	recs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Action, Module, Status, SHA string
		Changed                     []string
	}
	var got []rec
	for _, r := range recs[lines:] {
		// Updated At is written only when the clock moved between the syncs.
		changed := slices.DeleteFunc(slices.Clone(r.Changed), func(s string) bool { return s == "Updated At" })
		got = append(got, rec{r.Action, r.Module, r.Status, r.SHA, changed})
	}
	want := []rec{
		{"restore", "dream", "ok", shaA, []string{"$archived"}},
		{"restore", "newmod", "ok", shaA, []string{"$archived"}},
		{"restore", "memory", "ok", shaA, []string{"Description", "Last Commit", "Provenance SHA"}},
		{"run", "", "ok", shaA, []string{}},
	}
	// Pages are restored in parallel: compare the writes as a set, the run record last.
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b rec) bool { return a.Module < b.Module })); diff != "" {
		t.Errorf("ledger records of the restore (-want +got):\n%s", diff)
	}
	if len(got) == len(want) && got[len(got)-1].Action != "run" {
		t.Error("the restore's run record is not the last line")
	}
	for _, r := range recs[lines:] {
		// A sync in the same Actions run must not be mistaken for the restore.
		if !strings.HasSuffix(r.RunID, restore.RunSuffix) {
			t.Errorf("restore record %s/%s has run id %q, want the suffix %q", r.Action, r.Module, r.RunID, restore.RunSuffix)
		}
	}
	for _, r := range recs[lines:] {
		if r.Module == "memory" {
			if b, a := string(r.Before["Description"]), string(r.After["Description"]); b != `"Fixed by hand"` || !strings.HasPrefix(a, `"Fold-based memory`) {
				t.Errorf("memory's restore record: before %s, after %s", b, a)
			}
		}
		if r.Action == "run" && r.Totals["update"]+r.Totals["archive"]+r.Totals["unarchive"] != 3 {
			t.Errorf("run record totals %v, want 3 writes", r.Totals)
		}
	}

	checkVerifyNext(t, h, out, shaA)

	// A second restore finds Notion already at A: no write, no ledger line.
	lines = ledgerLines(t, path)
	h.srv.ResetRequests()
	code, out, errOut = h.run("restore", "--ledger", path, "--sha", shaA, "--confirm")
	if code != ExitOK {
		t.Fatalf("second restore exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.writes(); n != 0 {
		t.Errorf("second restore made %d writes", n)
	}
	if got := ledgerLines(t, path); got != lines {
		t.Errorf("second restore wrote %d ledger lines", got-lines)
	}
	if !strings.Contains(out, "nothing to write") {
		t.Errorf("second restore output:\n%s", out)
	}
	assertNoToken(t, h, out+errOut)
}

// checkVerifyNext checks the "Next:" commands a restore prints, then runs them:
// verify --all passes in a worktree at the restored commit, where it fails in the
// working tree still at the bad commit (the runbook's §4.1 step 3).
func checkVerifyNext(t *testing.T, h *harness, out, sha string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(h.repo)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(root), "repo-at-"+sha[:12])
	add := fmt.Sprintf("git -C %s worktree add --detach %s %s", root, dir, sha)
	for _, want := range []string{
		"Next: verify against the manifests of " + sha[:12],
		"\n  " + add + "\n",
		"\n  notion-sync verify --all --repo " + dir + "\n",
		"\n  git -C " + root + " worktree remove " + dir + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q:\n%s", want, out)
		}
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Log("git not on PATH: the printed commands are not run")
		return
	}
	cmd := exec.Command("git", "-C", root, "worktree", "add", "--detach", dir, sha)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", add, err, msg)
	}
	if code, vout, verr := h.run("verify", "--all", "--repo", dir); code != ExitOK {
		t.Errorf("verify --all at the restored commit: exit %d\n%s\n%s", code, vout, verr)
	}
	if code, _, _ := h.run("verify", "--all"); code != ExitProblems {
		t.Errorf("verify --all in the working tree at the bad commit: exit %d, want %d (why restore prints the worktree commands)", code, ExitProblems)
	}
}

// TestRestoreProblems: a column deleted since the sync is skipped with a
// warning, a write Notion refuses fails that page alone (exit 1, recorded as an
// error in the ledger), and --json reports both.
func TestRestoreProblems(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "A")
	shaA := head(t, repo)
	h.mustRun("sync", "--all")
	for _, key := range []string{"memory", "bridge"} {
		if err := editDescription(h.repo, key+"/module.manifest.json", "Rewritten "+key); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, repo, "B")
	h.mustRun("sync", "--all")
	patchPage(h, "/v1/databases/"+h.db, `{"properties": {"Provenance SHA": null}}`)
	path := h.path("ledger.jsonl")

	h.srv.FailNext(1, emulator.Fault{Route: "PATCH /v1/pages/{id}", Status: 400})
	code, out, errOut := h.run("restore", "--ledger", path, "--sha", shaA, "--confirm", "--json", "--concurrency", "1")
	if code != ExitProblems {
		t.Fatalf("restore exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	var res restore.JSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if diff := cmp.Diff(restore.Summary{Pages: 2, Writes: 2, Failed: 1}, res.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	statuses := map[string]string{}
	for _, c := range res.Changes {
		statuses[c.Module] = c.Status
		if !strings.Contains(strings.Join(c.Warnings, "\n"), `property "Provenance SHA" is no longer in the database: not restored`) {
			t.Errorf("%s: warnings %q lack the deleted column", c.Module, c.Warnings)
		}
		if _, ok := c.Properties["Provenance SHA"]; ok {
			t.Errorf("%s: a deleted column is written", c.Module)
		}
	}
	failed, restored := "bridge", "memory"
	if statuses["memory"] == "error" {
		failed, restored = "memory", "bridge"
	}
	if statuses[failed] != "error" || statuses[restored] != "ok" {
		t.Errorf("statuses %v, want one error and one ok", statuses)
	}
	live := h.live()
	if got := live[restored].PlainText("Description"); strings.HasPrefix(got, "Rewritten") {
		t.Errorf("%s not restored: %q", restored, got)
	}
	if got := live[failed].PlainText("Description"); got != "Rewritten "+failed {
		t.Errorf("%s changed although its write failed: %q", failed, got)
	}
	recs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Action != "run" || last.Status != "error" || last.Totals["failed"] != 1 || last.Totals["update"] != 1 {
		t.Errorf("run record: %+v", last)
	}
	var errRec *ledger.Record
	for i, r := range recs {
		if r.Action == "restore" && r.Status == "error" {
			errRec = &recs[i]
		}
	}
	if errRec == nil || errRec.Module != failed || errRec.Error == "" {
		t.Errorf("no error record for the failed write: %+v", errRec)
	}

	// The retry restores the page that failed, and only that one.
	h.srv.ResetRequests()
	code, out, errOut = h.run("restore", "--ledger", path, "--sha", shaA, "--confirm")
	if code != ExitOK {
		t.Fatalf("retry exit %d\n%s\n%s", code, out, errOut)
	}
	if n := h.srv.Count("PATCH", "/v1/pages/{id}"); n != 1 {
		t.Errorf("retry made %d page writes, want 1", n)
	}
	if got := h.live()[failed].PlainText("Description"); strings.HasPrefix(got, "Rewritten") {
		t.Errorf("%s still not restored: %q", failed, got)
	}
}

// writeLedger writes records through the ledger package, so the chain is real.
func writeLedger(t *testing.T, path string, recs ...ledger.Record) {
	t.Helper()
	w, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, r := range recs {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRestoreRefusals covers what restore refuses before it talks to Notion: a
// missing --sha, a sha the ledger does not know (named with the ones it does),
// a missing ledger, and a ledger whose chain is broken (unless --force).
func TestRestoreRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.jsonl")
	shaA, shaB := strings.Repeat("a", 40), strings.Repeat("b", 40)
	writeLedger(t, path,
		ledger.Record{RunID: "r1", SHA: shaA, Action: "run", Status: "ok"},
		ledger.Record{RunID: "r2", SHA: shaB, Module: "memory", PageID: "p1", Action: "update", Status: "ok",
			Changed: []string{"Description"}, Before: map[string]json.RawMessage{"Description": json.RawMessage(`"x"`)}},
		ledger.Record{RunID: "r2", SHA: shaB, Action: "run", Status: "ok"},
	)
	tampered := filepath.Join(dir, "tampered.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, tampered, strings.Replace(string(data), `"x"`, `"y"`, 1))

	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(t.Context(), append([]string{"restore"}, args...), func(string) string { return "" }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // in stdout+stderr
	}{
		{"no sha", []string{"--ledger", path}, ExitUsage, []string{"--sha is required", "jq -r '.timestamp, .sha'"}},
		{"unknown sha", []string{"--ledger", path, "--sha", "c0ffee"}, ExitUsage,
			[]string{"no sync in " + path + " has sha c0ffee", shaB + "  ", shaA + "  "}},
		{"no ledger", []string{"--ledger", filepath.Join(dir, "none.jsonl"), "--sha", shaA}, ExitUsage, []string{"no ledger at"}},
		{"tampered", []string{"--ledger", tampered, "--sha", shaA}, ExitUsage,
			[]string{"hash chain is broken at line 3", "--force"}},
		{"tampered forced, nothing after the cutoff", []string{"--ledger", tampered, "--sha", shaB, "--force"}, ExitOK,
			[]string{"⚠️  the ledger's hash chain is broken at line 3", "✅ Nothing to restore"}},
		{"intact, nothing after the cutoff", []string{"--ledger", path, "--sha", "bbbb"}, ExitOK, []string{"✅ Nothing to restore"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
	// Newest first: B is listed before A.
	_, _, errOut := run("--ledger", path, "--sha", "c0ffee")
	if strings.Index(errOut, shaB) > strings.Index(errOut, shaA) {
		t.Errorf("known shas not newest first:\n%s", errOut)
	}
}

// runWith runs a command as h.run does, with more environment variables.
func (h *harness) runWith(vars map[string]string, args ...string) (int, string, string) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{args[0]}, "--repo", h.repo)
	if args[0] == "sync" {
		full = append(full, "--plan", h.path("plan.json"), "--ledger", h.path("ledger.jsonl"))
	}
	full = append(full, "--audit-log", h.path("audit.log"), "--backoff", "1ms", "--rate-limit", "1000")
	full = append(full, args[1:]...)
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return h.getenv(k)
	}
	code := Main(h.t.Context(), full, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestRestoreFailedWrites: a write recorded as failed may have reached Notion (a
// 502 after the page was saved), so restore undoes it too; a failed create is
// undone only when its page still has the module's key, and one without a page
// id is named in a warning.
func TestRestoreFailedWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	commitAll(t, repo, "A")
	shaA := head(t, repo)
	h.mustRun("sync", "--all")
	atA := h.liveValues()
	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B")
	shaB := head(t, repo)
	h.srv.FailNext(1, emulator.Fault{Route: "PATCH /v1/pages/{id}", Status: 502, Commit: true})
	if code, out, errOut := h.run("sync", "--module", "memory", "--max-retries", "0"); code != ExitProblems {
		t.Fatalf("sync with a 502: exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	if got := h.live()["memory"].PlainText("Description"); got != "Rewritten memory" {
		t.Fatalf("the 502 write did not reach the emulator: %q", got)
	}
	path := h.path("ledger.jsonl")
	// Failed creates as a crashed or another version's sync may record them.
	ghost := h.seed(`{"Module": {"title": [{"text": {"content": "ghost"}}]}}`)
	stranger := h.seed(`{"Module": {"title": [{"text": {"content": "someone-else"}}]}}`)
	writeLedger(t, path,
		ledger.Record{RunID: "x", SHA: shaB, Module: "ghost", PageID: ghost, Action: "create", Status: "error", Error: "timeout"},
		ledger.Record{RunID: "x", SHA: shaB, Module: "stray", PageID: stranger, Action: "create", Status: "error", Error: "timeout"},
		ledger.Record{RunID: "x", SHA: shaB, Module: "lost", Action: "create", Status: "error", Error: "notion: 502 Bad Gateway"},
		ledger.Record{RunID: "x", SHA: shaB, Action: "run", Status: "error"},
	)

	code, out, errOut := h.run("restore", "--ledger", path, "--sha", shaA, "--confirm")
	if code != ExitOK {
		t.Fatalf("restore exit %d\n%s\n%s", code, out, errOut)
	}
	if diff := cmp.Diff(atA["memory"], h.liveValues()["memory"]); diff != "" {
		t.Errorf("memory after restore differs from A although its write was recorded as failed (-want +got):\n%s", diff)
	}
	if p, _ := h.srv.Page(ghost); !p.Archived {
		t.Error("the page of a failed create that has the module's key is not archived")
	}
	if p, _ := h.srv.Page(stranger); p.Archived {
		t.Error("a page whose key is not the failed create's module was archived")
	}
	for _, want := range []string{
		"📊 3 writes after it, on 3 pages (3 recorded as failed: they may have reached Notion anyway",
		"✅ memory: updated",
		"✅ ghost: archived (the page was created after sha",
		`⚠️  stray: the sync's create of this page was recorded as failed and page ` + stranger + ` does not have the key "stray": left alone`,
		`⚠️  the sync's create of lost failed (notion: 502 Bad Gateway); if Notion stored the page anyway`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q:\n%s", want, out)
		}
	}
}

// TestRestoreSeveralLedgers: in CI every run writes a fresh ledger, so the sync
// to go back to and the bad one are in different files. Each is given with its
// own --ledger, in any order; a file made by joining them is refused with a hint.
func TestRestoreSeveralLedgers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	repo := h.initGit()
	run1, run2 := h.path("run1.jsonl"), h.path("run2.jsonl")
	commitAll(t, repo, "A")
	shaA := head(t, repo)
	h.mustRun("sync", "--all", "--ledger", run1)
	atA := h.liveValues()
	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B")
	h.mustRun("sync", "--module", "memory", "--ledger", run2)

	joined := h.path("joined.jsonl")
	writeFile(t, joined, readString(t, run1)+readString(t, run2))
	code, _, errOut := h.run("restore", "--ledger", joined, "--sha", shaA)
	if code != ExitUsage || !strings.Contains(errOut, "several ledgers joined together") || !strings.Contains(errOut, "its own --ledger") {
		t.Errorf("restore from joined ledgers: exit %d, want %d and a hint\n%s", code, ExitUsage, errOut)
	}
	code, _, errOut = h.run("restore", "--ledger", run2, "--sha", shaA)
	if code != ExitUsage || !strings.Contains(errOut, "one --ledger each") {
		t.Errorf("restore from the bad run's ledger alone: exit %d, want %d and a hint\n%s", code, ExitUsage, errOut)
	}

	_, inOrder, _ := h.run("restore", "--ledger", run1, "--ledger", run2, "--sha", shaA)
	_, reversed, _ := h.run("restore", "--ledger", run2, "--ledger", run1, "--sha", shaA)
	if !strings.Contains(inOrder, "↩️  memory: update") {
		t.Errorf("dry run over both ledgers:\n%s", inOrder)
	}
	if diff := cmp.Diff(inOrder, reversed); diff != "" {
		t.Errorf("the order of --ledger changes the plan (-in order +reversed):\n%s", diff)
	}

	lines1, lines2 := ledgerLines(t, run1), ledgerLines(t, run2)
	h.mustRun("restore", "--ledger", run1, "--ledger", run2, "--sha", shaA, "--confirm")
	if diff := cmp.Diff(atA, h.liveValues()); diff != "" {
		t.Errorf("database after restore differs from A (-want +got):\n%s", diff)
	}
	if got := ledgerLines(t, run1); got != lines1 {
		t.Errorf("restore wrote %d lines to the first ledger, want them in the last one given", got-lines1)
	}
	if got := ledgerLines(t, run2); got != lines2+2 {
		t.Errorf("restore wrote %d lines to the last ledger given, want 2 (the update and the run record)", got-lines2)
	}
	if err := ledger.Verify(run2); err != nil {
		t.Errorf("chain of the ledger restore appended to: %v", err)
	}
}

// TestRestoreSharedRunID: a sync and a restore in one Actions run share
// GITHUB_RUN_ID; the sync must stay a sync, so a later restore can go back to it.
func TestRestoreSharedRunID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	vars := map[string]string{"GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "1"}
	repo := h.initGit()
	mustRunWith := func(args ...string) string {
		t.Helper()
		code, out, errOut := h.runWith(vars, args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	path := h.path("ledger.jsonl")
	commitAll(t, repo, "A")
	shaA := head(t, repo)
	mustRunWith("sync", "--all")
	if err := editDescription(h.repo, "memory/module.manifest.json", "Rewritten memory"); err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "B")
	shaB := head(t, repo)
	mustRunWith("sync", "--module", "memory")
	mustRunWith("restore", "--ledger", path, "--sha", shaA, "--confirm")

	out := mustRunWith("restore", "--ledger", path, "--sha", shaB)
	for _, want := range []string{"⏪ Restore to sha " + shaB, "a restore to sha " + shaA + " after this sync changed 1 pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("restore to the sync that shares its run id with a restore: output lacks %q:\n%s", want, out)
		}
	}
	recs, err := ledger.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, r := range recs {
		ids[r.Action] = r.RunID
	}
	if diff := cmp.Diff(map[string]string{"create": "42-1", "update": "42-1", "restore": "42-1-restore", "run": "42-1-restore"}, ids); diff != "" {
		t.Errorf("run ids by action (last record of each) (-want +got):\n%s", diff)
	}
}

// TestRestoreUndoesAnUnansweredCreate (#10 item 6): a sync killed while a
// create was in flight leaves an intent record and no outcome, though Notion
// stored the page; restore finds the page by its key and archives it.
func TestRestoreUndoesAnUnansweredCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	shaA, _ := syncedHistory(t, h)
	path := h.path("ledger.jsonl")
	lw, err := ledger.OpenIn(filepath.Dir(path), path)
	if err != nil {
		t.Fatal(err)
	}
	intent := ledger.Record{RunID: "killed-1", SHA: shaA, Module: "ghost", Path: "ghost/module.manifest.json",
		Action: "create", Status: ledger.StatusIntent}
	if err := lw.Append(intent); err != nil {
		t.Fatal(err)
	}
	lw.Close()
	body := fmt.Sprintf(`{"parent": {"database_id": %q}, "properties": {"Module": {"title": [{"text": {"content": "ghost"}}]}}}`, h.db)
	resp, err := newRequest(h, http.MethodPost, "/v1/pages", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ghost := h.live()["ghost"].ID
	if ghost == "" {
		t.Fatalf("the ghost page was not stored (status %d)", resp.StatusCode)
	}
	code, out, errOut := h.run("restore", "--ledger", path, "--sha", shaA, "--confirm")
	if code != ExitOK {
		t.Fatalf("restore exit %d\n%s\n%s", code, out, errOut)
	}
	if p, _ := h.srv.Page(ghost); !p.Archived {
		t.Errorf("the page of the unanswered create is still live:\n%s", out)
	}
}

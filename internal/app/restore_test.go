package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

// mustRun runs a command through the harness and fails the test unless it exits 0.
func (h *harness) mustRun(args ...string) string {
	h.t.Helper()
	code, out, errOut := h.run(args...)
	if code != ExitOK {
		h.t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

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
	repo, err := git.PlainInit(h.repo, false)
	if err != nil {
		t.Fatal(err)
	}
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
	h := newHarness(t, notiontest.Options{})
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
		if r.Module == "memory" {
			if b, a := string(r.Before["Description"]), string(r.After["Description"]); b != `"Fixed by hand"` || !strings.HasPrefix(a, `"Fold-based memory`) {
				t.Errorf("memory's restore record: before %s, after %s", b, a)
			}
		}
		if r.Action == "run" && r.Totals["update"]+r.Totals["archive"]+r.Totals["unarchive"] != 3 {
			t.Errorf("run record totals %v, want 3 writes", r.Totals)
		}
	}

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

// TestRestoreProblems: a column deleted since the sync is skipped with a
// warning, a write Notion refuses fails that page alone (exit 1, recorded as an
// error in the ledger), and --json reports both.
func TestRestoreProblems(t *testing.T) {
	t.Parallel()
	h := newHarness(t, notiontest.Options{})
	repo, err := git.PlainInit(h.repo, false)
	if err != nil {
		t.Fatal(err)
	}
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

	h.srv.FailNext(1, notiontest.Fault{Route: "PATCH /v1/pages/{id}", Status: 400})
	code, out, errOut := h.run("restore", "--ledger", path, "--sha", shaA, "--confirm", "--json", "--concurrency", "1")
	if code != ExitProblems {
		t.Fatalf("restore exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	var res restoreJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if diff := cmp.Diff(restoreSummary{Pages: 2, Writes: 2, Failed: 1}, res.Summary); diff != "" {
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

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// TestFindCutoff pins which record restore goes back to.
func TestFindCutoff(t *testing.T) {
	t.Parallel()
	a, a2, b := "aaaa1111", "aaaa2222", "bbbb3333"
	recs := []ledger.Record{
		{RunID: "1", SHA: a, Action: "update", Status: "ok", PageID: "p"},  // 0
		{RunID: "1", SHA: a, Action: "run", Status: "ok"},                  // 1
		{RunID: "2", SHA: a2, Action: "create", Status: "ok", PageID: "q"}, // 2: its run never ended
		{RunID: "3", SHA: a, Action: "update", Status: "ok", PageID: "p"},  // 3: a second sync of a
		{RunID: "3", SHA: a, Action: "run", Status: "ok"},                  // 4
		{RunID: "4", SHA: b, Action: "update", Status: "ok", PageID: "p"},  // 5
		{RunID: "4", SHA: b, Action: "run", Status: "ok"},                  // 6
		{RunID: "5", SHA: a, Action: "restore", Status: "ok", PageID: "p"}, // 7: a restore to a
		{RunID: "5", SHA: a, Action: "run", Status: "ok"},                  // 8
	}
	resolve := func(rev string) (string, bool) {
		if rev == "HEAD~1" {
			return b, true
		}
		return "", false
	}
	tests := []struct {
		name      string
		want      string
		wantIndex int
		wantErr   string
	}{
		{"last sync run of the sha, not the restore", a, 4, ""},
		{"case-insensitive full sha", "BBBB3333", 6, ""},
		{"run without its run record", a2, 2, ""},
		{"unique prefix", "bbbb", 6, ""},
		{"ambiguous prefix", "aaaa", 0, "ambiguous"},
		{"too short for a prefix", "bbb", 0, "no sync in"},
		{"git revision", "HEAD~1", 6, ""},
		{"unknown", "cccc", 0, "no sync in L has sha cccc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := findCutoff(recs, tt.want, resolve, "L")
			if tt.wantErr != "" {
				var u usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &u) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.index != tt.wantIndex {
				t.Errorf("cutoff index %d, want %d", got.index, tt.wantIndex)
			}
		})
	}
}

// TestUndoPlan pins how the writes after the cutoff collapse per page.
func TestUndoPlan(t *testing.T) {
	t.Parallel()
	upd := func(page string, before, after map[string]json.RawMessage) ledger.Record {
		var changed []string
		for k := range before {
			changed = append(changed, k)
		}
		return ledger.Record{RunID: "s", Module: "m-" + page, PageID: page, Action: "update", Status: "ok", Changed: changed, Before: before, After: after}
	}
	recs := []ledger.Record{
		upd("p1", map[string]json.RawMessage{"D": raw(`"d0"`)}, map[string]json.RawMessage{"D": raw(`"d1"`)}),
		{RunID: "s", Module: "m-p2", PageID: "p2", Action: "create", Status: "ok", After: map[string]json.RawMessage{"D": raw(`"new"`)}},
		upd("p1", map[string]json.RawMessage{"D": raw(`"d1"`), "N": raw(`1`)}, map[string]json.RawMessage{"D": raw(`"d2"`), "N": raw(`2`)}),
		upd("p2", map[string]json.RawMessage{"D": raw(`"new"`)}, map[string]json.RawMessage{"D": raw(`"newer"`)}),
		{RunID: "s", Module: "m-p3", PageID: "p3", Action: "update", Status: "error", Before: map[string]json.RawMessage{"D": raw(`"x"`)}},
		{RunID: "s", Module: "m-p4", PageID: "p4", Action: "archive", Status: "ok"},
		{RunID: "r", Module: "m-p5", PageID: "p5", Action: "restore", Status: "ok", Before: map[string]json.RawMessage{"D": raw(`"x"`)}},
		{RunID: "r", Action: "run", Status: "ok"},
		{RunID: "s", Module: "m-p6", PageID: "P-6", Action: "update", Status: "ok", Changed: []string{"D"}},
		{RunID: "s", Module: "m-p4", PageID: "p4", Action: "noop", Status: "ok"},
		{RunID: "s", Action: "run", Status: "ok"},
	}
	type page struct {
		ID                string
		Writes            int
		Created, Archived bool
		Before, After     map[string]string
		NoBefore          []string
	}
	var got []page
	for _, u := range undoPlan(recs) {
		p := page{ID: u.pageID, Writes: u.writes, Created: u.created, Archived: u.archived,
			Before: map[string]string{}, After: map[string]string{}, NoBefore: u.noBefore}
		for k, v := range u.before {
			p.Before[k] = string(v)
		}
		for k, v := range u.after {
			p.After[k] = string(v)
		}
		got = append(got, p)
	}
	want := []page{
		{ID: "P-6", Writes: 1, Before: map[string]string{}, After: map[string]string{}, NoBefore: []string{"D"}},
		{ID: "p4", Writes: 1, Archived: true, Before: map[string]string{}, After: map[string]string{}},
		{ID: "p2", Writes: 2, Created: true, Before: map[string]string{"D": `"new"`}, After: map[string]string{"D": `"newer"`}},
		{ID: "p1", Writes: 2, Before: map[string]string{"D": `"d0"`, "N": `1`}, After: map[string]string{"D": `"d2"`, "N": `2`}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("undoPlan() mismatch (-want +got):\n%s", diff)
	}
}

// TestLaterRestores: a restore to another sha after the cutoff is not undone,
// and restore says so; one to the same sha is harmless and not mentioned.
func TestLaterRestores(t *testing.T) {
	t.Parallel()
	after := []ledger.Record{
		{RunID: "r1", SHA: "same", PageID: "p1", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p1", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p-2", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p3", Action: "restore", Status: "error"},
	}
	got := laterRestores(after, "same")
	if len(got) != 1 || !strings.Contains(got[0], "a restore to sha other after this sync changed 2 pages") {
		t.Errorf("laterRestores() = %q", got)
	}
}

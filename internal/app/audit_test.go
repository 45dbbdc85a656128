package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
	"github.com/lukhas/notion-sync-action/internal/report"
)

func writeManifest(t *testing.T, h *harness, path, body string) {
	t.Helper()
	full := filepath.Join(h.repo, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAudit(t *testing.T, path string) (report.Audit, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc report.Audit
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the audit file is not JSON: %v", err)
	}
	return doc, data
}

// TestAudit seeds one database with every kind of discrepancy and checks that the
// audit names each one, with the documented shape, and writes nothing to Notion.
func TestAudit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	if code, out, errOut := h.run("sync", "--all", "--update-manifest"); code != ExitOK {
		t.Fatalf("sync exit %d\n%s\n%s", code, out, errOut)
	}
	path := h.path("audit.json")
	var outputs []string

	// Right after a sync there is nothing to report, and the file says so with [].
	code, out, errOut := h.run("audit", "--output", path, "--fail-on-discrepancy")
	outputs = append(outputs, out, errOut)
	if code != ExitOK || !strings.Contains(out, "✅ No discrepancies") {
		t.Fatalf("audit after a sync: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, data := readAudit(t, path); !strings.Contains(string(data), `"discrepancies": []`) {
		t.Errorf("a clean audit must write discrepancies as []:\n%s", data)
	}

	live := h.live()
	cons, mem, oldDream := live["consciousness"].ID, live["memory"].ID, live["dream"].ID
	editInNotion(t, h, cons, `{"properties":{"MQI":{"number":50}}}`)                                                               // drift
	editInNotion(t, h, mem, `{"archived":true}`)                                                                                   // trashed: its manifest names it
	editInNotion(t, h, oldDream, `{"archived":true}`)                                                                              // trashed, and a new page has the key
	newDream := h.seed(`{"Module":{"title":[{"text":{"content":"dream"}}]}}`)                                                      // drift: a page typed by hand
	writeManifest(t, h, "newmod/module.manifest.json", `{"module": "newmod"}`)                                                     // missing
	writeManifest(t, h, "ghost/module.manifest.json", `{"module": "ghost", "notion_page_id": "0123456789abcdef0123456789abcdef"}`) // missing: the id is gone
	legacy := h.seed(`{"Module":{"title":[{"text":{"content":"legacy"}}]},"Manifest":{"rich_text":[{"text":{"content":"legacy/module.manifest.json"}}]}}`)
	roadmap := h.seed(`{"Module":{"title":[{"text":{"content":"roadmap"}}]}}`)        // orphans
	twin := h.seed(`{"Module":{"title":[{"text":{"content":"identity"}}]}}`)          // duplicate page
	writeManifest(t, h, "labs/quantum/module.manifest.json", `{"module": "quantum"}`) // duplicate manifests
	writeManifest(t, h, "broken/module.manifest.json", `{"module": `)                 // error

	m, err := manifest.Load(h.repo, "quantum/module.manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var quantum struct {
		PageID string `json:"notion_page_id"`
	}
	if err := json.Unmarshal(m.Raw, &quantum); err != nil || quantum.PageID == "" {
		t.Fatalf("quantum's notion_page_id: %q, %v", quantum.PageID, err)
	}

	h.srv.ResetRequests()
	code, out, errOut = h.run("audit", "--output", path)
	outputs = append(outputs, out, errOut)
	if code != ExitOK {
		t.Fatalf("audit: exit %d, want %d (discrepancies are for review)\n%s\n%s", code, ExitOK, out, errOut)
	}
	for _, w := range []string{"📊 12 discrepancies: 2 missing · 2 orphan · 2 drift · 3 duplicate · 2 trashed · 1 error",
		"📄 Written to " + path} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if n := h.writes(); n != 0 {
		t.Errorf("audit made %d writes, want none", n)
	}

	doc, data := readAudit(t, path)
	if diff := cmp.Diff([]string{"generated_at", "sha", "database_id", "summary", "discrepancies"}, jsonKeys(t, data)); diff != "" {
		t.Errorf("document keys mismatch (-want +got):\n%s", diff)
	}
	var raw struct {
		Summary       json.RawMessage   `json:"summary"`
		Discrepancies []json.RawMessage `json:"discrepancies"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"missing", "orphan", "drift", "duplicate", "trashed", "error"}, jsonKeys(t, raw.Summary)); diff != "" {
		t.Errorf("summary keys mismatch (-want +got):\n%s", diff)
	}
	for _, d := range raw.Discrepancies {
		if diff := cmp.Diff([]string{"kind", "module", "path", "page_id", "properties", "detail"}, jsonKeys(t, d)); diff != "" {
			t.Errorf("discrepancy keys mismatch (-want +got):\n%s", diff)
		}
	}
	if doc.DatabaseID != h.db {
		t.Errorf("database_id %q, want %s", doc.DatabaseID, h.db)
	}
	if _, err := time.Parse(time.RFC3339, doc.GeneratedAt); err != nil {
		t.Errorf("generated_at %q: %v", doc.GeneratedAt, err)
	}
	if diff := cmp.Diff(report.AuditSummary{Missing: 2, Orphan: 2, Drift: 2, Duplicate: 3, Trashed: 2, Error: 1}, doc.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}

	type row struct{ Kind, Module, Path, PageID string }
	var got []row
	details := map[string]string{}
	for _, d := range doc.Discrepancies {
		got = append(got, row{d.Kind, d.Module, d.Path, d.PageID})
		details[d.Kind+" "+d.Module+" "+d.Path] = d.Detail
	}
	want := []row{
		{"missing", "ghost", "ghost/module.manifest.json", "01234567-89ab-cdef-0123-456789abcdef"},
		{"missing", "newmod", "newmod/module.manifest.json", ""},
		{"orphan", "legacy", "legacy/module.manifest.json", legacy},
		{"orphan", "roadmap", "", roadmap},
		{"drift", "consciousness", "consciousness/module.manifest.json", cons},
		{"drift", "dream", "dream/module.manifest.json", newDream},
		{"duplicate", "identity", "", twin},
		{"duplicate", "quantum", "labs/quantum/module.manifest.json", ""},
		{"duplicate", "quantum", "quantum/module.manifest.json", quantum.PageID},
		{"trashed", "dream", "dream/module.manifest.json", oldDream},
		{"trashed", "memory", "memory/module.manifest.json", mem},
		{"error", "", "broken/module.manifest.json", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discrepancies mismatch (-want +got):\n%s", diff)
	}
	for key, wantDetail := range map[string]string{
		"orphan legacy legacy/module.manifest.json": "the sync created the page",
		"orphan roadmap ": "the sync did not create the page",
		"trashed memory memory/module.manifest.json":             "in the trash",
		"trashed dream dream/module.manifest.json":               "uses the live page " + newDream,
		"missing ghost ghost/module.manifest.json":               "does not exist",
		"duplicate identity ":                                    "--dedupe",
		"duplicate quantum quantum/module.manifest.json":         `duplicate key "quantum"`,
		"error  broken/module.manifest.json":                     "broken/module.manifest.json:1",
		"drift consciousness consciousness/module.manifest.json": "MQI",
	} {
		if !strings.Contains(details[key], wantDetail) {
			t.Errorf("detail of %q = %q, want it to contain %q", key, details[key], wantDetail)
		}
	}
	for _, d := range doc.Discrepancies {
		if d.Kind == report.KindDrift && d.Module == "consciousness" {
			if diff := cmp.Diff(map[string]report.Diff{"MQI": {Before: 50.0, After: 92.3}}, d.Properties); diff != "" {
				t.Errorf("consciousness drift properties mismatch (-want +got):\n%s", diff)
			}
		}
	}

	code, out, errOut = h.run("audit", "--output", path, "--fail-on-discrepancy")
	outputs = append(outputs, out, errOut)
	if code != ExitProblems {
		t.Errorf("--fail-on-discrepancy: exit %d, want %d", code, ExitProblems)
	}
	assertNoSecret(t, h.srv.Token(), h.art, outputs...)
}

func TestAuditDefaultPath(t *testing.T) {
	t.Parallel()
	// 23:00 on 31 January at UTC-5 is already February in UTC.
	now := time.Date(2026, 1, 31, 23, 0, 0, 0, time.FixedZone("EST", -5*3600))
	if got, want := defaultAuditPath(now), filepath.Join("artifacts", "notion_audit_202602.json"); got != want {
		t.Errorf("defaultAuditPath = %q, want %q", got, want)
	}
}

func TestAuditNeedsToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	code, _, errOut := runWithEnv(h, withToken(h, ""), "audit", "--output", h.path("audit.json"))
	if code != ExitUsage || !strings.Contains(errOut, "no Notion token") {
		t.Errorf("exit %d, want %d and the missing token named:\n%s", code, ExitUsage, errOut)
	}
	if _, err := os.Stat(h.path("audit.json")); !os.IsNotExist(err) {
		t.Errorf("an audit file was written without reading Notion: %v", err)
	}
}

// TestCorpusVerifyAndAudit runs verify and audit over the real LUKHAS manifests
// after a sync: the only thing they may report is the key "core", which two
// manifests share, and neither may write.
func TestCorpusVerifyAndAudit(t *testing.T) {
	t.Parallel()
	repo := filepath.Join("..", "..", "..", "shared", "corpus", "lukhas-2025-10")
	if _, err := os.Stat(repo); err != nil {
		t.Skipf("corpus not found at %s (it lives in ../shared/corpus beside the repository)", repo)
	}
	srv := notiontest.NewServer(t, emulator.Options{})
	db, err := srv.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	art := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"NOTION_API_TOKEN": srv.Token(), "NOTION_DATABASE_ID": db, "NOTION_API_BASE_URL": srv.URL()}[k]
	}
	run := func(args ...string) (int, string) {
		t.Helper()
		args = append(args, "--repo", repo, "--rate-limit", "1000", "--audit-log", filepath.Join(art, "audit.log"))
		var out, errOut bytes.Buffer
		code := Main(t.Context(), args, getenv, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("sync", "--all", "--concurrency", "8", "--plan", filepath.Join(art, "plan.json"),
		"--ledger", filepath.Join(art, "ledger.jsonl")); code != ExitProblems {
		t.Fatalf("sync: exit %d, want %d for the shared key\n%s", code, ExitProblems, out)
	}
	srv.ResetRequests()
	code, out := run("verify", "--all")
	if code != ExitProblems || !strings.HasPrefix(out, "❌ 138/140 modules match Notion\n") ||
		strings.Count(out, `duplicate key "core"`) != 2 {
		t.Errorf("verify --all: exit %d\n%s", code, out)
	}
	path := filepath.Join(art, "audit.json")
	if code, out := run("audit", "--output", path); code != ExitOK {
		t.Fatalf("audit: exit %d\n%s", code, out)
	}
	doc, _ := readAudit(t, path)
	if diff := cmp.Diff(report.AuditSummary{Duplicate: 2}, doc.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if n := srv.Count("POST", "/v1/pages") + srv.Count("PATCH", "/v1/pages/{id}"); n != 0 {
		t.Errorf("verify and audit wrote %d times, want 0", n)
	}
}

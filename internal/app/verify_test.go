package app

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// editInNotion changes a page with a raw PATCH, as a person in the Notion UI would,
// behind the sync's back.
func editInNotion(t *testing.T, h *harness, id, body string) {
	t.Helper()
	r, err := newRequest(h, "PATCH", "/v1/pages/"+id, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 {
		t.Fatalf("PATCH page %s: status %d", id, r.StatusCode)
	}
}

// shortPage is the page id as the text output shows it.
func shortPage(id string) string { return strings.ReplaceAll(id, "-", "")[:8] + "…" }

// assertNoSecret checks that secret appears in no output and in no file under dir.
func assertNoSecret(t *testing.T, secret, dir string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Error("the token appears in the command's output")
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), secret) {
			t.Errorf("the token appears in %s", path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// TestVerify: verify passes after a sync, then fails with the runbook's lines for
// a page edited in Notion, a page moved to the trash and pages no manifest has,
// and never writes.
func TestVerify(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
		t.Fatalf("sync --all exit %d\n%s\n%s", code, out, errOut)
	}
	planBefore, err := os.ReadFile(h.path("plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	live := h.live()
	cons, mem := live["consciousness"].ID, live["memory"].ID
	h.srv.ResetRequests()
	var outputs []string
	check := func(wantCode int, want string, args ...string) {
		t.Helper()
		code, out, errOut := h.run(args...)
		outputs = append(outputs, out, errOut)
		if code != wantCode {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, wantCode, errOut)
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("%v output mismatch (-want +got):\n%s", args, diff)
		}
	}

	check(ExitOK, "✅ 12/12 modules match Notion\n", "verify", "--all")
	check(ExitOK, "✅ consciousness synced to Notion (page_id: "+shortPage(cons)+")\n"+
		"📋 Lane: L2 | Status: Active | MQI: 92.3 | Team: consciousness-team | Coverage: 0.81\n",
		"verify", "--module", "consciousness")

	if n := h.writes(); n != 0 {
		t.Errorf("verify made %d writes, want none", n)
	}
	editInNotion(t, h, cons, `{"properties":{"MQI":{"number":50},"Description":{"rich_text":[{"text":{"content":"edited in Notion"}}]}}}`)
	editInNotion(t, h, mem, `{"archived":true}`)
	legacy := h.seed(`{"Module":{"title":[{"text":{"content":"legacy"}}]},"Manifest":{"rich_text":[{"text":{"content":"legacy/module.manifest.json"}}]}}`)
	roadmap := h.seed(`{"Module":{"title":[{"text":{"content":"roadmap"}}]}}`)
	h.srv.ResetRequests()

	check(ExitProblems, "❌ consciousness: drift in Description, MQI (page_id: "+shortPage(cons)+")\n"+
		"Run: notion-sync sync --module consciousness\n",
		"verify", "--module", "consciousness")
	check(ExitProblems, "❌ consciousness: drift in Description, MQI (page_id: "+shortPage(cons)+")\n"+
		"   Description: Notion \"edited in Notion\", manifest \"Consciousness Research Foundation: base consciousness archi…\"\n"+
		"   MQI: Notion 50, manifest 92.3\n"+
		"Run: notion-sync sync --module consciousness\n",
		"verify", "--module", "consciousness", "--verbose")
	check(ExitProblems, "❌ memory: no page in Notion\nRun: notion-sync sync --module memory\n", "verify", "--module", "memory")
	check(ExitProblems, "❌ 10/12 modules match Notion\n"+
		"❌ 1 page without a manifest\n"+
		"❌ consciousness: drift in Description, MQI (page_id: "+shortPage(cons)+")\n"+
		"❌ legacy: page without a manifest (page_id: "+shortPage(legacy)+"); the sync created it for legacy/module.manifest.json, so the next sync --all archives it\n"+
		"❌ memory: no page in Notion\n"+
		"⚠️  roadmap: orphan page (page_id: "+shortPage(roadmap)+"); no manifest has this key and the sync did not create it, so it is left alone\n"+
		"Run: notion-sync sync --all\n",
		"verify", "--all")

	code, out, errOut := h.run("verify", "--all", "--json")
	outputs = append(outputs, out, errOut)
	if code != ExitProblems {
		t.Errorf("verify --all --json: exit %d, want %d", code, ExitProblems)
	}
	var got report.Verdict
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	wantSummary := report.VerifySummary{Modules: 12, Match: 10, Drift: 1, Missing: 1, Extra: 1, Orphan: 1}
	if diff := cmp.Diff(wantSummary, got.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	if got.Status != "mismatch" || got.DatabaseID != h.db {
		t.Errorf("status %q, database %q; want mismatch and %s", got.Status, got.DatabaseID, h.db)
	}
	for _, r := range got.Results {
		if r.Module == "consciousness" {
			if diff := cmp.Diff(report.Diff{Before: 50.0, After: 92.3}, r.Properties["MQI"]); r.Result != report.VerifyDrift || diff != "" {
				t.Errorf("consciousness: result %q, MQI mismatch (-want +got):\n%s", r.Result, diff)
			}
		}
	}

	if n := h.writes(); n != 0 {
		t.Errorf("verify made %d writes, want none", n)
	}
	if planAfter, err := os.ReadFile(h.path("plan.json")); err != nil || string(planAfter) != string(planBefore) {
		t.Errorf("verify rewrote the sync's plan file (%v)", err)
	}
	assertNoSecret(t, h.srv.Token(), h.art, outputs...)
}

func TestVerifyUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	noToken := func(k string) string {
		if k == "NOTION_API_TOKEN" {
			return ""
		}
		return h.getenv(k)
	}
	tests := []struct {
		name    string
		getenv  func(string) string
		args    []string
		wantErr string
	}{
		{"no mode", h.getenv, []string{"verify"}, "choose one of --all or --module NAME"},
		{"both modes", h.getenv, []string{"verify", "--all", "--module", "memory"}, "choose one of"},
		{"unknown module", h.getenv, []string{"verify", "--module", "nope"}, `no manifest has the key "nope"`},
		{"no token", noToken, []string{"verify", "--all"}, "no Notion token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := runWithEnv(h, tt.getenv, tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, ExitUsage, tt.wantErr, errOut)
			}
		})
	}
	t.Cleanup(func() {
		if n := len(h.srv.Requests()); n != 0 {
			t.Errorf("bad usage made %d requests", n)
		}
	})
}

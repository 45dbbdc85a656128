package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// schemaWithout returns the default schema with some properties removed or retyped.
func schemaWithout(t *testing.T, drop []string, retype map[string]string) json.RawMessage {
	t.Helper()
	var db map[string]any
	if err := json.Unmarshal(emulator.DefaultSchema(), &db); err != nil {
		t.Fatal(err)
	}
	props := db["properties"].(map[string]any)
	for _, name := range drop {
		delete(props, name)
	}
	for name, typ := range retype {
		props[name] = map[string]any{"name": name, "type": typ, typ: map[string]any{}}
	}
	out, err := json.Marshal(db)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})

	code, out, _ := h.run("preflight")
	if code != ExitProblems {
		t.Errorf("preflight on unhydrated manifests: exit %d, want %d", code, ExitProblems)
	}
	for _, want := range []string{"✅ Config: the built-in config", "❌ 12 manifests missing notion_database_options", "Run: notion-sync backfill --apply", "✅ Schema matches the config"} {
		if !strings.Contains(out, want) {
			t.Errorf("preflight output lacks %q:\n%s", want, out)
		}
	}

	if code, out, errOut := h.run("backfill", "--apply"); code != ExitOK || !strings.Contains(out, "✅ Backfilled notion_database_options for 12 modules") {
		t.Fatalf("backfill --apply: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = h.run("preflight")
	if code != ExitOK || !strings.Contains(out, "✅ All manifests have notion_database_options hydrated") {
		t.Errorf("preflight after backfill: exit %d\n%s", code, out)
	}

	// Backfill is idempotent and a sync of hydrated manifests still writes the same values.
	if code, out, _ := h.run("backfill", "--apply"); code != ExitOK || !strings.Contains(out, "✅ All manifests have") {
		t.Errorf("second backfill: exit %d\n%s", code, out)
	}
}

func TestPreflightSchemaProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		want  []string
	}{
		{"missing and retyped properties", func(t *testing.T, h *harness) {
			db, err := h.srv.CreateDatabase(schemaWithout(t, []string{"MQI"}, map[string]string{"Lane": "rich_text"}))
			if err != nil {
				t.Fatal(err)
			}
			h.db = db
		}, []string{`property "MQI" is missing: add it as number`, `property "Lane" is rich_text in Notion but select`}},
		{"multi-source database", func(t *testing.T, h *harness) {
			h.srv.SetMultiSource(h.db, true)
		}, []string{"❌ Database:", "multiple data sources"}},
		{"database not shared", func(t *testing.T, h *harness) {
			h.srv.SetShared(h.db, false)
		}, []string{"❌ Database:", "object_not_found", "share the database with the integration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			tt.setup(t, h)
			code, out, _ := h.run("preflight")
			if code != ExitProblems {
				t.Errorf("exit %d, want %d", code, ExitProblems)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// A sync against this database stops before writing anything.
			if code, _, _ := h.run("sync", "--all"); code == ExitOK || h.writes() != 0 {
				t.Errorf("sync against a bad database: exit %d, %d writes", code, h.writes())
			}
		})
	}
}

// TestBackfillOptions adds the options the manifests use to the schema, keeping the
// existing ones: a schema PATCH replaces the whole list (notion-api.md §2.3).
func TestBackfillOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	code, out, errOut := h.run("backfill", "--options")
	if code != ExitOK || !strings.Contains(out, "➕ Lane: 3 new options") || h.srv.Count("PATCH", "/v1/databases/{id}") != 0 {
		t.Fatalf("backfill --options (dry): exit %d\n%s\n%s", code, out, errOut)
	}
	h.mustRun("backfill", "--options", "--apply")
	raw, _ := h.srv.Database(h.db)
	var db struct {
		Properties map[string]struct {
			Select *struct {
				Options []struct{ ID, Name string }
			}
		}
	}
	if err := json.Unmarshal(raw, &db); err != nil {
		t.Fatal(err)
	}
	var lanes, statuses []string
	for _, o := range db.Properties["Lane"].Select.Options {
		lanes = append(lanes, o.Name)
	}
	for _, o := range db.Properties["Status"].Select.Options {
		statuses = append(statuses, o.Name+"="+o.ID)
	}
	if strings.Join(lanes, ",") != "L1,L2,L3" {
		t.Errorf("Lane options = %v, want L1,L2,L3", lanes)
	}
	if len(statuses) != 2 || statuses[0] != "Active=8c1e4b0a-5d3f-4a2e-9b7c-1f0e2d3c4b5a" {
		t.Errorf("Status options = %v, want the existing Active option kept with its id, plus Experimental", statuses)
	}
	if code, out, _ := h.run("backfill", "--options"); code != ExitOK || !strings.Contains(out, "✅ The database has every option") {
		t.Errorf("second backfill --options: exit %d\n%s", code, out)
	}
}

// TestDryRunWithoutToken is the fork pull request case: no secret, a plan from
// the manifests alone, and no failure.
func TestDryRunWithoutToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	repo := filepath.Join(dir, "repo")
	if err := copyTree(filepath.Join("..", "..", "testdata", "example"), repo); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(dir, "plan.json")
	var out, errOut bytes.Buffer
	code := Main(t.Context(), []string{"sync", "--all", "--dry-run", "--repo", repo, "--plan", plan},
		func(string) string { return "" }, &out, &errOut)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	p, err := report.ReadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Create != 12 || !strings.Contains(errOut.String(), "no Notion token") {
		t.Errorf("plan summary %+v, stderr %q", p.Summary, errOut.String())
	}
	// Without --dry-run a missing token is a usage error that says what to set.
	code = Main(t.Context(), []string{"sync", "--all", "--repo", repo, "--plan", plan}, func(string) string { return "" }, &out, &errOut)
	if code != ExitUsage || !strings.Contains(errOut.String(), "NOTION_API_TOKEN") {
		t.Errorf("sync without token: exit %d, stderr %q", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(repo, "artifacts")); err == nil {
		t.Error("artifacts written inside the repository")
	}
}

// TestPreflightStatusOptions: Notion never creates a status option from a page
// write (notion-api.md §3.6), so preflight names each status value the database lacks.
func TestPreflightStatusOptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	var schema map[string]any
	if err := json.Unmarshal(emulator.DefaultSchema(), &schema); err != nil {
		t.Fatal(err)
	}
	schema["properties"].(map[string]any)["Status"] = map[string]any{"name": "Status", "type": "status",
		"status": map[string]any{"options": []any{map[string]any{"name": "Active", "color": "green"}}}}
	raw, _ := json.Marshal(schema)
	db, err := h.srv.CreateDatabase(raw)
	if err != nil {
		t.Fatal(err)
	}
	h.db = db
	cfg := "version: 1\nproperties:\n  Status: {type: status, from: status, default: Active}\n  Manifest: {type: rich_text, from: $path}\n"
	if err := os.MkdirAll(filepath.Join(h.repo, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.repo, ".github", "notion-sync.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run("preflight")
	if code != ExitProblems || !strings.Contains(out, `status "Experimental" of property "Status" is not an option in Notion`) {
		t.Errorf("exit %d, want %d and the missing status option named:\n%s", code, ExitProblems, out)
	}
	if strings.Contains(out, `status "Active"`) {
		t.Errorf("an existing status option was reported:\n%s", out)
	}
}

func TestSyncAutoBackfill(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	h.mustRun("sync", "--all", "--auto-backfill")
	if code, out, _ := h.run("preflight"); code != ExitOK {
		t.Errorf("preflight after sync --auto-backfill: exit %d\n%s", code, out)
	}
	h.srv.ResetRequests()
	if code, _, _ := h.run("sync", "--all"); code != ExitOK || h.writes() != 0 {
		t.Errorf("sync after backfill: exit %d, %d writes; hydrated values must equal the synced ones", code, h.writes())
	}
}

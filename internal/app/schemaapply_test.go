package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// schemaProps is a database's schema as the emulator holds it: name → type
// and option names.
type schemaProp struct {
	Type    string
	Options []string
}

func schemaProps(t *testing.T, srv *emulator.Server, id string) map[string]schemaProp {
	t.Helper()
	raw, ok := srv.Database(id)
	if !ok {
		t.Fatalf("no database %s in the emulator", id)
	}
	var db struct {
		Properties map[string]map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &db); err != nil {
		t.Fatal(err)
	}
	out := map[string]schemaProp{}
	for name, p := range db.Properties {
		var sp schemaProp
		_ = json.Unmarshal(p["type"], &sp.Type)
		var cfg struct {
			Options []struct{ Name string } `json:"options"`
		}
		_ = json.Unmarshal(p[sp.Type], &cfg)
		for _, o := range cfg.Options {
			sp.Options = append(sp.Options, o.Name)
		}
		slices.Sort(sp.Options)
		out[name] = sp
	}
	return out
}

// builtinTypes is every property of the built-in config (the key included)
// with its type.
func builtinTypes() map[string]string {
	cfg := config.Default()
	out := map[string]string{cfg.Key.Property: "title"}
	for _, p := range cfg.Properties {
		out[p.Name] = string(p.Type)
	}
	return out
}

// schemaPatches counts the schema edits, under either version's route.
func schemaPatches(srv *emulator.Server) int {
	return srv.Count("PATCH", "/v1/databases/{id}") + srv.Count("PATCH", "/v1/data_sources/{id}")
}

// withSchema replaces the harness's database by one made from edit applied to
// emulator.DefaultSchema's properties.
func (h *harness) withSchema(edit func(props map[string]json.RawMessage)) {
	h.t.Helper()
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(emulator.DefaultSchema(), &obj); err != nil {
		h.t.Fatal(err)
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(obj["properties"], &props); err != nil {
		h.t.Fatal(err)
	}
	edit(props)
	obj["properties"], _ = json.Marshal(props)
	raw, _ := json.Marshal(obj)
	id, err := h.srv.CreateDatabase(raw)
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = id
}

// writeConfig writes the repository's .github/notion-sync.yml.
func (h *harness) writeConfig(yml string) {
	h.t.Helper()
	path := filepath.Join(h.repo, ".github", "notion-sync.yml")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// TestSchemaApplyUpgradesAnOldDatabase: a database made for the first
// release's built-in config (emulator.DefaultSchema) gets the new optional
// columns, with the options the manifests use, under every Notion-Version; a
// second run changes nothing, and the sync then fills the new columns with
// zero failures.
func TestSchemaApplyUpgradesAnOldDatabase(t *testing.T) {
	t.Parallel()
	newOnes := []string{"Quality Tier", "Test Status", "Data Classification", "Constellation", "MATRIZ Nodes", "Colony", "Dependencies", "Docs", "Manifest Updated"}
	for _, v := range notion.Versions() {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			ver := []string{"--notion-version", string(v)}
			before := schemaProps(t, h.srv, h.db)

			code, out, errOut := h.run(append([]string{"schema", "apply", "--dry-run"}, ver...)...)
			if code != ExitOK || schemaPatches(h.srv) != 0 {
				t.Fatalf("dry run: exit %d, %d schema edits\n%s\n%s", code, schemaPatches(h.srv), out, errOut)
			}
			for _, want := range append([]string{"Would add (dry run, nothing written)", `➕ Lane: 3 new options: "L1", "L2", "L3"`, `➕ Dependencies (multi_select, `}, newOnes...) {
				if !strings.Contains(out, want) {
					t.Errorf("dry run output lacks %q:\n%s", want, out)
				}
			}
			if diff := cmp.Diff(before, schemaProps(t, h.srv, h.db)); diff != "" {
				t.Errorf("the dry run changed the schema (-before +after):\n%s", diff)
			}

			out = h.mustRun(append([]string{"schema", "apply"}, ver...)...)
			if !strings.Contains(out, "✅ Added:") || schemaPatches(h.srv) != 1 {
				t.Errorf("apply: %d schema edits, want 1\n%s", schemaPatches(h.srv), out)
			}
			after := schemaProps(t, h.srv, h.db)
			for name, typ := range builtinTypes() {
				if after[name].Type != typ {
					t.Errorf("after apply %q is %q, want %s", name, after[name].Type, typ)
				}
			}
			if !cmp.Equal(after["Notes"], before["Notes"]) || !slices.Contains(after["Status"].Options, "Active") {
				t.Errorf("apply touched what it must keep: Notes %+v, Status %+v", after["Notes"], after["Status"])
			}
			if diff := cmp.Diff([]string{"L1", "L2", "L3"}, after["Lane"].Options); diff != "" {
				t.Errorf("Lane options (-want +got):\n%s", diff)
			}
			if !slices.Contains(after["Dependencies"].Options, "core") {
				t.Errorf("Dependencies options = %v, want the manifests' values, core among them", after["Dependencies"].Options)
			}

			out = h.mustRun(append([]string{"schema", "apply"}, ver...)...)
			if !strings.Contains(out, "✅ The database has every configured property") || schemaPatches(h.srv) != 1 {
				t.Errorf("second apply: %d schema edits in all, want still 1\n%s", schemaPatches(h.srv), out)
			}
			if diff := cmp.Diff(after, schemaProps(t, h.srv, h.db)); diff != "" {
				t.Errorf("the second apply changed the schema (-first +second):\n%s", diff)
			}

			if code, out, errOut := h.run(append([]string{"sync", "--all"}, ver...)...); code != ExitOK {
				t.Fatalf("sync after apply: exit %d\n%s\n%s", code, out, errOut)
			}
			if plan := h.readPlan(); plan.Summary.Error != 0 || plan.Summary.Create != 12 {
				t.Errorf("sync after apply: %+v, want 12 creates and no failure", plan.Summary)
			}
			if got := h.live()["memory"].PlainText("Dependencies"); got != "core" {
				t.Errorf("memory's Dependencies = %q, want core (a column schema apply added)", got)
			}
		})
	}
}

// TestSchemaApplyRefusals: a property of the wrong type stops apply before any
// write (exit 1, nothing changed, the fix shown); a status property or option
// is listed for the Notion UI (exit 1) while the rest is added.
func TestSchemaApplyRefusals(t *testing.T) {
	t.Parallel()
	stageConfig := "version: 1\nproperties:\n  Manifest: {type: rich_text, from: $path}\n  Lane: {type: select, from: matrix.lane}\n  Stage: {type: status, default: Planned}\n"
	tests := []struct {
		name     string
		edit     func(map[string]json.RawMessage)
		config   string
		args     []string
		want     []string
		wantEdit bool // one schema PATCH
	}{
		{
			name: "wrong type",
			edit: func(p map[string]json.RawMessage) {
				p["Lane"] = json.RawMessage(`{"name":"Lane","type":"rich_text","rich_text":{}}`)
			},
			want: []string{`❌ 1 property of the wrong type`, `property "Lane" is rich_text in Notion but select in the built-in config`,
				"Edit property → Type", "Once they are fixed, schema apply will add:", "➕ Quality Tier (select", "Nothing was changed."},
		},
		{
			name: "wrong type, dry run",
			edit: func(p map[string]json.RawMessage) {
				p["MQI"] = json.RawMessage(`{"name":"MQI","type":"rich_text","rich_text":{}}`)
			},
			args: []string{"--dry-run"},
			want: []string{`property "MQI" is rich_text in Notion but number`, "Nothing was changed."},
		},
		{
			name: "title under another name",
			edit: func(p map[string]json.RawMessage) {
				delete(p, "Module")
				p["Name"] = json.RawMessage(`{"id":"title","name":"Name","type":"title","title":{}}`)
			},
			want: []string{`the database's title property is "Name", the config's key property is "Module"`, "set key.property", "Nothing was changed."},
		},
		{
			name:     "status property missing",
			edit:     func(map[string]json.RawMessage) {},
			config:   stageConfig,
			want:     []string{"✅ Added:", `➕ Lane: 3 new options`, "✋ The API cannot create status properties", `Stage: add a Status property named "Stage"`, `with the options "Planned"`},
			wantEdit: true,
		},
		{
			name: "status option missing",
			edit: func(p map[string]json.RawMessage) {
				p["Stage"] = json.RawMessage(`{"name":"Stage","type":"status","status":{"options":[{"name":"Done"}]}}`)
			},
			config:   stageConfig,
			want:     []string{"✅ Added:", `Stage: add the options "Planned" (the Stage column's menu → Edit property → add an option)`},
			wantEdit: true,
		},
	}
	for _, tt := range tests {
		for _, v := range notion.Versions() {
			t.Run(tt.name+"/"+string(v), func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, emulator.Options{})
				h.withSchema(tt.edit)
				if tt.config != "" {
					h.writeConfig(tt.config)
				}
				before := schemaProps(t, h.srv, h.db)
				args := append([]string{"schema", "apply", "--notion-version", string(v)}, tt.args...)
				code, out, errOut := h.run(args...)
				if code != ExitProblems {
					t.Errorf("exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
				}
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						t.Errorf("output lacks %q:\n%s", w, out)
					}
				}
				if n := schemaPatches(h.srv); n != map[bool]int{false: 0, true: 1}[tt.wantEdit] {
					t.Errorf("%d schema edits, want edit %v", n, tt.wantEdit)
				}
				if !tt.wantEdit {
					if diff := cmp.Diff(before, schemaProps(t, h.srv, h.db)); diff != "" {
						t.Errorf("the schema changed (-before +after):\n%s", diff)
					}
					return
				}
				// The API never made a status column, and the second run adds nothing.
				if typ := schemaProps(t, h.srv, h.db)["Stage"].Type; typ != before["Stage"].Type {
					t.Errorf("Stage became %q", typ)
				}
				if code, out, _ := h.run(args...); code != ExitProblems || strings.Contains(out, "➕") || schemaPatches(h.srv) != 1 {
					t.Errorf("second run: exit %d, %d schema edits in all\n%s", code, schemaPatches(h.srv), out)
				}
			})
		}
	}
}

func TestSchemaApplyUsage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"schema", "apply", "--output", "x.json"}, "--output is not a flag of schema apply"},
		{[]string{"schema", "dump", "--dry-run"}, "--dry-run is not a flag of schema dump"},
		{[]string{"schema", "apply", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		code, _, errOut := h.run(tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", tt.args, code, ExitUsage, tt.wantErr, errOut)
		}
	}
	if n := schemaPatches(h.srv); n != 0 {
		t.Errorf("%d schema edits on bad usage", n)
	}
}

var exportLine = regexp.MustCompile(`(?m)^export (NOTION_DATABASE_ID|NOTION_DATA_SOURCE_ID)=([0-9a-f-]{36})$`)

// TestInit creates the database under a page given by URL, with the built-in
// config's every property and the manifests' options, under every
// Notion-Version; the printed id then syncs with zero failures and schema
// apply finds nothing to add.
func TestInit(t *testing.T) {
	t.Parallel()
	for _, v := range notion.Versions() {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			parent := h.srv.CreateParentPage("Engineering")
			url := "https://www.notion.so/acme/Engineering-" + strings.ReplaceAll(parent, "-", "")
			ver := []string{"--notion-version", string(v)}
			out := h.mustRun(append([]string{"init", "--parent", url, "--title", "Platform modules"}, ver...)...)
			ids := map[string]string{}
			for _, m := range exportLine.FindAllStringSubmatch(out, -1) {
				ids[m[1]] = m[2]
			}
			db := ids["NOTION_DATABASE_ID"]
			if db == "" || v.DataSources() != (ids["NOTION_DATA_SOURCE_ID"] != "") {
				t.Fatalf("export lines = %v under %s:\n%s", ids, v, out)
			}
			for _, want := range []string{`✅ Created database "Platform modules" (` + db + `) with 24 properties from the built-in config`, `➕ Module (title)`, `➕ Lane (select, 3 options: "L1", "L2", "L3")`, "Then: notion-sync sync --all"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			got := schemaProps(t, h.srv, db)
			want := map[string]schemaProp{}
			for name, typ := range builtinTypes() {
				want[name] = schemaProp{Type: typ, Options: got[name].Options}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schema of the new database (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Active", "Experimental"}, got["Status"].Options); diff != "" { // the default and a manifest's
				t.Errorf("Status options (-want +got):\n%s", diff)
			}
			raw, _ := h.srv.Database(db)
			if !strings.Contains(string(raw), `"plain_text":"Platform modules"`) || !strings.Contains(string(raw), parent) {
				t.Errorf("the new database is not titled Platform modules under page %s: %.300s", parent, raw)
			}

			on := append([]string{"--database-id", db}, ver...)
			if code, out, errOut := h.run(append([]string{"sync", "--all"}, on...)...); code != ExitOK {
				t.Fatalf("sync into the new database: exit %d\n%s\n%s", code, out, errOut)
			}
			if plan := h.readPlan(); plan.Summary.Error != 0 || plan.Summary.Create != 12 {
				t.Errorf("sync into the new database: %+v, want 12 creates and no failure", plan.Summary)
			}
			if out := h.mustRun(append([]string{"schema", "apply"}, on...)...); !strings.Contains(out, "✅ The database has every") || schemaPatches(h.srv) != 0 {
				t.Errorf("schema apply after init: %d edits\n%s", schemaPatches(h.srv), out)
			}
		})
	}
}

// TestInitRefusals: an unreachable parent is exit 2 with the fix, and creates
// nothing; so are a missing or malformed --parent.
func TestInitRefusals(t *testing.T) {
	t.Parallel()
	for _, v := range notion.Versions() {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			parent := h.srv.CreateParentPage("Private")
			h.srv.SetShared(parent, false)
			tests := []struct {
				args []string
				want []string
			}{
				{[]string{"--parent", parent}, []string{"the integration cannot reach page " + parent, "Fix: open the page in Notion, ••• → Connections → add the integration"}},
				{[]string{"--parent", "not-a-page"}, []string{"--parent is not a Notion page"}},
				{nil, []string{"--parent is required"}},
			}
			for _, tt := range tests {
				args := append([]string{"init", "--notion-version", string(v)}, tt.args...)
				code, out, errOut := h.run(args...)
				if code != ExitUsage || strings.Contains(out, "export ") {
					t.Errorf("%v: exit %d, want %d and no export line\n%s\n%s", tt.args, code, ExitUsage, out, errOut)
				}
				for _, w := range tt.want {
					if !strings.Contains(errOut, w) {
						t.Errorf("%v: stderr lacks %q:\n%s", tt.args, w, errOut)
					}
				}
				assertNoSecret(t, h.srv.Token(), h.art, out, errOut)
			}
			if dbs := h.srv.Databases(); len(dbs) != 1 {
				t.Errorf("databases = %v, want only the harness's", dbs)
			}
		})
	}
}

// TestActionSchemaApply: mode schema-apply is a dry run on a pull request and
// adds the columns from a workflow_dispatch, reporting in the job summary.
func TestActionSchemaApply(t *testing.T) {
	t.Parallel()
	a := newActionHarness(t)
	head := a.head()
	res := a.run("pull_request", prPayload(t, 7, head, head, "octo/mono"), map[string]string{"mode": "schema-apply"})
	if res.code != ExitOK || !strings.Contains(res.summary, "## Notion schema-apply") || !strings.Contains(res.summary, "Would add (dry run, nothing written)") ||
		!strings.Contains(res.summary, "the schema is changed only once the config is merged") {
		res.failf(t, "pull request: want exit 0 and the dry run in the summary")
	}
	if n := schemaPatches(a.srv); n != 0 {
		t.Errorf("schema-apply on a pull request made %d schema edits", n)
	}
	res = a.run("workflow_dispatch", nil, map[string]string{"mode": "schema-apply"})
	if res.code != ExitOK || !strings.Contains(res.summary, "✅ Added:") || !strings.Contains(res.summary, "➕ Quality Tier (select") {
		res.failf(t, "dispatch: want exit 0 and the additions in the summary")
	}
	if typ := schemaProps(t, a.srv, a.db)["Quality Tier"].Type; typ != "select" || schemaPatches(a.srv) != 1 {
		t.Errorf("after the dispatch Quality Tier is %q, %d schema edits", typ, schemaPatches(a.srv))
	}
}

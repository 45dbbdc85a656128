package module

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/golden"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/property"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testConfig covers every type and special.
const testConfig = `version: 1
key: {property: Name, from: [module, module.name, name, $dir]}
owner_property: Manifest
properties:
  Description: {type: rich_text, from: description}
  Features:    {type: multi_select, from: features}
  Lane:        {type: select, from: [matrix.lane, lane]}
  Status:      {type: status, from: status, default: Active}
  MQI:         {type: number, from: [quality.mqi, mqi]}
  Live:        {type: checkbox, from: live}
  Since:       {type: date, from: since}
  Docs:        {type: url, from: links.docs}
  Contact:     {type: email, from: ownership.email}
  APIs:        {type: rich_text, from: apis, template: "{{range $k, $v := .}}- {{$k}} ({{$v.module}})\n{{end}}"}
  Manifest:    {type: rich_text, from: $path}
  Folder:      {type: select, from: $dir}
  SHA:         {type: rich_text, from: $sha}
  Commit:      {type: rich_text, from: $commit}
  Synced:      {type: date, from: $synced_at}
`

func loadConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("notion-sync.yml", []byte(yaml))
	if err != nil {
		t.Fatalf("parse test config: %v", err)
	}
	return cfg
}

// load writes body as the manifest at p in a fresh repository and reads it.
func load(t *testing.T, p, body string) *manifest.Manifest {
	t.Helper()
	root := filepath.Join(t.TempDir(), "repo")
	full := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(root, p)
	if err != nil {
		t.Fatalf("load %s: %v", p, err)
	}
	return m
}

func num(f float64) property.Value { return property.NumberValue(f) }
func txt(t property.Type, s string) property.Value {
	return property.TextValue(t, s)
}

// want returns the Props of a module of testConfig: every property empty but
// the specials, then the given values.
func want(cfg *config.Config, m *manifest.Manifest, sp Specials, set map[string]property.Value) map[string]property.Value {
	out := map[string]property.Value{cfg.Key.Property: {Type: property.Title}}
	for _, p := range cfg.Properties {
		out[p.Name] = property.Value{Type: p.Type}
	}
	out["Status"] = txt(property.Status, "Active")
	out["Manifest"] = txt(property.RichText, m.Path)
	out["Folder"] = txt(property.Select, m.Dir)
	out["SHA"] = txt(property.RichText, m.SHA)
	if sp.Commit != "" {
		out["Commit"] = txt(property.RichText, sp.Commit)
	}
	if !sp.SyncedAt.IsZero() {
		out["Synced"] = txt(property.Date, sp.SyncedAt.UTC().Format(time.RFC3339))
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}

func TestResolve(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, testConfig)
	sp := Specials{Commit: "0123abcd", SyncedAt: time.Date(2025, 11, 26, 19, 30, 0, 0, time.FixedZone("CET", 3600))}
	tests := []struct {
		name         string
		path         string
		body         string
		sp           Specials
		set          map[string]property.Value
		wantWarnings []string
		wantPageID   string
		hydrated     bool
	}{
		{
			name: "every type",
			path: "core/module.manifest.json",
			body: `{
  "module": "core",
  "description": "Core services",
  "features": ["auth", "routing"],
  "matrix": {"lane": "L2"},
  "status": "Beta",
  "quality": {"mqi": 92.30},
  "live": true,
  "since": "2025-01-31",
  "links": {"docs": "https://example.com/docs"},
  "ownership": {"email": "core@example.com"},
  "apis": {"b_api": {"module": "core.b"}, "a_api": {"module": "core.a"}},
  "notion_page_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
}`,
			sp: sp,
			set: map[string]property.Value{
				"Name":        txt(property.Title, "core"),
				"Description": txt(property.RichText, "Core services"),
				"Features":    property.NamesValue("auth", "routing"),
				"Lane":        txt(property.Select, "L2"),
				"Status":      txt(property.Status, "Beta"),
				"MQI":         num(92.3),
				"Live":        property.CheckboxValue(true),
				"Since":       txt(property.Date, "2025-01-31"),
				"Docs":        txt(property.URL, "https://example.com/docs"),
				"Contact":     txt(property.Email, "core@example.com"),
				"APIs":        txt(property.RichText, "- a_api (core.a)\n- b_api (core.b)"),
			},
			wantPageID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		},
		{
			name: "key from module.name, fallback lane, default status, no specials",
			path: "labs/identity/module.manifest.json",
			body: `{"module": {"name": "lukhas.identity"}, "lane": "lukhas", "mqi": 7, "quality": {"mqi": null}}`,
			set: map[string]property.Value{
				"Name": txt(property.Title, "lukhas.identity"),
				"Lane": txt(property.Select, "lukhas"),
				"MQI":  num(7),
			},
		},
		{
			name: "key from name when module is empty",
			path: "manifests/matriz/module.manifest.json",
			body: `{"module": "  ", "name": "matriz", "status": "integration", "apis": {}}`,
			set: map[string]property.Value{
				"Name":   txt(property.Title, "matriz"),
				"Status": txt(property.Status, "integration"),
			},
		},
		{
			name: "key from $dir",
			path: "bio/module.manifest.json",
			body: `{"module": 42}`,
			set:  map[string]property.Value{"Name": txt(property.Title, "bio")},
		},
		{
			name: "hydration wins over from and template; null falls through",
			path: "core/module.manifest.json",
			body: `{
  "module": "core",
  "description": "from the manifest",
  "matrix": {"lane": "L2"},
  "apis": {"x": {"module": "core.x"}},
  "notion_database_options": {"Name": "Core", "Description": "pinned", "Lane": null, "APIs": "hand written", "Folder": "pinned dir", "Other": 1}
}`,
			set: map[string]property.Value{
				"Name":        txt(property.Title, "Core"),
				"Description": txt(property.RichText, "pinned"),
				"Lane":        txt(property.Select, "L2"),
				"APIs":        txt(property.RichText, "hand written"),
				"Folder":      txt(property.Select, "pinned dir"),
			},
			wantWarnings: []string{
				"Description: notion_database_options.Description wins over description, which differs; edit notion_database_options.Description to change what Notion shows",
				"APIs: notion_database_options.APIs wins over apis, which differs; edit notion_database_options.APIs to change what Notion shows",
			},
			hydrated: true,
		},
		{
			name: "coercions are warned",
			path: "core/module.manifest.json",
			body: `{
  "module": "core",
  "description": ["one", 2, {"three": 3}],
  "features": ["a", 1, true, null, " b ", ""],
  "quality": {"mqi": " 92.3"},
  "live": "TRUE",
  "lane": 3,
  "status": false,
  "links": {"docs": ""},
  "since": ""
}`,
			set: map[string]property.Value{
				"Name":        txt(property.Title, "core"),
				"Description": txt(property.RichText, `one, 2, {"three":3}`),
				"Features":    property.NamesValue("a", "1", "true", "b"),
				"Lane":        txt(property.Select, "3"),
				"Status":      txt(property.Status, "false"),
				"MQI":         num(92.3),
				"Live":        property.CheckboxValue(true),
			},
			wantWarnings: []string{
				`Description: a list in description was joined into text with ", "`,
				`Features: 1 is not text; used as option "1"`,
				`Features: true is not text; used as option "true"`,
				`Features: a null in the list was skipped`,
				`MQI: " 92.3" is a string; used as number 92.3`,
				`Live: "TRUE" is a string; used as checkbox true`,
			},
		},
		{
			name: "objects flattened, single string multi_select",
			path: "x/module.manifest.json",
			body: `{"module": "x", "description": {"b": 1, "a": "<&>"}, "features": "solo", "ownership": "nope", "notion_page_id": 5, "notion_database_options": []}`,
			set: map[string]property.Value{
				"Name":        txt(property.Title, "x"),
				"Description": txt(property.RichText, `{"a":"<&>","b":1}`),
				"Features":    property.NamesValue("solo"),
			},
			wantWarnings: []string{
				"notion_page_id: is a number, not a string; ignored",
				"notion_database_options: is a list, not an object; its values are ignored",
				"Description: an object in description was written as compact JSON; add a template to format it",
			},
		},
		{
			name: "limits made to fit, each loss reported",
			path: "big/module.manifest.json",
			body: fmt.Sprintf(`{"module": "big", "description": %q, "features": [%s], "lane": "L1, L2"}`,
				strings.Repeat("x", 200_005), options(102, true)),
			set: map[string]property.Value{
				"Name":        txt(property.Title, "big"),
				"Description": txt(property.RichText, strings.Repeat("x", 200_000)),
				"Features":    property.NamesValue(optionNames(100)...),
				"Lane":        txt(property.Select, "L1; L2"),
			},
			wantWarnings: []string{
				"Description: text cut from 200005 to 200000 characters (Notion takes at most 100 text objects of 2000)",
				`Features: option "a,0" has commas, which Notion forbids: sent as "a;0"`,
				"Features: 102 options cut to 100 (Notion's limit): dropped o100, o101",
				`Lane: option "L1, L2" has commas, which Notion forbids: sent as "L1; L2"`,
			},
		},
		{
			name: "2500 characters is no loss: Encode splits it",
			path: "long/module.manifest.json",
			body: fmt.Sprintf(`{"module": "long", "description": %q}`, strings.Repeat("y", 2500)),
			set: map[string]property.Value{
				"Name":        txt(property.Title, "long"),
				"Description": txt(property.RichText, strings.Repeat("y", 2500)),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, tt.path, tt.body)
			got, err := Resolve(cfg, m, tt.sp)
			if err != nil {
				t.Fatalf("Resolve() error: %v", err)
			}
			if diff := cmp.Diff(want(cfg, m, tt.sp, tt.set), got.Props); diff != "" {
				t.Errorf("Props mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWarnings, got.Warnings); diff != "" {
				t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
			}
			if got.Key != got.Props["Name"].Text || got.Key == "" {
				t.Errorf("Key = %q, want the title %q", got.Key, got.Props["Name"].Text)
			}
			if got.Path != m.Path || got.Dir != m.Dir || got.SHA != m.SHA || got.PageID != tt.wantPageID || got.Hydrated != tt.hydrated {
				t.Errorf("Path, Dir, SHA, PageID, Hydrated = %q, %q, %q, %q, %v", got.Path, got.Dir, got.SHA, got.PageID, got.Hydrated)
			}
		})
	}
}

// options returns n JSON strings "o0".."o{n-1}", the first with a comma when comma.
func options(n int, comma bool) string {
	names := optionNames(n)
	if comma {
		names[0] = "a,0"
	}
	return `"` + strings.Join(names, `", "`) + `"`
}

func optionNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("o%d", i)
	}
	if n > 0 {
		out[0] = "a;0"
	}
	return out
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, testConfig)
	noDir := loadConfig(t, "version: 1\nkey: {from: [module, name]}\n")
	tests := []struct {
		name string
		cfg  *config.Config
		body string
		want string
	}{
		{
			name: "Notion's message for a non-numeric string",
			body: "{\n  \"module\": \"core\",\n  \"quality\": {\n    \"mqi\": \"high\"\n  }\n}",
			want: `core/module.manifest.json:4:12: quality.mqi: Field 'MQI' expects number, got string "high"; put a number in quality.mqi or remove it`,
		},
		{
			name: "several fields fail",
			body: `{"module": "core", "mqi": true, "live": "yes", "since": "soon", "lane": ["a"], "features": {"a": 1}, "links": {"docs": [1]}}`,
			want: `core/module.manifest.json:1:92: features: Field 'Features' expects multi_select, got object; put a list of names in features or remove it (5 more fields fail: lane, mqi, live, since, links.docs)`,
		},
		{
			name: "hydrated value of the wrong type",
			body: `{"module": "core", "notion_database_options": {"MQI": "n/a"}}`,
			want: `core/module.manifest.json:1:55: notion_database_options.MQI: Field 'MQI' expects number, got string "n/a"; put a number in notion_database_options.MQI or remove it`,
		},
		{
			name: "hydrated key must be a string",
			body: `{"module": "core", "notion_database_options": {"Name": 3}}`,
			want: `core/module.manifest.json:1:56: notion_database_options.Name: the key Name must be a non-empty string, got number 3; fix it or remove the entry`,
		},
		{
			name: "template fails on the value",
			body: `{"module": "core", "apis": "none"}`,
			want: `core/module.manifest.json:1:28: apis: the template of 'APIs' fails on this value: template: APIs:1:18: executing "APIs" at <.>: range can't iterate over none; fix the template or the value`,
		},
		{
			name: "number out of range",
			body: `{"module": "core", "mqi": 1e999}`,
			want: `core/module.manifest.json:1:27: mqi: Field 'MQI' expects number, got number 1e999; put a finite number in mqi or remove it`,
		},
		{
			name: "no key",
			cfg:  noDir,
			body: `{"module": {"name": "x"}, "name": ""}`,
			want: `core/module.manifest.json: key.from: no key: none of module, name is a non-empty string, so the module has no Module; set "module" to the module's name`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := cfg
			if tt.cfg != nil {
				c = tt.cfg
			}
			m := load(t, "core/module.manifest.json", tt.body)
			got, err := Resolve(c, m, Specials{})
			if err == nil {
				t.Fatalf("Resolve() = %+v, want an error", got)
			}
			var p *manifest.Problem
			if !errors.As(err, &p) {
				t.Fatalf("Resolve() error %T, want *manifest.Problem", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Resolve() error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestSyncedAtIsUTC(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	m := load(t, "a/module.manifest.json", `{"module": "a"}`)
	at := time.Date(2025, 11, 26, 20, 0, 0, 123, time.FixedZone("X", 2*3600))
	got, err := Resolve(cfg, m, Specials{Commit: "c0ffee", SyncedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Props["Updated At"]; v.Text != "2025-11-26T18:00:00Z" || !property.ValidDate(v.Text) {
		t.Errorf("Updated At = %q, want 2025-11-26T18:00:00Z", v.Text)
	}
	if v := got.Props["Last Commit"]; v.Text != "c0ffee" {
		t.Errorf("Last Commit = %q", v.Text)
	}
	if v := got.Props["Status"]; v.Text != "Active" {
		t.Errorf("Status = %q, want the default Active", v.Text)
	}
}

func TestBackfill(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	tests := []struct {
		name string
		body string
	}{
		{
			name: "new-object",
			body: `{
  "module": "core",
  "description": "Core, with a comma",
  "features": ["a", "b"],
  "matrix": {"lane": "L2"},
  "quality": {"mqi": "92.30"},
  "apis": {"x": {"module": "core.x"}},
  "notion_page_id": "abc"
}
`,
		},
		{
			name: "existing-object",
			body: `{
    "module": {"name": "lukhas.core"},
    "tags": ["t"],
    "notion_database_options": {
        "Team": "Pinned",
        "Not managed": [1, 2],
        "Tags": ["t"]
    },
    "ownership": {"team": "Core"}
}
`,
		},
		{
			name: "dir-key-only",
			body: "{\"features\": []}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, "core/module.manifest.json", tt.body)
			before, err := Resolve(cfg, m, Specials{Commit: "c", SyncedAt: time.Unix(0, 0)})
			if err != nil {
				t.Fatal(err)
			}
			out, changed, err := Backfill(cfg, m, before)
			if err != nil {
				t.Fatalf("Backfill() error: %v", err)
			}
			if !changed {
				t.Fatal("Backfill() changed = false on a manifest missing values")
			}
			checkGolden(t, filepath.Join("testdata", "backfill-"+tt.name+".golden"), out)

			// Everything outside the hydrate object is byte for byte the same.
			if diff := cmp.Diff(tt.body, string(out)); !onlyHydrate(tt.body, string(out)) {
				t.Errorf("Backfill() changed bytes outside notion_database_options:\n%s", diff)
			}
			m2 := reload(t, m, out)
			after, err := Resolve(cfg, m2, Specials{Commit: "c", SyncedAt: time.Unix(0, 0)})
			if err != nil {
				t.Fatalf("Resolve() after Backfill: %v", err)
			}
			if !after.Hydrated {
				t.Error("Hydrated = false after Backfill")
			}
			wantProps := before.Props
			wantProps["Provenance SHA"] = after.Props["Provenance SHA"]
			if diff := cmp.Diff(wantProps, after.Props); diff != "" {
				t.Errorf("Backfill() changed what the manifest resolves to (-before +after):\n%s", diff)
			}
			again, changed, err := Backfill(cfg, m2, after)
			if err != nil || changed || string(again) != string(out) {
				t.Errorf("Backfill() twice: changed = %v, err = %v, output differs = %v", changed, err, string(again) != string(out))
			}
		})
	}
}

// onlyHydrate reports whether b is a with only notion_database_options added or
// edited: the bytes that differ lie inside that object's value (or are the
// whole new member), and nothing was removed outside it.
func onlyHydrate(a, b string) bool {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	hb := gjson.Get(b, "notion_database_options")
	if !hb.IsObject() {
		return false
	}
	if ha := gjson.Get(a, "notion_database_options"); ha.Exists() {
		return pre >= ha.Index && len(a)-suf <= ha.Index+len(ha.Raw) &&
			pre >= hb.Index && len(b)-suf <= hb.Index+len(hb.Raw)
	}
	added := strings.TrimLeft(b[pre:len(b)-suf], ", \t\r\n")
	return pre == len(a)-suf && strings.HasPrefix(added, `"notion_database_options"`) &&
		strings.HasSuffix(b[:len(b)-suf], hb.Raw)
}

func reload(t *testing.T, m *manifest.Manifest, raw []byte) *manifest.Manifest {
	t.Helper()
	root := t.TempDir()
	full := filepath.Join(root, filepath.FromSlash(m.Path))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	m2, err := manifest.Load(root, m.Path)
	if err != nil {
		t.Fatalf("reload: %v\n%s", err, raw)
	}
	return m2
}

func TestBackfillRefuses(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	m := load(t, "core/module.manifest.json", `{"module": "core", "notion_database_options": "x"}`)
	mod, err := Resolve(cfg, m, Specials{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Backfill(cfg, m, mod); err == nil || !strings.Contains(err.Error(), "notion_database_options: is a string, not an object") {
		t.Errorf("Backfill(hydrate not an object) error = %v", err)
	}
	off := config.Default()
	off.Hydrate = ""
	if _, _, err := Backfill(off, m, mod); err == nil {
		t.Error("Backfill() without a hydrate object in the config succeeded")
	}
	other := mod
	other.Path = "elsewhere/module.manifest.json"
	if _, _, err := Backfill(cfg, m, other); err == nil {
		t.Error("Backfill() with another manifest's module succeeded")
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got, *update)
}

func TestTemplateOutput(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, `version: 1
owner_property: ""
properties:
  Count:  {type: number, from: apis, template: "{{len .}}"}
  Names:  {type: multi_select, from: apis, template: "{{range $k, $v := .}}{{$k}},\n{{end}}"}
  Live:   {type: checkbox, from: apis, template: "{{if .a}}true{{else}}false{{end}}"}
  Pinned: {type: rich_text, from: missing, default: "no template on defaults {{.}}", template: "T{{.}}"}
  Empty:  {type: rich_text, from: apis.none, template: "{{.}}"}
`)
	m := load(t, "x/module.manifest.json", `{"apis": {"b": {"module": "x.b"}, "a": {"module": "x.a"}}}`)
	got, err := Resolve(cfg, m, Specials{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]property.Value{
		"Module": txt(property.Title, "x"),
		"Count":  num(2),
		"Names":  property.NamesValue("a", "b"),
		"Live":   property.CheckboxValue(true),
		"Pinned": txt(property.RichText, "no template on defaults {{.}}"),
		"Empty":  {Type: property.RichText},
	}
	if diff := cmp.Diff(want, got.Props); diff != "" {
		t.Errorf("Props mismatch (-want +got):\n%s", diff)
	}
	if len(got.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none for a template's own text", got.Warnings)
	}
}

func TestBackfillSkipsVolatileDefaults(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, `version: 1
owner_property: ""
properties:
  Last Commit: {type: rich_text, from: $commit, default: none}
  Kind:        {type: select, default: module}
`)
	m := load(t, "x/module.manifest.json", `{"module": "x"}`)
	mod, err := Resolve(cfg, m, Specials{Commit: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	out, changed, err := Backfill(cfg, m, mod)
	if err != nil || !changed {
		t.Fatalf("Backfill() changed = %v, err = %v", changed, err)
	}
	if want := `{"module": "x", "notion_database_options": {"Module": "x", "Kind": "module"}}`; string(out) != want {
		t.Errorf("Backfill() = %s, want %s", out, want)
	}
}

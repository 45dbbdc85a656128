package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lukhas/notion-sync-action/internal/property"
)

// designBlock is the YAML block of DESIGN.md "Config", verbatim: the built-in
// config of the first release.
const designBlock = `version: 1
manifests:
  include: ["**/module.manifest.json"]   # repo-relative globs, ** allowed
  exclude: ["**/.*/**", "**/node_modules/**", "**/dist/**"]   # hidden folders: .git, .venv, .archive
key:
  property: Module            # the database's title property
  from: [module, module.name, name, $dir]   # first non-empty string wins
hydrate: notion_database_options   # manifest object whose entries, when present, win
require_hydration: true            # pre-flight fails on manifests without it
owner_property: Manifest           # pages with this set were created by the sync
on_delete: archive                 # archive | ignore
properties:
  Description:    {type: rich_text, from: description}
  Features:       {type: multi_select, from: features}
  Tags:           {type: multi_select, from: tags}
  Lane:           {type: select, from: [matrix.lane, lane]}
  Status:         {type: select, from: status, default: Active}
  MQI:            {type: number, from: [quality.mqi, mqi]}
  Team:           {type: select, from: ownership.team}
  Coverage:       {type: number, from: testing.coverage_observed}
  SLA p95:        {type: number, from: performance.sla_targets.latency_p95_ms}
  APIs:           {type: rich_text, from: apis, template: "{{range $k, $v := .}}- {{$k}} ({{$v.module}})\n{{end}}"}
  Manifest:       {type: rich_text, from: $path}
  Provenance SHA: {type: rich_text, from: $sha}
  Last Commit:    {type: rich_text, from: $commit}
  Updated At:     {type: date, from: $synced_at}
`

// TestDefaultIsBuiltinFile: Default is the config documented in docs/config.md,
// kept as testdata/builtin.yml, and the documentation shows that file verbatim.
func TestDefaultIsBuiltinFile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "builtin.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(DefaultPath, data)
	if err != nil {
		t.Fatalf("Parse(testdata/builtin.yml) error: %v", err)
	}
	ignore := cmp.Options{cmpopts.IgnoreFields(Config{}, "File"), cmpopts.IgnoreFields(Property{}, "Line")}
	if diff := cmp.Diff(Default(), got, ignore); diff != "" {
		t.Errorf("Default() differs from testdata/builtin.yml (-Default +parsed):\n%s", diff)
	}

	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil {
		t.Fatalf("read docs/config.md: %v", err)
	}
	const begin, end = "<!-- builtin.yml -->\n```yaml\n", "```\n<!-- /builtin.yml -->"
	_, rest, ok := strings.Cut(string(doc), begin)
	block, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("docs/config.md has no block between %q and %q", begin, end)
	}
	if diff := cmp.Diff(string(data), block); diff != "" {
		t.Errorf("docs/config.md shows another built-in config than testdata/builtin.yml (-file +doc):\n%s", diff)
	}
}

// TestDefaultExtendsDesignBlock: the built-in config grew from the block of
// DESIGN.md "Config"; every property of that block is still there with its type
// and its paths (new fallbacks may follow them), so a database made for it keeps
// matching, and every property added since is optional. The one deliberate
// change is Provenance SHA, now a hash of the synced values ($values_sha) instead
// of the whole manifest ($sha), so that a regeneration writes nothing.
func TestDefaultExtendsDesignBlock(t *testing.T) {
	t.Parallel()
	design, err := Parse(DefaultPath, []byte(designBlock))
	if err != nil {
		t.Fatalf("Parse(design block) error: %v", err)
	}
	def := Default()
	ignore := cmp.Options{cmpopts.IgnoreFields(Config{}, "File", "Properties")}
	if diff := cmp.Diff(def, design, ignore); diff != "" {
		t.Errorf("Default() differs from the DESIGN.md block outside properties (-Default +design):\n%s", diff)
	}
	inDesign := map[string]bool{}
	for _, want := range design.Properties {
		inDesign[want.Name] = true
		got, ok := def.Property(want.Name)
		if !ok {
			t.Errorf("Default() lost property %q", want.Name)
			continue
		}
		if got.Type != want.Type || got.Default != want.Default || got.Template != want.Template && want.Name != "Description" || got.Optional {
			t.Errorf("Default() %q = %+v; want type %s, default %v, template %q, not optional, as in DESIGN.md", want.Name, got, want.Type, want.Default, want.Template)
		}
		if want.Name == "Provenance SHA" {
			if !cmp.Equal(got.From, []string{SpecialValues}) {
				t.Errorf("Provenance SHA from %v, want [$values_sha]", got.From)
			}
			continue
		}
		if !subsequence(want.From, got.From) {
			t.Errorf("Default() %q from %v does not keep DESIGN.md's %v in order", want.Name, got.From, want.From)
		}
	}
	for _, p := range def.Properties {
		if !inDesign[p.Name] && !p.Optional {
			t.Errorf("Default() %q is new since DESIGN.md but not optional, so a database made for DESIGN.md's block would fail preflight", p.Name)
		}
	}
}

// subsequence reports whether every element of a appears in b, in a's order.
func subsequence(a, b []string) bool {
	i := 0
	for _, x := range b {
		if i < len(a) && a[i] == x {
			i++
		}
	}
	return i == len(a)
}

func TestDefaultIsAFreshCopy(t *testing.T) {
	t.Parallel()
	a := Default()
	a.Properties[0].Name = "changed"
	a.Include[0] = "changed"
	if b := Default(); b.Properties[0].Name != "Description" || b.Include[0] != "**/module.manifest.json" {
		t.Errorf("Default() shares state between calls: %+v", b)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const f = ".github/notion-sync.yml"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "empty file",
			yaml: "",
			want: []string{f + `:1: version: missing (the file is empty); add "version: 1" at the top`},
		},
		{
			name: "yaml syntax",
			yaml: "version: 1\nproperties:\n  A: {type: rich_text, from: a\n",
			want: []string{f + `:2: did not find expected ',' or '}'; fix the YAML syntax`},
		},
		{
			name: "not a mapping",
			yaml: "- a\n- b\n",
			want: []string{f + `:1: the file is a list; write a mapping of keys (version: 1, properties: ...)`},
		},
		{
			name: "missing version",
			yaml: "on_delete: ignore\n",
			want: []string{f + `:1: version: missing; add "version: 1" at the top`},
		},
		{
			name: "wrong version",
			yaml: "version: 2\n",
			want: []string{f + `:1: version: 2 is not supported; use version: 1`},
		},
		{
			name: "unknown keys with a suggestion",
			yaml: "version: 1\nmanifests:\n  inclde: [x]\nsettings: {}\n",
			want: []string{
				f + `:3: manifests.inclde: unknown key; did you mean include? (keys: include, exclude)`,
				f + `:4: settings: unknown key; use one of version, manifests, key, hydrate, require_hydration, owner_property, on_delete, properties`,
			},
		},
		{
			name: "bad on_delete",
			yaml: "version: 1\non_delete: delete\n",
			want: []string{f + `:2: on_delete: "delete" is not one of archive, ignore; use archive (a deleted manifest archives its page) or ignore (the page stays)`},
		},
		{
			name: "bad type and title type",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  MQI: {type: float, from: mqi}\n  Name: {type: title, from: name}\n",
			want: []string{
				f + `:4: properties.MQI.type: "float" is not a Notion type this tool writes; use one of ` + property.TypeList,
				f + `:5: properties.Name.type: title is the key property's type (Module); a database has one title, so use rich_text`,
			},
		},
		{
			name: "missing type, no from",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  A: {}\n",
			want: []string{
				f + `:4: properties.A.type: missing; add type: one of ` + property.TypeList,
				f + `:4: properties.A: no from and no default, so it would always be empty; add from: <gjson path>`,
			},
		},
		{
			name: "bad template",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  A:\n    type: rich_text\n    from: a\n    template: \"{{if .}}x\"\n",
			want: []string{f + `:7: properties.A.template: template: A:1: unexpected EOF; fix the Go text/template syntax`},
		},
		{
			name: "owner property not among properties",
			yaml: "version: 1\nowner_property: Owner\nproperties:\n  A: {type: rich_text, from: a}\n",
			want: []string{f + `:2: owner_property: "Owner" is not among properties; add a Owner property (type rich_text, from: $path), name an existing one, or set owner_property: ""`},
		},
		{
			name: "default owner property dropped by own properties",
			yaml: "version: 1\nproperties:\n  A: {type: rich_text, from: a}\n",
			want: []string{f + `:1: owner_property: "Manifest" (the default) is not among properties; add a Manifest property (type rich_text, from: $path), name an existing one, or set owner_property: ""`},
		},
		{
			name: "owner property is the key",
			yaml: "version: 1\nowner_property: Module\n",
			want: []string{f + `:2: owner_property: the key property is set on every page, so every unmatched page would look made by the sync; name a property such as Manifest (from: $path)`},
		},
		{
			name: "unknown special and empty path",
			yaml: "version: 1\nowner_property: \"\"\nkey: {from: [$foo]}\nproperties:\n  A: {type: rich_text, from: [\"\", $bar]}\n",
			want: []string{
				f + `:3: key.from: "$foo" is not a special; use one of $path, $dir, $sha, $values_sha, $commit, $synced_at, or a gjson path without $`,
				f + `:5: properties.A.from: empty path; write a gjson path such as quality.mqi, or a special ($path, $dir, $sha, $values_sha, $commit, $synced_at)`,
				f + `:5: properties.A.from: "$bar" is not a special; use one of $path, $dir, $sha, $values_sha, $commit, $synced_at, or a gjson path without $`,
			},
		},
		{
			name: "volatile key",
			yaml: "version: 1\nkey: {property: Name, from: [name, $commit]}\n",
			want: []string{f + `:2: key.from: $commit changes on every run, so a page could never be found again; key by a manifest field, $dir or $path`},
		},
		{
			name: "special of the wrong type",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  N: {type: number, from: $sha}\n  D: {type: date, from: $commit}\n",
			want: []string{
				f + `:4: properties.N.from: $sha gives text, which a number property cannot hold; use type rich_text`,
				f + `:5: properties.D.from: $commit is not a date; only $synced_at fits a date property`,
			},
		},
		{
			name: "defaults that do not fit",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  N: {type: number, from: n, default: high}\n  C: {type: checkbox, from: c, default: 1}\n  D: {type: date, from: d, default: soon}\n  S: {type: select, from: s, default: [a, b]}\n  M: {type: rich_text, from: m, default: {a: 1}}\n",
			want: []string{
				f + `:4: properties.N.default: "high" does not fit a number property; write a number, such as 0`,
				f + `:5: properties.C.default: 1 does not fit a checkbox property; write true or false`,
				f + `:6: properties.D.default: "soon" does not fit a date property; write a date such as 2025-01-31`,
				f + `:7: properties.S.default: a list does not fit a select property; write one value (only multi_select takes a list)`,
				f + `:8: properties.M.default: a default is a plain value or a list; a mapping cannot be a property value`,
			},
		},
		{
			name: "duplicate keys",
			yaml: "version: 1\nversion: 1\nowner_property: \"\"\nproperties:\n  A: {type: rich_text, from: a}\n  A: {type: number, from: b}\n",
			want: []string{
				f + `:2: version: defined twice (first on line 1); keep one`,
				f + `:6: properties.A: defined twice (first on line 5); keep one`,
			},
		},
		{
			name: "key property listed among properties",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  Module: {type: rich_text, from: module}\n",
			want: []string{f + `:4: properties.Module: Module is the key property (key.property), filled from key.from; remove it here`},
		},
		{
			name: "wrong shapes",
			yaml: "version: 1\nowner_property: \"\"\nmanifests: [a]\nkey: {property: [x], from: {a: 1}}\nrequire_hydration: yes please\nproperties:\n  A: rich_text\n",
			want: []string{
				f + `:3: manifests: a list where a mapping (key: value) belongs; write e.g. {type: rich_text, from: description}`,
				f + `:4: key.property: a list where text belongs; write a string (quote it if needed)`,
				f + `:4: key.from: a mapping where a string or a list of strings belongs; write [a, b]`,
				f + `:5: require_hydration: "yes please" is not a boolean; write true or false`,
				f + `:7: properties.A: "rich_text" where a mapping (key: value) belongs; write e.g. {type: rich_text, from: description}`,
			},
		},
		{
			name: "bad globs and empty include",
			yaml: "version: 1\nmanifests:\n  include: []\n  exclude: [\"[a-\"]\n",
			want: []string{
				f + `:3: manifests.include: empty, so no manifest would be read; list at least one glob such as "**/module.manifest.json"`,
				f + `:4: manifests.exclude: "[a-" is not a valid glob; use a repo-relative pattern such as "**/module.manifest.json"`,
			},
		},
		{
			name: "require hydration without hydrate",
			yaml: "version: 1\nhydrate: \"\"\nrequire_hydration: true\n",
			want: []string{f + `:3: require_hydration: true needs a hydrate object to require; set hydrate: notion_database_options or require_hydration: false`},
		},
		{
			name: "empty key property and key from",
			yaml: "version: 1\nkey: {property: \"\", from: []}\n",
			want: []string{
				f + `:2: key.property: empty; name the database's title property, e.g. Module`,
				f + `:2: key.from: empty; list where the key comes from, e.g. [module, name, $dir]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse(f, []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse() = %+v, want errors", cfg)
			}
			if cfg != nil {
				t.Errorf("Parse() returned a config with its errors: %+v", cfg)
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse() errors mismatch (-want +got):\n%s", diff)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != f || ce.Line == 0 {
				t.Errorf("errors.As(*Error) = %+v, want one naming the file and a line", ce)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	base := Default()
	tests := []struct {
		name string
		yaml string
		want func(c *Config)
	}{
		{
			name: "only version: everything default",
			yaml: "version: 1\n",
			want: func(c *Config) {},
		},
		{
			name: "own properties, single from, defaults normalised",
			yaml: `version: 1
manifests:
  include: "svc/**/manifest.json"
  exclude: []
key:
  property: Name
  from: $path
hydrate: ""
owner_property: Path
on_delete: ignore
properties:
  Path: {type: rich_text, from: $path}
  Port: {type: number, from: port, default: 8080}
  Live: {type: checkbox, from: live, default: false}
  Since: {type: date, from: since, default: 2024-05-01}
  Labels: {type: multi_select, from: [labels, tags], default: [a, 2]}
  Notes: {type: rich_text, from: notes, template: "{{.}}!"}
`,
			want: func(c *Config) {
				c.Include = []string{"svc/**/manifest.json"}
				c.Exclude = []string{}
				c.Key = Key{Property: "Name", From: []string{"$path"}}
				c.Hydrate = ""
				c.RequireHydration = false
				c.OwnerProperty = "Path"
				c.OnDelete = "ignore"
				c.Properties = []Property{
					{Name: "Path", Type: property.RichText, From: []string{"$path"}, Line: 12},
					{Name: "Port", Type: property.Number, From: []string{"port"}, Default: 8080.0, Line: 13},
					{Name: "Live", Type: property.Checkbox, From: []string{"live"}, Default: false, Line: 14},
					{Name: "Since", Type: property.Date, From: []string{"since"}, Default: "2024-05-01", Line: 15},
					{Name: "Labels", Type: property.MultiSelect, From: []string{"labels", "tags"}, Default: []any{"a", 2.0}, Line: 16},
					{Name: "Notes", Type: property.RichText, From: []string{"notes"}, Template: "{{.}}!", Line: 17},
				}
			},
		},
		{
			name: "anchors and no owner",
			yaml: "version: 1\nowner_property:\nproperties:\n  A: &t {type: select, from: a}\n  B: *t\n",
			want: func(c *Config) {
				c.OwnerProperty = ""
				c.Properties = []Property{
					{Name: "A", Type: property.Select, From: []string{"a"}, Line: 4},
					{Name: "B", Type: property.Select, From: []string{"a"}, Line: 5},
				}
			},
		},
		{
			name: "a property with only a default",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  Kind: {type: select, default: module}\n",
			want: func(c *Config) {
				c.OwnerProperty = ""
				c.Properties = []Property{{Name: "Kind", Type: property.Select, Default: "module", Line: 4}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := Default()
			want.File = "x.yml"
			tt.want(want)
			got, err := Parse("x.yml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse() error: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(Default(), base); diff != "" {
		t.Errorf("Parse changed Default():\n%s", diff)
	}
}

func TestLoadDir(t *testing.T) {
	t.Parallel()
	const own = "version: 1\non_delete: ignore\n"
	tests := []struct {
		name     string
		files    map[string]string
		path     string
		wantFile string
		wantErr  string
	}{
		{name: "no file: default", wantFile: ""},
		{name: "yml", files: map[string]string{".github/notion-sync.yml": own}, wantFile: ".github/notion-sync.yml"},
		{name: "yaml", files: map[string]string{".github/notion-sync.yaml": own}, wantFile: ".github/notion-sync.yaml"},
		{name: "explicit", files: map[string]string{"conf/sync.yml": own}, path: "conf/sync.yml", wantFile: "conf/sync.yml"},
		{name: "explicit missing", path: "conf/nope.yml", wantErr: "read config conf/nope.yml: "},
		{name: "bad file", files: map[string]string{".github/notion-sync.yml": "version: 3\n"}, wantErr: ".github/notion-sync.yml:1: version: 3 is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadDir(root, tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadDir() error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadDir() error: %v", err)
			}
			if got.File != tt.wantFile {
				t.Errorf("File = %q, want %q", got.File, tt.wantFile)
			}
			if name := FileName(root, tt.path); name != tt.wantFile {
				t.Errorf("FileName() = %q, want LoadDir's %q", name, tt.wantFile)
			}
			wantDelete := "ignore"
			if tt.wantFile == "" {
				wantDelete = "archive"
			}
			if got.OnDelete != wantDelete {
				t.Errorf("OnDelete = %q, want %q (file not read?)", got.OnDelete, wantDelete)
			}
		})
	}
}

// TestFileNameBroken: a config that does not parse is still named, so a broken
// run finds the PR comment the runs before it wrote.
func TestFileNameBroken(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".github", "notion-sync.yaml"), []byte("version: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := FileName(root, ""), ".github/notion-sync.yaml"; got != want {
		t.Errorf("FileName() = %q, want %q", got, want)
	}
}

func TestVolatileAndManaged(t *testing.T) {
	t.Parallel()
	c := &Config{Key: Key{Property: "Module", From: []string{"$dir"}}, Properties: []Property{
		{Name: "Description", Type: property.RichText, From: []string{"description"}},
		{Name: "Provenance SHA", Type: property.RichText, From: []string{"$values_sha"}},
		{Name: "Whole SHA", Type: property.RichText, From: []string{"$sha"}},
		{Name: "Last Commit", Type: property.RichText, From: []string{"$commit"}},
		{Name: "Updated At", Type: property.Date, From: []string{"$synced_at"}},
		{Name: "Mixed", Type: property.RichText, From: []string{"$commit", "x"}},
		{Name: "Both", Type: property.RichText, From: []string{"$commit", "$synced_at"}},
		{Name: "None", Type: property.Select, Default: "x"},
	}}
	type flags struct{ Volatile, Hashed bool }
	got := map[string]flags{}
	for _, name := range c.Managed() {
		p, _ := c.Property(name)
		got[name] = flags{c.Volatile(name), p.Hashed()}
	}
	want := map[string]flags{
		"Module":         {false, true}, // not a Property: its zero value has no from, so Hashed
		"Description":    {false, true},
		"Provenance SHA": {false, false},
		"Whole SHA":      {false, false},
		"Last Commit":    {true, false},
		"Updated At":     {true, false},
		"Mixed":          {false, false},
		"Both":           {true, false},
		"None":           {false, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Volatile(), Hashed() mismatch (-want +got):\n%s", diff)
	}
	if m := c.Managed(); m[0] != "Module" || m[1] != "Description" || len(m) != 9 {
		t.Errorf("Managed() = %v, want the key first, then properties in order", m)
	}
	if c.Volatile("Nope") {
		t.Error("Volatile(unknown) = true")
	}
	for _, p := range Default().Properties {
		if v := Default().Volatile(p.Name); v != (p.Name == "Last Commit" || p.Name == "Updated At") {
			t.Errorf("Default() %q: Volatile() = %v", p.Name, v)
		}
	}
}

// TestKeyClashesWithBuiltInProperty: a file without properties keeps the built-in
// ones, so its key property must not share a name with them.
func TestKeyClashesWithBuiltInProperty(t *testing.T) {
	t.Parallel()
	_, err := Parse("c.yml", []byte("version: 1\nkey:\n  property: Description\n"))
	if err == nil || !strings.Contains(err.Error(), `c.yml:3: key.property: "Description" is also one of the built-in properties`) {
		t.Errorf("Parse() error = %v, want the clash named at line 3", err)
	}
}

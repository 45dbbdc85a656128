package module

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// shaConfig fills one property from $values_sha and one from $sha, with a
// volatile property and a multi-select beside them.
const shaConfig = `version: 1
key: {property: Name, from: [name]}
owner_property: ""
hydrate: notion_database_options
require_hydration: false
properties:
  Description: {type: rich_text, from: description}
  Tags:        {type: multi_select, from: tags}
  Updated:     {type: date, from: updated}
  Row SHA:     {type: rich_text, from: $values_sha}
  Whole SHA:   {type: rich_text, from: $sha}
  Commit:      {type: rich_text, from: $commit}
`

func TestValuesSHA(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, shaConfig)
	const base = `{"name": "core", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`
	sp := Specials{Commit: "c1", SyncedAt: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)}
	resolveOne := func(t *testing.T, body string, sp Specials) Module {
		t.Helper()
		mod, err := Resolve(cfg, load(t, "core/module.manifest.json", body), sp)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", body, err)
		}
		return mod
	}
	ref := resolveOne(t, base, sp)
	if got := ref.Props["Row SHA"].Text; len(got) != 64 || got == ref.Props["Whole SHA"].Text {
		t.Fatalf("Row SHA = %q, want 64 hex digits that differ from $sha %q", got, ref.Props["Whole SHA"].Text)
	}
	tests := []struct {
		name      string
		body      string
		sp        Specials
		sameRow   bool // $values_sha unchanged
		sameWhole bool // $sha unchanged
	}{
		{"unread field changed", `{"name": "core", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-11-02T09:00:00Z"}`, sp, true, false},
		{"unread field added", `{"name": "core", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z", "_provenance": {"at": 1}}`, sp, true, false},
		{"reformatted", "{\n  \"updated\": \"2025-10-18T20:48:26Z\",\n  \"tags\": [\"a\", \"b\"],\n  \"name\": \"core\", \"description\": \"Core\",\n  \"generated_at\": \"2025-10-01T00:00:00Z\"\n}\n", sp, true, true},
		{"options reordered", `{"name": "core", "description": "Core", "tags": ["b", "a"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, true, false},
		{"date written with millis", `{"name": "core", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26.000Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, true, false},
		{"same value hydrated", `{"name": "core", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z", "notion_database_options": {"Description": "Core"}}`, sp, true, false},
		{"another commit and time", base, Specials{Commit: "c2", SyncedAt: time.Now()}, true, true},
		{"synced value changed", `{"name": "core", "description": "Core!", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, false, false},
		{"option added", `{"name": "core", "description": "Core", "tags": ["a", "b", "c"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, false, false},
		{"synced value removed", `{"name": "core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, false, false},
		{"key changed", `{"name": "kernel", "description": "Core", "tags": ["a", "b"], "updated": "2025-10-18T20:48:26Z", "generated_at": "2025-10-01T00:00:00Z"}`, sp, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mod := resolveOne(t, tt.body, tt.sp)
			if same := property.Equal(mod.Props["Row SHA"], ref.Props["Row SHA"]); same != tt.sameRow {
				t.Errorf("$values_sha unchanged = %v, want %v", same, tt.sameRow)
			}
			if same := property.Equal(mod.Props["Whole SHA"], ref.Props["Whole SHA"]); same != tt.sameWhole {
				t.Errorf("$sha unchanged = %v, want %v", same, tt.sameWhole)
			}
		})
	}
}

// TestValuesSHAIsPositionFree: the hash does not depend on where in the config
// the property that reads it stands (it is resolved after all the others).
func TestValuesSHAIsPositionFree(t *testing.T) {
	t.Parallel()
	first := loadConfig(t, "version: 1\nkey: {property: Name, from: [name]}\nowner_property: \"\"\nproperties:\n  SHA: {type: rich_text, from: $values_sha}\n  A: {type: rich_text, from: a}\n")
	last := loadConfig(t, "version: 1\nkey: {property: Name, from: [name]}\nowner_property: \"\"\nproperties:\n  A: {type: rich_text, from: a}\n  SHA: {type: rich_text, from: $values_sha}\n")
	m := load(t, "x/module.manifest.json", `{"name": "x", "a": "text"}`)
	a, err := Resolve(first, m, Specials{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Resolve(last, m, Specials{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Props, b.Props); diff != "" {
		t.Errorf("the position of the $values_sha property changes the row (-first +last):\n%s", diff)
	}
	if a.Props["SHA"].Text == "" {
		t.Error("$values_sha resolved to nothing")
	}
}

// TestBuiltinTemplates runs the built-in config on one manifest of each
// generation of the LUKHAS corpus (cut down to the fields it reads).
func TestBuiltinTemplates(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.RequireHydration = false
	tests := []struct {
		name string
		body string
		want map[string]property.Value
	}{
		{
			name: "schema 1.0.0",
			body: `{"schema_version": "1.0.0", "module": "core", "description": "Core services", "features": [], "tags": ["core"],
				"matrix": {"lane": "L2"}, "ownership": {"team": "Core"}, "dependencies": ["identity", "memory"],
				"links": {"docs": "./docs/README.md"}, "testing": {"coverage_observed": 36.5},
				"_provenance": {"features": {"extracted_at": "2025-10-03T01:02:53Z"}}}`,
			want: map[string]property.Value{
				"Module": txt(property.Title, "core"), "Description": txt(property.RichText, "Core services"),
				"Tags": property.NamesValue("core"), "Lane": txt(property.Select, "L2"), "Status": txt(property.Select, "Active"),
				"Team": txt(property.Select, "Core"), "Coverage": num(36.5), "Dependencies": property.NamesValue("identity", "memory"),
				"Docs": txt(property.URL, "./docs/README.md"),
			},
		},
		{
			name: "schema 1.1.0",
			body: `{"schema_version": "1.1.0", "module": {"name": "adapters", "lane": "candidate", "quality_tier": "T2", "colony": "memory"},
				"capabilities": [{"name": "external_integration", "description": "Integration with external services"},
				                 {"name": "api_bridging", "description": "Bridge between LUKHAS and external APIs"}],
				"constellation_alignment": {"primary_star": "🔧 Bridge"}, "matriz_integration": {"pipeline_nodes": ["bridge"]},
				"dependencies": {"internal": ["core"], "external": ["requests"], "circular_dependencies": []},
				"testing": {"has_tests": false, "quality_tier": "T3_standard"}, "security": {"data_classification": "internal"},
				"metadata": {"owner": "platform-team", "documentation_url": "", "last_updated": "2025-10-18T20:48:26Z", "tags": []}}`,
			want: map[string]property.Value{
				"Module":      txt(property.Title, "adapters"),
				"Description": txt(property.RichText, "Integration with external services; Bridge between LUKHAS and external APIs"),
				"Features":    property.NamesValue("external_integration", "api_bridging"),
				"Lane":        txt(property.Select, "candidate"), "Status": txt(property.Select, "Active"),
				"Team": txt(property.Select, "platform-team"), "Quality Tier": txt(property.Select, "T2_important"),
				"Test Status": txt(property.Select, "no tests"), "Data Classification": txt(property.Select, "internal"),
				"Constellation": property.NamesValue("🔧 Bridge"), "MATRIZ Nodes": property.NamesValue("bridge"),
				"Colony": txt(property.Select, "memory"), "Dependencies": property.NamesValue("core", "requests"),
				"Manifest Updated": txt(property.Date, "2025-10-18T20:48:26Z"),
			},
		},
		{
			name: "flat, no schema_version",
			body: `{"name": "core.api", "path": "core/api", "constellation_stars": ["Ethics", "Guardian"], "description": "Auto-generated manifest for core.api",
				"dependencies": ["core", "matriz"], "status": "integration", "tier": "integration", "lane": "core", "updated": "2025-10-26T06:23:22Z"}`,
			want: map[string]property.Value{
				"Module": txt(property.Title, "core.api"), "Description": txt(property.RichText, "Auto-generated manifest for core.api"),
				"Lane": txt(property.Select, "core"), "Status": txt(property.Select, "integration"),
				"Constellation": property.NamesValue("Ethics", "Guardian"), "Dependencies": property.NamesValue("core", "matriz"),
				"Manifest Updated": txt(property.Date, "2025-10-26T06:23:22Z"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := load(t, "x/module.manifest.json", tt.body)
			mod, err := Resolve(cfg, m, Specials{})
			if err != nil {
				t.Fatalf("Resolve(): %v", err)
			}
			if len(mod.Warnings) > 0 {
				t.Errorf("warnings: %q", mod.Warnings)
			}
			got := map[string]property.Value{}
			for name, v := range mod.Props {
				if !v.IsEmpty() && name != "Manifest" && name != "Provenance SHA" {
					got[name] = v
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("filled properties mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

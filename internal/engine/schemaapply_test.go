package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/module"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// planWorkspace is a config with one property of each kind schema apply
// treats differently, and two modules that use options.
func planWorkspace() *Workspace {
	cfg := &config.Config{
		File: "notion-sync.yml",
		Key:  config.Key{Property: "Module"},
		Properties: []config.Property{
			{Name: "Description", Type: property.RichText},
			{Name: "Lane", Type: property.Select},
			{Name: "Tags", Type: property.MultiSelect},
			{Name: "Stage", Type: property.Status},
			{Name: "MQI", Type: property.Number, Optional: true},
		},
	}
	mod := func(key, lane, stage string, tags ...string) module.Module {
		return module.Module{Key: key, Props: map[string]property.Value{
			"Module": property.TextValue(property.Title, key),
			"Lane":   property.TextValue(property.Select, lane),
			"Tags":   {Type: property.MultiSelect, Names: tags},
			"Stage":  property.TextValue(property.Status, stage),
		}}
	}
	return &Workspace{Config: cfg, Modules: []module.Module{
		mod("a", "L2", "Done", "x", "y"),
		mod("b", "L1", "", "y"),
	}}
}

func schemaOf(props map[string]notion.Property) notion.Database {
	return notion.Database{ID: "db", Properties: props}
}

func TestPlanSchema(t *testing.T) {
	t.Parallel()
	full := map[string]notion.Property{
		"Module":      {Type: "title"},
		"Description": {Type: "rich_text"},
		"Lane":        {Type: "select", Options: []notion.Option{{ID: "1", Name: "L1"}, {ID: "2", Name: "L2"}}},
		"Tags":        {Type: "multi_select", Options: []notion.Option{{ID: "3", Name: "x"}, {ID: "4", Name: "y"}}},
		"Stage":       {Type: "status", Options: []notion.Option{{ID: "5", Name: "Done"}}},
		"MQI":         {Type: "number"},
		"Notes":       {Type: "rich_text"}, // a column of its own: never touched
	}
	with := func(edit func(map[string]notion.Property)) notion.Database {
		props := map[string]notion.Property{}
		for k, v := range full {
			props[k] = v
		}
		edit(props)
		return schemaOf(props)
	}
	tests := []struct {
		name      string
		db        notion.Database
		want      SchemaPlan
		wantPatch string
		problems  []string // substrings, one per problem
	}{
		{name: "up to date", db: schemaOf(full), wantPatch: `{}`},
		{
			name: "an empty database (init)",
			db:   notion.Database{},
			want: SchemaPlan{
				Add: []SchemaChange{
					{Property: "Module", Type: property.Title, New: true},
					{Property: "Description", Type: property.RichText, New: true},
					{Property: "Lane", Type: property.Select, New: true, Options: []string{"L1", "L2"}},
					{Property: "Tags", Type: property.MultiSelect, New: true, Options: []string{"x", "y"}},
					{Property: "MQI", Type: property.Number, New: true},
				},
				Manual: []SchemaChange{{Property: "Stage", Type: property.Status, New: true, Options: []string{"Done"}}},
			},
			wantPatch: `{"Description":{"rich_text":{}},"Lane":{"select":{"options":[{"name":"L1"},{"name":"L2"}]}},"MQI":{"number":{}},"Module":{"title":{}},"Tags":{"multi_select":{"options":[{"name":"x"},{"name":"y"}]}}}`,
		},
		{
			name: "missing columns and options",
			db: with(func(p map[string]notion.Property) {
				delete(p, "MQI")
				p["Lane"] = notion.Property{Type: "select", Options: []notion.Option{{ID: "1", Name: "L1"}, {ID: "9", Name: "Retired"}}}
				p["Stage"] = notion.Property{Type: "status"}
			}),
			want: SchemaPlan{
				Add: []SchemaChange{
					{Property: "Lane", Type: property.Select, Options: []string{"L2"}, keep: []notion.Option{{ID: "1", Name: "L1"}, {ID: "9", Name: "Retired"}}},
					{Property: "MQI", Type: property.Number, New: true},
				},
				Manual: []SchemaChange{{Property: "Stage", Type: property.Status, Options: []string{"Done"}}},
			},
			// Retired is kept: a PATCH without it would delete it.
			wantPatch: `{"Lane":{"select":{"options":[{"id":"1","name":"L1"},{"id":"9","name":"Retired"},{"name":"L2"}]}},"MQI":{"number":{}}}`,
		},
		{
			name: "wrong type",
			db: with(func(p map[string]notion.Property) {
				p["Lane"] = notion.Property{Type: "rich_text"}
				delete(p, "MQI")
			}),
			want:      SchemaPlan{Add: []SchemaChange{{Property: "MQI", Type: property.Number, New: true}}},
			wantPatch: `{"MQI":{"number":{}}}`,
			problems:  []string{`property "Lane" is rich_text in Notion but select in notion-sync.yml`},
		},
		{
			name: "title under another name",
			db: with(func(p map[string]notion.Property) {
				delete(p, "Module")
				p["Name"] = notion.Property{Type: "title"}
			}),
			wantPatch: `{}`,
			problems:  []string{`title property is "Name"`},
		},
		{
			name: "key is not the title",
			db: with(func(p map[string]notion.Property) {
				p["Module"] = notion.Property{Type: "rich_text"}
			}),
			wantPatch: `{}`,
			problems:  []string{`property "Module" is rich_text in Notion but title`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := PlanSchema(tt.db, planWorkspace())
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(SchemaChange{}), cmpopts.EquateEmpty(), cmpopts.IgnoreFields(SchemaPlan{}, "Problems")); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
			if len(got.Problems) != len(tt.problems) {
				t.Fatalf("problems = %q, want %d", got.Problems, len(tt.problems))
			}
			for i, p := range tt.problems {
				if !strings.Contains(got.Problems[i], p) || !strings.Contains(got.Problems[i], "never") {
					t.Errorf("problem %d = %q, want it to contain %q and say what schema apply never does", i, got.Problems[i], p)
				}
			}
			patch, err := json.Marshal(got.Patch())
			if err != nil {
				t.Fatal(err)
			}
			if string(patch) != tt.wantPatch {
				t.Errorf("patch = %s\nwant    %s", patch, tt.wantPatch)
			}
			if got.Empty() != (tt.name == "up to date") {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}

// TestPlanSchemaAfterApply: applying the additions leaves an empty plan, so
// a second run changes nothing; OptionsOnly keeps what backfill --options did.
func TestPlanSchemaAfterApply(t *testing.T) {
	t.Parallel()
	w := planWorkspace()
	w.Config.Properties = w.Config.Properties[:3] // no status: all of it can be applied
	db := schemaOf(map[string]notion.Property{"Module": {Type: "title"}, "Lane": {Type: "select"}})
	plan := PlanSchema(db, w)
	only := plan.OptionsOnly()
	if diff := cmp.Diff([]string{"Lane"}, names(only.Add)); diff != "" {
		t.Errorf("OptionsOnly (-want +got):\n%s", diff)
	}
	for name, raw := range plan.Patch() {
		var schema map[string]struct {
			Options []notion.Option `json:"options"`
		}
		if err := json.Unmarshal(raw, &schema); err != nil {
			t.Fatal(err)
		}
		for typ, cfg := range schema {
			db.Properties[name] = notion.Property{Type: typ, Options: cfg.Options}
		}
	}
	if again := PlanSchema(db, w); !again.Empty() {
		t.Errorf("plan after applying = %+v, want empty", again)
	}
}

func names(cs []SchemaChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Property)
	}
	return out
}

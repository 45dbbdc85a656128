package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/property"
)

func TestParseOptional(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("c.yml", []byte("version: 1\nowner_property: \"\"\nproperties:\n  A: {type: rich_text, from: a, optional: true}\n  B: {type: select, from: b, optional: false}\n  C: {type: number, from: c}\n"))
	if err != nil {
		t.Fatalf("Parse() error: %v", err)
	}
	got := map[string]bool{}
	for _, p := range cfg.Properties {
		got[p.Name] = p.Optional
	}
	if diff := cmp.Diff(map[string]bool{"A": true, "B": false, "C": false}, got); diff != "" {
		t.Errorf("Optional mismatch (-want +got):\n%s", diff)
	}
}

func TestParseOptionalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{
			name: "not a boolean",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  A: {type: rich_text, from: a, optional: maybe}\n",
			want: []string{`c.yml:4: properties.A.optional: "maybe" is not a boolean; write true or false`},
		},
		{
			name: "misspelt",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  A: {type: rich_text, from: a, optinal: true}\n",
			want: []string{`c.yml:4: properties.A.optinal: unknown key; did you mean optional? (keys: type, from, default, template, optional)`},
		},
		{
			name: "owner property optional",
			yaml: "version: 1\nowner_property: Path\nproperties:\n  Path: {type: rich_text, from: $path, optional: true}\n",
			want: []string{`c.yml:2: owner_property: "Path" is optional, but the sync needs it to tell the pages it made from the others; remove optional: true from Path`},
		},
		{
			name: "values sha as the key",
			yaml: "version: 1\nkey: {property: Name, from: [$values_sha]}\n",
			want: []string{`c.yml:2: key.from: $values_sha is a hash of the row, key included, so it cannot be the key; key by a manifest field, $dir or $path`},
		},
		{
			name: "values sha into a number or a date",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  N: {type: number, from: $values_sha}\n  D: {type: date, from: $values_sha}\n",
			want: []string{
				`c.yml:4: properties.N.from: $values_sha gives text, which a number property cannot hold; use type rich_text`,
				`c.yml:5: properties.D.from: $values_sha is not a date; only $synced_at fits a date property`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("c.yml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse() = nil error, want errors")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse() errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAbsent(t *testing.T) {
	t.Parallel()
	cfg := &Config{Key: Key{Property: "Module"}, Properties: []Property{
		{Name: "Description", Type: property.RichText, From: []string{"description"}},
		{Name: "Quality Tier", Type: property.Select, From: []string{"tier"}, Optional: true},
		{Name: "Docs", Type: property.URL, From: []string{"docs"}, Optional: true},
		{Name: "Colony", Type: property.Select, From: []string{"colony"}, Optional: true},
	}}
	tests := []struct {
		name string
		have map[string]property.Type
		want []Absent
	}{
		{
			name: "all present",
			have: map[string]property.Type{"Module": property.Title, "Description": property.RichText, "Quality Tier": property.Select, "Docs": property.URL, "Colony": property.Select},
		},
		{
			name: "optional ones missing, in config order",
			have: map[string]property.Type{"Module": property.Title, "Description": property.RichText, "Docs": property.URL},
			want: []Absent{
				{Name: "Quality Tier", Type: property.Select, Note: `optional property "Quality Tier" (select) is not in the database, so the sync leaves it out; run 'notion-sync schema apply' to add it, or add a select property named "Quality Tier" in Notion`},
				{Name: "Colony", Type: property.Select, Note: `optional property "Colony" (select) is not in the database, so the sync leaves it out; run 'notion-sync schema apply' to add it, or add a select property named "Colony" in Notion`},
			},
		},
		{
			// A required property that is missing is preflight's problem, not a skip;
			// an optional one with the wrong type is a problem too.
			name: "required missing, optional of another type",
			have: map[string]property.Type{"Module": property.Title, "Quality Tier": property.RichText, "Docs": property.URL, "Colony": property.Select},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, cfg.Absent(tt.have)); diff != "" {
				t.Errorf("Absent() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAbsentWithDesignDatabase: a database made for the first built-in config
// (DESIGN.md's block) lacks exactly the properties added since, and all of them
// are left out rather than failing the sync.
func TestAbsentWithDesignDatabase(t *testing.T) {
	t.Parallel()
	design, err := Parse(DefaultPath, []byte(designBlock))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]property.Type{design.Key.Property: property.Title}
	for _, p := range design.Properties {
		have[p.Name] = p.Type
	}
	def := Default()
	var got []string
	for _, a := range def.Absent(have) {
		got = append(got, a.Name)
	}
	var want []string
	for _, p := range def.Properties {
		if _, ok := have[p.Name]; !ok {
			want = append(want, p.Name)
		} else if pt := have[p.Name]; pt != p.Type {
			t.Errorf("%q is %s in the old database but %s in Default()", p.Name, pt, p.Type)
		}
	}
	if len(want) == 0 {
		t.Fatal("Default() adds no property to DESIGN.md's block; the test would check nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Absent() for a database of DESIGN.md's block (-want +got):\n%s", diff)
	}
}

package report

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSchemaText: each kind of change has its line, option lists stop at
// listCap names and count the rest, names are sanitized, and a plan with
// problems says what waits for them and that nothing changed.
func TestSchemaText(t *testing.T) {
	t.Parallel()
	var many []string
	for i := range listCap + 2 {
		many = append(many, fmt.Sprintf("o%02d", i))
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"additions", SchemaAdditionsText([]SchemaChange{
			{Property: "Name", Type: "title", New: true},
			{Property: "Lane", Type: "select", New: true, Options: []string{"a"}},
			{Property: "Tags", Type: "multi_select", Options: []string{"x", "y"}},
		}), "  ➕ Name (title)\n  ➕ Lane (select, 1 option: \"a\")\n  ➕ Tags: 2 new options: \"x\", \"y\"\n"},
		{"capped and sanitized", SchemaAdditionsText([]SchemaChange{{Property: "Lane\x1b[31m", Type: "select", Options: many}}),
			"  ➕ Lane [31m: 22 new options: \"o00\", \"o01\", \"o02\", \"o03\", \"o04\", \"o05\", \"o06\", \"o07\", \"o08\", \"o09\", \"o10\", \"o11\", \"o12\", \"o13\", \"o14\", \"o15\", \"o16\", \"o17\", \"o18\", \"o19\" and 2 more\n"},
		{"no manual", SchemaManualText(nil), ""},
		{"manual", SchemaManualText([]SchemaChange{
			{Property: "Stage", Type: "status", New: true, Options: []string{"Planned"}},
			{Property: "State", Type: "status", New: true},
			{Property: "Phase", Type: "status", Options: []string{"Done"}},
		}), "✋ The API cannot create status properties or status options: add these in Notion, then run schema apply or preflight again:\n" +
			"  - Stage: add a Status property named \"Stage\" (the database's ••• menu → Properties → New property → Status) with the options \"Planned\"\n" +
			"  - State: add a Status property named \"State\" (the database's ••• menu → Properties → New property → Status)\n" +
			"  - Phase: add the options \"Done\" (the Phase column's menu → Edit property → add an option)\n"},
		{"problems", SchemaProblemsText(SchemaPlan{
			Problems: []string{"property \"Lane\" is rich_text in Notion but select in the config"},
			Add:      []SchemaChange{{Property: "Owner", Type: "people", New: true}},
		}), "❌ 1 property of the wrong type:\n  - property \"Lane\" is rich_text in Notion but select in the config\n" +
			"Once they are fixed, schema apply will add:\n  ➕ Owner (people)\nNothing was changed.\n"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

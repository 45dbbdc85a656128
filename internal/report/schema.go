package report

import (
	"fmt"
	"strings"
)

// SchemaPlan is what `schema apply` and `init` add to a database, as the user
// reads it: engine.SchemaPlan.View fills it. It is a view, not engine's plan,
// because engine's plan also holds the existing options a schema PATCH must
// send again, which no text shows.
type SchemaPlan struct {
	Add      []SchemaChange // the edits the API can make
	Manual   []SchemaChange // the edits only the Notion UI can make (status)
	Problems []string       // properties Notion holds with another type
}

// SchemaChange adds one property (New), or options to one property.
type SchemaChange struct {
	Property string
	Type     string
	New      bool
	Options  []string // the options to add, sorted
}

// SchemaProblemsText is the refusal of a plan with problems: each property of
// the wrong type, what schema apply would add once they are fixed, and what
// only the Notion UI can add.
func SchemaProblemsText(p SchemaPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "❌ %d %s of the wrong type:\n", len(p.Problems), PluralWord(len(p.Problems), "property", "properties"))
	for _, problem := range p.Problems {
		fmt.Fprintf(&b, "  - %s\n", Sanitize(problem))
	}
	if len(p.Add) > 0 {
		b.WriteString("Once they are fixed, schema apply will add:\n")
		b.WriteString(SchemaAdditionsText(p.Add))
	}
	b.WriteString(SchemaManualText(p.Manual))
	b.WriteString("Nothing was changed.\n")
	return b.String()
}

// SchemaAdditionsText lists the changes, one property a line.
func SchemaAdditionsText(add []SchemaChange) string {
	var b strings.Builder
	for _, c := range add {
		name := Sanitize(c.Property)
		switch {
		case c.New && len(c.Options) > 0:
			fmt.Fprintf(&b, "  ➕ %s (%s, %d %s: %s)\n", name, c.Type, len(c.Options), PluralWord(len(c.Options), "option", "options"), optionList(c.Options))
		case c.New:
			fmt.Fprintf(&b, "  ➕ %s (%s)\n", name, c.Type)
		default:
			fmt.Fprintf(&b, "  ➕ %s: %d new %s: %s\n", name, len(c.Options), PluralWord(len(c.Options), "option", "options"), optionList(c.Options))
		}
	}
	return b.String()
}

// SchemaManualText lists what only the Notion UI can add, and where; "" when
// there is nothing.
func SchemaManualText(manual []SchemaChange) string {
	if len(manual) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("✋ The API cannot create status properties or status options: add these in Notion, then run schema apply or preflight again:\n")
	for _, c := range manual {
		name := Sanitize(c.Property)
		if c.New {
			fmt.Fprintf(&b, "  - %s: add a Status property named %q (the database's ••• menu → Properties → New property → Status)", name, name)
			if len(c.Options) > 0 {
				fmt.Fprintf(&b, " with the options %s", optionList(c.Options))
			}
			b.WriteString("\n")
			continue
		}
		fmt.Fprintf(&b, "  - %s: add the options %s (the %s column's menu → Edit property → add an option)\n", name, optionList(c.Options), name)
	}
	return b.String()
}

// optionList quotes up to listCap option names and counts the rest.
func optionList(names []string) string {
	quoted := make([]string, 0, min(len(names), listCap))
	for i, n := range names {
		if i == listCap {
			return strings.Join(quoted, ", ") + fmt.Sprintf(" and %d more", len(names)-listCap)
		}
		quoted = append(quoted, fmt.Sprintf("%q", Sanitize(n)))
	}
	return strings.Join(quoted, ", ")
}

package config

import (
	"fmt"

	"github.com/lukhas/notion-sync-action/internal/property"
)

// Absent is an optional property the database lacks. The sync leaves it out of
// every row instead of failing, and preflight shows Note.
type Absent struct {
	Name string
	Type property.Type
	Note string // what is left out and how to get the column
}

// Absent returns the optional properties that are not among the database's
// properties (have: name → type, as the database's schema lists them), in
// config order, each with a note that tells how to add it. A property that is
// present with another type is not absent: that is a schema problem the user
// must fix, optional or not, because writing it would fail.
//
// The sync calls it once it has read the schema, before it plans: it removes
// every absent name from the desired rows, so no write ever names a column
// Notion does not have, and a database made for an older config keeps syncing.
func (c *Config) Absent(have map[string]property.Type) []Absent {
	var out []Absent
	for _, p := range c.Properties {
		if !p.Optional {
			continue
		}
		if _, ok := have[p.Name]; ok {
			continue
		}
		out = append(out, Absent{Name: p.Name, Type: p.Type, Note: fmt.Sprintf(
			"optional property %q (%s) is not in the database, so the sync leaves it out; run 'notion-sync schema apply' to add it, or add a %s property named %q in Notion",
			p.Name, p.Type, p.Type, p.Name)})
	}
	return out
}

package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// SchemaPlan is what `schema apply` (and `init`, from an empty schema) would do
// to a database so that it takes every property the config writes, with every
// option the manifests use. It only adds: nothing is ever removed, renamed or
// retyped, because the database is shared with people who may have made those
// columns on purpose.
type SchemaPlan struct {
	// Add are the edits the API can make, in config order (the key first): a
	// missing property with its type and options, or the new options of an
	// existing select or multi_select.
	Add []SchemaChange
	// Manual are the edits the API cannot make: a status property, or its
	// options (notion-api.md §2.3). A person makes them in the Notion UI.
	Manual []SchemaChange
	// Problems are properties that exist with another type, or a title
	// property under another name. Apply refuses to write while there is one:
	// a database this far from the config may well be the wrong one.
	Problems []string
}

// SchemaChange adds one property, or options to one property.
type SchemaChange struct {
	Property string
	Type     property.Type
	// New: the property itself is missing. Otherwise only Options are new.
	New bool
	// Options are the options to add, sorted: every value the manifests use
	// that the property lacks.
	Options []string
	// keep are the property's existing options, sent again by id, because a
	// schema PATCH replaces the whole option list (notion-api.md §2.3).
	keep []notion.Option
}

// Empty reports whether the plan changes nothing and leaves nothing to do.
func (p SchemaPlan) Empty() bool {
	return len(p.Add) == 0 && len(p.Manual) == 0 && len(p.Problems) == 0
}

// OptionsOnly is the plan without its new properties: what `backfill
// --options` has always done, adding options to existing columns only.
func (p SchemaPlan) OptionsOnly() SchemaPlan {
	keep := func(cs []SchemaChange) []SchemaChange {
		return slices.DeleteFunc(slices.Clone(cs), func(c SchemaChange) bool { return c.New })
	}
	return SchemaPlan{Add: keep(p.Add), Manual: keep(p.Manual), Problems: p.Problems}
}

// View is the plan as report words it.
func (p SchemaPlan) View() report.SchemaPlan {
	view := func(cs []SchemaChange) []report.SchemaChange {
		out := make([]report.SchemaChange, 0, len(cs))
		for _, c := range cs {
			out = append(out, report.SchemaChange{Property: c.Property, Type: string(c.Type), New: c.New, Options: c.Options})
		}
		return out
	}
	return report.SchemaPlan{Add: view(p.Add), Manual: view(p.Manual), Problems: p.Problems}
}

// Patch is the properties object of the schema PATCH (or of the create
// request) that makes the additions: name → schema object.
func (p SchemaPlan) Patch() map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(p.Add))
	for _, c := range p.Add {
		out[c.Property] = c.schema()
	}
	return out
}

// schema is the change's schema object: {"select": {"options": [...]}} with
// the existing options by id and the new ones by name, or {"<type>": {}}.
func (c SchemaChange) schema() json.RawMessage {
	config := map[string]any{}
	if c.Type == property.Select || c.Type == property.MultiSelect {
		opts := make([]notion.Option, 0, len(c.keep)+len(c.Options))
		for _, o := range c.keep {
			opts = append(opts, notion.Option{ID: o.ID, Name: o.Name})
		}
		for _, n := range c.Options {
			opts = append(opts, notion.Option{Name: n})
		}
		config["options"] = opts
	}
	raw, _ := json.Marshal(map[string]any{string(c.Type): config}) // maps of strings and Options always encode
	return raw
}

// PlanSchema compares the database's schema with the config and the values of
// the workspace's manifests. Pass an empty notion.Database for a database yet
// to be made: every property is then new, the title property included.
func PlanSchema(db notion.Database, w *Workspace) SchemaPlan {
	cfg := w.Config
	var plan SchemaPlan
	key := cfg.Key.Property
	if have, ok := db.Properties[key]; ok && property.Type(have.Type) != property.Title {
		plan.Problems = append(plan.Problems, wrongType(key, have.Type, property.Title, ConfigName(cfg)))
	} else if !ok {
		if other := titleOf(db); other != "" {
			plan.Problems = append(plan.Problems, fmt.Sprintf(
				"the database's title property is %q, the config's key property is %q: rename the column in Notion, or set key.property: %q in %s (schema apply never renames)",
				other, key, other, ConfigName(cfg)))
		} else {
			plan.Add = append(plan.Add, SchemaChange{Property: key, Type: property.Title, New: true})
		}
	}
	for _, p := range cfg.Properties {
		used := usedOptions(w, p.Name, p.Type)
		have, ok := db.Properties[p.Name]
		switch {
		case ok && property.Type(have.Type) != p.Type:
			plan.Problems = append(plan.Problems, wrongType(p.Name, have.Type, p.Type, ConfigName(cfg)))
		case !ok && p.Type == property.Status:
			plan.Manual = append(plan.Manual, SchemaChange{Property: p.Name, Type: p.Type, New: true, Options: used})
		case !ok:
			plan.Add = append(plan.Add, SchemaChange{Property: p.Name, Type: p.Type, New: true, Options: used})
		default:
			var missing []string
			for _, n := range used {
				if !slices.ContainsFunc(have.Options, func(o notion.Option) bool { return o.Name == n }) {
					missing = append(missing, n)
				}
			}
			switch {
			case len(missing) == 0:
			case p.Type == property.Status:
				plan.Manual = append(plan.Manual, SchemaChange{Property: p.Name, Type: p.Type, Options: missing})
			default:
				plan.Add = append(plan.Add, SchemaChange{Property: p.Name, Type: p.Type, Options: missing, keep: have.Options})
			}
		}
	}
	return plan
}

// wrongType is the problem of a property Notion holds with another type.
func wrongType(name, have string, want property.Type, config string) string {
	return fmt.Sprintf("property %q is %s in Notion but %s in %s: change its type in Notion (the column's menu → Edit property → Type), or rename it there and run schema apply again to add a %s column, or change the type in the config (schema apply never retypes)",
		name, have, want, config, want)
}

// titleOf is the name of the database's title property, "" when it has none.
func titleOf(db notion.Database) string {
	for name, p := range db.Properties {
		if property.Type(p.Type) == property.Title {
			return name
		}
	}
	return ""
}

// usedOptions are the option names the manifests give an option-typed
// property (its default included), sorted; nil for other types.
func usedOptions(w *Workspace, name string, t property.Type) []string {
	if t != property.Select && t != property.MultiSelect && t != property.Status {
		return nil
	}
	seen := map[string]bool{}
	for _, m := range w.Modules {
		v := m.Props[name]
		for _, n := range append([]string{v.Text}, v.Names...) {
			if n != "" {
				seen[n] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// OpenSchema opens the workspace, connects to the database and plans its
// schema against the config: where `schema apply` and `backfill --options`
// start. Close the Database when done.
func OpenSchema(ctx context.Context, s Settings) (*Workspace, *Database, SchemaPlan, error) {
	w, err := Open(s, time.Now().UTC())
	if err != nil {
		return nil, nil, SchemaPlan{}, err
	}
	db, schema, err := ConnectSchema(ctx, s)
	if err != nil {
		return nil, nil, SchemaPlan{}, err
	}
	return w, db, PlanSchema(schema, w), nil
}

// ApplySchema makes the plan's additions in one schema PATCH and returns the
// plan left afterwards, computed from the schema Notion answered: empty Add
// when Notion took everything. It refuses a plan with problems.
func (d *Database) ApplySchema(ctx context.Context, w *Workspace, plan SchemaPlan) (SchemaPlan, error) {
	if len(plan.Problems) > 0 {
		return plan, errors.New("the schema has problems: nothing was changed")
	}
	if len(plan.Add) == 0 {
		return plan, nil
	}
	after, err := d.UpdateSchema(ctx, plan.Patch())
	if err != nil {
		return plan, fmt.Errorf("update the schema of database %s: %w%s", d.id, err, DatabaseFix(err))
	}
	return PlanSchema(after, w), nil
}

// CreateDatabase makes a new database titled title under the page parent (an
// id or a URL) with the plan's additions as its schema, and returns where its
// rows live. A page the integration cannot reach is a *UsageError with the fix.
func CreateDatabase(ctx context.Context, s Settings, parent, title string, plan SchemaPlan) (notion.Target, error) {
	pageID, err := notion.ParsePageID(parent)
	if err != nil {
		return notion.Target{}, usagef("--parent is not a Notion page: give the page's URL (Share → Copy link) or its 32 hex digits")
	}
	if s.Token == "" {
		return notion.Target{}, ErrNoToken
	}
	c, closer, err := newClient(s)
	if err != nil {
		return notion.Target{}, err
	}
	defer closer.Close()
	t, err := c.CreateDatabase(ctx, pageID, title, plan.Patch())
	var up *notion.UnreachablePageError
	if errors.As(err, &up) {
		return notion.Target{}, &UsageError{fmt.Errorf("the integration cannot reach page %s (%v)\nFix: open the page in Notion, ••• → Connections → add the integration (it needs the read, update and insert content capabilities); check that --parent is that page's URL or id", up.PageID, up.Err)}
	}
	return t, err
}

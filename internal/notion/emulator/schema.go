package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// database is one stored collection of rows: a database and its first data
// source, or (when Container is set) a further data source of a database. Under
// 2022-06-28 a database is its only data source, so both live in one record and
// the schema code works on either; the data source endpoints of 2025-09-03 find
// a record by DataSourceID (notion-api.md §8). Pages live apart, keyed by id, so
// a collection can be looked up without touching its rows.
type database struct {
	ID          string          `json:"id"`
	Created     time.Time       `json:"created"`
	Edited      time.Time       `json:"edited"`
	Title       []richText      `json:"title"`
	Description []richText      `json:"description"`
	Icon        json.RawMessage `json:"icon,omitempty"`
	Cover       json.RawMessage `json:"cover,omitempty"`
	Parent      json.RawMessage `json:"parent,omitempty"`
	IsInline    bool            `json:"is_inline,omitempty"`
	Archived    bool            `json:"archived,omitempty"`
	Props       []*propSchema   `json:"properties"`
	Unshared    bool            `json:"unshared,omitempty"`

	// DataSourceID is the id of this record's data source (2025-09-03).
	DataSourceID string `json:"data_source_id,omitempty"`
	// SourceName is the data source's name; "" means the database title.
	SourceName string `json:"data_source_name,omitempty"`
	// Container is set on a further data source: the id of its database, whose
	// own record is the first data source. Such a record's ID is its
	// DataSourceID and it is not a database (GET /v1/databases/{its id} is 404).
	Container string `json:"container,omitempty"`
	// Extra lists the record ids of the database's further data sources, in
	// creation order; the database has len(Extra)+1 data sources.
	Extra []string `json:"extra_sources,omitempty"`
}

// databaseID is the id of the database the record's rows belong to.
func (db *database) databaseID() string {
	if db.Container != "" {
		return db.Container
	}
	return db.ID
}

// sourceName is the data source's name: its own, or the database title.
func (db *database) sourceName() string {
	if db.SourceName != "" {
		return db.SourceName
	}
	return plainText(db.Title)
}

// propSchema is one column. Values on pages are keyed by ID, so a rename keeps them.
type propSchema struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Config  json.RawMessage `json:"config,omitempty"` // type config other than options, e.g. number format
	Options []*option       `json:"options,omitempty"`
	Groups  json.RawMessage `json:"groups,omitempty"` // status groups, kept as given
}

// option is a select, multi_select or status option.
type option struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// colors are the option colors of notion-api.md §3.1.
var colors = []string{"default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red"}

// schemaTypes are the property types a schema may hold; readOnly ones cannot be
// written on pages (notion-api.md §3.3).
var (
	schemaTypes = []string{
		"title", "rich_text", "number", "select", "multi_select", "status", "date", "people", "files",
		"checkbox", "url", "email", "phone_number", "formula", "relation", "rollup", "created_time",
		"created_by", "last_edited_time", "last_edited_by", "unique_id", "button", "verification",
	}
	readOnlyTypes = []string{
		"formula", "rollup", "created_time", "created_by", "last_edited_time", "last_edited_by",
		"unique_id", "button", "verification",
	}
	// writableTypes is the order the "Fix one" lines list the page-value alternatives.
	writableTypes = []string{
		"title", "rich_text", "number", "url", "select", "multi_select", "people", "email",
		"phone_number", "date", "checkbox", "relation", "files", "status",
	}
)

func hasOptions(typ string) bool {
	return typ == "select" || typ == "multi_select" || typ == "status"
}

// prop finds a property by name, then by id (escaped or not). The literal id
// "title" always addresses the title column (notion-api.md §2.4).
func (db *database) prop(key string) *propSchema {
	for _, p := range db.Props {
		if p.Name == key {
			return p
		}
	}
	for _, p := range db.Props {
		if p.ID == key {
			return p
		}
		if un, err := url.QueryUnescape(p.ID); err == nil && un == key {
			return p
		}
	}
	return nil
}

func (db *database) titleProp() *propSchema {
	for _, p := range db.Props {
		if p.Type == "title" {
			return p
		}
	}
	return nil
}

func (db *database) hasPropID(id string) bool {
	return slices.ContainsFunc(db.Props, func(p *propSchema) bool { return p.ID == id })
}

func (p *propSchema) optionByName(name string) *option {
	for _, o := range p.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func (p *propSchema) optionByID(id string) *option {
	for _, o := range p.Options {
		if o.ID == id {
			return o
		}
	}
	return nil
}

func (p *propSchema) optionIndex(id string) int {
	return slices.IndexFunc(p.Options, func(o *option) bool { return o.ID == id })
}

// colorFor picks the color of an auto-created option from its name, so the same
// name always gets the same color and runs are reproducible.
func colorFor(name string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return colors[1+int(h.Sum32())%(len(colors)-1)]
}

// DefaultSchema returns the database object (as GET /v1/databases/{id} returns it,
// without an id) holding every property of DESIGN.md's built-in config with its
// type, plus a human-edited "Notes" column the sync must never touch. The Status
// select has an "Active" option, the config's default.
func DefaultSchema() json.RawMessage {
	return json.RawMessage(defaultSchemaJSON)
}

const defaultSchemaJSON = `{
  "object": "database",
  "title": [{"type": "text", "text": {"content": "Modules", "link": null}, "plain_text": "Modules", "href": null}],
  "description": [],
  "is_inline": false,
  "properties": {
    "Module": {"id": "title", "name": "Module", "type": "title", "title": {}},
    "Description": {"id": "Dsc%3A", "name": "Description", "type": "rich_text", "rich_text": {}},
    "Features": {"id": "Ft%40s", "name": "Features", "type": "multi_select", "multi_select": {"options": []}},
    "Tags": {"id": "Tg%3Bs", "name": "Tags", "type": "multi_select", "multi_select": {"options": []}},
    "Lane": {"id": "Ln%3Ce", "name": "Lane", "type": "select", "select": {"options": []}},
    "Status": {"id": "St%3Et", "name": "Status", "type": "select", "select": {"options": [
      {"id": "8c1e4b0a-5d3f-4a2e-9b7c-1f0e2d3c4b5a", "name": "Active", "color": "green"}]}},
    "MQI": {"id": "MQ%3FI", "name": "MQI", "type": "number", "number": {"format": "number"}},
    "Team": {"id": "Tm%5Bm", "name": "Team", "type": "select", "select": {"options": []}},
    "Coverage": {"id": "Cv%5Dg", "name": "Coverage", "type": "number", "number": {"format": "number"}},
    "SLA p95": {"id": "SL%5EA", "name": "SLA p95", "type": "number", "number": {"format": "number"}},
    "APIs": {"id": "AP%60I", "name": "APIs", "type": "rich_text", "rich_text": {}},
    "Manifest": {"id": "Mn%7Bf", "name": "Manifest", "type": "rich_text", "rich_text": {}},
    "Provenance SHA": {"id": "Pv%7CS", "name": "Provenance SHA", "type": "rich_text", "rich_text": {}},
    "Last Commit": {"id": "LC%7Dm", "name": "Last Commit", "type": "rich_text", "rich_text": {}},
    "Updated At": {"id": "Up%7EA", "name": "Updated At", "type": "date", "date": {}},
    "Notes": {"id": "Nt%3Ds", "name": "Notes", "type": "rich_text", "rich_text": {}}
  }
}`

// parseDatabaseObject turns a database object JSON (the GET response form) into a
// stored database. A missing id is generated; property ids and option ids too.
func parseDatabaseObject(raw json.RawMessage) (*database, error) {
	obj, ok := asObject(raw)
	if !ok {
		return nil, fmt.Errorf("database object is not a JSON object")
	}
	db := &database{}
	if v, ok := obj["id"]; ok && kindOf(v) != "null" {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("database id: %w", err)
		}
		id, ok := parseID(s)
		if !ok {
			return nil, fmt.Errorf("database id %q is not a valid uuid", s)
		}
		db.ID = id
	} else {
		db.ID = newUUID()
	}
	for key, dst := range map[string]*[]richText{"title": &db.Title, "description": &db.Description} {
		v, ok := obj[key]
		if !ok || kindOf(v) == "null" {
			*dst = []richText{}
			continue
		}
		items, problem := parseRichText(key, v)
		if problem != nil {
			return nil, fmt.Errorf("database %s: %s", key, problem.err.message)
		}
		*dst = items
	}
	for key, dst := range map[string]*json.RawMessage{"icon": &db.Icon, "cover": &db.Cover, "parent": &db.Parent} {
		if v, ok := obj[key]; ok && kindOf(v) == "object" {
			*dst = v
		}
	}
	if v, ok := obj["is_inline"]; ok {
		_ = json.Unmarshal(v, &db.IsInline)
	}
	props, ok := asObject(obj["properties"])
	if !ok {
		return nil, fmt.Errorf("database object has no properties object")
	}
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p, err := parsePropSchema(db, name, props[name])
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		if p.Type == "title" && db.titleProp() != nil {
			return nil, fmt.Errorf("property %q: a database has exactly one title property", name)
		}
		if db.hasPropID(p.ID) {
			return nil, fmt.Errorf("property %q: duplicate property id %q", name, p.ID)
		}
		db.Props = append(db.Props, p)
	}
	if db.titleProp() == nil {
		return nil, fmt.Errorf("database has no title property")
	}
	return db, nil
}

// parsePropSchema reads one schema entry {id?, name?, type?, <type>: config}.
func parsePropSchema(db *database, name string, raw json.RawMessage) (*propSchema, error) {
	obj, ok := asObject(raw)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	p := &propSchema{Name: name}
	if v, ok := obj["name"]; ok {
		_ = json.Unmarshal(v, &p.Name)
		if p.Name == "" {
			p.Name = name
		}
	}
	typ, config, err := schemaTypeOf(obj)
	if err != nil {
		return nil, err
	}
	p.Type = typ
	if v, ok := obj["id"]; ok {
		_ = json.Unmarshal(v, &p.ID)
	}
	if p.Type == "title" {
		p.ID = "title"
	}
	if p.ID == "" {
		p.ID = newPropID(db.hasPropID)
	}
	if err := p.setConfig(config, true); err != nil {
		return nil, err
	}
	return p, nil
}

// schemaTypeOf finds the type of a schema entry: the "type" key when non-empty
// (go-notion always sends "type", often empty), else the single type-named key.
func schemaTypeOf(obj map[string]json.RawMessage) (string, json.RawMessage, error) {
	var typ string
	if v, ok := obj["type"]; ok {
		_ = json.Unmarshal(v, &typ)
	}
	if typ == "" {
		for _, t := range schemaTypes {
			if _, ok := obj[t]; ok {
				if typ != "" {
					return "", nil, fmt.Errorf("both %s and %s given", typ, t)
				}
				typ = t
			}
		}
	}
	if typ == "" {
		return "", nil, nil
	}
	if !slices.Contains(schemaTypes, typ) {
		return "", nil, fmt.Errorf("unknown property type %q", typ)
	}
	return typ, obj[typ], nil
}

// setConfig sets the type config from a schema entry. With fresh, options get ids
// and colors when missing; status groups default to one "To-do" group.
func (p *propSchema) setConfig(config json.RawMessage, fresh bool) error {
	p.Config, p.Options, p.Groups = nil, nil, nil
	cfg, _ := asObject(config)
	switch {
	case hasOptions(p.Type):
		var opts []struct {
			ID    string `json:"id"`
			Name  string `json:"name"`
			Color string `json:"color"`
		}
		if v, ok := cfg["options"]; ok && kindOf(v) == "array" {
			if err := json.Unmarshal(v, &opts); err != nil {
				return fmt.Errorf("options: %w", err)
			}
		}
		p.Options = []*option{}
		for _, o := range opts {
			if o.Name == "" {
				return fmt.Errorf("option without a name")
			}
			if strings.Contains(o.Name, ",") {
				return fmt.Errorf("option %q: commas not allowed", o.Name)
			}
			if p.optionByName(o.Name) != nil {
				return fmt.Errorf("duplicate option %q", o.Name)
			}
			if o.ID == "" {
				o.ID = newUUID()
			}
			if o.Color == "" {
				o.Color = colorFor(o.Name)
			}
			if !slices.Contains(colors, o.Color) {
				return fmt.Errorf("option %q: unknown color %q", o.Name, o.Color)
			}
			p.Options = append(p.Options, &option{ID: o.ID, Name: o.Name, Color: o.Color})
		}
		if p.Type == "status" {
			if g, ok := cfg["groups"]; ok && kindOf(g) == "array" {
				p.Groups = g
			} else if fresh {
				ids := make([]string, 0, len(p.Options))
				for _, o := range p.Options {
					ids = append(ids, o.ID)
				}
				g, _ := json.Marshal([]map[string]any{{"id": newUUID(), "name": "To-do", "color": "gray", "option_ids": ids}})
				p.Groups = g
			}
		}
	case p.Type == "number":
		format := "number"
		if v, ok := cfg["format"]; ok {
			_ = json.Unmarshal(v, &format)
		}
		p.Config, _ = json.Marshal(map[string]string{"format": format})
	default:
		if len(cfg) > 0 {
			p.Config = config
		}
	}
	return nil
}

// render returns the schema entry in response form (notion-api.md §3.1).
func (p *propSchema) render() map[string]any {
	out := map[string]any{"id": p.ID, "name": p.Name, "type": p.Type, "description": nil}
	switch {
	case hasOptions(p.Type):
		opts := make([]map[string]any, 0, len(p.Options))
		for _, o := range p.Options {
			opts = append(opts, map[string]any{"id": o.ID, "name": o.Name, "color": o.Color, "description": nil})
		}
		cfg := map[string]any{"options": opts}
		if p.Type == "status" {
			groups := json.RawMessage("[]")
			if p.Groups != nil {
				groups = p.Groups
			}
			cfg["groups"] = groups
		}
		out[p.Type] = cfg
	case p.Config != nil:
		out[p.Type] = p.Config
	default:
		out[p.Type] = struct{}{}
	}
	return out
}

// userRef is a partial user, as created_by/last_edited_by carry it.
type userRef struct {
	Object string `json:"object"`
	ID     string `json:"id"`
}

// databaseJSON is the database object of notion-api.md §2.2 (2022-06-28, with
// properties) or §8 (2025-09-03+, with data_sources and no properties).
type databaseJSON struct {
	Object         string                    `json:"object"`
	ID             string                    `json:"id"`
	CreatedTime    string                    `json:"created_time"`
	LastEditedTime string                    `json:"last_edited_time"`
	CreatedBy      userRef                   `json:"created_by"`
	LastEditedBy   userRef                   `json:"last_edited_by"`
	Title          []richText                `json:"title"`
	Description    []richText                `json:"description"`
	Icon           json.RawMessage           `json:"icon"`
	Cover          json.RawMessage           `json:"cover"`
	Properties     map[string]map[string]any `json:"properties,omitempty"`
	DataSources    []dataSourceRef           `json:"data_sources,omitempty"`
	Parent         json.RawMessage           `json:"parent"`
	DatabaseParent json.RawMessage           `json:"database_parent,omitempty"` // data source objects only
	URL            string                    `json:"url"`
	PublicURL      *string                   `json:"public_url"`
	Archived       *bool                     `json:"archived,omitempty"` // absent from 2026-03-11
	InTrash        bool                      `json:"in_trash"`
	IsInline       bool                      `json:"is_inline"`
}

// dataSourceRef is one entry of a database's data_sources (2025-09-03).
type dataSourceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// renderDatabase renders a database in the shape of version: under 2022-06-28
// with its schema; under 2025-09-03+ as a container listing its data sources.
func (s *Server) renderDatabase(db *database, version string) databaseJSON {
	out := s.renderCollection(db, version)
	if hasDataSources(version) {
		for _, src := range s.sources(db) {
			out.DataSources = append(out.DataSources, dataSourceRef{ID: src.DataSourceID, Name: src.sourceName()})
		}
	} else {
		out.Properties = renderProps(db)
	}
	return out
}

// renderDataSource renders a data source object (2025-09-03, notion-api.md §8):
// its schema, its database as parent and the database's parent as
// database_parent.
func (s *Server) renderDataSource(db *database, version string) databaseJSON {
	out := s.renderCollection(db, version)
	container := s.dbs[db.databaseID()]
	out.Object = "data_source"
	out.ID = db.DataSourceID
	out.Properties = renderProps(db)
	out.Parent = mustJSON(map[string]string{"type": "database_id", "database_id": container.ID})
	out.DatabaseParent = out.Parent
	if container.Parent != nil {
		out.DatabaseParent = container.Parent
	} else {
		out.DatabaseParent = json.RawMessage(`{"type":"workspace","workspace":true}`)
	}
	if db.Container != "" || db.SourceName != "" {
		out.Title = []richText{textItem(db.sourceName())}
	}
	return out
}

func renderProps(db *database) map[string]map[string]any {
	props := make(map[string]map[string]any, len(db.Props))
	for _, p := range db.Props {
		props[p.Name] = p.render()
	}
	return props
}

// renderCollection is what database and data source objects share.
func (s *Server) renderCollection(db *database, version string) databaseJSON {
	parent := db.Parent
	if parent == nil {
		parent = json.RawMessage(`{"type":"workspace","workspace":true}`)
	}
	title, desc := db.Title, db.Description
	if title == nil {
		title = []richText{}
	}
	if desc == nil {
		desc = []richText{}
	}
	bot := userRef{Object: "user", ID: s.botID}
	return databaseJSON{
		Object:         "database",
		ID:             db.ID,
		CreatedTime:    stamp(db.Created),
		LastEditedTime: stamp(db.Edited),
		CreatedBy:      bot,
		LastEditedBy:   bot,
		Title:          title,
		Description:    desc,
		Icon:           db.Icon,
		Cover:          db.Cover,
		Parent:         parent,
		URL:            "https://" + s.urlHost + "/" + undash(db.ID),
		Archived:       archivedField(db.Archived, version),
		InTrash:        db.Archived,
		IsInline:       db.IsInline,
	}
}

// stamp formats created_time/last_edited_time: UTC, rounded down to the minute, with
// milliseconds, as Notion does since its 2022 change (notion-api.md §7).
func stamp(t time.Time) string {
	return t.UTC().Truncate(time.Minute).Format("2006-01-02T15:04:05.000Z")
}

// patchProperties applies body's "properties", when it has them, to db's schema:
// all of them, or (when one is invalid) none.
func patchProperties(db *database, body map[string]json.RawMessage, version string) *apiError {
	v, ok := body["properties"]
	if !ok {
		return nil
	}
	props, e := patchDatabaseProps(db, v, version)
	if e != nil {
		return e
	}
	db.Props = props
	return nil
}

// patchDatabaseProps applies the properties of PATCH /v1/databases/{id}
// (notion-api.md §2.3) to a copy of the schema; the caller swaps it in only when
// every entry is valid, so a failed PATCH changes nothing.
func patchDatabaseProps(db *database, raw json.RawMessage, version string) ([]*propSchema, *apiError) {
	edits, ok := asObject(raw)
	if !ok {
		return nil, bodyInvalid("body.properties", "an object", raw)
	}
	props := make([]*propSchema, 0, len(db.Props))
	for _, p := range db.Props {
		cp := *p
		cp.Options = slices.Clone(p.Options)
		props = append(props, &cp)
	}
	work := &database{Props: props}
	keys := make([]string, 0, len(edits))
	for k := range edits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		path := "body.properties." + key
		edit := edits[key]
		p := work.prop(key)
		if kindOf(edit) == "null" {
			if p == nil {
				return nil, validation("Could not find property with name or id: %s", key)
			}
			if p.Type == "title" {
				return nil, validation("Cannot delete the title property %s.", p.Name)
			}
			work.Props = slices.DeleteFunc(work.Props, func(q *propSchema) bool { return q == p })
			continue
		}
		obj, ok := asObject(edit)
		if !ok {
			return nil, bodyInvalid(path, "an object or `null`", edit)
		}
		typ, config, err := schemaTypeOf(obj)
		if err != nil {
			return nil, bodyInvalid(path, "a property schema with one type", edit)
		}
		// A schema entry as GET returns it is a valid edit: id, name, type,
		// description and the type's config; nothing else, and no second
		// type key (notion-api.md §1, §2.3, C4).
		allowed := []string{"id", "name", "type", "description"}
		if typ != "" {
			allowed = append(allowed, typ)
		}
		if e := checkKeysAt(path, obj, allowed...); e != nil {
			return nil, e
		}
		if e := checkSchemaConfig(path+"."+typ, typ, config); e != nil {
			return nil, e
		}
		if typ == "status" && (version < Version20260311 || p == nil || p.Type != "status") {
			// 2022-06-28 has no status member in the update union, and no version
			// creates a status property through the API (notion-api.md §2.3).
			return nil, bodyInvalid(path+".status", "not present", obj["status"])
		}
		if typ == "status" {
			// 2026-03-11: options can be added to a status property, never
			// renamed or recoloured; none is removed, and groups are ignored
			// (notion-api.md §2.3, a probe's findings).
			before := slices.Clone(p.Options)
			if e := replaceOptions(p, path+".status", config); e != nil {
				return nil, e
			}
			added := slices.DeleteFunc(p.Options, func(o *option) bool {
				return slices.ContainsFunc(before, func(b *option) bool { return b.ID == o.ID })
			})
			p.Options = append(before, added...)
			continue
		}
		var newName string
		if v, ok := obj["name"]; ok {
			if json.Unmarshal(v, &newName) != nil || newName == "" {
				return nil, bodyInvalid(path+".name", "a non-empty string", v)
			}
		}
		if p == nil {
			if typ == "" {
				return nil, validation("Could not find property with name or id: %s", key)
			}
			if typ == "title" {
				return nil, validation("Cannot create a second title property %s.", key)
			}
			np := &propSchema{Name: key, Type: typ, ID: newPropID(work.hasPropID)}
			if newName != "" {
				np.Name = newName
			}
			if work.prop(np.Name) != nil {
				return nil, validation("A property named %s already exists.", np.Name)
			}
			if err := np.setConfig(config, true); err != nil {
				return nil, bodyInvalid(path+"."+typ, "a valid property schema ("+err.Error()+")", config)
			}
			work.Props = append(work.Props, np)
			continue
		}
		if p.Type == "status" && typ == "" && newName != "" && newName != p.Name {
			// The name and options of a status property cannot be updated
			// under 2022-06-28 (notion-api.md §2.3).
			return nil, validation("Cannot update the name of status property %s: the name and options of a status property cannot be changed through the API.", p.Name)
		}
		if newName != "" && newName != p.Name {
			if other := work.prop(newName); other != nil && other != p && other.Name == newName {
				return nil, validation("A property named %s already exists.", newName)
			}
			p.Name = newName
		}
		switch {
		case typ == "":
		case p.Type == "title" && typ != "title":
			return nil, validation("Cannot change the type of the title property %s.", p.Name)
		case typ == "title":
			return nil, validation("Cannot create a second title property %s.", p.Name)
		case typ == p.Type && (typ == "select" || typ == "multi_select"):
			if e := replaceOptions(p, path+"."+typ, config); e != nil {
				return nil, e
			}
		default:
			old := p.Type
			p.Type = typ
			if err := p.setConfig(config, true); err != nil {
				p.Type = old
				return nil, bodyInvalid(path+"."+typ, "a valid property schema ("+err.Error()+")", config)
			}
		}
	}
	return work.Props, nil
}

// checkSchemaConfig refuses unknown keys in the config of a schema edit: the
// options of a select or multi_select (and their option objects, as GET
// returns them), the format of a number, nothing in an empty-config type.
// Types with richer configs (relation, rollup, formula...) are not checked.
func checkSchemaConfig(path, typ string, config json.RawMessage) *apiError {
	cfg, ok := asObject(config)
	if !ok {
		return nil
	}
	switch typ {
	case "select", "multi_select":
		if e := checkKeysAt(path, cfg, "options"); e != nil {
			return e
		}
		var opts []json.RawMessage
		if json.Unmarshal(cfg["options"], &opts) != nil {
			return nil // replaceOptions reports a non-array
		}
		for i, o := range opts {
			if obj, ok := asObject(o); ok {
				if e := checkKeysAt(fmt.Sprintf("%s.options[%d]", path, i), obj, "id", "name", "color", "description"); e != nil {
					return e
				}
			}
		}
	case "number":
		return checkKeysAt(path, cfg, "format")
	case "title", "rich_text", "date", "people", "files", "checkbox", "url", "email", "phone_number",
		"created_time", "created_by", "last_edited_time", "last_edited_by":
		return checkKeysAt(path, cfg)
	}
	return nil
}

// replaceOptions applies an options list to a select or multi_select: the list is
// the complete new set; options left out are removed, new names are added, and an
// existing option keeps its id and may not change name or color (notion-api.md §2.3).
func replaceOptions(p *propSchema, path string, config json.RawMessage) *apiError {
	cfg, _ := asObject(config)
	optsRaw, ok := cfg["options"]
	if !ok {
		return nil // e.g. {"select": {}}: nothing to change
	}
	var opts []struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Color string `json:"color"`
	}
	if kindOf(optsRaw) != "array" || json.Unmarshal(optsRaw, &opts) != nil {
		return bodyInvalid(path+".options", "an array", optsRaw)
	}
	next := make([]*option, 0, len(opts))
	for i, o := range opts {
		var cur *option
		switch {
		case o.ID != "":
			cur = p.optionByID(o.ID)
			if cur == nil {
				return validation("%s is an invalid %s option \"%s\"", p.ID, p.Type, o.ID)
			}
			if o.Name != "" && o.Name != cur.Name {
				return validation("Cannot update name of %s with id %s.", p.Type, cur.ID)
			}
		case o.Name == "":
			return bodyInvalid(fmt.Sprintf("%s.options[%d].name", path, i), "populated", json.RawMessage(`""`))
		default:
			cur = p.optionByName(o.Name)
		}
		if cur == nil {
			cur = findOption(next, o.Name) // the same new name twice in one list
		}
		if cur != nil {
			if o.Color != "" && o.Color != cur.Color {
				return validation("Cannot update color of %s with id %s.", p.Type, cur.ID)
			}
			if findOption(next, cur.Name) == nil {
				next = append(next, cur)
			}
			continue
		}
		if strings.Contains(o.Name, ",") {
			return validation("Invalid %s option, commas not allowed: %s", p.Type, o.Name)
		}
		if o.Color != "" && !slices.Contains(colors, o.Color) {
			return bodyInvalid(fmt.Sprintf("%s.options[%d].color", path, i), "one of "+strings.Join(colors, ", "), mustJSON(o.Color))
		}
		color := o.Color
		if color == "" {
			color = colorFor(o.Name)
		}
		next = append(next, &option{ID: newUUID(), Name: o.Name, Color: color})
	}
	p.Options = next
	return nil
}

func findOption(opts []*option, name string) *option {
	for _, o := range opts {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// mustJSON encodes v without HTML escaping, so "<" in a value comes back as "<",
// as Notion sends it.
func mustJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only called with values that always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

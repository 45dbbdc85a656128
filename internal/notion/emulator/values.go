package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// value is a stored page property value. Select-like values hold option ids, so
// the name and color always come from the current schema and a removed option
// disappears from pages, as in Notion.
type value struct {
	Type     string          `json:"type"`
	Rich     []richText      `json:"rich,omitempty"`     // title, rich_text
	Number   *float64        `json:"number,omitempty"`   // number
	Option   string          `json:"option,omitempty"`   // select, status: option id
	Options  []string        `json:"options,omitempty"`  // multi_select: option ids
	Date     *dateValue      `json:"date,omitempty"`     // date
	Checkbox bool            `json:"checkbox,omitempty"` // checkbox
	Str      *string         `json:"str,omitempty"`      // url, email, phone_number
	Items    json.RawMessage `json:"items,omitempty"`    // relation, people, files: response form
}

// dateValue is a date in response form: start and end already formatted the way
// go-notion decodes them (notion-api.md §2.9).
type dateValue struct {
	Start string  `json:"start"`
	End   *string `json:"end"`
}

// propWrite is one validated property of a create or update request.
type propWrite struct {
	prop       *propSchema
	val        *value
	newOptions []*option // select/multi_select names to add to the schema
}

// propProblem is what parsing one value found, by validation phase
// (notion-api.md §11 step 5): shape, then limits, then option rules.
type propProblem struct {
	shape, limit, option *apiError
}

// parseProps validates a request's properties object against the schema and
// returns the writes. Problems come out in Notion's order: unknown names (all in
// one message), wrong types (all in one message), then per-value shape, limits and
// option rules (the first one found, by property key).
func parseProps(db *database, raw json.RawMessage) ([]propWrite, *apiError) {
	obj, ok := asObject(raw)
	if !ok {
		return nil, bodyInvalid("body.properties", "an object", raw)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var unknown []string
	for _, k := range keys {
		if db.prop(k) == nil {
			unknown = append(unknown, k+" is not a property that exists.")
		}
	}
	if len(unknown) > 0 {
		return nil, validation("%s", strings.Join(unknown, " "))
	}

	var mismatched []string
	for _, k := range keys {
		p := db.prop(k)
		if slices.Contains(readOnlyTypes, p.Type) {
			continue
		}
		if t := valueTypeKeys(obj[k]); len(t) == 1 && t[0] != p.Type {
			mismatched = append(mismatched, fmt.Sprintf("%s is expected to be %s.", k, p.Type))
		}
	}
	if len(mismatched) > 0 {
		return nil, validation("%s", strings.Join(mismatched, " "))
	}

	writes := make([]propWrite, 0, len(keys))
	problems := make([]propProblem, 0, len(keys))
	for _, k := range keys {
		w, pr := parseValue("body.properties."+k, db.prop(k), obj[k])
		writes = append(writes, w)
		problems = append(problems, pr)
	}
	for _, pick := range []func(propProblem) *apiError{
		func(p propProblem) *apiError { return p.shape },
		func(p propProblem) *apiError { return p.limit },
		func(p propProblem) *apiError { return p.option },
	} {
		for _, pr := range problems {
			if e := pick(pr); e != nil {
				return nil, e
			}
		}
	}
	return writes, nil
}

// valueTypeKeys lists the property-type keys present in a request value object.
func valueTypeKeys(raw json.RawMessage) []string {
	obj, ok := asObject(raw)
	if !ok {
		return nil
	}
	var out []string
	for _, t := range schemaTypes {
		if _, ok := obj[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// fixOneValue is the "Fix one" error for a page value: one line per writable type,
// the present type's line saying what was wrong with it (notion-api.md §4).
func fixOneValue(path, presentType, detail string, got json.RawMessage) *apiError {
	lines := make([]string, 0, len(writableTypes))
	for _, t := range writableTypes {
		if t == presentType {
			lines = append(lines, shouldBe(path+"."+t, detail, got))
			continue
		}
		lines = append(lines, shouldBe(path+"."+t, "defined", nil))
	}
	return fixOne(lines)
}

// parseValue validates one request value for property p and converts it to the
// stored form.
func parseValue(path string, p *propSchema, raw json.RawMessage) (propWrite, propProblem) {
	w := propWrite{prop: p, val: &value{Type: p.Type}}
	obj, ok := asObject(raw)
	if !ok || slices.Contains(readOnlyTypes, p.Type) {
		return w, propProblem{shape: fixOneValue(path, "", "", nil)}
	}
	v, present := obj[p.Type]
	if !present {
		// {} or a value with no type key: no union member matches.
		return w, propProblem{shape: fixOneValue(path, "", "", nil)}
	}
	// Besides the value, what a read returns may come back: id, type, name,
	// and has_more on a relation (notion-api.md §10). Anything else, a second
	// type key included, is refused (§1, C4).
	allowed := []string{p.Type, "id", "type", "name"}
	if p.Type == "relation" {
		allowed = append(allowed, "has_more")
	}
	if e := checkKeysAt(path, obj, allowed...); e != nil {
		return w, propProblem{shape: e}
	}
	if e := checkType(path, obj, p.Type); e != nil {
		return w, propProblem{shape: e}
	}
	tp := path + "." + p.Type
	kind := kindOf(v)
	switch p.Type {
	case "title", "rich_text":
		if kind != "array" {
			return w, propProblem{shape: fixOneValue(path, p.Type, "an array", v)}
		}
		items, problem := parseRichText(tp, v)
		if problem != nil {
			if problem.limit {
				return w, propProblem{limit: problem.err}
			}
			return w, propProblem{shape: problem.err}
		}
		w.val.Rich = items
	case "number":
		switch kind {
		case "null":
		case "number":
			var f float64
			if err := json.Unmarshal(v, &f); err != nil {
				return w, propProblem{shape: fixOneValue(path, p.Type, "a number or `null`", v)}
			}
			w.val.Number = &f
		default:
			return w, propProblem{shape: fixOneValue(path, p.Type, "a number or `null`", v)}
		}
	case "checkbox":
		if kind != "boolean" {
			return w, propProblem{shape: fixOneValue(path, p.Type, "a boolean", v)}
		}
		_ = json.Unmarshal(v, &w.val.Checkbox)
	case "url", "email", "phone_number":
		switch kind {
		case "null":
		case "string":
			var s string
			_ = json.Unmarshal(v, &s)
			if s == "" {
				// Empty strings are not supported; null clears (notion-api.md §1).
				return w, propProblem{shape: bodyInvalid(tp, "populated", v)}
			}
			limit := map[string]int{"url": maxURL, "email": maxEmail, "phone_number": maxPhone}[p.Type]
			if n := utf16Len(s); n > limit {
				return w, propProblem{limit: tooLong(tp, limit, n)}
			}
			w.val.Str = &s
		default:
			return w, propProblem{shape: fixOneValue(path, p.Type, "a string or `null`", v)}
		}
	case "date":
		switch kind {
		case "null":
		case "object":
			d, e := parseDate(tp, v)
			if e != nil {
				return w, propProblem{shape: e}
			}
			w.val.Date = d
		default:
			return w, propProblem{shape: fixOneValue(path, p.Type, "an object or `null`", v)}
		}
	case "select", "status":
		switch kind {
		case "null":
		case "object":
			o, created, pr := pickOption(tp, p, v)
			if pr.shape != nil || pr.option != nil {
				return w, pr
			}
			w.val.Option = o
			w.newOptions = created
		default:
			return w, propProblem{shape: fixOneValue(path, p.Type, "an object or `null`", v)}
		}
	case "multi_select":
		var items []json.RawMessage
		if kind != "array" || json.Unmarshal(v, &items) != nil {
			return w, propProblem{shape: fixOneValue(path, p.Type, "an array", v)}
		}
		var pr propProblem
		var created []*option
		var ids []string
		for i, it := range items {
			id, newOpts, itemPr := pickOptionAmong(fmt.Sprintf("%s[%d]", tp, i), p, it, created)
			if itemPr.shape != nil {
				return w, itemPr
			}
			if pr.option == nil {
				pr.option = itemPr.option
			}
			created = append(created, newOpts...)
			if id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(items) > maxArrayItems {
			return w, propProblem{limit: tooLong(tp, maxArrayItems, len(items))}
		}
		if pr.option != nil {
			return w, pr
		}
		w.val.Options = ids
		if ids == nil {
			w.val.Options = []string{}
		}
		w.newOptions = created
	case "relation", "people":
		items, e := parseRefs(path, p.Type, v)
		if e != nil {
			return w, *e
		}
		w.val.Items = items
	case "files":
		items, e := parseFiles(path, v)
		if e != nil {
			return w, propProblem{shape: e}
		}
		w.val.Items = items
	}
	return w, propProblem{}
}

// pickOption resolves a select/status request value to an option id, creating a
// select option for an unknown name (notion-api.md §3.6).
func pickOption(path string, p *propSchema, raw json.RawMessage) (string, []*option, propProblem) {
	return pickOptionAmong(path, p, raw, nil)
}

func pickOptionAmong(path string, p *propSchema, raw json.RawMessage, pending []*option) (string, []*option, propProblem) {
	obj, ok := asObject(raw)
	if !ok {
		return "", nil, propProblem{shape: bodyInvalid(path, "an object", raw)}
	}
	if e := checkKeysAt(path, obj, "id", "name", "color"); e != nil {
		return "", nil, propProblem{shape: e}
	}
	var id, name, color string
	for k, dst := range map[string]*string{"id": &id, "name": &name, "color": &color} {
		if v, ok := obj[k]; ok && kindOf(v) != "null" {
			if json.Unmarshal(v, dst) != nil {
				return "", nil, propProblem{shape: bodyInvalid(path+"."+k, "a string", v)}
			}
		}
	}
	label := map[string]string{"select": "Select", "multi_select": "Select", "status": "Status"}[p.Type]
	if id != "" {
		o := p.optionByID(id)
		if o == nil {
			return "", nil, propProblem{option: validation("%s is an invalid %s option \"%s\"", p.ID, p.Type, id)}
		}
		if color != "" && color != o.Color {
			return "", nil, propProblem{option: validation("%s option color doesn't match existing", label)}
		}
		return o.ID, nil, propProblem{}
	}
	if _, ok := obj["name"]; !ok {
		return "", nil, propProblem{shape: fixOne([]string{
			shouldBe(path+".id", "defined", nil),
			shouldBe(path+".name", "defined", nil),
		})}
	}
	if name == "" {
		return "", nil, propProblem{shape: bodyInvalid(path+".name", "populated", obj["name"])}
	}
	if color != "" && !slices.Contains(colors, color) {
		return "", nil, propProblem{shape: bodyInvalid(path+".color", "one of "+strings.Join(colors, ", "), obj["color"])}
	}
	if strings.Contains(name, ",") {
		return "", nil, propProblem{option: validation("Invalid %s option, commas not allowed: %s", p.Type, name)}
	}
	o := p.optionByName(name)
	if o == nil {
		for _, q := range pending {
			if q.Name == name {
				o = q
			}
		}
	}
	if o != nil {
		if color != "" && color != o.Color {
			return "", nil, propProblem{option: validation("%s option color doesn't match existing", label)}
		}
		return o.ID, nil, propProblem{}
	}
	if p.Type == "status" {
		// Status options are never created by a page write (notion-api.md §3.6).
		return "", nil, propProblem{option: validation("Invalid status option \"%s\" for property %s: status options cannot be created through the API. Existing options: %s.", name, p.Name, optionNames(p))}
	}
	if color == "" {
		color = colorFor(name)
	}
	o = &option{ID: newUUID(), Name: name, Color: color}
	return o.ID, []*option{o}, propProblem{}
}

func optionNames(p *propSchema) string {
	names := make([]string, 0, len(p.Options))
	for _, o := range p.Options {
		names = append(names, o.Name)
	}
	return strings.Join(names, ", ")
}

// parseRefs validates relation and people arrays: objects with a valid uuid id.
// propPath is the property's path, e.g. body.properties.Deps.
func parseRefs(propPath, typ string, raw json.RawMessage) (json.RawMessage, *propProblem) {
	path := propPath + "." + typ
	var items []json.RawMessage
	if kindOf(raw) != "array" || json.Unmarshal(raw, &items) != nil {
		return nil, &propProblem{shape: fixOneValue(propPath, typ, "an array", raw)}
	}
	out := make([]map[string]string, 0, len(items))
	// A relation item is {id}; a user may come back whole, as a read gives it.
	allowed := []string{"id"}
	if typ == "people" {
		allowed = []string{"id", "object", "type", "name", "avatar_url", "person", "bot"}
	}
	for i, it := range items {
		obj, ok := asObject(it)
		if ok {
			if e := checkKeysAt(fmt.Sprintf("%s[%d]", path, i), obj, allowed...); e != nil {
				return nil, &propProblem{shape: e}
			}
		}
		var s string
		if !ok || json.Unmarshal(obj["id"], &s) != nil {
			return nil, &propProblem{shape: bodyInvalid(fmt.Sprintf("%s[%d].id", path, i), "a valid uuid", obj["id"])}
		}
		id, ok := parseID(s)
		if !ok {
			return nil, &propProblem{shape: bodyInvalid(fmt.Sprintf("%s[%d].id", path, i), "a valid uuid", obj["id"])}
		}
		ref := map[string]string{"id": id}
		if typ == "people" {
			ref["object"] = "user"
		}
		out = append(out, ref)
	}
	if len(items) > maxArrayItems {
		return nil, &propProblem{limit: tooLong(path, maxArrayItems, len(items))}
	}
	return mustJSON(out), nil
}

// parseFiles validates a files array of external or hosted file objects.
func parseFiles(propPath string, raw json.RawMessage) (json.RawMessage, *apiError) {
	path := propPath + ".files"
	var items []json.RawMessage
	if kindOf(raw) != "array" || json.Unmarshal(raw, &items) != nil {
		return nil, fixOneValue(propPath, "files", "an array", raw)
	}
	out := make([]map[string]any, 0, len(items))
	for i, it := range items {
		obj, ok := asObject(it)
		if !ok {
			return nil, bodyInvalid(fmt.Sprintf("%s[%d]", path, i), "an object", it)
		}
		if e := checkKeysAt(fmt.Sprintf("%s[%d]", path, i), obj, "name", "type", "external", "file"); e != nil {
			return nil, e
		}
		var name string
		_ = json.Unmarshal(obj["name"], &name)
		f := map[string]any{"name": name}
		switch {
		case kindOf(obj["external"]) == "object":
			f["type"], f["external"] = "external", obj["external"]
		case kindOf(obj["file"]) == "object":
			f["type"], f["file"] = "file", obj["file"]
		default:
			return nil, fixOne([]string{
				shouldBe(fmt.Sprintf("%s[%d].external", path, i), "defined", nil),
				shouldBe(fmt.Sprintf("%s[%d].file", path, i), "defined", nil),
			})
		}
		out = append(out, f)
	}
	return mustJSON(out), nil
}

// Date layouts accepted in requests. Datetimes without an offset are read in the
// request's time_zone, or UTC.
var localLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04"}

// responseDateTime is how dates with a time come back: milliseconds and a numeric
// offset, the one form go-notion v0.11.0 decodes (notion-api.md §2.9).
const responseDateTime = "2006-01-02T15:04:05.000-07:00"

// parseDate validates {"start", "end", "time_zone"} and formats it for responses
// (time_zone always comes back null, the zone rendered as an offset: §3.5).
func parseDate(path string, raw json.RawMessage) (*dateValue, *apiError) {
	obj, _ := asObject(raw)
	for k := range obj {
		if k != "start" && k != "end" && k != "time_zone" {
			return nil, bodyInvalid(path+"."+k, "not present", obj[k])
		}
	}
	loc := time.UTC
	zoned := false
	if tz, ok := obj["time_zone"]; ok && kindOf(tz) != "null" {
		var name string
		if json.Unmarshal(tz, &name) != nil {
			return nil, bodyInvalid(path+".time_zone", "a string", tz)
		}
		l, err := time.LoadLocation(name)
		if err != nil || name == "" {
			return nil, bodyInvalid(path+".time_zone", "a valid IANA time zone", tz)
		}
		loc, zoned = l, true
	}
	startRaw, ok := obj["start"]
	if !ok || kindOf(startRaw) != "string" {
		return nil, bodyInvalid(path+".start", "a string", startRaw)
	}
	start, e := formatDate(path+".start", startRaw, loc, zoned)
	if e != nil {
		return nil, e
	}
	d := &dateValue{Start: start}
	if endRaw, ok := obj["end"]; ok && kindOf(endRaw) != "null" {
		if kindOf(endRaw) != "string" {
			return nil, bodyInvalid(path+".end", "a string or `null`", endRaw)
		}
		end, e := formatDate(path+".end", endRaw, loc, zoned)
		if e != nil {
			return nil, e
		}
		d.End = &end
	}
	return d, nil
}

func formatDate(path string, raw json.RawMessage, loc *time.Location, zoned bool) (string, *apiError) {
	var s string
	_ = json.Unmarshal(raw, &s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if zoned {
			// With time_zone, start/end must include a time (notion-api.md §3.5).
			return "", bodyInvalid(path, "a datetime with a time when time_zone is given", raw)
		}
		return t.Format("2006-01-02"), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if zoned {
			// With time_zone, start/end must not carry an offset (notion-api.md §3.5).
			return "", bodyInvalid(path, "a datetime without a UTC offset when time_zone is given", raw)
		}
		return t.Format(responseDateTime), nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.Format(responseDateTime), nil
		}
	}
	return "", bodyInvalid(path, "a valid ISO 8601 date string", raw)
}

// renderValue returns the response form of property p on a page (notion-api.md
// §10): every schema property appears, an empty one as null or [].
func (s *Server) renderValue(p *propSchema, v *value, pg *page) json.RawMessage {
	if v != nil && v.Type != p.Type {
		v = nil // the column changed type: the old value is gone
	}
	out := map[string]any{"id": p.ID, "type": p.Type}
	var val any
	switch p.Type {
	case "title", "rich_text":
		items := []richText{}
		if v != nil && v.Rich != nil {
			items = v.Rich
		}
		val = items
	case "number":
		if v != nil && v.Number != nil {
			val = *v.Number
		}
	case "checkbox":
		val = v != nil && v.Checkbox
	case "url", "email", "phone_number":
		if v != nil && v.Str != nil {
			val = *v.Str
		}
	case "date":
		if v != nil && v.Date != nil {
			val = map[string]any{"start": v.Date.Start, "end": v.Date.End, "time_zone": nil}
		}
	case "select", "status":
		if v != nil {
			if o := p.optionByID(v.Option); o != nil {
				val = map[string]string{"id": o.ID, "name": o.Name, "color": o.Color}
			}
		}
	case "multi_select":
		opts := []map[string]string{}
		if v != nil {
			for _, id := range v.Options {
				if o := p.optionByID(id); o != nil {
					opts = append(opts, map[string]string{"id": o.ID, "name": o.Name, "color": o.Color})
				}
			}
		}
		val = opts
	case "relation", "people", "files":
		val = json.RawMessage("[]")
		if v != nil && v.Items != nil {
			val = v.Items
		}
		if p.Type == "relation" {
			out["has_more"] = false
		}
	case "created_time":
		val = stamp(pg.Created)
	case "last_edited_time":
		val = stamp(pg.Edited)
	case "created_by", "last_edited_by":
		val = userRef{Object: "user", ID: s.botID}
	case "formula":
		val = map[string]any{"type": "string", "string": nil}
	case "rollup":
		val = map[string]any{"type": "number", "number": nil, "function": "count"}
	case "unique_id":
		val = map[string]any{"prefix": nil, "number": pg.Seq}
	default:
		val = struct{}{}
	}
	out[p.Type] = val
	return mustJSON(out)
}

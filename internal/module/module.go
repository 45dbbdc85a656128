// Package module turns a manifest into the row it asks for: the key and the
// desired value of every managed property, resolved through the config.
//
// For each property the value comes from, in order: the hydrate object's entry
// named like the property (an entry holding null does not count), the first
// `from` path or special that resolves to a non-null value, and the default.
// A template applies to a value found through `from` (not to a hydrated value,
// which is stored in its final form, nor to the default). The value is then
// converted to the property's type, with a warning wherever the manifest's value
// had to be bent (a numeric string used as a number, a list joined into text),
// and made to fit Notion's limits with property.Fit, each loss a warning. A value
// that cannot be converted fails the module with a *manifest.Problem in Notion's
// own words (`Field 'MQI' expects number, got string "high"`).
//
// A template's output is text. For a multi_select it is split at commas and
// newlines; for number, checkbox and date it is parsed like the manifest's own
// strings but without a coercion warning (the template was asked to write text).
// Trailing whitespace is trimmed, so a template may end every line with a
// newline.
package module

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// Specials are the values of the volatile specials for one run. The zero value
// leaves $commit and $synced_at unresolved (the next `from`, or the default, is
// used).
type Specials struct {
	Commit   string    // $commit (volatile)
	SyncedAt time.Time // $synced_at (volatile), written as an RFC3339 date-time in UTC
}

// Module is one manifest resolved: the row the database should hold for it.
type Module struct {
	Key      string                    // resolved key, never "" (a missing key is an error)
	Path     string                    // repo-relative manifest path
	Dir      string                    // $dir
	SHA      string                    // $sha
	PageID   string                    // the manifest's notion_page_id, if any
	Props    map[string]property.Value // every managed property incl. the key (title) property; an unresolved property holds its empty Value, so the sync clears it
	Warnings []string                  // coercions and losses, each "Property: what happened"
	Hydrated bool                      // the manifest has the hydrate object
}

// source says where a value came from; Backfill pins only manifest data.
type source int

const (
	fromNothing source = iota
	fromHydrate
	fromPath
	fromSpecial
	fromDefault
)

// resolved is one property's value before it is made to fit Notion.
type resolved struct {
	name  string
	value property.Value
	src   source
}

// Resolve computes the desired values of one manifest. Errors are
// *manifest.Problem naming the file, the position and field of the value, and
// the fix, e.g. `core/module.manifest.json:12:12: quality.mqi: Field 'MQI'
// expects number, got string "high"; put a number in quality.mqi or remove it`.
// When several fields fail, the problem is the first, and its message names the
// others.
func Resolve(cfg *config.Config, m *manifest.Manifest, sp Specials) (Module, error) {
	return ResolveContext(context.Background(), cfg, m, sp)
}

// ResolveContext is Resolve that stops running templates once ctx is done
// (the error is then ctx's, not a *manifest.Problem). Every template runs
// within the bounds of MaxTemplateOutput, MaxTemplateSteps and
// TemplateTimeout; one that passes them fails its module with a
// *manifest.Problem saying which.
func ResolveContext(ctx context.Context, cfg *config.Config, m *manifest.Manifest, sp Specials) (Module, error) {
	mod, _, err := resolve(ctx, cfg, m, sp)
	return mod, err
}

func resolve(ctx context.Context, cfg *config.Config, m *manifest.Manifest, sp Specials) (Module, []resolved, error) {
	r := &resolver{ctx: ctx, cfg: cfg, m: m, sp: sp, root: gjson.ParseBytes(m.Raw)}
	mod := Module{Path: m.Path, Dir: m.Dir, SHA: m.SHA, Props: map[string]property.Value{}}
	if id := r.root.Get(gjson.Escape(manifest.PageIDField)); id.Exists() {
		if id.Type == gjson.String {
			mod.PageID = id.Str
		} else {
			r.warn(manifest.PageIDField, fmt.Sprintf("is a %s, not a string; ignored", jsonKind(id)))
		}
	}
	mod.Hydrated = r.hydration()

	var all []resolved
	key, err := r.key()
	if err != nil {
		return Module{}, nil, err
	}
	all = append(all, key)
	var problems []*manifest.Problem
	var later []pending // properties that read $values_sha, resolved once the others are
	for _, p := range cfg.Properties {
		if slices.Contains(p.From, config.SpecialValues) {
			later = append(later, pending{at: len(all), prop: p})
			all = append(all, resolved{name: p.Name, value: property.Value{Type: p.Type}})
			continue
		}
		v, err := r.property(p)
		if err != nil {
			var prob *manifest.Problem
			if !errors.As(err, &prob) {
				return Module{}, nil, err
			}
			problems = append(problems, prob)
			continue
		}
		all = append(all, v)
	}
	if len(problems) > 0 {
		first := *problems[0]
		if rest := problems[1:]; len(rest) > 0 {
			var names []string
			for _, p := range rest {
				names = append(names, p.Field)
			}
			first.Msg += fmt.Sprintf(" (%d more fields fail: %s)", len(rest), strings.Join(names, ", "))
		}
		// The key resolved: reports name the module by it, and its page is kept.
		return Module{Path: m.Path, Key: key.value.Text}, nil, &first
	}
	if len(later) > 0 {
		r.rowSHA = valuesSHA(cfg, all)
		for _, l := range later {
			v, err := r.property(l.prop)
			if err != nil { // only a hydrated value can fail here: $values_sha is text
				return Module{}, nil, err
			}
			all[l.at] = v
		}
	}
	for _, v := range all {
		fitted, losses := property.Fit(v.value)
		if len(fitted.Names) == 0 {
			fitted.Names = nil // one empty form, whatever Fit returns
		}
		for _, l := range losses {
			r.warn(v.name, l)
		}
		mod.Props[v.name] = fitted
	}
	mod.Key = mod.Props[cfg.Key.Property].Text
	mod.Warnings = r.warnings
	return mod, all, nil
}

// resolver holds what resolving one manifest needs.
type resolver struct {
	ctx      context.Context // ends template runs; see ResolveContext
	cfg      *config.Config
	m        *manifest.Manifest
	sp       Specials
	rowSHA   string // $values_sha, set once every other property is resolved
	root     gjson.Result
	hydrate  map[string]gjson.Result // entries of the hydrate object, nil without one
	warnings []string
}

func (r *resolver) warn(name, msg string) { r.warnings = append(r.warnings, name+": "+msg) }

// hydration reads the hydrate object; it reports whether the manifest has one.
func (r *resolver) hydration() bool {
	if r.cfg.Hydrate == "" {
		return false
	}
	h := r.root.Get(gjson.Escape(r.cfg.Hydrate))
	switch {
	case !h.Exists():
		return false
	case !h.IsObject():
		r.warn(r.cfg.Hydrate, fmt.Sprintf("is a %s, not an object; its values are ignored", jsonKind(h)))
		return false
	}
	r.hydrate = map[string]gjson.Result{}
	h.ForEach(func(k, v gjson.Result) bool {
		if _, seen := r.hydrate[k.Str]; !seen {
			r.hydrate[k.Str] = v
		}
		return true
	})
	return true
}

// hydrated returns the hydrate entry of the property, if it holds a value.
func (r *resolver) hydrated(name string) (gjson.Result, bool) {
	v, ok := r.hydrate[name]
	return v, ok && v.Type != gjson.Null
}

func (r *resolver) key() (resolved, error) {
	name := r.cfg.Key.Property
	out := resolved{name: name, value: property.Value{Type: property.Title}}
	if v, ok := r.hydrated(name); ok {
		if v.Type != gjson.String || strings.TrimSpace(v.Str) == "" {
			return out, r.problem(v, r.cfg.Hydrate+"."+name, fmt.Sprintf("the key %s must be a non-empty string, got %s; fix it or remove the entry", name, describe(v)))
		}
		out.value.Text, out.src = v.Str, fromHydrate
		return out, nil
	}
	for _, from := range r.cfg.Key.From {
		if config.IsSpecial(from) {
			if s := r.special(from); strings.TrimSpace(s) != "" {
				out.value.Text, out.src = s, fromSpecial
				return out, nil
			}
			continue
		}
		if v := r.root.Get(from); v.Type == gjson.String && strings.TrimSpace(v.Str) != "" {
			out.value.Text, out.src = v.Str, fromPath
			return out, nil
		}
	}
	first := "module"
	if len(r.cfg.Key.From) > 0 {
		first = r.cfg.Key.From[0]
	}
	return out, &manifest.Problem{File: r.m.Path, Field: "key.from",
		Msg: fmt.Sprintf("no key: none of %s is a non-empty string, so the module has no %s; set %q to the module's name",
			strings.Join(r.cfg.Key.From, ", "), name, first)}
}

// special returns the value of a special; "" when it has none this run.
func (r *resolver) special(name string) string {
	switch name {
	case config.SpecialPath:
		return r.m.Path
	case config.SpecialDir:
		return r.m.Dir
	case config.SpecialSHA:
		return r.m.SHA
	case config.SpecialValues:
		return r.rowSHA
	case config.SpecialCommit:
		return r.sp.Commit
	case config.SpecialSyncedAt:
		if r.sp.SyncedAt.IsZero() {
			return ""
		}
		return r.sp.SyncedAt.UTC().Format(time.RFC3339)
	}
	return ""
}

// origin describes where a value was found, for messages.
type origin struct {
	field    string       // manifest path ("quality.mqi"), "notion_database_options.MQI", a special, or "default"
	res      gjson.Result // the manifest value, for its position; zero otherwise
	template bool         // the value is a template's output
}

func (r *resolver) property(p config.Property) (resolved, error) {
	out := resolved{name: p.Name, value: property.Value{Type: p.Type}}
	h, hydrated := r.hydrated(p.Name)
	if !hydrated {
		val, o, src, err := r.fromChain(p)
		if err != nil || val == nil {
			return out, err
		}
		out.src = src
		out.value, err = r.convert(p.Name, p.Type, val, o)
		return out, err
	}
	out.src = fromHydrate
	v, err := r.convert(p.Name, p.Type, plain(h), origin{field: r.cfg.Hydrate + "." + p.Name, res: h})
	if err != nil {
		return out, err
	}
	out.value = v
	// The hydrated value wins; say so when the manifest's own field now differs,
	// or an edit of that field would be lost without a word.
	if val, o, src, err := r.fromChain(p); err == nil && val != nil && src == fromPath {
		kept := len(r.warnings)
		mine, err := r.convert(p.Name, p.Type, val, o)
		r.warnings = r.warnings[:kept] // the losing value's own coercions do not matter
		if err == nil && !property.Equal(mine, v) {
			r.warn(p.Name, fmt.Sprintf("%s.%s wins over %s, which differs; edit %s.%s to change what Notion shows",
				r.cfg.Hydrate, p.Name, o.field, r.cfg.Hydrate, p.Name))
		}
	}
	return out, nil
}

// fromChain resolves a property through its `from` paths, then its default.
func (r *resolver) fromChain(p config.Property) (any, origin, source, error) {
	for _, from := range p.From {
		if config.IsSpecial(from) {
			if s := r.special(from); s != "" {
				return s, origin{field: from}, fromSpecial, nil
			}
			continue
		}
		if v := r.root.Get(from); v.Exists() && v.Type != gjson.Null {
			o := origin{field: from, res: v}
			if p.Template == "" {
				return plain(v), o, fromPath, nil
			}
			s, err := r.template(p, v, o)
			if err != nil {
				return nil, o, fromPath, err
			}
			o.template = true
			return s, o, fromPath, nil
		}
	}
	if p.Default != nil {
		return p.Default, origin{field: "default"}, fromDefault, nil
	}
	return nil, origin{}, fromNothing, nil
}

// template runs the property's template on the value as plain Go data (maps,
// slices, strings, float64, bools), so `{{range $k, $v := .}}` walks an object in
// key order.
func (r *resolver) template(p config.Property, v gjson.Result, o origin) (string, error) {
	t, err := template.New(p.Name).Option("missingkey=zero").Parse(p.Template)
	if err != nil { // config.Parse checks templates; a hand-built Config may not
		return "", fmt.Errorf("parse template of %s: %w", p.Name, err)
	}
	out, err := execTemplate(r.ctx, t, v.Value())
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return "", fmt.Errorf("run the template of %s: %w", p.Name, err) // the run is ending: not the module's fault
	case errors.Is(err, errTemplateBound):
		why := strings.TrimPrefix(err.Error(), errTemplateBound.Error()+": ")
		return "", r.problem(v, o.field, fmt.Sprintf("the template of '%s' was stopped: %s; make it write less (Notion keeps 2,000 characters of text) or range over less", p.Name, why))
	case err != nil:
		return "", r.problem(v, o.field, fmt.Sprintf("the template of '%s' fails on this value: %v; fix the template or the value", p.Name, err))
	}
	return strings.TrimRight(out, " \t\r\n"), nil
}

// problem is a finding about the value v found at field.
func (r *resolver) problem(v gjson.Result, field, msg string) *manifest.Problem {
	p := &manifest.Problem{File: r.m.Path, Field: field, Msg: msg}
	if v.Index > 0 {
		p.Line, p.Col = manifest.Position(r.m.Raw, v.Index)
	}
	return p
}

// plain returns a manifest value as Go data for conversion. Numbers stay
// json.Number so that text keeps every digit of a long integer.
func plain(v gjson.Result) any {
	switch v.Type {
	case gjson.Number:
		return json.Number(v.Raw)
	case gjson.JSON:
		if v.IsArray() {
			var out []any
			for _, x := range v.Array() {
				out = append(out, plain(x))
			}
			if out == nil {
				out = []any{}
			}
			return out
		}
		return v.Value()
	}
	return v.Value()
}

// convert turns a plain value into a Value of type t.
func (r *resolver) convert(name string, t property.Type, val any, o origin) (property.Value, error) {
	out := property.Value{Type: t}
	fail := func(want, fix string) (property.Value, error) {
		msg := fmt.Sprintf("Field '%s' expects %s, got %s", name, want, describePlain(val))
		switch {
		case o.field == "default":
			msg += fmt.Sprintf("; make the default of %s %s", name, fix)
		case config.IsSpecial(o.field):
			msg += fmt.Sprintf("; %s cannot fill a %s property, change its type in the config", o.field, t)
		case o.template:
			msg += fmt.Sprintf("; make the template of %s produce %s", name, fix)
		default:
			msg += fmt.Sprintf("; put %s in %s or remove it", fix, o.field)
		}
		return out, r.problem(o.res, o.field, msg)
	}
	switch t {
	case property.Title, property.RichText, property.URL, property.Email:
		switch v := val.(type) {
		case []any:
			if t == property.URL || t == property.Email {
				return fail(string(t), "one "+string(t))
			}
			parts := make([]string, len(v))
			for i, x := range v {
				parts[i] = text(x)
			}
			out.Text = strings.Join(parts, ", ")
			r.warn(name, fmt.Sprintf("a list in %s was joined into text with \", \"", o.field))
		case map[string]any:
			if t == property.URL || t == property.Email {
				return fail(string(t), "one "+string(t))
			}
			out.Text = text(v)
			r.warn(name, fmt.Sprintf("an object in %s was written as compact JSON; add a template to format it", o.field))
		default:
			out.Text = text(v)
		}
	case property.Number:
		switch v := val.(type) {
		case json.Number, float64:
			f, err := number(v)
			if err != nil {
				return fail("number", "a finite number")
			}
			out.Number = &f
		case string:
			s := strings.TrimSpace(v)
			if s == "" {
				return out, nil
			}
			f, err := number(json.Number(s))
			if err != nil || !json.Valid([]byte(s)) {
				return fail("number", "a number")
			}
			out.Number = &f
			if !o.template {
				r.warn(name, fmt.Sprintf("%q is a string; used as number %s", v, formatNumber(f)))
			}
		default:
			return fail("number", "a number")
		}
	case property.Select, property.Status:
		switch v := val.(type) {
		case []any, map[string]any:
			return fail(string(t), "one name")
		default:
			out.Text = strings.TrimSpace(text(v))
		}
	case property.MultiSelect:
		switch v := val.(type) {
		case []any:
			for _, x := range v {
				switch x := x.(type) {
				case nil:
					r.warn(name, "a null in the list was skipped")
				case string:
					out.Names = append(out.Names, x)
				default:
					s := text(x)
					r.warn(name, fmt.Sprintf("%s is not text; used as option %q", s, s))
					out.Names = append(out.Names, s)
				}
			}
		case map[string]any:
			return fail("multi_select", "a list of names")
		case string:
			if o.template {
				out.Names = strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == '\n' })
			} else if strings.TrimSpace(v) != "" {
				out.Names = []string{v}
			}
		default:
			s := text(v)
			r.warn(name, fmt.Sprintf("%s is not text; used as option %q", s, s))
			out.Names = []string{s}
		}
		for i, n := range out.Names {
			out.Names[i] = strings.TrimSpace(n)
		}
		out.Names = slices.DeleteFunc(out.Names, func(n string) bool { return n == "" })
	case property.Date:
		s, ok := val.(string)
		if !ok {
			return fail("date", "a date (2025-01-31 or 2025-01-31T12:00:00Z)")
		}
		s = strings.TrimSpace(s)
		if s != "" && !property.ValidDate(s) {
			return fail("date", "a date (2025-01-31 or 2025-01-31T12:00:00Z)")
		}
		out.Text = s
	case property.Checkbox:
		switch v := val.(type) {
		case bool:
			out.Bool = v
		case string:
			var b bool
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				b = true
			case "false":
			case "":
				return out, nil
			default:
				return fail("checkbox", "true or false")
			}
			out.Bool = b
			if !o.template {
				r.warn(name, fmt.Sprintf("%q is a string; used as checkbox %t", v, b))
			}
		default:
			return fail("checkbox", "true or false")
		}
	default:
		return out, fmt.Errorf("resolve %s: type %q is not supported", name, t)
	}
	return out, nil
}

// number reads a JSON number or a float64, refusing what Notion cannot store.
func number(v any) (float64, error) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(v), 64); err != nil {
			return 0, err
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a finite number")
	}
	return f, nil
}

// text renders a plain value as text: numbers without trailing zeros, objects
// and nested lists as compact JSON.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return formatNumber(v)
	case json.Number:
		if isInteger(string(v)) {
			return strings.TrimPrefix(string(v), "+")
		}
		if f, err := number(v); err == nil {
			return formatNumber(f)
		}
		return string(v)
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Sprint(v)
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// formatNumber writes f without trailing zeros (92.30 -> 92.3, 1.0 -> 1).
func formatNumber(f float64) string {
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// describePlain names a value the way Notion's validator does: `string "high"`.
func describePlain(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + strconv.Quote(v)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case float64, json.Number:
		return "number " + text(v)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func describe(v gjson.Result) string { return describePlain(plain(v)) }

func jsonKind(v gjson.Result) string {
	switch {
	case v.IsArray():
		return "list"
	case v.IsObject():
		return "object"
	case v.Type == gjson.String:
		return "string"
	case v.Type == gjson.Number:
		return "number"
	case v.IsBool():
		return "boolean"
	}
	return "null"
}

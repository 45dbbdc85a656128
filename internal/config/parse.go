package config

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/lukhas/notion-sync-action/internal/property"
)

// The keys each mapping of the file may hold, in the order error messages list them.
func topKeys() []string {
	return []string{"version", "manifests", "key", "hydrate", "require_hydration", "owner_property", "on_delete", "properties"}
}
func manifestKeys() []string { return []string{"include", "exclude"} }
func keyKeys() []string      { return []string{"property", "from"} }
func propKeys() []string     { return []string{"type", "from", "default", "template", "optional"} }

// Parse reads a config file's bytes. file names it in errors (a repo-relative
// path is best: annotations use it). The result is nil with an errors.Join of
// *Error, one per problem, when anything is wrong; nothing is half-applied.
func Parse(file string, data []byte) (*Config, error) {
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlError(err)
		return nil, &Error{File: file, Line: line, Msg: msg + "; fix the YAML syntax"}
	}
	cfg := Default()
	cfg.File = file
	cfg.Version = 0
	if len(doc.Content) == 0 {
		p.add(1, "version", "missing (the file is empty); add \"version: 1\" at the top")
		return nil, p.err()
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "", fmt.Sprintf("the file is a %s; write a mapping of keys (version: 1, properties: ...)", kindName(root)))
		return nil, p.err()
	}
	top := p.fields(root, "", topKeys())
	p.version(cfg, root, top)
	if f, ok := top["manifests"]; ok {
		p.manifests(cfg, f)
	}
	if f, ok := top["key"]; ok {
		p.key(cfg, f)
	}
	if f, ok := top["hydrate"]; ok {
		cfg.Hydrate, _ = p.str(f.v, "hydrate", true)
		if cfg.Hydrate == "" {
			cfg.RequireHydration = false
		}
	}
	if f, ok := top["require_hydration"]; ok {
		if b, ok := p.boolean(f.v, "require_hydration"); ok {
			cfg.RequireHydration = b
			if b && cfg.Hydrate == "" {
				p.add(f.k.Line, "require_hydration", "true needs a hydrate object to require; set hydrate: notion_database_options or require_hydration: false")
			}
		}
	}
	if f, ok := top["on_delete"]; ok {
		if s, ok := p.str(f.v, "on_delete", false); ok {
			if s != "archive" && s != "ignore" {
				p.add(f.v.Line, "on_delete", fmt.Sprintf("%q is not one of archive, ignore; use archive (a deleted manifest archives its page) or ignore (the page stays)", s))
			}
			cfg.OnDelete = s
		}
	}
	if f, ok := top["properties"]; ok {
		cfg.Properties = p.properties(cfg, f)
	} else if _, clash := cfg.Property(cfg.Key.Property); clash {
		// The built-in properties stay; the key must not take one of their names.
		line := 1
		if k, ok := top["key"]; ok {
			line = k.v.Line
		}
		p.add(line, "key.property", fmt.Sprintf("%q is also one of the built-in properties; name the title column differently, or list your own properties", cfg.Key.Property))
	}
	ownerLine := 1
	if f, ok := top["owner_property"]; ok {
		cfg.OwnerProperty, _ = p.str(f.v, "owner_property", true)
		ownerLine = f.v.Line
	}
	p.crossCheck(cfg, ownerLine, top)
	if err := p.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// field is one key: value pair of a mapping.
type field struct{ k, v *yaml.Node }

// parser collects problems as it walks the file, so that Parse reports all of them.
type parser struct {
	file string
	errs []*Error
}

func (p *parser) add(line int, key, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Msg: msg})
}

// err joins the problems in line order.
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// fields returns the pairs of mapping n by key, reporting unknown and repeated
// keys. allowed nil accepts any key (the property names).
func (p *parser) fields(n *yaml.Node, path string, allowed []string) map[string]field {
	out := map[string]field{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		name := k.Value
		key := join(path, name)
		if allowed != nil && !slices.Contains(allowed, name) {
			msg := "unknown key; use one of " + strings.Join(allowed, ", ")
			if s := closest(name, allowed); s != "" {
				msg = fmt.Sprintf("unknown key; did you mean %s? (keys: %s)", s, strings.Join(allowed, ", "))
			}
			p.add(k.Line, key, msg)
			continue
		}
		if prev, dup := out[name]; dup {
			p.add(k.Line, key, fmt.Sprintf("defined twice (first on line %d); keep one", prev.k.Line))
			continue
		}
		out[name] = field{k: k, v: v}
	}
	return out
}

func (p *parser) version(cfg *Config, root *yaml.Node, top map[string]field) {
	f, ok := top["version"]
	if !ok {
		p.add(root.Line, "version", "missing; add \"version: 1\" at the top")
		return
	}
	if f.v.Kind != yaml.ScalarNode || f.v.ShortTag() != "!!int" || f.v.Value != "1" {
		p.add(f.v.Line, "version", fmt.Sprintf("%s is not supported; use version: 1", describe(f.v)))
		return
	}
	cfg.Version = 1
}

func (p *parser) manifests(cfg *Config, f field) {
	if !p.mapping(f.v, "manifests") {
		return
	}
	m := p.fields(f.v, "manifests", manifestKeys())
	for _, name := range manifestKeys() {
		g, ok := m[name]
		if !ok {
			continue
		}
		key := "manifests." + name
		globs, ok := p.strList(g.v, key)
		if !ok {
			continue
		}
		for _, glob := range globs {
			switch {
			case glob == "" || !doublestar.ValidatePattern(glob):
				p.add(g.v.Line, key, fmt.Sprintf("%q is not a valid glob; use a repo-relative pattern such as \"**/module.manifest.json\"", glob))
			case leavesRepo(glob):
				p.add(g.v.Line, key, fmt.Sprintf("%q leaves the repository; manifests are read only inside it, so write a repo-relative pattern such as \"**/module.manifest.json\"", glob))
			}
		}
		if name == "include" {
			cfg.Include = globs
			if len(globs) == 0 {
				p.add(g.v.Line, key, "empty, so no manifest would be read; list at least one glob such as \"**/module.manifest.json\"")
			}
		} else {
			cfg.Exclude = globs
		}
	}
}

func (p *parser) key(cfg *Config, f field) {
	if !p.mapping(f.v, "key") {
		return
	}
	m := p.fields(f.v, "key", keyKeys())
	if g, ok := m["property"]; ok {
		if s, ok := p.str(g.v, "key.property", false); ok {
			if s == "" {
				p.add(g.v.Line, "key.property", "empty; name the database's title property, e.g. Module")
			}
			cfg.Key.Property = s
		}
	}
	if g, ok := m["from"]; ok {
		from, ok := p.strList(g.v, "key.from")
		if !ok {
			return
		}
		if len(from) == 0 {
			p.add(g.v.Line, "key.from", "empty; list where the key comes from, e.g. [module, name, $dir]")
		}
		for _, s := range from {
			switch {
			case IsVolatileSpecial(s):
				p.add(g.v.Line, "key.from", fmt.Sprintf("%s changes on every run, so a page could never be found again; key by a manifest field, $dir or $path", s))
			case s == SpecialValues:
				p.add(g.v.Line, "key.from", "$values_sha is a hash of the row, key included, so it cannot be the key; key by a manifest field, $dir or $path")
			default:
				p.checkFrom(g.v.Line, "key.from", s)
			}
		}
		cfg.Key.From = from
	}
}

// checkFrom reports an empty path, an unknown special or a malformed gjson path.
func (p *parser) checkFrom(line int, key, s string) {
	switch {
	case s == "":
		p.add(line, key, "empty path; write a gjson path such as quality.mqi, or a special ("+specialList+")")
	case strings.HasPrefix(s, "$") && !IsSpecial(s):
		p.add(line, key, fmt.Sprintf("%q is not a special; use one of %s, or a gjson path without $", s, specialList))
	case !IsSpecial(s):
		if err := checkPath(s); err != nil {
			p.add(line, key, fmt.Sprintf("%q is not a valid gjson path: %v (syntax: %s)", s, err, gjsonSyntax))
		}
	}
}

func (p *parser) properties(cfg *Config, f field) []Property {
	if f.v.Kind == yaml.ScalarNode && f.v.ShortTag() == "!!null" {
		return nil
	}
	if !p.mapping(f.v, "properties") {
		return nil
	}
	var out []Property
	m := p.fields(f.v, "properties", nil)
	for i := 0; i+1 < len(f.v.Content); i += 2 {
		k := f.v.Content[i]
		g, ok := m[k.Value]
		if !ok || g.k != k {
			continue // a repeated name, already reported
		}
		if prop, ok := p.property(cfg, g); ok {
			out = append(out, prop)
		}
	}
	return out
}

func (p *parser) property(cfg *Config, f field) (Property, bool) {
	name := f.k.Value
	key := "properties." + name
	prop := Property{Name: name, Line: f.k.Line}
	switch {
	case strings.TrimSpace(name) == "":
		p.add(f.k.Line, key, "empty property name; use the column name as Notion shows it")
		return prop, false
	case name == cfg.Key.Property:
		p.add(f.k.Line, key, fmt.Sprintf("%s is the key property (key.property), filled from key.from; remove it here", name))
		return prop, false
	}
	if !p.mapping(f.v, key) {
		return prop, false
	}
	m := p.fields(f.v, key, propKeys())
	ok := true
	if g, has := m["type"]; !has {
		p.add(f.k.Line, key+".type", "missing; add type: one of "+property.TypeList)
		ok = false
	} else if s, good := p.str(g.v, key+".type", false); good {
		prop.Type = property.Type(s)
		switch {
		case prop.Type == property.Title:
			p.add(g.v.Line, key+".type", fmt.Sprintf("title is the key property's type (%s); a database has one title, so use rich_text", cfg.Key.Property))
			ok = false
		case !prop.Type.Valid():
			p.add(g.v.Line, key+".type", fmt.Sprintf("%q is not a Notion type this tool writes; use one of %s", s, property.TypeList))
			ok = false
		}
	} else {
		ok = false
	}
	if g, has := m["from"]; has {
		if from, good := p.strList(g.v, key+".from"); good {
			prop.From = from
			for _, s := range from {
				p.checkFrom(g.v.Line, key+".from", s)
				if ok && IsSpecial(s) {
					p.checkSpecialType(g.v.Line, key+".from", s, prop.Type)
				}
			}
		}
	}
	if g, has := m["default"]; has {
		prop.Default = p.defaultValue(g.v, key+".default", prop.Type, ok)
	}
	if g, has := m["template"]; has {
		if s, good := p.str(g.v, key+".template", true); good {
			if _, err := template.New(name).Parse(s); err != nil {
				p.add(g.v.Line, key+".template", err.Error()+"; fix the Go text/template syntax")
			}
			prop.Template = s
		}
	}
	if g, has := m["optional"]; has {
		prop.Optional, _ = p.boolean(g.v, key+".optional")
	}
	if len(prop.From) == 0 && prop.Default == nil {
		p.add(f.k.Line, key, "no from and no default, so it would always be empty; add from: <gjson path>")
	}
	return prop, ok
}

// checkSpecialType reports a special whose text can never be a value of type t.
func (p *parser) checkSpecialType(line int, key, s string, t property.Type) {
	switch {
	case t == property.Number || t == property.Checkbox:
		p.add(line, key, fmt.Sprintf("%s gives text, which a %s property cannot hold; use type rich_text", s, t))
	case t == property.Date && s != SpecialSyncedAt:
		p.add(line, key, fmt.Sprintf("%s is not a date; only $synced_at fits a date property", s))
	}
}

// defaultValue converts a YAML default into the plain form resolution uses
// (string, float64, bool, or a list of them) and checks it fits the type.
func (p *parser) defaultValue(n *yaml.Node, key string, t property.Type, typeOK bool) any {
	var v any
	switch n.Kind {
	case yaml.ScalarNode:
		v = scalar(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			c = deref(c)
			if c.Kind != yaml.ScalarNode {
				p.add(c.Line, key, "a list default holds plain values only; write [a, b]")
				return nil
			}
			if x := scalar(c); x != nil {
				list = append(list, x)
			}
		}
		v = list
	default:
		p.add(n.Line, key, "a default is a plain value or a list; a mapping cannot be a property value")
		return nil
	}
	if !typeOK || v == nil {
		return v
	}
	bad := func(want string) {
		p.add(n.Line, key, fmt.Sprintf("%s does not fit a %s property; write %s", describe(n), t, want))
	}
	_, isList := v.([]any)
	switch t {
	case property.Number:
		if _, ok := v.(float64); !ok {
			bad("a number, such as 0")
		}
	case property.Checkbox:
		if _, ok := v.(bool); !ok {
			bad("true or false")
		}
	case property.Date:
		if s, ok := v.(string); !ok || !property.ValidDate(s) {
			bad("a date such as 2025-01-31")
		}
	case property.MultiSelect:
		// a single value or a list both fit
	default:
		if isList {
			bad("one value (only multi_select takes a list)")
		}
	}
	return v
}

// scalar returns the plain value of a scalar node: numbers as float64 (as JSON
// has them), booleans, nil for null, and the text as written for the rest
// (timestamps included, so a date default stays "2025-01-31").
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int", "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
}

func (p *parser) crossCheck(cfg *Config, ownerLine int, top map[string]field) {
	if cfg.OwnerProperty == "" {
		return
	}
	if cfg.OwnerProperty == cfg.Key.Property {
		p.add(ownerLine, "owner_property", "the key property is set on every page, so every unmatched page would look made by the sync; name a property such as Manifest (from: $path)")
		return
	}
	if prop, ok := cfg.Property(cfg.OwnerProperty); ok {
		if prop.Optional {
			p.add(ownerLine, "owner_property", fmt.Sprintf("%q is optional, but the sync needs it to tell the pages it made from the others; remove optional: true from %s", cfg.OwnerProperty, cfg.OwnerProperty))
		}
		return
	}
	// A property that failed to parse was reported already; do not pile on.
	if f, ok := top["properties"]; ok && f.v.Kind == yaml.MappingNode {
		for i := 0; i < len(f.v.Content); i += 2 {
			if f.v.Content[i].Value == cfg.OwnerProperty {
				return
			}
		}
	}
	given := ""
	if _, ok := top["owner_property"]; !ok {
		given = " (the default)"
	}
	p.add(ownerLine, "owner_property", fmt.Sprintf("%q%s is not among properties; add a %s property (type rich_text, from: $path), name an existing one, or set owner_property: \"\"",
		cfg.OwnerProperty, given, cfg.OwnerProperty))
}

func (p *parser) mapping(n *yaml.Node, key string) bool {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, key, fmt.Sprintf("%s where a mapping (key: value) belongs; write e.g. {type: rich_text, from: description}", describe(n)))
		return false
	}
	return true
}

// str reads a string scalar; null reads as "" when nullOK.
func (p *parser) str(n *yaml.Node, key string, nullOK bool) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			return n.Value, true
		case "!!null":
			if nullOK {
				return "", true
			}
		}
	}
	p.add(n.Line, key, fmt.Sprintf("%s where text belongs; write a string (quote it if needed)", describe(n)))
	return "", false
}

// strList reads one string or a list of strings; null reads as an empty list.
func (p *parser) strList(n *yaml.Node, key string) ([]string, bool) {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return []string{}, true
	case n.Kind == yaml.ScalarNode:
		s, ok := p.str(n, key, false)
		return []string{s}, ok
	case n.Kind == yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		ok := true
		for _, c := range n.Content {
			s, good := p.str(deref(c), key, false)
			ok = ok && good
			out = append(out, s)
		}
		return out, ok
	}
	p.add(n.Line, key, fmt.Sprintf("%s where a string or a list of strings belongs; write [a, b]", describe(n)))
	return nil, false
}

func (p *parser) boolean(n *yaml.Node, key string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if n.Decode(&b) == nil {
			return b, true
		}
	}
	p.add(n.Line, key, fmt.Sprintf("%s is not a boolean; write true or false", describe(n)))
	return false, false
}

// deref follows aliases, so anchors (&x / *x) work anywhere.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "plain value"
	}
	return "document"
}

// describe names a node's value for an error message: "2", "\"float\"", "a list".
func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "a " + kindName(n)
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// yamlError splits a yaml.v3 syntax error ("yaml: line 3: did not find ...") into
// its line and its message.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, text, ok := strings.Cut(rest, ": ")
	n, convErr := strconv.Atoi(num)
	if !ok || convErr != nil {
		return 0, msg
	}
	return n, text
}

// closest returns the allowed key within two edits of name, for "did you mean".
func closest(name string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := distance(name, a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

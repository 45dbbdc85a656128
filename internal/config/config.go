// Package config reads .github/notion-sync.yml: which manifests to read, which
// database property is the key, and how every other property's value is found in
// a manifest. The file is optional: Default is the block DESIGN.md documents, so
// the LUKHAS manifests sync with no setup.
//
// A key the file leaves out takes its value from Default, so a file may hold only
// what it changes; set a key explicitly to override it (`hydrate: ""` turns
// hydration off, `exclude: []` excludes nothing). Parse reports every problem of
// a file at once, each as "file:line: key: problem; fix", so one edit fixes them
// all.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/property"
)

// DefaultPath is where the config lives in a repository; DefaultPathAlt is the
// same file with the other YAML extension, tried second.
const (
	DefaultPath    = ".github/notion-sync.yml"
	DefaultPathAlt = ".github/notion-sync.yaml"
)

// The specials a `from` may name instead of a gjson path.
const (
	SpecialPath     = "$path"       // repo-relative manifest path, "/" separators
	SpecialDir      = "$dir"        // the manifest's folder name
	SpecialSHA      = "$sha"        // sha256 of the manifest's canonical JSON
	SpecialValues   = "$values_sha" // sha256 of the row's synced values (see Property.Hashed)
	SpecialCommit   = "$commit"     // the commit being synced (volatile)
	SpecialSyncedAt = "$synced_at"  // the time of the run (volatile)
)

// specialList names every special, in the order error messages offer them.
const specialList = "$path, $dir, $sha, $values_sha, $commit, $synced_at"

// IsSpecial reports whether from names one of the specials ($path, $dir, $sha,
// $values_sha, $commit, $synced_at) rather than a gjson path.
func IsSpecial(from string) bool {
	switch from {
	case SpecialPath, SpecialDir, SpecialSHA, SpecialValues, SpecialCommit, SpecialSyncedAt:
		return true
	}
	return false
}

// IsVolatileSpecial reports whether from is $commit or $synced_at: values that
// change on every run and so are written only together with a real change.
func IsVolatileSpecial(from string) bool { return from == SpecialCommit || from == SpecialSyncedAt }

// Config is a parsed notion-sync.yml. The zero value is not useful; get one from
// Default, Load, LoadDir or Parse. A Config is read-only once built and safe to
// share between goroutines.
type Config struct {
	File             string   // the file it came from; "" for the built-in default
	Version          int      // always 1
	Include, Exclude []string // manifests.include / manifests.exclude: repo-relative doublestar globs
	Key              Key      // how a manifest finds its database row
	Hydrate          string   // manifest object whose entries win over `from` ("notion_database_options"); "" turns hydration off
	RequireHydration bool     // pre-flight fails on manifests without the hydrate object
	OwnerProperty    string   // property set on pages the sync made ("Manifest"); "" means none, so no page is ever archived as orphaned
	OnDelete         string   // what a deleted manifest does to its page: "archive" | "ignore"
	Properties       []Property
}

// Key names the database's title property and where a manifest's key comes from.
type Key struct {
	Property string   // the database's title property ("Module")
	From     []string // first non-empty string wins; specials allowed ($dir, $path)
}

// Property says where one managed database property gets its value.
type Property struct {
	Name     string
	Type     property.Type
	From     []string // gjson paths or specials, tried in order; a single string in YAML becomes a one-element list
	Default  any      // YAML scalar (string, float64, bool) or list of them, nil when absent
	Template string   // Go text/template applied to the resolved value ("" = none)
	// Optional means a database without this property still syncs: the sync
	// leaves the property out and preflight only notes how to add it (see
	// Config.Absent). The built-in config marks the properties it gained after
	// its first release optional, so databases made for that release keep working.
	Optional bool
	Line     int // line in the file, for errors; 0 in Default
}

// Hashed reports whether p's value counts in $values_sha. Every property counts
// except those that read $values_sha itself, $sha (which changes with fields no
// property reads, the very thing $values_sha is immune to) or a volatile special
// (which changes on every run).
func (p Property) Hashed() bool {
	for _, f := range p.From {
		if f == SpecialValues || f == SpecialSHA || IsVolatileSpecial(f) {
			return false
		}
	}
	return true
}

// The templates of the built-in config. A property's template applies to
// whichever `from` path resolved, so these accept every form the two manifest
// generations give: printf "%T" tells a list from a single value.
const (
	// joinList writes a list as "a; b; c" (the capability descriptions of a
	// schema 1.1.0 manifest) and any other value as it is (a description).
	joinList = `{{if eq (printf "%T" .) "[]interface {}"}}{{range $i, $v := .}}{{if $i}}; {{end}}{{$v}}{{end}}{{else}}{{.}}{{end}}`
	// testStatus names testing.has_tests, so that "no tests" differs from a
	// manifest that says nothing (an empty cell); other values pass through.
	testStatus = `{{if eq (printf "%v" .) "true"}}has tests{{else if eq (printf "%v" .) "false"}}no tests{{else}}{{.}}{{end}}`
	// qualityTier writes the short tiers a person sets by hand (T2, T3, T4) as
	// the generated manifests spell them, so one tier is one option. T1 has no
	// long spelling in any manifest, so it stays as written.
	qualityTier = `{{if eq . "T2"}}T2_important{{else if eq . "T3"}}T3_standard{{else if eq . "T4"}}T4_experimental{{else}}{{.}}{{end}}`
	// apiList lists the apis object of the older generation.
	apiList = "{{range $k, $v := .}}- {{$k}} ({{$v.module}})\n{{end}}"
)

// Default returns the built-in config: the YAML block of docs/config.md (and
// internal/config/testdata/builtin.yml), a superset of DESIGN.md "Config" that
// fits both generations of LUKHAS manifests (schema 1.0.0/3.0.0 with top-level
// description, features, tags, matrix and ownership; schema 1.1.0 with module,
// capabilities, testing, security and metadata objects) and the flat
// auto-generated ones. The properties added after DESIGN.md's block are
// Optional, so a database made for that block keeps syncing. Each call returns
// a fresh copy the caller may change.
func Default() *Config {
	return &Config{
		Version: 1,
		Include: []string{"**/module.manifest.json"},
		Exclude: []string{"**/.*/**", "**/node_modules/**", "**/dist/**"},
		Key: Key{
			Property: "Module",
			From:     []string{"module", "module.name", "name", SpecialDir},
		},
		Hydrate:          "notion_database_options",
		RequireHydration: true,
		OwnerProperty:    "Manifest",
		OnDelete:         "archive",
		Properties: []Property{
			{Name: "Description", Type: property.RichText, From: []string{"description", "capabilities.#.description"}, Template: joinList},
			{Name: "Features", Type: property.MultiSelect, From: []string{"features", "capabilities.#.name"}},
			{Name: "Tags", Type: property.MultiSelect, From: []string{"tags", "metadata.tags"}},
			{Name: "Lane", Type: property.Select, From: []string{"matrix.lane", "module.lane", "lane"}},
			{Name: "Status", Type: property.Select, From: []string{"status", "metadata.status"}, Default: "Active"},
			{Name: "MQI", Type: property.Number, From: []string{"quality.mqi", "mqi"}},
			{Name: "Team", Type: property.Select, From: []string{"ownership.team", "metadata.owner"}},
			{Name: "Coverage", Type: property.Number, From: []string{"testing.coverage_observed"}},
			{Name: "SLA p95", Type: property.Number, From: []string{"performance.sla_targets.latency_p95_ms", "performance.sla.latency_p95_ms"}},
			{Name: "APIs", Type: property.RichText, From: []string{"apis"}, Template: apiList},
			{Name: "Quality Tier", Type: property.Select, From: []string{"module.quality_tier", "testing.quality_tier"}, Template: qualityTier, Optional: true},
			{Name: "Test Status", Type: property.Select, From: []string{"testing.has_tests"}, Template: testStatus, Optional: true},
			{Name: "Data Classification", Type: property.Select, From: []string{"security.data_classification"}, Optional: true},
			{Name: "Constellation", Type: property.MultiSelect, From: []string{"constellation_alignment.primary_star", "constellation_stars"}, Optional: true},
			{Name: "MATRIZ Nodes", Type: property.MultiSelect, From: []string{"matriz_integration.pipeline_nodes"}, Optional: true},
			{Name: "Colony", Type: property.Select, From: []string{"module.colony"}, Optional: true},
			{Name: "Dependencies", Type: property.MultiSelect, From: []string{"dependencies.@values|@flatten"}, Optional: true},
			{Name: "Docs", Type: property.URL, From: []string{"metadata.documentation_url", "links.docs"}, Optional: true},
			{Name: "Manifest Updated", Type: property.Date, From: []string{"metadata.last_updated", "updated"}, Optional: true},
			{Name: "Manifest", Type: property.RichText, From: []string{SpecialPath}},
			{Name: "Provenance SHA", Type: property.RichText, From: []string{SpecialValues}},
			{Name: "Last Commit", Type: property.RichText, From: []string{SpecialCommit}},
			{Name: "Updated At", Type: property.Date, From: []string{SpecialSyncedAt}},
		},
	}
}

// Load reads the config from path, relative to the working directory. With path
// "", it reads .github/notion-sync.yml (or .yaml) when present and otherwise
// returns Default; an explicit path that does not exist is an error, because a
// typo there must not silently sync with the built-in config.
func Load(path string) (*Config, error) { return LoadDir(".", path) }

// FileName is the config file LoadDir(root, path) reads, as a repository
// path: path itself, else DefaultPath or DefaultPathAlt when present, or ""
// for the built-in config. It does not parse the file, so a run whose config
// is broken still names it as the runs before it did (the PR comment's marker).
func FileName(root, path string) string {
	if path != "" {
		return filepath.ToSlash(path)
	}
	for _, p := range []string{DefaultPath, DefaultPathAlt} {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err == nil {
			return p
		}
	}
	return ""
}

// LoadDir is Load relative to a repository root instead of the working
// directory: a relative path is joined to root, and Config.File keeps the path
// as given (repo-relative), which is what annotations need.
func LoadDir(root, path string) (*Config, error) {
	if path == "" {
		for _, p := range []string{DefaultPath, DefaultPathAlt} {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
			switch {
			case err == nil:
				return Parse(p, data)
			case !errors.Is(err, os.ErrNotExist):
				return nil, fmt.Errorf("read config %s: %w", p, err)
			}
		}
		return Default(), nil
	}
	full := path
	if !filepath.IsAbs(path) {
		full = filepath.Join(root, path)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return Parse(filepath.ToSlash(path), data)
}

// Volatile reports whether every `from` of the named property is $commit or
// $synced_at: such a property changes on every run, so it is written only
// together with a real change and is never a reason to write by itself. It is
// false for an unknown name and for the key.
func (c *Config) Volatile(name string) bool {
	for _, p := range c.Properties {
		if p.Name != name {
			continue
		}
		if len(p.From) == 0 {
			return false
		}
		for _, f := range p.From {
			if !IsVolatileSpecial(f) {
				return false
			}
		}
		return true
	}
	return false
}

// Managed returns the names of every property the sync owns, the key property
// first and then the properties in file order. Properties not listed are never
// touched: people edit them in Notion.
func (c *Config) Managed() []string {
	out := make([]string, 0, len(c.Properties)+1)
	out = append(out, c.Key.Property)
	for _, p := range c.Properties {
		out = append(out, p.Name)
	}
	return out
}

// Property returns the property named name, and false when the config has none.
// The key property is not among them.
func (c *Config) Property(name string) (Property, bool) {
	for _, p := range c.Properties {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// Error is one problem of a config file. Parse joins them with errors.Join.
type Error struct {
	File string // as given to Parse
	Line int    // 1-based; 0 when the problem has no line (never for Parse)
	Key  string // dotted key path, e.g. "properties.MQI.type"
	Msg  string // what is wrong; the fix
}

// Error formats e as "file:line: key: msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

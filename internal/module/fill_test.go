package module

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// snapshot is one corpus with the config adjustments a sync of it needs.
type snapshot struct {
	name  string
	byKey bool // key by $path and read hidden folders too: lukhas-2025-11 has 776 keys shared by copies
}

var snapshots = []snapshot{{"lukhas-2025-10", false}, {"lukhas-2025-11", true}}

// corpusConfig is cfg as a sync of s uses it (testdata/bench/path-keys.yml for
// lukhas-2025-11: every manifest, keyed by $path).
func corpusConfig(cfg *config.Config, s snapshot) *config.Config {
	if s.byKey {
		cfg.Key.From = []string{config.SpecialPath}
		cfg.Exclude = []string{"**/node_modules/**", "**/dist/**"}
	}
	return cfg
}

// fill counts, for one property over one corpus, the manifests that hold the
// information it reads and the rows where it is filled.
type fill struct {
	has       int // manifests where some `from` path (or the hydrate entry) holds a non-empty value
	filled    int // rows whose value came from the manifest and is not empty
	defaulted int // rows filled by the property's default
}

// hasInfo reports whether the manifest holds information for p: its hydrate
// entry or any of its `from` paths gives a non-empty value, whichever comes first
// (so a path that resolves to "" while a later one holds the value counts as
// information the row must show). Specials always have a value, but for the
// volatile ones, given in sp.
func hasInfo(cfg *config.Config, root gjson.Result, p config.Property, sp Specials) bool {
	if cfg.Hydrate != "" && nonEmpty(root.Get(gjson.Escape(cfg.Hydrate)).Get(gjson.Escape(p.Name))) {
		return true
	}
	for _, f := range p.From {
		switch {
		case f == config.SpecialCommit:
			if sp.Commit != "" {
				return true
			}
		case f == config.SpecialSyncedAt:
			if !sp.SyncedAt.IsZero() {
				return true
			}
		case config.IsSpecial(f):
			return true
		case nonEmpty(root.Get(f)):
			return true
		}
	}
	return false
}

func nonEmpty(v gjson.Result) bool {
	switch {
	case !v.Exists() || v.Type == gjson.Null:
		return false
	case v.Type == gjson.String:
		return strings.TrimSpace(v.Str) != ""
	case v.IsArray():
		for _, x := range v.Array() {
			if nonEmpty(x) {
				return true
			}
		}
		return false
	case v.IsObject():
		return len(v.Map()) > 0
	}
	return true // numbers and booleans, false and 0 included
}

// measureFill resolves every manifest of a corpus with cfg and counts, per
// property, information and filled rows. It fails the test on a manifest that
// does not resolve.
func measureFill(t *testing.T, root string, cfg *config.Config, sp Specials) (rows int, out map[string]*fill) {
	t.Helper()
	paths, _, err := manifest.Discover(root, cfg.Include, cfg.Exclude)
	if err != nil {
		t.Fatalf("Discover(): %v", err)
	}
	out = map[string]*fill{}
	for _, p := range cfg.Properties {
		out[p.Name] = &fill{}
	}
	for _, path := range paths {
		m, err := manifest.Load(root, path)
		if err != nil {
			t.Errorf("Load(%s): %v", path, err)
			continue
		}
		mod, all, err := resolve(t.Context(), cfg, m, sp)
		if err != nil {
			t.Errorf("Resolve(%s): %v", path, err)
			continue
		}
		rows++
		doc := gjson.ParseBytes(m.Raw)
		for i, p := range cfg.Properties {
			f, v, src := out[p.Name], mod.Props[p.Name], all[i+1].src
			if hasInfo(cfg, doc, p, sp) {
				f.has++
			}
			switch {
			case src == fromDefault:
				f.defaulted++
			case !v.IsEmpty() || (v.Type == property.Checkbox && src != fromNothing):
				f.filled++
			}
		}
	}
	return rows, out
}

// TestBuiltinConfigFillsEveryRow resolves both corpora with the built-in config
// and checks, property by property, that a row is filled wherever its manifest
// has the information: filled == has information, and a property with a
// default fills every other row with it. It writes the table of docs/config.md
// (testdata/fill-table.md, rewritten by -update) and checks the documentation
// shows it.
func TestBuiltinConfigFillsEveryRow(t *testing.T) {
	t.Parallel()
	base := corpusDir(t)
	firstRelease, err := config.LoadDir(".", filepath.Join("testdata", "first-release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	sp := Specials{Commit: "0123456789abcdef0123456789abcdef01234567", SyncedAt: time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)}
	type result struct {
		rows        int
		now, before map[string]*fill
	}
	results := map[string]result{}
	for _, s := range snapshots {
		root := filepath.Join(base, s.name)
		if _, err := os.Stat(root); err != nil {
			t.Skipf("snapshot %s absent: %v", s.name, err)
		}
		cfg := corpusConfig(config.Default(), s)
		rows, now := measureFill(t, root, cfg, sp)
		old := corpusConfig(config.Default(), s)
		old.Properties = firstRelease.Properties
		oldRows, before := measureFill(t, root, old, sp)
		if rows == 0 || oldRows != rows {
			t.Fatalf("%s: %d rows with the built-in config, %d with the first release's", s.name, rows, oldRows)
		}
		results[s.name] = result{rows: rows, now: now, before: before}
		for _, p := range cfg.Properties {
			f := now[p.Name]
			if f.filled != f.has {
				t.Errorf("%s: %s is filled in %d rows but %d manifests have the information", s.name, p.Name, f.filled, f.has)
			}
			if p.Default != nil && f.filled+f.defaulted != rows {
				t.Errorf("%s: %s has a default, yet %d of %d rows are empty", s.name, p.Name, rows-f.filled-f.defaulted, rows)
			}
		}
	}

	var b strings.Builder
	r10, r11 := results["lukhas-2025-10"], results["lukhas-2025-11"]
	fmt.Fprintf(&b, "| Property | lukhas-2025-10 (%d rows): has it / filled | lukhas-2025-11 (%d rows): has it / filled | lukhas-2025-11 filled by the first release's config |\n", r10.rows, r11.rows)
	b.WriteString("| --- | --- | --- | --- |\n")
	cell := func(n, rows int) string {
		if pct := 100 * float64(n) / float64(rows); n == 0 || pct >= 0.5 {
			return fmt.Sprintf("%d (%.0f%%)", n, pct)
		}
		return fmt.Sprintf("%d (<1%%)", n)
	}
	for _, p := range config.Default().Properties {
		a, c := r10.now[p.Name], r11.now[p.Name]
		before := "(new)"
		if f, ok := r11.before[p.Name]; ok {
			before = cell(f.filled, r11.rows)
			if f.defaulted > 0 {
				before += fmt.Sprintf(" + %d default", f.defaulted)
			}
		}
		row := func(f *fill, rows int) string {
			s := cell(f.has, rows) + " / " + cell(f.filled, rows)
			if f.defaulted > 0 {
				s += fmt.Sprintf(" + %d default", f.defaulted)
			}
			return s
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", p.Name, row(a, r10.rows), row(c, r11.rows), before)
	}
	table := b.String()
	t.Logf("\n%s", table)
	checkGolden(t, filepath.Join("testdata", "fill-table.md"), []byte(table))
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil {
		t.Fatalf("read docs/config.md: %v", err)
	}
	if !strings.Contains(string(doc), table) {
		t.Errorf("docs/config.md does not show the measured table (testdata/fill-table.md); copy it there")
	}
}

package module

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// unread are the fields a regeneration changes in the LUKHAS manifests that no
// property of the built-in config reads: provenance timestamps (schema
// 1.0.0/3.0.0), creation times (schema 1.1.0 and the flat manifests), and a
// generated_at added to every manifest, which is then written back with sorted
// keys and another indentation.
var unread = []string{"_provenance.*.extracted_at", "metadata.created", "created", "generated_at"}

// regenerate rewrites a manifest as a generator run would: the unread
// timestamps set to at, keys sorted, two-space indentation. With bump, it also
// sets the last-update timestamps (metadata.last_updated, updated) that the
// built-in config reads into Manifest Updated.
func regenerate(raw []byte, at string, bump bool) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if prov, ok := doc["_provenance"].(map[string]any); ok {
		for _, v := range prov {
			if f, ok := v.(map[string]any); ok {
				if _, ok := f["extracted_at"]; ok {
					f["extracted_at"] = at
				}
			}
		}
	}
	meta, _ := doc["metadata"].(map[string]any)
	if _, ok := meta["created"]; ok {
		meta["created"] = at
	}
	if _, ok := doc["created"]; ok {
		doc["created"] = at
	}
	doc["generated_at"] = at
	if bump {
		if _, ok := meta["last_updated"]; ok {
			meta["last_updated"] = at
		}
		if _, ok := doc["updated"]; ok {
			doc["updated"] = at
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// regenResult is what a plan after a regeneration would write.
type regenResult struct {
	manifests, regenerated int
	rows                   int // rows a sync writes (manifests with a key of their own)
	writes                 int
	written                map[string]int // property name → pages whose write names it (volatile ones excepted)
}

// planRegeneration syncs a corpus into pages (the rows a first sync leaves),
// regenerates every manifest, and plans the next sync.
func planRegeneration(tb testing.TB, root string, cfg *config.Config, bump bool) regenResult {
	tb.Helper()
	paths, _, err := manifest.Discover(root, cfg.Include, cfg.Exclude)
	if err != nil {
		tb.Fatalf("Discover(): %v", err)
	}
	first := Specials{Commit: strings.Repeat("a", 40), SyncedAt: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)}
	next := Specials{Commit: strings.Repeat("b", 40), SyncedAt: first.SyncedAt.Add(24 * time.Hour)}
	volatile := map[string]bool{}
	for _, p := range cfg.Properties {
		if cfg.Volatile(p.Name) {
			volatile[p.Name] = true
		}
	}
	opts := reconcile.Options{KeyProperty: cfg.Key.Property, OwnerProperty: cfg.OwnerProperty, Volatile: volatile, Full: true, Archive: true}

	var before, after []reconcile.Desired
	var pages []reconcile.Page
	res := regenResult{written: map[string]int{}}
	for i, p := range paths {
		m, err := manifest.Load(root, p)
		if err != nil {
			tb.Fatalf("Load(%s): %v", p, err)
		}
		mod, err := Resolve(cfg, m, first)
		if err != nil {
			tb.Fatalf("Resolve(%s): %v", p, err)
		}
		before = append(before, reconcile.Desired{Key: mod.Key, Path: mod.Path, Props: mod.Props})
		pages = append(pages, reconcile.Page{ID: fmt.Sprintf("page-%05d", i), Created: first.SyncedAt, Props: maps.Clone(mod.Props)})

		raw, err := regenerate(m.Raw, next.SyncedAt.Format(time.RFC3339), bump)
		if err != nil {
			tb.Fatalf("regenerate %s: %v", p, err)
		}
		m2, err := manifest.Parse(m.Path, m.Dir, raw)
		if err != nil {
			tb.Fatalf("regenerated %s does not parse: %v", p, err)
		}
		if m2.SHA != m.SHA {
			res.regenerated++
		}
		mod2, err := Resolve(cfg, m2, next)
		if err != nil {
			tb.Fatalf("regenerated %s does not resolve: %v", p, err)
		}
		after = append(after, reconcile.Desired{Key: mod2.Key, Path: mod2.Path, Props: mod2.Props})
	}
	res.manifests = len(paths)
	// The pages are what the first sync wrote: a plan of the same manifests
	// writes nothing, or the measure below would count something else.
	for _, c := range reconcile.Plan(before, pages, opts) {
		switch {
		case c.Writes():
			tb.Fatalf("a sync of unchanged manifests plans %s for %s", c.Action, c.Key)
		case c.Action == reconcile.Noop:
			res.rows++
		}
	}
	for _, c := range reconcile.Plan(after, pages, opts) {
		if !c.Writes() {
			continue
		}
		res.writes++
		for name := range c.Diffs {
			res.written[name]++
		}
	}
	return res
}

// checkUnread fails when a property of cfg reads one of the fields the
// regeneration changes (or an object holding one), which would make the measure
// meaningless.
func checkUnread(tb testing.TB, cfg *config.Config) {
	tb.Helper()
	for _, p := range cfg.Properties {
		for _, f := range p.From {
			for _, u := range unread {
				if !config.IsSpecial(f) && overlap(f, u) {
					tb.Fatalf("property %s reads %s, which holds %s, a field the regeneration changes", p.Name, f, u)
				}
			}
		}
	}
}

// overlap reports whether one dotted path is the other or lies inside it; "*"
// matches any one key.
func overlap(a, b string) bool {
	x, y := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < min(len(x), len(y)); i++ {
		if x[i] != y[i] && x[i] != "*" && y[i] != "*" {
			return false
		}
	}
	return true
}

// TestRegenerationWritesNothing: regenerating every manifest of both corpora
// (new timestamps in fields no property reads, keys reordered, another
// indentation) plans no write with the built-in config. With Provenance SHA
// filled from $sha, as in the first release, every regenerated manifest would
// cost a page update; and bumping the last-update timestamps, which the
// built-in config shows as Manifest Updated, writes that property alone.
func TestRegenerationWritesNothing(t *testing.T) {
	t.Parallel()
	base := corpusDir(t)
	for _, s := range snapshots {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join(base, s.name)
			if _, err := os.Stat(root); err != nil {
				t.Skipf("snapshot %s absent: %v", s.name, err)
			}
			cfg := corpusConfig(config.Default(), s)
			checkUnread(t, cfg)

			got := planRegeneration(t, root, cfg, false)
			if got.regenerated != got.manifests || got.manifests == 0 {
				t.Fatalf("%d of %d manifests regenerated, want all", got.regenerated, got.manifests)
			}
			if got.writes != 0 {
				t.Errorf("built-in config: %d writes after a regeneration, want 0 (properties written: %v)", got.writes, got.written)
			}

			old := corpusConfig(config.Default(), s)
			for i, p := range old.Properties {
				if p.Name == "Provenance SHA" {
					old.Properties[i].From = []string{config.SpecialSHA}
				}
			}
			wholeSHA := planRegeneration(t, root, old, false)
			if wholeSHA.writes != wholeSHA.rows || wholeSHA.written["Provenance SHA"] != wholeSHA.rows || len(wholeSHA.written) != 1 {
				t.Errorf("with $sha: %d writes for %d rows (properties %v), want one Provenance SHA write per row", wholeSHA.writes, wholeSHA.rows, wholeSHA.written)
			}

			bumped := planRegeneration(t, root, cfg, true)
			names := slices.Sorted(maps.Keys(bumped.written))
			if bumped.writes != bumped.written["Manifest Updated"] || !slices.Equal(names, []string{"Manifest Updated", "Provenance SHA"}) && bumped.writes > 0 {
				t.Errorf("bumped last-update: %d writes, properties %v; want only Manifest Updated (and the hash that follows it)", bumped.writes, bumped.written)
			}
			t.Logf("%s: %d manifests regenerated (%d rows): %d writes with $values_sha, %d with $sha; bumping last_updated too: %d writes (%v)",
				s.name, got.regenerated, got.rows, got.writes, wholeSHA.writes, bumped.writes, bumped.written)
		})
	}
}

// BenchmarkRegeneration measures a plan after a regeneration of
// lukhas-2025-11 (1,782 manifests, keyed by $path): resolving the regenerated
// manifests and planning against the pages of the previous sync. writes/op is
// the number of page writes that plan asks for.
//
//	go test ./internal/module -run '^$' -bench Regeneration -benchtime 3x
func BenchmarkRegeneration(b *testing.B) {
	base := filepath.Join("..", "..", "..", "shared", "corpus")
	root := filepath.Join(base, "lukhas-2025-11")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus not found at %s (it lives beside the repository): %v", root, err)
	}
	for _, tt := range []struct {
		name string
		from string
	}{{"values_sha", config.SpecialValues}, {"sha", config.SpecialSHA}} {
		b.Run(tt.name, func(b *testing.B) {
			cfg := corpusConfig(config.Default(), snapshot{"lukhas-2025-11", true})
			for i, p := range cfg.Properties {
				if p.Name == "Provenance SHA" {
					cfg.Properties[i].From = []string{tt.from}
				}
			}
			var res regenResult
			for b.Loop() {
				res = planRegeneration(b, root, cfg, false)
			}
			b.ReportMetric(float64(res.writes), "writes/op")
			b.ReportMetric(float64(res.regenerated), "manifests/op")
		})
	}
}

func TestOverlap(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"metadata.created", "metadata.created", true},
		{"metadata", "metadata.created", true},
		{"metadata.last_updated", "metadata.created", false},
		{"_provenance.features.extracted_at", "_provenance.*.extracted_at", true},
		{"_provenance.features.sha", "_provenance.*.extracted_at", false},
		{"created", "metadata.created", false},
	} {
		if got := overlap(tt.a, tt.b); got != tt.want {
			t.Errorf("overlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

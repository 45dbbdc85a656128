package module

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/manifest"
)

// corpusDir is the real manifests shared beside the repository: the repo root
// is two folders up from this package, and the corpus is ../shared/corpus from
// there.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s (the real LUKHAS manifests live beside the repository, not in it): %v", dir, err)
	}
	return dir
}

// TestCorpus resolves every module.manifest.json of the real monorepo snapshots
// with the built-in config, backfills each, and checks that the backfilled
// manifest resolves to the same row.
func TestCorpus(t *testing.T) {
	t.Parallel()
	base := corpusDir(t)
	cfg := config.Default()
	sp := Specials{Commit: "0123456789abcdef0123456789abcdef01234567", SyncedAt: time.Date(2025, 11, 26, 0, 0, 0, 0, time.UTC)}
	for _, snap := range []string{"lukhas-2025-10", "lukhas-2025-11"} {
		t.Run(snap, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join(base, snap)
			if _, err := os.Stat(root); err != nil {
				t.Skipf("snapshot %s absent: %v", snap, err)
			}
			// Every manifest, hidden folders included; the default globs are counted apart.
			all, warnings, err := manifest.Discover(root, cfg.Include, nil)
			if err != nil {
				t.Fatalf("Discover(): %v", err)
			}
			selected, _, err := manifest.Discover(root, cfg.Include, cfg.Exclude)
			if err != nil {
				t.Fatalf("Discover(): %v", err)
			}
			inDefault := map[string]bool{}
			for _, p := range selected {
				inDefault[p] = true
			}
			scratch := t.TempDir()
			var broken, failed, resolved, hydrated, warned, backfilled int
			kinds := map[string]int{}
			keys := map[string][]string{}
			for _, p := range all {
				m, err := manifest.Load(root, p)
				if err != nil {
					broken++
					var prob *manifest.Problem
					if !errors.As(err, &prob) || prob.File != p {
						t.Errorf("Load(%s) error %v, want a *manifest.Problem naming the file", p, err)
					}
					t.Logf("broken: %v", err)
					continue
				}
				mod, err := Resolve(cfg, m, sp)
				if err != nil {
					failed++
					var prob *manifest.Problem
					if !errors.As(err, &prob) || prob.File != p {
						t.Errorf("Resolve(%s) error %v, want a *manifest.Problem naming the file", p, err)
					}
					t.Logf("failed: %v", err)
					continue
				}
				resolved++
				if mod.Key == "" || mod.Props[cfg.Key.Property].Text != mod.Key {
					t.Errorf("%s: key %q, title %q; want a non-empty key", p, mod.Key, mod.Props[cfg.Key.Property].Text)
				}
				if len(mod.Props) != len(cfg.Managed()) {
					t.Errorf("%s: %d props, want %d", p, len(mod.Props), len(cfg.Managed()))
				}
				if mod.Hydrated {
					hydrated++
				}
				if len(mod.Warnings) > 0 {
					warned++
				}
				for _, w := range mod.Warnings {
					kinds[warningKind(w)]++
				}
				if inDefault[p] {
					keys[mod.Key] = append(keys[mod.Key], p)
				}

				out, changed, err := Backfill(cfg, m, mod)
				if err != nil {
					t.Errorf("Backfill(%s): %v", p, err)
					continue
				}
				if changed {
					backfilled++
				}
				m2, err := manifest.Parse(p, m.Dir, out)
				if err != nil {
					t.Errorf("%s after Backfill does not load: %v", p, err)
					continue
				}
				after, err := Resolve(cfg, m2, sp)
				if err != nil {
					t.Errorf("%s after Backfill does not resolve: %v", p, err)
					continue
				}
				after.Props["Provenance SHA"] = mod.Props["Provenance SHA"]
				if diff := cmp.Diff(mod.Props, after.Props); diff != "" {
					t.Errorf("%s resolves differently after Backfill (-before +after):\n%s", p, diff)
				}
				if again, changed, err := Backfill(cfg, m2, after); err != nil || changed || string(again) != string(out) {
					t.Errorf("%s: Backfill() is not idempotent (changed=%v, err=%v)", p, changed, err)
				}
			}
			var dupKeys, dupPaths int
			var example string
			for key, paths := range keys {
				if len(paths) > 1 {
					dupKeys++
					dupPaths += len(paths)
					if example == "" || key < example {
						example = key
					}
				}
			}
			if example != "" {
				t.Logf("%s: e.g. key %q in %s", snap, example, strings.Join(keys[example], ", "))
			}

			// A broken manifest fails alone, with its position: cut a real one
			// in half (in a scratch copy) and read it beside the others.
			if len(all) > 0 {
				raw, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(all[0])))
				if err != nil {
					t.Fatal(err)
				}
				cut := writeTemp(t, scratch, "broken/"+all[0], raw[:len(raw)/2])
				_, err = manifest.Load(cut, "broken/"+all[0])
				var prob *manifest.Problem
				if !errors.As(err, &prob) || prob.Line == 0 || prob.Col == 0 || prob.File != "broken/"+all[0] {
					t.Errorf("Load(half of %s) = %v, want a Problem with file:line:col", all[0], err)
				} else {
					t.Logf("%s: a manifest cut in half reads as: %v", snap, err)
				}
			}
			t.Logf("%s: %d manifests (%d under the default globs), %d discovery warnings; %d resolved, %d broken JSON, %d failed to resolve; %d hydrated, %d with warnings, %d would be backfilled",
				snap, len(all), len(selected), len(warnings), resolved, broken, failed, hydrated, warned, backfilled)
			t.Logf("%s: under the default globs, %d keys are used by more than one manifest (%d manifests)", snap, dupKeys, dupPaths)
			var names []string
			for k := range kinds {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				t.Logf("%s: warning %q x%d", snap, k, kinds[k])
			}
			if resolved == 0 {
				t.Error("no manifest resolved")
			}
		})
	}
}

// warningKind drops the values from a warning so that warnings group.
func warningKind(w string) string {
	name, rest, _ := strings.Cut(w, ": ")
	if i := strings.IndexAny(rest, `"0123456789`); i > 0 {
		rest = rest[:i] + "…"
	}
	return name + ": " + rest
}

// writeTemp writes raw at p under root and returns root.
func writeTemp(t *testing.T, root, p string, raw []byte) string {
	t.Helper()
	full := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

package gitdiff

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// corpusDir is the shared real-data corpus, relative to this package's
// directory: <repo root>/../shared/corpus.
const corpusDir = "../../../shared/corpus"

// readCorpus returns every file of one corpus snapshot, by slash path.
func readCorpus(t *testing.T, snapshot string) map[string]string {
	t.Helper()
	root := filepath.Join(corpusDir, snapshot)
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus snapshot %s not available (%v); it lives outside the repository", root, err)
	}
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("read corpus %s: %v", root, err)
	}
	return files
}

// TestChangedCorpus diffs two real monorepo snapshots. Between October and
// November 2025 every manifest moved under manifests/.archive/.../ (most
// edited a little) and hundreds of new ones appeared. `git diff -M` pairs all
// 140 moves as renames; so must we, or each moved module would lose its page.
// To keep the suite fast (the similarity search is quadratic, and slow under
// -race), November is cut to the 140 rename targets plus every 32nd other
// manifest as distractors.
func TestChangedCorpus(t *testing.T) {
	t.Parallel()
	oct := readCorpus(t, "lukhas-2025-10")
	nov := readCorpus(t, "lukhas-2025-11")

	const archive = "manifests/.archive/20251011_223858_pre_matriz_rollout/scattered_manifests/"
	// The two moves that also renamed a directory, as git pairs them.
	moved := map[string]string{
		"MATRIZ/module.manifest.json":         archive + "matriz/module.manifest.json",
		"pytest_asyncio/module.manifest.json": archive + "pytest_asyncio_stub_DISABLED/module.manifest.json",
	}
	var want []Change
	next := map[string]string{}
	targets := map[string]bool{}
	for p := range oct {
		next[p] = del
		if !isManifest(p) {
			continue
		}
		to, ok := moved[p]
		if !ok {
			to = archive + p
		}
		if _, ok := nov[to]; !ok {
			t.Fatalf("corpus changed: %s has no counterpart %s", p, to)
		}
		next[to] = nov[to]
		targets[to] = true
		want = append(want, Change{Kind: Renamed, Path: to, OldPath: p})
	}
	var others []string
	for p := range nov {
		if isManifest(p) && !targets[p] {
			others = append(others, p)
		}
	}
	slices.Sort(others)
	for i := 0; i < len(others); i += 32 {
		next[others[i]] = nov[others[i]]
		want = append(want, Change{Kind: Added, Path: others[i]})
	}
	slices.SortFunc(want, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })

	tr := newMemRepo(t, oct, next)
	start := time.Now()
	got, err := tr.open(t).Changed(tr.shas[0], "", isManifest)
	if err != nil {
		t.Fatalf("Changed() error = %v", err)
	}
	t.Logf("Changed() with %d deletes and %d adds took %v", len(oct), len(next)-len(oct), time.Since(start))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changed() mismatch (-want +got):\n%s", diff)
	}
}

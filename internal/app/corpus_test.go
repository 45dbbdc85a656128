package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

// TestCorpusSecondSyncWritesNothing syncs the real LUKHAS manifests twice into a
// fast emulator, under every Notion-Version, after `schema apply` gave the
// database every column of the built-in config: the second sync must write
// nothing, whatever the manifests hold (long text, numbers, dates, URLs, option
// lists, unicode), and must read with as few calls as Notion allows: one query
// per 100 pages plus two (the schema read, and from 2025-09-03 the database
// read that finds the data source).
func TestCorpusSecondSyncWritesNothing(t *testing.T) {
	t.Parallel()
	bench, err := filepath.Abs(filepath.Join("..", "..", "testdata", "bench", "path-keys.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		snapshot string
		args     []string
		pages    int
	}{
		{"lukhas-2025-10", nil, 138}, // 140 manifests, two of which share the key "core"
		{"lukhas-2025-11", []string{"--config", bench}, 1782},
	}
	for _, tt := range tests {
		for _, version := range notion.Versions() {
			t.Run(tt.snapshot+"/"+string(version), func(t *testing.T) {
				t.Parallel()
				repo := filepath.Join("..", "..", "..", "shared", "corpus", tt.snapshot)
				if _, err := os.Stat(repo); err != nil {
					t.Skipf("corpus not found at %s (it lives in ../shared/corpus beside the repository)", repo)
				}
				if testing.Short() && tt.pages > 1000 {
					t.Skip("-short: skipping the 1,782-manifest sync")
				}
				srv := notiontest.NewServer(t, emulator.Options{})
				db, err := srv.CreateDatabase(emulator.DefaultSchema())
				if err != nil {
					t.Fatal(err)
				}
				art := t.TempDir()
				getenv := func(k string) string {
					return map[string]string{"NOTION_API_TOKEN": srv.Token(), "NOTION_DATABASE_ID": db, "NOTION_API_BASE_URL": srv.URL()}[k]
				}
				run := func(args ...string) {
					t.Helper()
					args = append(append(args, "--repo", repo, "--rate-limit", "1000", "--notion-version", string(version),
						"--audit-log", filepath.Join(art, "audit.log")), tt.args...)
					var out, errOut bytes.Buffer
					if code := Main(t.Context(), args, getenv, &out, &errOut); code != ExitOK && code != ExitProblems {
						t.Fatalf("%v exit %d\n%s", args, code, errOut.String())
					}
				}
				sync := func() {
					t.Helper()
					run("sync", "--all", "--concurrency", "8", "--plan", filepath.Join(art, "plan.json"), "--ledger", filepath.Join(art, "ledger.jsonl"))
				}
				run("schema", "apply")
				sync()
				if got := len(srv.Pages(db)); got != tt.pages {
					t.Errorf("first sync made %d pages, want %d", got, tt.pages)
				}
				srv.ResetRequests()
				sync()
				if n := srv.Count("POST", "/v1/pages") + srv.Count("PATCH", "/v1/pages/{id}"); n != 0 {
					t.Errorf("second sync wrote %d times, want 0", n)
				}
				if got, limit := len(srv.Requests()), (tt.pages+99)/100+2; got > limit {
					t.Errorf("second sync made %d calls, want at most ceil(%d/100)+2 = %d", got, tt.pages, limit)
				}
			})
		}
	}
}

package app

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/notion/notiontest"
)

// The benchmarks sync the real LUKHAS manifests against the emulator set up as
// Notion behaves (250 ms latency, 3 requests/s), and report API calls, 429s and
// seconds per sync. Numbers are recorded in docs/performance.md. Run them with
//
//	go test ./internal/app -run '^$' -bench . -benchtime 1x
//
// Each iteration needs a fresh database, so -benchtime 1x is the meaningful setting.

// slowNotion is the emulator as the benchmarks of issue 3 specify it.
func slowNotion() emulator.Options {
	return emulator.Options{Latency: 250 * time.Millisecond, RateLimit: 3, Burst: 10, Seed: 1}
}

func corpus(b *testing.B, name string) string {
	b.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", name)
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("corpus %s not found at %s (it lives in ../shared/corpus beside the repository): %v", name, dir, err)
	}
	return dir
}

// benchSync runs one sync --all of repo into db and reports its cost.
func benchSync(b *testing.B, srv *emulator.Server, db, repo string, extra ...string) {
	b.Helper()
	art := b.TempDir()
	getenv := func(k string) string {
		switch k {
		case "NOTION_API_TOKEN":
			return srv.Token()
		case "NOTION_DATABASE_ID":
			return db
		case "NOTION_API_BASE_URL":
			return srv.URL()
		}
		return ""
	}
	args := append([]string{"sync", "--repo", repo, "--plan", filepath.Join(art, "plan.json"),
		"--ledger", filepath.Join(art, "ledger.jsonl"), "--audit-log", filepath.Join(art, "audit.log")}, extra...)
	srv.ResetRequests()
	start := time.Now()
	var errOut bytes.Buffer
	code := Main(b.Context(), args, getenv, io.Discard, &errOut)
	elapsed := time.Since(start)
	if code != ExitOK && code != ExitProblems {
		b.Fatalf("sync exit %d: %s", code, errOut.String())
	}
	b.ReportMetric(float64(len(srv.Requests())), "calls/op")
	b.ReportMetric(float64(srv.CountStatus("", "", 429)), "429s/op")
	b.ReportMetric(float64(srv.Count("POST", "/v1/pages")+srv.Count("PATCH", "/v1/pages/{id}")), "writes/op")
	b.ReportMetric(elapsed.Seconds(), "s/op")
}

// seeded returns a slow emulator whose database already holds a full sync of repo,
// made on a fast emulator and carried over with the state file.
func seeded(b *testing.B, repo string, extra ...string) (*emulator.Server, string) {
	b.Helper()
	fast := notiontest.NewServer(b, emulator.Options{})
	db, err := fast.CreateDatabase(emulator.DefaultSchema())
	if err != nil {
		b.Fatal(err)
	}
	benchSync(b, fast, db, repo, append([]string{"--all", "--concurrency", "8", "--rate-limit", "1000"}, extra...)...)
	var state bytes.Buffer
	if err := fast.SaveState(&state); err != nil {
		b.Fatal(err)
	}
	slow := notiontest.NewServer(b, slowNotion())
	if err := slow.LoadState(&state); err != nil {
		b.Fatal(err)
	}
	return slow, db
}

// BenchmarkFirstSync140 creates the 140 pages of lukhas-2025-10 in an empty
// database. Target: 1.15 × 140 ÷ 3 + 2 s = 55.7 s, and no 429.
func BenchmarkFirstSync140(b *testing.B) {
	repo := corpus(b, "lukhas-2025-10")
	for b.Loop() {
		srv := notiontest.NewServer(b, slowNotion())
		db, err := srv.CreateDatabase(emulator.DefaultSchema())
		if err != nil {
			b.Fatal(err)
		}
		benchSync(b, srv, db, repo, "--all")
	}
}

// BenchmarkNoopSync140 syncs lukhas-2025-10 again. Target: ceil(140/100) + 2 = 4 calls.
func BenchmarkNoopSync140(b *testing.B) {
	repo := corpus(b, "lukhas-2025-10")
	srv, db := seeded(b, repo)
	for b.Loop() {
		benchSync(b, srv, db, repo, "--all")
	}
}

// BenchmarkNoopSync1782 syncs lukhas-2025-11 again. Target: ceil(1782/100) + 2 = 20
// calls. The snapshot shares 776 keys among 1,552 manifests, which the default
// config refuses; the benchmark keys by $path (testdata/bench/path-keys.yml), the
// fix preflight suggests, so every manifest has a row.
func BenchmarkNoopSync1782(b *testing.B) {
	repo := corpus(b, "lukhas-2025-11")
	cfg, err := filepath.Abs(filepath.Join("..", "..", "testdata", "bench", "path-keys.yml"))
	if err != nil {
		b.Fatal(err)
	}
	srv, db := seeded(b, repo, "--config", cfg)
	if n := len(srv.Pages(db)); n != 1782 {
		b.Fatalf("seeded %d pages, want 1782", n)
	}
	for b.Loop() {
		benchSync(b, srv, db, repo, "--all", "--config", cfg)
	}
}

// BenchmarkSingleModule syncs one module whose page went stale (someone edited
// its description in Notion) in the 140-page database: one read, one update.
// Target: under 5 s.
func BenchmarkSingleModule(b *testing.B) {
	repo := corpus(b, "lukhas-2025-10")
	srv, db := seeded(b, repo)
	for b.Loop() {
		makeStale(b, srv, db, "consciousness")
		benchSync(b, srv, db, repo, "--module", "consciousness")
	}
}

// makeStale edits a page's description behind the sync's back.
func makeStale(b *testing.B, srv *emulator.Server, db, key string) {
	b.Helper()
	for _, p := range srv.Pages(db) {
		if p.PlainText("Module") != key || p.Archived {
			continue
		}
		body := []byte(`{"properties":{"Description":{"rich_text":[{"text":{"content":"edited in Notion"}}]}}}`)
		req, err := http.NewRequestWithContext(b.Context(), "PATCH", srv.URL()+"/v1/pages/"+p.ID, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		req.Header.Set("Notion-Version", "2022-06-28")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("edit page: status %d", resp.StatusCode)
		}
		return
	}
	b.Fatalf("no page with key %s", key)
}

// BenchmarkFirstSync140WindowBudget is the first sync under Notion's newer model
// (notion-api.md §6): a fixed budget per 60-second window, here 100 requests, with
// Retry-After set to the window's end. The client spends the budget at its own pace,
// takes one 429 per window, and pauses every worker until the window resets.
func BenchmarkFirstSync140WindowBudget(b *testing.B) {
	repo := corpus(b, "lukhas-2025-10")
	for b.Loop() {
		srv := notiontest.NewServer(b, emulator.Options{Latency: 250 * time.Millisecond, WindowBudget: 100, Window: time.Minute})
		db, err := srv.CreateDatabase(emulator.DefaultSchema())
		if err != nil {
			b.Fatal(err)
		}
		benchSync(b, srv, db, repo, "--all")
		if n := len(srv.Pages(db)); n != 138 {
			b.Fatalf("%d pages, want 138", n)
		}
	}
}

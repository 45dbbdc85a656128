package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// emulatorRun is one in-process `notion-sync emulator`.
type emulatorRun struct {
	exports map[string]string // NOTION_API_BASE_URL, NOTION_API_TOKEN, NOTION_DATABASE_ID
	cancel  context.CancelFunc
	done    chan error
	mu      sync.Mutex
	out     bytes.Buffer // all of stdout
}

// startEmulator runs the command on a free port and returns once it has printed
// its export lines.
func startEmulator(t *testing.T, args ...string) *emulatorRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	run := &emulatorRun{exports: map[string]string{}, cancel: cancel, done: make(chan error, 1)}
	e := &env{
		getenv: func(string) string { return "" },
		stdout: pw,
		stderr: io.Discard,
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	go func() {
		err := runEmulator(ctx, e, append([]string{"--addr", "127.0.0.1:0"}, args...))
		pw.CloseWithError(err)
		run.done <- err
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			run.mu.Lock()
			run.out.WriteString(line + "\n")
			if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
				run.exports[k] = v
				if len(run.exports) == 3 {
					close(ready)
				}
			}
			run.mu.Unlock()
		}
	}()
	select {
	case <-ready:
	case err := <-run.done:
		t.Fatalf("emulator exited early: %v", err)
	}
	t.Cleanup(cancel)
	return run
}

// stop cancels the command and returns its error and full output.
func (r *emulatorRun) stop(t *testing.T) (string, error) {
	t.Helper()
	r.cancel()
	err := <-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String(), err
}

// client is this tool's Notion client pointed at the emulator's printed base
// URL, without pacing or retries, bound to its database.
func (r *emulatorRun) client(t *testing.T, token string) (*notion.Client, notion.Target) {
	t.Helper()
	c := notion.New(secret.Token(token), notion.Options{BaseURL: r.exports["NOTION_API_BASE_URL"], Rate: -1, MaxRetries: -1})
	target, err := c.Resolve(t.Context(), r.exports["NOTION_DATABASE_ID"], "")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return c, target
}

// get sends a plain GET with token, as curl would, and returns the status.
func (r *emulatorRun) get(t *testing.T, token, path string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", r.exports["NOTION_API_BASE_URL"]+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Notion-Version", "2022-06-28")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// The emulator command serves a seeded database that our client and plain HTTP can
// query and write, saves --state on exit and loads it on the next start (same
// database, same generated token, same pages).
func TestEmulatorCommand(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "sandbox.json")
	run := startEmulator(t, "--state", state, "--rate-limit", "0")
	dbID := run.exports["NOTION_DATABASE_ID"]
	token := run.exports["NOTION_API_TOKEN"]
	if !strings.HasPrefix(token, "secret_emulator_") || dbID == "" {
		t.Fatalf("exports = %v", run.exports)
	}
	c, target := run.client(t, token)
	db, err := c.Schema(t.Context(), target)
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	if db.Properties["Module"].Type != "title" || db.Properties["SLA p95"].Type != "number" {
		t.Errorf("seeded schema = %v, want the default schema", db.Properties)
	}
	page, err := c.CreatePage(t.Context(), target, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"core"}}]}`)})
	if err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	// What the printed curl line does.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", run.exports["NOTION_API_BASE_URL"]+"/v1/databases/"+dbID+"/query", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Notion-Version", "2022-06-28")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), page.ID) {
		t.Errorf("curl-style query = %d %s", res.StatusCode, body)
	}
	out, err := run.stop(t)
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	if !strings.Contains(out, "State saved to "+state) {
		t.Errorf("output lacks the save line:\n%s", out)
	}

	check := emulator.New(emulator.Options{})
	f, err := os.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := check.LoadState(f); err != nil {
		t.Fatal(err)
	}
	if p, ok := check.Page(page.ID); !ok || p.PlainText("Module") != "core" {
		t.Errorf("state file lacks the page: %+v", p)
	}

	// A restart with the same state serves the same sandbox.
	again := startEmulator(t, "--state", state, "--rate-limit", "0")
	if again.exports["NOTION_DATABASE_ID"] != dbID || again.exports["NOTION_API_TOKEN"] != token {
		t.Errorf("after restart exports = %v, want database %s and the same token", again.exports, dbID)
	}
	c, _ = again.client(t, token)
	got, err := c.Page(t.Context(), page.ID)
	if err != nil || got.ID != page.ID {
		t.Errorf("page after restart = %v, %v", got.ID, err)
	}
	out, err = again.stop(t)
	if err != nil || !strings.Contains(out, "State loaded from") {
		t.Errorf("restart: %v\n%s", err, out)
	}
}

// --schema seeds a database object JSON; the default rate limit (3/s, burst 10)
// answers a fast burst with 429s; a --token value is never printed.
func TestEmulatorFlags(t *testing.T) {
	t.Parallel()
	schema := filepath.Join(t.TempDir(), "schema.json")
	if err := os.WriteFile(schema, []byte(`{"object":"database","title":[],"properties":{"Key":{"title":{}},"Env":{"select":{"options":[{"name":"prod"}]}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run := startEmulator(t, "--schema", schema, "--token", "ntn_do_not_print_me")
	if run.exports["NOTION_API_TOKEN"] == "ntn_do_not_print_me" {
		t.Error("the --token value was printed")
	}
	c, target := run.client(t, "ntn_do_not_print_me")
	db, err := c.Schema(t.Context(), target)
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	if len(db.Properties) != 2 || len(db.Properties["Env"].Options) == 0 || db.Properties["Env"].Options[0].Name != "prod" {
		t.Errorf("--schema database = %v", db.Properties)
	}
	limited := 0
	for range 40 { // 40 requests cannot take the ~10 s that 3/s with burst 10 would need
		if run.get(t, "ntn_do_not_print_me", "/v1/users/me") == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("no 429 in a burst of 40 with the default rate limit")
	}
	out, err := run.stop(t)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "ntn_do_not_print_me") {
		t.Errorf("output contains the --token value:\n%s", out)
	}
}

// Bad flags are usage errors (exit code 2), before anything listens.
func TestEmulatorUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"properties":{"Notes":{"rich_text":{}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := [][]string{
		{"--faults", "502:2"},
		{"--faults", "teapot:0.1"},
		{"--latency", "-1s"},
		{"--burst", "0"},
		{"--schema", filepath.Join(dir, "missing.json")},
		{"--schema", bad}, // no title property
		{"extra"},
	}
	for _, args := range tests {
		e := &env{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		err := runEmulator(t.Context(), e, append([]string{"--addr", "127.0.0.1:0"}, args...))
		var u *engine.UsageError
		if !errors.As(err, &u) {
			t.Errorf("runEmulator(%q) = %v, want a usage error", args, err)
		}
	}
}

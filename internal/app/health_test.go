package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// runWithEnv runs one command like h.run, but with its own environment (no token,
// a wrong token).
func runWithEnv(h *harness, getenv func(string) string, args ...string) (int, string, string) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{args[0]}, "--repo", h.repo, "--audit-log", h.path("audit.log"), "--backoff", "1ms", "--rate-limit", "1000")
	full = append(full, args[1:]...)
	code := Main(h.t.Context(), full, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// withToken returns h's environment with the token replaced.
func withToken(h *harness, token string) func(string) string {
	return func(k string) string {
		if k == "NOTION_API_TOKEN" {
			return token
		}
		return h.getenv(k)
	}
}

// jsonKeys returns the keys of the JSON object in data, in document order.
func jsonKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v\n%s", err, data)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestHealth(t *testing.T) {
	t.Parallel()
	const wrongToken = "secret_not_the_right_one_0123456789"
	tests := []struct {
		name    string
		setup   func(t *testing.T, h *harness)       // may run a sync, to write the ledger
		getenv  func(h *harness) func(string) string // nil: h.getenv
		want    healthJSON                           // LastSync* are checked against the ledger separately
		wantOut []string                             // lines of the text output
	}{
		{"healthy after a sync", func(t *testing.T, h *harness) {
			if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
				t.Fatalf("sync exit %d\n%s\n%s", code, out, errOut)
			}
		}, nil, healthJSON{Status: "healthy", APIReachable: true, DatabaseAccessible: true, TokenValid: true},
			[]string{"✅ Notion API: Reachable\n", "✅ Database ID: Valid (", "✅ API Token: Valid (integration \"notion-sync emulator\"; Notion tokens have no expiry date",
				fmt.Sprintf("✅ Rate Limit: no 429 in this check (%d calls); this tool paces itself at 1000 requests/s", 2+resolveCalls), "✅ Last sync: ", "✅ Healthy\n"}},
		{"healthy, no sync yet", nil, nil, healthJSON{Status: "healthy", APIReachable: true, DatabaseAccessible: true, TokenValid: true},
			[]string{"⚠️  Last sync: no successful sync recorded in", "✅ Healthy\n"}},
		{"no token", nil, func(h *harness) func(string) string { return withToken(h, "") },
			healthJSON{Status: "unhealthy"},
			[]string{"⏭️  Notion API: not checked (no token)", "❌ API Token: Missing\nFix: set NOTION_API_TOKEN", "❌ Unhealthy\n"}},
		{"wrong token", nil, func(h *harness) func(string) string { return withToken(h, wrongToken) },
			healthJSON{Status: "unhealthy", APIReachable: true},
			[]string{"✅ Notion API: Reachable\n", "❌ API Token: Invalid: ", "unauthorized (401): API token is invalid.", "⏭️  Database ID: not checked (the token was refused)"}},
		{"API unreachable", nil, func(h *harness) func(string) string {
			return func(k string) string {
				if k == "NOTION_API_BASE_URL" {
					return "http://127.0.0.1:1" // nothing listens on port 1
				}
				return h.getenv(k)
			}
		}, healthJSON{Status: "unhealthy"},
			[]string{"❌ Notion API: Unreachable: ", "Fix: check the network", "⏭️  Database ID: not checked (the API did not answer)", "⏭️  API Token: not checked (the API did not answer)",
				"⏭️  Rate Limit: not checked (the API did not answer)"}},
		{"database not shared", func(t *testing.T, h *harness) { h.srv.SetShared(h.db, false) }, nil,
			healthJSON{Status: "unhealthy", APIReachable: true, TokenValid: true},
			[]string{"❌ Database ID: ", "object_not_found", "share the database with the integration (••• → Connections)", "❌ Unhealthy\n"}},
		{"multi-source database", func(t *testing.T, h *harness) { h.srv.SetMultiSource(h.db, true) }, nil,
			healthJSON{Status: "unhealthy", APIReachable: true, TokenValid: true},
			[]string{"❌ Database ID: ", "multiple data sources", "Fix: the database has several data sources"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			if tt.setup != nil {
				tt.setup(t, h)
			}
			getenv := h.getenv
			if tt.getenv != nil {
				getenv = tt.getenv(h)
			}
			wantCode := ExitOK
			if tt.want.Status != "healthy" {
				wantCode = ExitProblems
			}
			ledgerArgs := []string{"--ledger", h.path("ledger.jsonl")}

			code, text, errOut := runWithEnv(h, getenv, append([]string{"health"}, ledgerArgs...)...)
			if code != wantCode {
				t.Errorf("health: exit %d, want %d\n%s\n%s", code, wantCode, text, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(text, w) {
					t.Errorf("text output lacks %q:\n%s", w, text)
				}
			}

			code, out, errJSON := runWithEnv(h, getenv, append([]string{"health", "--json"}, ledgerArgs...)...)
			if code != wantCode {
				t.Errorf("health --json: exit %d, want %d\n%s", code, wantCode, errJSON)
			}
			wantKeys := []string{"status", "api_reachable", "database_accessible", "token_valid", "rate_limit_remaining",
				"last_sync_success", "last_sync_duration_sec"}
			if diff := cmp.Diff(wantKeys, jsonKeys(t, []byte(out))); diff != "" {
				t.Errorf("--json keys mismatch (-want +got):\n%s", diff)
			}
			var got healthJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if recs, err := ledger.Read(h.path("ledger.jsonl")); err == nil {
				run := recs[len(recs)-1]
				if run.Action != "run" || run.Status != "ok" {
					t.Fatalf("the sync's last ledger record is %+v, want its run record", run)
				}
				ts, secs := run.Timestamp.UTC().Format(time.RFC3339), float64(run.DurationMS)/1000
				want.LastSyncSuccess, want.LastSyncDurationSec = &ts, &secs
				if !strings.Contains(text, "✅ Last sync: "+ts) {
					t.Errorf("text output lacks the last sync %s:\n%s", ts, text)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("--json mismatch (-want +got):\n%s", diff)
			}
			if wantCode != ExitOK && !strings.Contains(errJSON, "❌ Unhealthy") {
				t.Errorf("--json: the reasons are not on stderr:\n%s", errJSON)
			}
			if getenv("NOTION_API_TOKEN") == "" && len(h.srv.Requests()) != 0 {
				t.Errorf("with no token, health sent %d requests", len(h.srv.Requests()))
			}
			assertNoSecret(t, h.srv.Token(), h.art, text, errOut, out, errJSON)
			assertNoSecret(t, wrongToken, h.art, text, errOut, out, errJSON)
		})
	}
}

// TestHealthLastRuns: the last run record with status ok counts, not a later
// failed run and not the write records; the later failed run is reported too.
func TestHealthLastRuns(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/ledger.jsonl"
	if good, last, err := lastRuns(path); good != nil || last != nil || err != nil {
		t.Fatalf("no ledger: %+v, %+v, %v; want nil, nil, nil", good, last, err)
	}
	w, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []ledger.Record{
		{RunID: "a", Action: "run", Status: "ok", DurationMS: 1500},
		{RunID: "b", Action: "update", Status: "ok", Module: "m"},
		{RunID: "b", Action: "run", Status: "error", DurationMS: 9},
		// Restores are not syncs, with a run id of their own or (in older
		// ledgers) sharing the sync's.
		{RunID: "b-restore", Action: "restore", Status: "ok", Module: "m"},
		{RunID: "b-restore", Action: "run", Status: "ok", DurationMS: 7},
		{RunID: "b", Action: "restore", Status: "ok", Module: "m"},
		{RunID: "b", Action: "run", Status: "ok", DurationMS: 8},
		{RunID: "c", Action: "update", Status: "ok", Module: "m"},
	} {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	good, last, err := lastRuns(path)
	if err != nil || good == nil || last == nil {
		t.Fatalf("lastRuns: %+v, %+v, %v", good, last, err)
	}
	if diff := cmp.Diff([]string{"a 1500", "b 9"}, []string{fmt.Sprint(good.RunID, " ", good.DurationMS), fmt.Sprint(last.RunID, " ", last.DurationMS)}); diff != "" {
		t.Errorf("good and last run mismatch (-want +got):\n%s", diff)
	}
	text := healthText(healthReport{ledgerPath: path, lastRun: good, lastAny: last})
	for _, want := range []string{"✅ Last sync: " + good.Timestamp.UTC().Format(time.RFC3339) + " (took 1.5s)",
		"⚠️  A later run, at " + last.Timestamp.UTC().Format(time.RFC3339) + ", had errors"} {
		if !strings.Contains(text, want) {
			t.Errorf("health text lacks %q:\n%s", want, text)
		}
	}
}

// TestHealthRateLimitLine: the rate-limit line says ✅ only when Notion answered;
// unreachable is "not checked", and a 429 that outlasted the retries is ❌.
func TestHealthRateLimitLine(t *testing.T) {
	t.Parallel()
	limited := &notion.APIError{Status: 429, Code: "rate_limited", Message: "slow down"}
	tests := []struct {
		name string
		h    healthReport
		want string
	}{
		{"answered", healthReport{tokenSet: true, reachable: true, tokenValid: true, dbOK: true, rate: 3, stats: notion.Stats{Calls: 2}},
			"✅ Rate Limit: no 429 in this check (2 calls); this tool paces itself at 3 requests/s"},
		{"unreachable", healthReport{tokenSet: true, apiErr: errors.New("dial tcp: connection refused"), rate: 3, stats: notion.Stats{Calls: 1}},
			"⏭️  Rate Limit: not checked (the API did not answer)\n"},
		{"429 after the retries", healthReport{tokenSet: true, reachable: true, apiErr: limited, rate: 3, stats: notion.Stats{Calls: 3, RateLimited: 3}},
			"❌ Rate Limit: Notion still answered 429 after the retries (3 × 429 in 3 calls, waited 0s): notion: rate_limited (429): slow down"},
		{"429 on the database", healthReport{tokenSet: true, reachable: true, tokenValid: true, dbErr: limited, rate: 3, stats: notion.Stats{Calls: 4, RateLimited: 3}},
			"❌ Rate Limit: Notion still answered 429"},
		{"429s absorbed by the retries", healthReport{tokenSet: true, reachable: true, tokenValid: true, dbOK: true, rate: 3, stats: notion.Stats{Calls: 4, RateLimited: 2}},
			"⚠️  Rate Limit: 2 × 429 in this check"},
	}
	for _, tt := range tests {
		if got := healthText(tt.h); !strings.Contains(got, tt.want) {
			t.Errorf("%s: health text lacks %q:\n%s", tt.name, tt.want, got)
		}
	}
}

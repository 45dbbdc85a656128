package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
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
		want    report.HealthJSON                    // LastSync* are checked against the ledger separately
		wantOut []string                             // lines of the text output
	}{
		{"healthy after a sync", func(t *testing.T, h *harness) {
			if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
				t.Fatalf("sync exit %d\n%s\n%s", code, out, errOut)
			}
		}, nil, report.HealthJSON{Status: "healthy", APIReachable: true, DatabaseAccessible: true, TokenValid: true},
			[]string{"✅ Notion API: Reachable\n", "✅ Database ID: Valid (", "✅ API Token: Valid (integration \"notion-sync emulator\"; Notion tokens have no expiry date",
				fmt.Sprintf("✅ Rate Limit: no 429 in this check (%d calls); this tool paces itself at 1000 requests/s", 2+resolveCalls), "✅ Last sync: ", "✅ Healthy\n"}},
		{"healthy, no sync yet", nil, nil, report.HealthJSON{Status: "healthy", APIReachable: true, DatabaseAccessible: true, TokenValid: true},
			[]string{"⚠️  Last sync: no successful sync recorded in", "✅ Healthy\n"}},
		{"no token", nil, func(h *harness) func(string) string { return withToken(h, "") },
			report.HealthJSON{Status: "unhealthy"},
			[]string{"⏭️  Notion API: not checked (no token)", "❌ API Token: Missing\nFix: set NOTION_API_TOKEN", "❌ Unhealthy\n"}},
		{"wrong token", nil, func(h *harness) func(string) string { return withToken(h, wrongToken) },
			report.HealthJSON{Status: "unhealthy", APIReachable: true},
			[]string{"✅ Notion API: Reachable\n", "❌ API Token: Invalid: ", "unauthorized (401): API token is invalid.", "⏭️  Database ID: not checked (the token was refused)"}},
		{"API unreachable", nil, func(h *harness) func(string) string {
			return func(k string) string {
				if k == "NOTION_API_BASE_URL" {
					return "http://127.0.0.1:1" // nothing listens on port 1
				}
				return h.getenv(k)
			}
		}, report.HealthJSON{Status: "unhealthy"},
			[]string{"❌ Notion API: Unreachable: ", "Fix: check the network", "⏭️  Database ID: not checked (the API did not answer)", "⏭️  API Token: not checked (the API did not answer)",
				"⏭️  Rate Limit: not checked (the API did not answer)"}},
		{"database not shared", func(t *testing.T, h *harness) { h.srv.SetShared(h.db, false) }, nil,
			report.HealthJSON{Status: "unhealthy", APIReachable: true, TokenValid: true},
			[]string{"❌ Database ID: ", "object_not_found", "share the database with the integration (••• → Connections)", "❌ Unhealthy\n"}},
		{"multi-source database", func(t *testing.T, h *harness) { h.srv.SetMultiSource(h.db, true) }, nil,
			report.HealthJSON{Status: "unhealthy", APIReachable: true, TokenValid: true},
			[]string{"❌ Database ID: ", "multiple data sources", "Modules (2)", "Fix: choose one with --data-source-id"}},
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
			// The runbook's keys (§7.3) in its order, then the Notion-Version and data source.
			wantKeys := []string{"status", "api_reachable", "database_accessible", "token_valid", "rate_limit_remaining",
				"last_sync_success", "last_sync_duration_sec", "notion_version", "data_source_id", "data_source_name"}
			if diff := cmp.Diff(wantKeys, jsonKeys(t, []byte(out))); diff != "" {
				t.Errorf("--json keys mismatch (-want +got):\n%s", diff)
			}
			var got report.HealthJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if getenv("NOTION_API_TOKEN") != "" {
				// Notion was called: the check names the default version, and the
				// data source once the database was read (notion-api.md §8).
				version := string(notion.DefaultVersion)
				want.NotionVersion = &version
				if want.DatabaseAccessible {
					ds := h.srv.DataSources(h.db)[0]
					want.DataSourceID, want.DataSourceName = &ds.ID, &ds.Name
					line := fmt.Sprintf("🔗 Notion-Version %s · data source %q (%s)\n", version, ds.Name, report.ShortID(ds.ID))
					if !strings.Contains(text, line) {
						t.Errorf("text output lacks %q:\n%s", line, text)
					}
				}
			}
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

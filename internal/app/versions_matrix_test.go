package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// This file is issue #7's "done when": every command works under each
// Notion-Version the client speaks, against the emulator, and names the
// version and data source it used; a database with two data sources is
// synced, verified and audited through the one chosen. The emulator runs
// without latency, so the whole matrix takes a few seconds.

// matrixStep is one command of a version's run, in order: each step sees what
// the steps before it did to the repository and to Notion.
type matrixStep struct {
	name string
	ref  string // the reference section (notion-api.md) the step relies on, if any
	// before edits the repository or Notion first; nil for none.
	before func(t *testing.T, m *matrix)
	args   []string // the command; the version flags are appended
	// flags replace the matrix's version flags when not nil.
	flags []string
	code  int // the exit code wanted
	// check asserts on the outcome; out is stdout.
	check func(t *testing.T, m *matrix, out string)
}

// matrix is one version's harness: the database, the data source the commands
// use ("" under 2022-06-28), and the repository's git history.
type matrix struct {
	*harness
	version    notion.Version
	dataSource emulator.DataSource // the chosen one; zero under 2022-06-28
	flags      []string            // --notion-version, and --data-source-id when one is chosen
	git        *git.Repository
	shaA       string                       // the commit of the first sync, for restore
	atA        map[string]map[string]string // the pages after it
}

// newMatrix starts a harness whose repository is a git repository with one
// commit. With sources > 1 the database gets more data sources and the commands
// choose the last one.
func newMatrix(t *testing.T, v notion.Version, sources int) *matrix {
	t.Helper()
	m := &matrix{harness: newHarness(t, emulator.Options{}), version: v, flags: []string{"--notion-version", string(v)}}
	for i := 1; i < sources; i++ {
		if _, err := m.srv.AddDataSource(m.db, fmt.Sprintf("Archive %d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if v.DataSources() {
		all := m.srv.DataSources(m.db)
		m.dataSource = all[len(all)-1]
		if sources > 1 {
			m.flags = append(m.flags, "--data-source-id", m.dataSource.ID)
		}
	}
	m.git = m.initGit()
	commitAll(t, m.git, "initial")
	return m
}

// run runs one command with the matrix's version (and data source) flags.
func (m *matrix) run(args ...string) (int, string, string) {
	m.t.Helper()
	return m.harness.run(append(args, m.flags...)...)
}

// pages is the live pages of the chosen data source (the database's only one
// under 2022-06-28), by key.
func (m *matrix) pages() map[string]emulator.Page {
	out := map[string]emulator.Page{}
	for _, p := range m.srv.Pages(m.rows()) {
		if !p.Archived {
			out[p.PlainText("Module")] = p
		}
	}
	return out
}

// rows is the id of the collection holding the rows.
func (m *matrix) rows() string {
	if m.dataSource.ID != "" {
		return m.dataSource.ID
	}
	return m.db
}

// apiLine is the line the text output, health and preflight show.
func (m *matrix) apiLine() string {
	api := report.API{Version: string(m.version), DataSourceID: m.dataSource.ID, DataSourceName: m.dataSource.Name}
	return "🔗 " + api.String() + "\n"
}

// lastRun is the ledger's last run record.
func (m *matrix) lastRun(t *testing.T) ledger.Record {
	t.Helper()
	recs, err := ledger.Read(m.path("ledger.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Action == "run" {
			return recs[i]
		}
	}
	t.Fatal("the ledger has no run record")
	return ledger.Record{}
}

// checkNamed asserts that the plan, the ledger's last run record and the text
// output name the version and data source in use.
func (m *matrix) checkNamed(t *testing.T, out string) {
	t.Helper()
	plan := m.readPlan()
	run := m.lastRun(t)
	got := []string{plan.NotionVersion, plan.DataSourceID, plan.DataSourceName, run.NotionVersion, run.DataSourceID}
	want := []string{string(m.version), m.dataSource.ID, m.dataSource.Name, string(m.version), m.dataSource.ID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan version, data source, its name; run record version, data source (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, m.apiLine()) {
		t.Errorf("output lacks %q:\n%s", m.apiLine(), out)
	}
}

// wantWrites asserts the last sync's plan: creates and updates, nothing archived.
func wantWrites(create, update int) func(t *testing.T, m *matrix, out string) {
	return func(t *testing.T, m *matrix, out string) {
		t.Helper()
		s := m.readPlan().Summary
		if s.Create != create || s.Update != update || s.Archive != 0 || s.Error != 0 {
			t.Errorf("plan summary %+v, want %d created and %d updated", s, create, update)
		}
		m.checkNamed(t, out)
	}
}

// editAndCommit rewrites a module's description and commits it.
func editAndCommit(key, desc string) func(t *testing.T, m *matrix) {
	return func(t *testing.T, m *matrix) {
		t.Helper()
		if err := editDescription(m.repo, key+"/module.manifest.json", desc); err != nil {
			t.Fatal(err)
		}
		commitAll(t, m.git, "edit "+key)
	}
}

// matrixSteps are the commands every version runs, in order.
func matrixSteps() []matrixStep {
	var calls int // requests before the no-op sync
	return []matrixStep{
		{name: "backfill --options --apply", ref: "§8 PATCH the data source's schema",
			args: []string{"backfill", "--options", "--apply"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				// A page write adds select options too, so this runs before the first sync.
				if !strings.Contains(out, "Lane: 3 new options") {
					t.Errorf("backfill --options does not add Lane's options:\n%s", out)
				}
				if code, again, errOut := m.run("backfill", "--options"); code != ExitOK || !strings.Contains(again, "✅ The database has every option") {
					t.Errorf("second backfill --options: exit %d\n%s\n%s", code, again, errOut)
				}
			}},
		{name: "first sync --all creates every page", ref: "§8 create page parent",
			args: []string{"sync", "--all"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				n := len(exampleKeys(t))
				wantWrites(n, 0)(t, m, out)
				if got := len(m.pages()); got != n {
					t.Errorf("%d live pages in the data source, want %d", got, n)
				}
				m.shaA, m.atA = head(t, m.git), m.liveValues()
			}},
		{name: "second sync --all writes nothing in ceil(N/100)+2 calls", ref: "§8 database read finds the data source",
			before: func(t *testing.T, m *matrix) { calls = len(m.srv.Requests()) },
			args:   []string{"sync", "--all"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				wantWrites(0, 0)(t, m, out)
				n := len(m.pages())
				if got, limit := len(m.srv.Requests())-calls, (n+99)/100+2; got > limit {
					t.Errorf("no-op sync of %d rows made %d calls, want at most ceil(N/100)+2 = %d", n, got, limit)
				}
			}},
		{name: "sync --module", before: editAndCommit("memory", "Memory, rewritten"),
			args: []string{"sync", "--module", "memory"}, code: ExitOK, check: wantWrites(0, 1)},
		{name: "sync --changed", before: editAndCommit("dream", "Dream, rewritten"),
			args: []string{"sync", "--changed"}, code: ExitOK, check: wantWrites(0, 1)},
		{name: "sync --all archives the page of a deleted manifest", ref: "§8 in_trash replaces archived in 2026-03-11",
			before: func(t *testing.T, m *matrix) {
				if err := os.RemoveAll(filepath.Join(m.repo, "quantum")); err != nil {
					t.Fatal(err)
				}
				commitAll(t, m.git, "drop quantum")
			},
			args: []string{"sync", "--all"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				if s := m.readPlan().Summary; s.Archive != 1 || s.Create+s.Update+s.Error != 0 {
					t.Errorf("plan summary %+v, want quantum's page archived alone", s)
				}
				if _, live := m.pages()["quantum"]; live {
					t.Error("quantum's page is still live")
				}
				m.checkNamed(t, out)
			}},
		{name: "verify --all", ref: "§8 query the data source",
			args: []string{"verify", "--all"}, code: ExitOK},
		{name: "audit", ref: "§8 query the data source",
			args: []string{"audit", "--output", "AUDIT", "--fail-on-discrepancy"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				if !strings.Contains(out, "✅ No discrepancies") {
					t.Errorf("audit output:\n%s", out)
				}
			}},
		{name: "health", args: []string{"health"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				if !strings.Contains(out, m.apiLine()) {
					t.Errorf("health lacks %q:\n%s", m.apiLine(), out)
				}
			}},
		{name: "health --json", args: []string{"health", "--json"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				var got report.HealthJSON
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatal(err)
				}
				want := []string{string(m.version), m.dataSource.ID, m.dataSource.Name}
				if diff := cmp.Diff(want, []string{deref(got.NotionVersion), deref(got.DataSourceID), deref(got.DataSourceName)}); diff != "" {
					t.Errorf("notion_version, data_source_id, data_source_name (-want +got):\n%s", diff)
				}
			}},
		// The example manifests are not hydrated: preflight fails on that alone.
		{name: "preflight", args: []string{"preflight"}, code: ExitProblems,
			check: func(t *testing.T, m *matrix, out string) {
				for _, w := range []string{"✅ Database ID: Valid", m.apiLine(), "✅ Schema matches the config"} {
					if !strings.Contains(out, w) {
						t.Errorf("preflight lacks %q:\n%s", w, out)
					}
				}
			}},
		{name: "schema dump", ref: "§8 the schema lives in the data source",
			args: []string{"schema", "dump", "--output", "SCHEMA"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				var dump struct {
					Object     string                     `json:"object"`
					ID         string                     `json:"id"`
					Properties map[string]json.RawMessage `json:"properties"`
				}
				data, err := os.ReadFile(m.path("schema.json"))
				if err == nil {
					err = json.Unmarshal(data, &dump)
				}
				if err != nil {
					t.Fatal(err)
				}
				wantObject := "database"
				if m.version.DataSources() {
					wantObject = "data_source"
				}
				if dump.Object != wantObject || !notion.SameID(dump.ID, m.rows()) || dump.Properties["MQI"] == nil {
					t.Errorf("dump is %s %s with %d properties, want the %s %s with MQI", dump.Object, dump.ID, len(dump.Properties), wantObject, m.rows())
				}
			}},
		{name: "restore to the first sync", ref: "§8 in_trash replaces archived in 2026-03-11",
			args: []string{"restore", "--ledger", "LEDGER", "--sha", "SHA_A", "--confirm"}, code: ExitOK,
			check: func(t *testing.T, m *matrix, out string) {
				if diff := cmp.Diff(m.atA, m.liveValues()); diff != "" {
					t.Errorf("pages after restore differ from the first sync's (-want +got):\n%s", diff)
				}
			}},
		{name: "ledger verify", args: []string{"ledger", "verify", "LEDGER"}, code: ExitOK},
	}
}

// liveValues is like harness.liveValues for the chosen data source.
func (m *matrix) liveValues() map[string]map[string]string {
	out := map[string]map[string]string{}
	for key, p := range m.pages() {
		vals := map[string]string{}
		for name := range p.Properties {
			if name != "Updated At" { // moves with the clock between syncs
				vals[name] = p.PlainText(name)
			}
		}
		out[key] = vals
	}
	return out
}

// args fills the placeholders of a step's command.
func (m *matrix) args(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = map[string]string{
			"AUDIT": m.path("audit.json"), "SCHEMA": m.path("schema.json"), "LEDGER": m.path("ledger.jsonl"), "SHA_A": m.shaA,
		}[a]
		if out[i] == "" {
			out[i] = a
		}
	}
	return out
}

// runSteps runs the steps in order, each as a subtest, and stops at the first
// that fails: the ones after it depend on it.
func (m *matrix) runSteps(t *testing.T, steps []matrixStep) {
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t, m)
			}
			args := m.args(st.args)
			flags := m.flags
			if st.flags != nil {
				flags = st.flags
			}
			var code int
			var out, errOut string
			if args[0] == "ledger" { // it calls no Notion and takes none of the harness's flags
				var stdout, stderr strings.Builder
				code = Main(t.Context(), args, m.getenv, &stdout, &stderr)
				out, errOut = stdout.String(), stderr.String()
			} else {
				code, out, errOut = m.harness.run(append(args, flags...)...)
			}
			if code != st.code {
				t.Fatalf("%s (%s): exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), st.ref, code, st.code, out, errOut)
			}
			if st.check != nil {
				st.check(t, m, out)
			}
			assertNoSecret(t, m.srv.Token(), m.art, out, errOut)
		})
		if !ok {
			return
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestCommandsUnderEachVersion runs every command under every Notion-Version,
// on a database with one data source (notion-api.md §8: 2022-06-28 keeps
// working while there is only one).
func TestCommandsUnderEachVersion(t *testing.T) {
	t.Parallel()
	for _, v := range notion.Versions() {
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			newMatrix(t, v, 1).runSteps(t, matrixSteps())
		})
	}
}

// TestCommandsOnTwoDataSources: from 2025-09-03 a database with two data
// sources is synced, verified and audited through the one chosen with
// --data-source-id; the other is never written (notion-api.md §8: a database
// is a container of data sources; 2022-06-28 cannot address them at all).
func TestCommandsOnTwoDataSources(t *testing.T) {
	t.Parallel()
	for _, v := range notion.Versions() {
		if !v.DataSources() {
			continue
		}
		t.Run(string(v), func(t *testing.T) {
			t.Parallel()
			m := newMatrix(t, v, 2)
			first := m.srv.DataSources(m.db)[0]
			other := []string{"--notion-version", string(v), "--data-source-id", first.ID}
			n := len(exampleKeys(t)) - 1 // the steps drop quantum's manifest
			steps := append(matrixSteps(),
				matrixStep{name: "verify of the other data source finds no page", ref: "§8 query the data source",
					args: []string{"verify", "--all"}, flags: other, code: ExitProblems,
					check: func(t *testing.T, m *matrix, out string) {
						if w := fmt.Sprintf("0/%d modules match Notion", n); !strings.Contains(out, w) {
							t.Errorf("verify output lacks %q:\n%s", w, out)
						}
					}},
				matrixStep{name: "audit of the other data source finds every page missing", ref: "§8 query the data source",
					args: []string{"audit", "--output", "AUDIT"}, flags: other, code: ExitOK,
					check: func(t *testing.T, m *matrix, out string) {
						if w := fmt.Sprintf("%d missing", n); !strings.Contains(out, w) {
							t.Errorf("audit output lacks %q:\n%s", w, out)
						}
					}},
			)
			m.runSteps(t, steps)
			if got := m.srv.Pages(first.ID); len(got) != 0 {
				t.Errorf("the data source not chosen has %d pages, want none", len(got))
			}
		})
	}
}

// TestActionUnderEachVersion runs the Action in sync and verify modes with the
// notion-version input, on one data source and, from 2025-09-03, on the second
// of two with the data-source-id input.
func TestActionUnderEachVersion(t *testing.T) {
	t.Parallel()
	type actionCase struct {
		version notion.Version
		sources int
	}
	var cases []actionCase
	for _, v := range notion.Versions() {
		cases = append(cases, actionCase{v, 1})
		if v.DataSources() {
			cases = append(cases, actionCase{v, 2})
		}
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%d data sources", tc.version, tc.sources), func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			a.env["INPUT_NOTION-VERSION"] = string(tc.version)
			var chosen emulator.DataSource
			if tc.version.DataSources() {
				chosen = a.srv.DataSources(a.db)[0]
			}
			if tc.sources > 1 {
				id, err := a.srv.AddDataSource(a.db, "Archive", nil)
				if err != nil {
					t.Fatal(err)
				}
				chosen = emulator.DataSource{ID: id, Name: "Archive"}
				a.env["INPUT_DATA-SOURCE-ID"] = id
			}
			res := a.run("workflow_dispatch", nil, nil)
			if res.code != ExitOK {
				res.failf(t, "sync mode")
			}
			n := len(exampleKeys(t))
			if diff := cmp.Diff(wantCounts(n, 0, 0, 0, 0), counts(res)); diff != "" {
				t.Errorf("sync outputs (-want +got):\n%s", diff)
			}
			plan := a.readPlan(res)
			if plan.NotionVersion != string(tc.version) || !notion.SameID(plan.DataSourceID, chosen.ID) {
				t.Errorf("plan names %q and data source %q, want %s and %q", plan.NotionVersion, plan.DataSourceID, tc.version, chosen.ID)
			}
			api := report.API{Version: string(tc.version), DataSourceID: chosen.ID, DataSourceName: chosen.Name}
			if !strings.Contains(res.summary, api.String()) {
				t.Errorf("job summary lacks %q:\n%s", api.String(), res.summary)
			}
			rows := a.db
			if chosen.ID != "" {
				rows = chosen.ID
			}
			if got := len(a.srv.Pages(rows)); got != n {
				t.Errorf("%d pages in the chosen data source, want %d", got, n)
			}
			res = a.run("workflow_dispatch", nil, map[string]string{"mode": "verify"})
			if res.code != ExitOK || res.outputs["discrepancies"] != "0" {
				res.failf(t, "verify mode: want exit 0 and no discrepancy")
			}
		})
	}
}

// TestDemoOnDefaultVersion: demo speaks the default version to its emulator,
// and its plan and ledger say so.
func TestDemoOnDefaultVersion(t *testing.T) {
	t.Parallel()
	var out, errOut strings.Builder
	dir := filepath.Join(t.TempDir(), "demo")
	code := Main(t.Context(), []string{"demo", "--fast", "--example", filepath.Join("..", "..", "testdata", "example"), "--out", dir},
		func(string) string { return "" }, &out, &errOut)
	if code != ExitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	plan, err := report.ReadPlan(filepath.Join(dir, "artifacts", "notion_sync_plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ledger.Read(filepath.Join(dir, "artifacts", "notion_sync_ledger.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, r := range recs {
		if r.Action == "run" {
			runs = append(runs, r.NotionVersion)
		}
	}
	if plan.NotionVersion != string(notion.DefaultVersion) || plan.DataSourceID == "" || len(runs) == 0 {
		t.Errorf("demo plan names %q and data source %q, want %s and the database's data source", plan.NotionVersion, plan.DataSourceID, notion.DefaultVersion)
	}
	for _, v := range runs {
		if v != string(notion.DefaultVersion) {
			t.Errorf("a demo run record names %q, want %s", v, notion.DefaultVersion)
		}
	}
}

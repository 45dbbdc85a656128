package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// fakeNotion answers every write with success and counts the writes.
type fakeNotion struct {
	mu sync.Mutex
	n  int
}

func (f *fakeNotion) writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *fakeNotion) Page(_ context.Context, id string) (reconcile.Page, error) {
	return reconcile.Page{}, fmt.Errorf("page %s: not in the fake", id)
}

func (f *fakeNotion) Update(_ context.Context, id string, _ map[string]property.Value) (reconcile.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return reconcile.Page{ID: id}, nil
}

func (f *fakeNotion) SetArchived(context.Context, string, bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	return nil
}

func (f *fakeNotion) NotFound(error) bool    { return false }
func (f *fakeNotion) RequestID(error) string { return "" }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// TestMerge: several ledgers merge by time, each file keeps its own order (a
// clock that stepped back inside one file does not reorder it), a record copied
// into a later file counts once, and one file comes back as it is.
func TestMerge(t *testing.T) {
	t.Parallel()
	at := func(sec int) time.Time { return time.Date(2025, 1, 1, 0, 0, sec, 0, time.UTC) }
	rec := func(run string, sec int, action string) ledger.Record {
		return ledger.Record{RunID: run, Timestamp: at(sec), Action: action, Status: "ok"}
	}
	run1 := []ledger.Record{rec("1", 10, "update"), rec("1", 30, "run")}
	// Run 2's ledger starts with a copy of run 1's run record, and its clock
	// stepped back between its update and its run record.
	run2 := []ledger.Record{rec("1", 30, "run"), rec("2", 50, "update"), rec("2", 40, "run")}
	run3 := []ledger.Record{rec("3", 20, "update"), rec("3", 60, "run")}
	tests := []struct {
		name  string
		files [][]ledger.Record
		want  []ledger.Record
	}{
		{"one file as it is", [][]ledger.Record{run2}, run2},
		{"by time, copies once, each file in its order", [][]ledger.Record{run2, run3, run1},
			[]ledger.Record{rec("1", 10, "update"), rec("3", 20, "update"), rec("1", 30, "run"), rec("2", 50, "update"), rec("2", 40, "run"), rec("3", 60, "run")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Merge(tt.files)); diff != "" {
				t.Errorf("Merge() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFindCutoff pins which record restore goes back to.
func TestFindCutoff(t *testing.T) {
	t.Parallel()
	a, a2, b, c, d := "aaaa1111", "aaaa2222", "bbbb3333", "cccc4444", "dddd5555"
	recs := []ledger.Record{
		{RunID: "1", SHA: a, Action: "update", Status: "ok", PageID: "p"},  // 0
		{RunID: "1", SHA: a, Action: "run", Status: "ok"},                  // 1
		{RunID: "2", SHA: a2, Action: "create", Status: "ok", PageID: "q"}, // 2: its run never ended
		{RunID: "3", SHA: a, Action: "update", Status: "ok", PageID: "p"},  // 3: a second sync of a
		{RunID: "3", SHA: a, Action: "run", Status: "ok"},                  // 4
		{RunID: "4", SHA: b, Action: "update", Status: "ok", PageID: "p"},  // 5
		{RunID: "4", SHA: b, Action: "run", Status: "ok"},                  // 6
		{RunID: "5", SHA: a, Action: "restore", Status: "ok", PageID: "p"}, // 7: a restore to a
		{RunID: "5", SHA: a, Action: "run", Status: "ok"},                  // 8
		// One Actions run (id 6) that synced c and then, before restores had run
		// ids of their own, restored to a under the same run id.
		{RunID: "6", SHA: c, Action: "update", Status: "ok", PageID: "p"},  // 9
		{RunID: "6", SHA: c, Action: "run", Status: "ok"},                  // 10
		{RunID: "6", SHA: a, Action: "restore", Status: "ok", PageID: "p"}, // 11
		{RunID: "6", SHA: a, Action: "run", Status: "ok"},                  // 12: the restore's
		// Run 7 synced d without writes, and restored to a as 7-restore.
		{RunID: "7", SHA: d, Action: "run", Status: "ok"},                              // 13
		{RunID: "7" + RunSuffix, SHA: a, Action: "restore", Status: "ok", PageID: "p"}, // 14
		{RunID: "7" + RunSuffix, SHA: a, Action: "run", Status: "ok"},                  // 15
	}
	resolve := func(rev string) (string, bool) {
		if rev == "HEAD~1" {
			return b, true
		}
		return "", false
	}
	tests := []struct {
		name      string
		want      string
		wantIndex int
		wantErr   string
	}{
		{"last sync run of the sha, not the restore", a, 4, ""},
		{"case-insensitive full sha", "BBBB3333", 6, ""},
		{"run without its run record", a2, 2, ""},
		{"unique prefix", "bbbb", 6, ""},
		{"ambiguous prefix", "aaaa", 0, "ambiguous"},
		{"too short for a prefix", "bbb", 0, "no sync in"},
		{"git revision", "HEAD~1", 6, ""},
		{"unknown", "eeee", 0, "no sync in L has sha eeee"},
		{"a sync sharing its run id with a later restore", c, 10, ""},
		{"a sync without writes in the run of a restore", d, 13, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FindCutoff(recs, tt.want, resolve, "L")
			if tt.wantErr != "" {
				var in *InputError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &in) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Index != tt.wantIndex {
				t.Errorf("cutoff index %d, want %d", got.Index, tt.wantIndex)
			}
		})
	}
}

// TestUndoPlan pins how the writes after the cutoff collapse per page, and that
// writes recorded as failed count too: a write answered with a 502 or a timeout
// may have reached Notion.
func TestUndoPlan(t *testing.T) {
	t.Parallel()
	upd := func(page string, before, after map[string]json.RawMessage) ledger.Record {
		var changed []string
		for k := range before {
			changed = append(changed, k)
		}
		return ledger.Record{RunID: "s", Module: "m-" + page, PageID: page, Action: "update", Status: "ok", Changed: changed, Before: before, After: after}
	}
	recs := []ledger.Record{
		upd("p1", map[string]json.RawMessage{"D": raw(`"d0"`)}, map[string]json.RawMessage{"D": raw(`"d1"`)}),
		{RunID: "s", Module: "m-p2", PageID: "p2", Action: "create", Status: "ok", After: map[string]json.RawMessage{"D": raw(`"new"`)}},
		upd("p1", map[string]json.RawMessage{"D": raw(`"d1"`), "N": raw(`1`)}, map[string]json.RawMessage{"D": raw(`"d2"`), "N": raw(`2`)}),
		upd("p2", map[string]json.RawMessage{"D": raw(`"new"`)}, map[string]json.RawMessage{"D": raw(`"newer"`)}),
		{RunID: "s", Module: "m-p3", PageID: "p3", Action: "update", Status: "error", Before: map[string]json.RawMessage{"D": raw(`"x"`)}},
		{RunID: "s", Module: "m-p4", PageID: "p4", Action: "archive", Status: "ok"},
		{RunID: "r", Module: "m-p5", PageID: "p5", Action: "restore", Status: "ok", Before: map[string]json.RawMessage{"D": raw(`"x"`)}},
		{RunID: "r", Action: "run", Status: "ok"},
		{RunID: "s", Module: "m-p6", PageID: "P-6", Action: "update", Status: "ok", Changed: []string{"D"}},
		{RunID: "s", Module: "m-p4", PageID: "p4", Action: "noop", Status: "ok"},
		{RunID: "s", Action: "run", Status: "error"},
		{RunID: "t", Module: "m-p7", PageID: "p7", Action: "create", Status: "error", Error: "502"},
		{RunID: "t", Module: "m-p8", Action: "create", Status: "error", Error: "notion: 502 Bad Gateway\n(request id r1)"},
		{RunID: "t", Module: "m-p9", PageID: "p9", Action: "create", Status: "error"},
		upd("p9", map[string]json.RawMessage{"D": raw(`null`)}, map[string]json.RawMessage{"D": raw(`"v"`)}),
		{RunID: "t", Module: "m-p10", PageID: "p10", Action: "archive", Status: "error"},
	}
	type page struct {
		ID                        string
		Writes, Failed            int
		Created, Unsure, Archived bool
		Before                    map[string]string
		After                     map[string][]string
		NoBefore                  []string
	}
	plan, warnings := undoPlan(recs)
	var got []page
	for _, u := range plan {
		p := page{ID: u.pageID, Writes: u.writes, Failed: u.failed, Created: u.created, Unsure: u.unsure, Archived: u.archived,
			Before: map[string]string{}, After: map[string][]string{}, NoBefore: u.noBefore}
		for k, v := range u.before {
			p.Before[k] = string(v)
		}
		for k, vs := range u.after {
			for _, v := range vs {
				p.After[k] = append(p.After[k], string(v))
			}
		}
		got = append(got, p)
	}
	want := []page{
		{ID: "p10", Writes: 1, Failed: 1, Archived: true, Before: map[string]string{}, After: map[string][]string{}},
		{ID: "p9", Writes: 2, Failed: 1, Created: true, Before: map[string]string{"D": `null`}, After: map[string][]string{"D": {`"v"`}}},
		{ID: "p7", Writes: 1, Failed: 1, Created: true, Unsure: true, Before: map[string]string{}, After: map[string][]string{}},
		{ID: "P-6", Writes: 1, Before: map[string]string{}, After: map[string][]string{}, NoBefore: []string{"D"}},
		{ID: "p4", Writes: 1, Archived: true, Before: map[string]string{}, After: map[string][]string{}},
		{ID: "p3", Writes: 1, Failed: 1, Before: map[string]string{"D": `"x"`}, After: map[string][]string{}},
		{ID: "p2", Writes: 2, Created: true, Before: map[string]string{"D": `"new"`}, After: map[string][]string{"D": {`"newer"`}}},
		{ID: "p1", Writes: 2, Before: map[string]string{"D": `"d0"`, "N": `1`}, After: map[string][]string{"D": {`"d1"`, `"d2"`}, "N": {`2`}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("undoPlan() mismatch (-want +got):\n%s", diff)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "create of m-p8 failed (notion: 502 Bad Gateway (request id r1))") ||
		!strings.Contains(warnings[0], `a page with the key "m-p8"`) {
		t.Errorf("warnings = %q, want one naming the failed create of m-p8 without a page id", warnings)
	}
}

// TestLaterRestores: a restore to another sha after the cutoff is not undone,
// and restore says so; one to the same sha is harmless and not mentioned.
func TestLaterRestores(t *testing.T) {
	t.Parallel()
	after := []ledger.Record{
		{RunID: "r1", SHA: "same", PageID: "p1", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p1", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p-2", Action: "restore", Status: "ok"},
		{RunID: "r2", SHA: "other", PageID: "p3", Action: "restore", Status: "error"},
	}
	got := laterRestores(after, "same")
	if len(got) != 1 || !strings.Contains(got[0], "a restore to sha other after this sync changed 2 pages") {
		t.Errorf("laterRestores() = %q", got)
	}
}

// failingAppender stands for a ledger whose file system fails.
type failingAppender struct{ calls *int }

func (f failingAppender) Append(ledger.Record) error {
	*f.calls++
	return errors.New("disk full")
}

// TestApplyStepsStopsOnLedgerError: once a write cannot be recorded, no other
// write starts (it could not be undone); the pages not written say why.
func TestApplyStepsStopsOnLedgerError(t *testing.T) {
	t.Parallel()
	fake := &fakeNotion{}
	var steps []*Step
	for _, key := range []string{"a", "b", "c", "d"} {
		id := "page-" + key
		steps = append(steps, &Step{u: &PageUndo{pageID: id, module: key},
			props:   map[string]property.Value{"Description": property.TextValue(property.RichText, "old")},
			current: map[string]property.Value{"Description": property.TextValue(property.RichText, "new")}})
	}
	calls := 0
	err := applySteps(t.Context(), fake, recorder{w: failingAppender{&calls}, runID: "r", sha: "s", requestID: fake.RequestID}, steps, 1)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("applySteps() = %v, want the ledger error", err)
	}
	if n := fake.writes(); n != 1 || calls != 1 {
		t.Errorf("%d writes and %d ledger appends after the ledger failed on the first, want 1 and 1", n, calls)
	}
	var got []string
	for _, s := range steps {
		got = append(got, fmt.Sprint(s.failure()))
	}
	want := []string{"update made but not recorded in the ledger: record restore of " + steps[0].u.pageID + ": disk full"}
	for range steps[1:] {
		want = append(want, "update not attempted: record restore of "+steps[0].u.pageID+": disk full")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step failures (-want +got):\n%s", diff)
	}
}

// TestRestoreTextLedgerStopped: after a ledger failure the output says the run
// stopped and why, and prints no "Next:" (the restore is not complete).
func TestRestoreTextLedgerStopped(t *testing.T) {
	t.Parallel()
	u := &PageUndo{pageID: "p1", module: "memory", writes: 1}
	res := Result{Cut: Cutoff{SHA: strings.Repeat("a", 40)}, Confirm: true, Next: []string{"notion-sync verify --all"},
		LedgerErr: errors.New("record restore of p1: disk full"),
		Steps: []*Step{{u: u, props: map[string]property.Value{"D": property.TextValue(property.RichText, "x")},
			done: []string{"update"}, writeErr: errors.New("update made but not recorded in the ledger: disk full")}}}
	var b strings.Builder
	if err := WriteText(&b, res, "L"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"❌ memory: update made but not recorded in the ledger: disk full\n",
		"❌ Stopped: the ledger could not be written (record restore of p1: disk full)", "❌ 0 pages restored"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Next:") {
		t.Errorf("a stopped restore prints the next step:\n%s", out)
	}
}

// TestShown: restore's lines quote text, not numbers or checkboxes.
func TestShown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    property.Value
		want string
	}{
		{property.NumberValue(79.5), "79.5"},
		{property.NumberValue(1), "1"},
		{property.Value{Type: property.Number}, "(empty)"},
		{property.CheckboxValue(true), "true"},
		{property.CheckboxValue(false), "false"},
		{property.TextValue(property.RichText, `say "hi"`), `"say \"hi\""`},
		{property.TextValue(property.Select, "L2"), `"L2"`},
		{property.NamesValue("a", "b"), `"a, b"`},
	}
	for _, tt := range tests {
		if got := shown(tt.v); got != tt.want {
			t.Errorf("shown(%+v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}

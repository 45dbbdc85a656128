package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/property"
)

var (
	errAmbiguous = errors.New("502 bad gateway")
	errNotFound  = errors.New("404 object_not_found")
	errFull      = errors.New("403 the workspace reached its block limit")
)

// fakeNotion is an in-memory database for Apply's logic. The emulator-backed tests
// in internal/app cover the real wire; this one scripts the failures precisely.
type fakeNotion struct {
	mu      sync.Mutex
	pages   map[string]Page
	next    int
	calls   []string
	failNew []string // per create, in order: "" ok, "commit" store then fail, "fail" fail without storing, "hidden" store, fail, stay invisible to the first query
	hidden  map[string]bool
}

func newFake(pages ...Page) *fakeNotion {
	f := &fakeNotion{pages: map[string]Page{}, hidden: map[string]bool{}}
	for _, p := range pages {
		f.pages[p.ID] = p
	}
	return f
}

func (f *fakeNotion) Query(_ context.Context, filter json.RawMessage) ([]Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "query")
	var out []Page
	for id, p := range f.pages {
		if f.hidden[id] {
			delete(f.hidden, id) // visible from the next query on
			continue
		}
		if !p.Archived && (filter == nil || strings.Contains(string(filter), fmt.Sprintf("%q", p.Props["Module"].Text))) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeNotion) Page(_ context.Context, id string) (Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pages[id]
	if !ok {
		return Page{}, errNotFound
	}
	return p, nil
}

func (f *fakeNotion) Create(_ context.Context, props map[string]property.Value) (Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "create")
	mode := ""
	if len(f.failNew) > 0 {
		mode, f.failNew = f.failNew[0], f.failNew[1:]
	}
	switch mode {
	case "fail":
		return Page{}, errAmbiguous
	case "full":
		return Page{}, errFull
	}
	f.next++
	p := Page{ID: fmt.Sprintf("new%d", f.next), Created: time.Unix(int64(f.next), 0), Props: props}
	f.pages[p.ID] = p
	switch mode {
	case "commit":
		return Page{}, errAmbiguous
	case "hidden":
		f.hidden[p.ID] = true
		return Page{}, errAmbiguous
	}
	return p, nil
}

func (f *fakeNotion) Update(_ context.Context, id string, props map[string]property.Value) (Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "update")
	p, ok := f.pages[id]
	if !ok || p.Archived {
		return Page{}, errNotFound
	}
	for k, v := range props {
		p.Props[k] = v
	}
	return p, nil
}

func (f *fakeNotion) Archive(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "archive")
	p, ok := f.pages[id]
	if !ok {
		return errNotFound
	}
	p.Archived = true
	f.pages[id] = p
	return nil
}

func (f *fakeNotion) Ambiguous(err error) bool { return errors.Is(err, errAmbiguous) }
func (f *fakeNotion) NotFound(err error) bool  { return errors.Is(err, errNotFound) }

func (f *fakeNotion) live(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pages {
		if !p.Archived && p.Props["Module"].Text == key {
			n++
		}
	}
	return n
}

type memRecorder struct {
	mu     sync.Mutex
	events []Event
	fail   bool
}

func (r *memRecorder) Record(e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("disk full")
	}
	r.events = append(r.events, e)
	return nil
}

func noSleep(context.Context, time.Duration) error { return nil }

// TestApplyCrashSafeCreate: a create that is stored but answered with an error
// (notion-api.md §9, §12.1) must not be sent again once the page is found.
func TestApplyCrashSafeCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		script      []string
		wantCalls   []string
		wantErr     bool
		wantPages   int
		wantWarning bool
	}{
		{"plain create", nil, []string{"create"}, false, 1, false},
		{"stored then failed: found, not created again", []string{"commit"}, []string{"create", "query"}, false, 1, true},
		{"failed before storing: created again", []string{"fail"}, []string{"create", "query", "query", "create"}, false, 1, false},
		{"stored but shows late: the second look finds it", []string{"hidden"}, []string{"create", "query", "query"}, false, 1, true},
		{"always failing: gives up after 3, having looked after each", []string{"fail", "fail", "fail"}, []string{"create", "query", "query", "create", "query", "query", "create", "query", "query"}, true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.failNew = tt.script
			plan := Plan([]Desired{row("core", "core/m.json", "Core")}, nil, Options{KeyProperty: "Module"})
			rec := &memRecorder{}
			out, err := Apply(t.Context(), f, plan, ApplyOptions{KeyProperty: "Module", Recorder: rec, Sleep: noSleep})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantCalls, f.calls); diff != "" {
				t.Errorf("calls mismatch (-want +got):\n%s", diff)
			}
			if got := out[0].Err != nil; got != tt.wantErr {
				t.Errorf("Err = %v, want error %v", out[0].Err, tt.wantErr)
			}
			if got := f.live("core"); got != tt.wantPages {
				t.Errorf("%d pages with key core, want %d", got, tt.wantPages)
			}
			if got := len(out[0].Warnings) > 0; got != tt.wantWarning {
				t.Errorf("warnings = %q, want some: %v", out[0].Warnings, tt.wantWarning)
			}
			if len(rec.events) != 1 || rec.events[0].OK == tt.wantErr {
				t.Errorf("recorded %+v, want one event with OK=%v", rec.events, !tt.wantErr)
			}
			if !tt.wantErr && out[0].PageID == "" {
				t.Error("created change has no page id")
			}
		})
	}
}

func TestApplyUpdateAndArchive(t *testing.T) {
	t.Parallel()
	f := newFake(page("p1", "core", "core/m.json", "Old", 0), page("p2", "gone", "gone/m.json", "x", 1))
	opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}, Full: true, Archive: true}
	plan := Plan([]Desired{row("core", "core/m.json", "New")}, []Page{f.pages["p1"], f.pages["p2"]}, opts)
	rec := &memRecorder{}
	var progress atomic.Int32
	out, err := Apply(t.Context(), f, plan, ApplyOptions{Concurrency: 4, Recorder: rec, Sleep: noSleep, Progress: func() { progress.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out {
		if c.Err != nil {
			t.Errorf("%s %s: %v", c.Action, c.Key, c.Err)
		}
	}
	if got := f.pages["p1"].Props["Description"].Text; got != "New" {
		t.Errorf("Description = %q, want New", got)
	}
	if !f.pages["p2"].Archived {
		t.Error("p2 not archived")
	}
	if n := progress.Load(); n != 2 {
		t.Errorf("progress called %d times, want 2", n)
	}
	var upd Event
	for _, e := range rec.events {
		if e.Action == Update {
			upd = e
		}
	}
	if diff := cmp.Diff([]string{"Description", "Updated At"}, upd.Changed); diff != "" {
		t.Errorf("Changed mismatch (-want +got):\n%s", diff)
	}
	if upd.Before["Description"].Text != "Old" || upd.After["Description"].Text != "New" {
		t.Errorf("before/after = %v / %v, want Old / New", upd.Before["Description"], upd.After["Description"])
	}
	if upd.Before["Updated At"].Text != "2026-01-01" {
		t.Errorf("volatile before = %v, want the page's old value for undo", upd.Before["Updated At"])
	}
}

// TestApplyUpdateOfVanishedPage: the page was deleted in Notion between the plan
// and the write. Without --create-if-missing that is the runbook's 404 error; with
// it, a search by key first (a 404 can be passing, notion-api.md §6), then a page
// created from every desired value, not only the ones that differed.
func TestApplyUpdateOfVanishedPage(t *testing.T) {
	t.Parallel()
	for _, create := range []bool{false, true} {
		f := newFake()
		opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Volatile: map[string]bool{"Updated At": true}}
		plan := Plan([]Desired{row("core", "core/m.json", "New")}, []Page{page("p1", "core", "core/m.json", "Old", 0)}, opts)
		out, err := Apply(t.Context(), f, plan, ApplyOptions{KeyProperty: "Module", CreateIfMissing: create, Sleep: noSleep})
		if err != nil {
			t.Fatal(err)
		}
		if !create {
			if out[0].Err == nil || !strings.Contains(out[0].Err.Error(), "Page not found (page_id: p1)") {
				t.Errorf("Err = %v, want the runbook's page-not-found message", out[0].Err)
			}
			continue
		}
		if out[0].Err != nil || out[0].Action != Create || f.live("core") != 1 {
			t.Fatalf("with --create-if-missing: %+v, %d pages", out[0], f.live("core"))
		}
		if diff := cmp.Diff([]string{"update", "query", "query", "create"}, f.calls); diff != "" {
			t.Errorf("calls mismatch (-want +got):\n%s", diff)
		}
		got := f.pages[out[0].PageID].Props
		for _, name := range []string{"Module", "Description", "Manifest", "Updated At"} {
			if got[name].IsEmpty() {
				t.Errorf("recreated page lacks %s: %v", name, got)
			}
		}
	}
}

func TestApplyBatches(t *testing.T) {
	t.Parallel()
	var desired []Desired
	for i := range 5 {
		desired = append(desired, row(fmt.Sprintf("m%d", i), fmt.Sprintf("m%d/m.json", i), "x"))
	}
	f := newFake()
	var slept []time.Duration
	sleepRec := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	_, err := Apply(t.Context(), f, Plan(desired, nil, Options{KeyProperty: "Module"}),
		ApplyOptions{BatchSize: 2, BatchDelay: 10 * time.Second, Concurrency: 2, Sleep: sleepRec})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{10 * time.Second, 10 * time.Second}, slept); diff != "" {
		t.Errorf("batch pauses mismatch (-want +got):\n%s", diff)
	}
	if len(f.pages) != 5 {
		t.Errorf("%d pages, want 5", len(f.pages))
	}
}

func TestApplyStopsWhenTheLedgerFails(t *testing.T) {
	t.Parallel()
	var desired []Desired
	for i := range 3 {
		desired = append(desired, row(fmt.Sprintf("m%d", i), fmt.Sprintf("m%d/m.json", i), "x"))
	}
	f := newFake()
	_, err := Apply(t.Context(), f, Plan(desired, nil, Options{KeyProperty: "Module"}), ApplyOptions{Recorder: &memRecorder{fail: true}, Sleep: noSleep})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Apply() error = %v, want the recorder's", err)
	}
	if len(f.pages) != 1 {
		t.Errorf("%d pages written, want 1: no write after one that could not be recorded", len(f.pages))
	}
}

// cancelAfter is a Recorder that cancels the run once it has recorded n events,
// as SIGTERM does mid-run.
type cancelAfter struct {
	memRecorder
	n      int
	cancel context.CancelFunc
}

func (r *cancelAfter) Record(e Event) error {
	_ = r.memRecorder.Record(e)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == r.n {
		r.cancel()
	}
	return nil
}

// TestApplyInterruptedCountsOnlyAttempted: a run cancelled after 3 of 7
// creates (one of which failed) must tally 2 creates, 1 failure and 4 not
// attempted, and a finding that was never a write stays as it was.
func TestApplyInterruptedCountsOnlyAttempted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ApplyOptions
	}{
		{"batches", ApplyOptions{BatchSize: 2, Concurrency: 1}},
		{"one batch", ApplyOptions{Concurrency: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var desired []Desired
			for i := range 7 {
				desired = append(desired, row(fmt.Sprintf("m%d", i), fmt.Sprintf("m%d/m.json", i), "x"))
			}
			desired = append(desired, Desired{Key: "broken", Path: "b/m.json", Err: errors.New("bad JSON")})
			f := newFake()
			f.failNew = []string{"", "", "fail", "fail", "fail"} // m2's three attempts fail
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			rec := &cancelAfter{n: 3, cancel: cancel}
			opts := tt.opts
			opts.KeyProperty, opts.Recorder, opts.Sleep = "Module", rec, noSleep
			out, err := Apply(ctx, f, Plan(desired, nil, Options{KeyProperty: "Module"}), opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Apply() error = %v, want context.Canceled", err)
			}
			want := map[string]int{"create": 2, "failed": 2, "not_attempted": 4}
			if diff := cmp.Diff(want, Tally(out)); diff != "" {
				t.Errorf("Tally() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// intentRecorder is a memRecorder that also takes intents, failing them on
// request.
type intentRecorder struct {
	memRecorder
	failIntent bool
}

func (r *intentRecorder) RecordIntent(e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failIntent {
		return errors.New("disk full")
	}
	r.events = append(r.events, e)
	return nil
}

// TestApplyRecordsIntents: every create is preceded by its intent (so a kill
// between Notion storing the page and the outcome record still leaves a
// record), the retries of one create share one intent, and an intent that
// cannot be recorded stops the run before anything is sent.
func TestApplyRecordsIntents(t *testing.T) {
	t.Parallel()
	type ev struct {
		Action Action
		Key    string
		Intent bool
		OK     bool
	}
	tests := []struct {
		name       string
		failNew    []string
		failIntent bool
		want       []ev
		wantPages  int
		wantErr    bool
	}{
		{"two creates", nil, false, []ev{{Create, "m0", true, false}, {Create, "m0", false, true}, {Create, "m1", true, false}, {Create, "m1", false, true}}, 2, false},
		{"a retried create", []string{"fail", ""}, false, []ev{{Create, "m0", true, false}, {Create, "m0", false, true}, {Create, "m1", true, false}, {Create, "m1", false, true}}, 2, false},
		{"intent not recorded", nil, true, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			desired := []Desired{row("m0", "m0/m.json", "x"), row("m1", "m1/m.json", "x")}
			f := newFake()
			f.failNew = tt.failNew
			rec := &intentRecorder{failIntent: tt.failIntent}
			out, err := Apply(t.Context(), f, Plan(desired, nil, Options{KeyProperty: "Module"}),
				ApplyOptions{KeyProperty: "Module", Recorder: rec, Sleep: noSleep})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Apply() error = %v, want error %v", err, tt.wantErr)
			}
			var got []ev
			for _, e := range rec.events {
				got = append(got, ev{e.Action, e.Key, e.Intent, e.OK})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if len(f.pages) != tt.wantPages {
				t.Errorf("%d pages, want %d", len(f.pages), tt.wantPages)
			}
			if tt.wantErr {
				if diff := cmp.Diff(map[string]int{"not_attempted": 2}, Tally(out)); diff != "" {
					t.Errorf("Tally() (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// fullNotion is a workspace at its block limit after some creates: a
// CreateStopper.
type fullNotion struct{ *fakeNotion }

func (fullNotion) StopsCreates(err error) bool { return errors.Is(err, errFull) }

// TestApplyStopsCreatingAtTheBlockLimit (#7 item 6): after a create refused for
// the workspace's block limit no other create is sent; they fail as not
// attempted, with that reason, and updates still go.
func TestApplyStopsCreatingAtTheBlockLimit(t *testing.T) {
	t.Parallel()
	f := newFake(page("p1", "core", "core/m.json", "Old", 0))
	f.failNew = []string{"full"}
	opts := Options{KeyProperty: "Module", OwnerProperty: "Manifest", Full: true}
	desired := []Desired{row("core", "core/m.json", "New"), row("a", "a/m.json", "x"), row("b", "b/m.json", "x"), row("c", "c/m.json", "x")}
	plan := Plan(desired, []Page{f.pages["p1"]}, opts)
	out, err := Apply(t.Context(), fullNotion{f}, plan, ApplyOptions{Concurrency: 1, Sleep: noSleep})
	if err != nil {
		t.Fatal(err)
	}
	if n := slices.Index(f.calls, "create"); n < 0 || slices.Contains(f.calls[n+1:], "create") {
		t.Errorf("calls %v, want exactly one create", f.calls)
	}
	got := Tally(out)
	if diff := cmp.Diff(map[string]int{"update": 1, "failed": 1, "not_attempted": 2}, got); diff != "" {
		t.Errorf("tally (-want +got):\n%s", diff)
	}
	for _, c := range out {
		if errors.Is(c.Err, ErrNotAttempted) && !errors.Is(c.Err, errFull) {
			t.Errorf("%s: %v, want the block limit named as the reason", c.Key, c.Err)
		}
	}
}

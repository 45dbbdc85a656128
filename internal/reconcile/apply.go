package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/lukhas/notion-sync-action/internal/clock"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// Notion is the part of the Notion API that reconcile needs, bound to one
// database. The app satisfies it with internal/notion.
type Notion interface {
	// Query returns every live page matching filter (nil: all), following cursors.
	Query(ctx context.Context, filter json.RawMessage) ([]Page, error)
	// Page reads one page by id, archived or not.
	Page(ctx context.Context, id string) (Page, error)
	Create(ctx context.Context, props map[string]property.Value) (Page, error)
	Update(ctx context.Context, id string, props map[string]property.Value) (Page, error)
	Archive(ctx context.Context, id string) error
	// Ambiguous reports whether a failed write may have been applied anyway
	// (timeout, reset, 5xx, 409, an undecodable answer).
	Ambiguous(err error) bool
	// NotFound reports whether err says the page does not exist or is not shared.
	NotFound(err error) bool
}

// CreateStopper is a Notion that can tell a refusal after which no create can
// succeed, such as a workspace that reached its block limit: Apply then stops
// creating, and the creates it has not sent fail as not attempted with that
// refusal as the reason, while updates and archives go on.
type CreateStopper interface {
	StopsCreates(err error) bool
}

// Event is one write, as the ledger records it. Before and After hold the values
// of the written properties, which is what undoing the write needs.
type Event struct {
	Action  Action
	Key     string
	Path    string
	PageID  string
	OK      bool
	Changed []string
	// Warnings are the change's losses and coercions, recorded beside the write.
	Warnings []string
	Before   map[string]property.Value
	After    map[string]property.Value
	Err      error
	// Intent marks the event IntentRecorder.RecordIntent gets before a
	// create: nothing is written yet, and OK and PageID say nothing.
	Intent bool
}

// Recorder keeps the events of a run. A Recorder that fails stops the run: a
// write that cannot be recorded cannot be undone.
type Recorder interface {
	Record(e Event) error
}

// DefaultConcurrency is the number of parallel writers the CLI and the Action
// use unless told otherwise: Notion's pace (3 requests/s) is reached with three.
const DefaultConcurrency = 3

// IntentRecorder is a Recorder that also records, before each create is sent,
// that it is about to be (an Event with Intent set and no page id). A process
// killed between Notion storing the page and the create's own record would
// otherwise leave a page no record names, which the next sync adopts and no
// restore can undo; with the intent recorded, the ledger names every page the
// tool may have created. A failure to record the intent stops the run before
// the create is sent.
type IntentRecorder interface {
	Recorder
	RecordIntent(e Event) error
}

// ApplyOptions control how Apply writes. The zero value writes one change at a
// time, all in one batch, without recording.
type ApplyOptions struct {
	Concurrency int           // parallel writers; the client's limiter paces them all
	BatchSize   int           // writes per batch; 0 = one batch
	BatchDelay  time.Duration // pause between batches
	KeyProperty string        // to find a page by key after an ambiguous create
	// CreateIfMissing creates a page when an update finds its page gone.
	CreateIfMissing bool
	// CreateAttempts bounds the creates tried for one row (default 3); between
	// two, the database is searched for the row the failed one may have stored.
	CreateAttempts int
	// RecheckDelay is waited before a second search for a row an ambiguous create
	// may have stored, for the moment a new page takes to show in queries (1s).
	RecheckDelay time.Duration
	Recorder     Recorder
	Progress     func() // called after each change that writes, from several goroutines
	Sleep        func(ctx context.Context, d time.Duration) error
	Log          *slog.Logger
}

// Apply carries out the changes that write and returns the plan with page ids
// filled in and Err set on every change that failed. A failing change never
// stops the others; only a Recorder failure or a cancelled ctx ends the run
// early, and that is the returned error.
func Apply(ctx context.Context, n Notion, changes []Change, opts ApplyOptions) ([]Change, error) {
	out := make([]Change, len(changes))
	copy(out, changes)
	a := &applier{n: n, opts: withDefaults(opts), tried: make([]bool, len(out))}
	var todo []int
	for i, c := range out {
		if c.Writes() {
			todo = append(todo, i)
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	size := a.opts.BatchSize
	if size <= 0 {
		size = len(todo)
	}
	for start := 0; start < len(todo); start += size {
		if start > 0 && a.opts.BatchDelay > 0 {
			if err := a.opts.Sleep(ctx, a.opts.BatchDelay); err != nil {
				break
			}
		}
		a.run(ctx, cancel, out, todo[start:min(start+size, len(todo))])
		if ctx.Err() != nil {
			break
		}
	}
	if err := context.Cause(ctx); err != nil {
		for _, i := range todo {
			if !a.attempted(i) && out[i].Err == nil {
				out[i].Err = fmt.Errorf("%w: %w", ErrNotAttempted, err)
			}
		}
		return out, err
	}
	return out, nil
}

// ErrNotAttempted is wrapped by the Err of a change Apply never tried to write,
// because the run was cancelled or a Recorder failed first. Such a change
// wrote nothing: Tally counts it apart from the failures.
var ErrNotAttempted = errors.New("not attempted")

// Tally counts the outcome of each change of an applied plan, as the ledger's
// run record and the summaries report it: changes without an error by their
// action, "failed" for the ones that failed (writes tried, and findings such
// as broken manifests), and "not_attempted" for writes an interrupted run
// never tried. So an interrupted run's record says what happened, not what
// was planned.
func Tally(changes []Change) map[string]int {
	t := map[string]int{}
	for _, c := range changes {
		switch {
		case errors.Is(c.Err, ErrNotAttempted):
			t["not_attempted"]++
		case c.Err != nil:
			t["failed"]++
		default:
			t[string(c.Action)]++
		}
	}
	return t
}

func withDefaults(o ApplyOptions) ApplyOptions {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	if o.CreateAttempts < 1 {
		o.CreateAttempts = 3
	}
	if o.RecheckDelay == 0 {
		o.RecheckDelay = time.Second
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = func() {}
	}
	return o
}

type applier struct {
	n    Notion
	opts ApplyOptions

	mu        sync.Mutex
	tried     []bool // by change index: a write was started
	noCreates error  // the refusal after which no create is sent (CreateStopper)
}

// stopCreates records err as the reason no more creates are sent, when the
// Notion says it is one.
func (a *applier) stopCreates(err error) {
	if s, ok := a.n.(CreateStopper); !ok || err == nil || !s.StopsCreates(err) {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.noCreates == nil {
		a.noCreates = err
		a.opts.Log.Warn("no more creates are sent in this run", "reason", err)
	}
}

// createsStopped is the refusal that stopped the creates, or nil.
func (a *applier) createsStopped() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.noCreates
}

func (a *applier) attempted(i int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tried[i]
}

// run writes one batch with the configured number of workers.
func (a *applier) run(ctx context.Context, cancel context.CancelCauseFunc, out []Change, batch []int) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(a.opts.Concurrency, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := a.apply(ctx, i, &out[i]); err != nil {
					cancel(err)
				}
				a.opts.Progress()
			}
		}()
	}
	for _, i := range batch {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// apply writes one change and records it. Only a recorder failure is returned;
// a Notion failure is kept on the change.
func (a *applier) apply(ctx context.Context, i int, c *Change) error {
	if ctx.Err() != nil {
		c.Err = fmt.Errorf("%w: %w", ErrNotAttempted, context.Cause(ctx))
		return nil
	}
	if stop := a.createsStopped(); c.Action == Create && stop != nil {
		c.Err = fmt.Errorf("%w: %w", ErrNotAttempted, stop)
		return nil
	}
	a.mu.Lock()
	a.tried[i] = true
	a.mu.Unlock()
	var before map[string]property.Value
	if c.Action == Update {
		before = c.beforeValues()
	}
	switch c.Action {
	case Create:
		c.Err = a.create(ctx, c)
		a.stopCreates(c.Err)
	case Update:
		c.Err = a.update(ctx, c)
	case Archive:
		c.Err = a.archive(ctx, c)
	}
	if ie := (*intentError)(nil); errors.As(c.Err, &ie) {
		// Nothing was sent; the run stops as for any recorder failure.
		c.Err = fmt.Errorf("%w: %w", ErrNotAttempted, ie.err)
		return ie.err
	}
	if c.Err != nil {
		a.opts.Log.Debug("write failed", "action", c.Action, "module", c.Key, "err", c.Err)
	}
	if a.opts.Recorder == nil {
		return nil
	}
	e := Event{Action: c.Action, Key: c.Key, Path: c.Path, PageID: c.PageID, OK: c.Err == nil,
		Changed: slices.Sorted(maps.Keys(c.Write)), Warnings: c.Warnings, Before: before, After: c.Write, Err: c.Err}
	if err := a.opts.Recorder.Record(e); err != nil {
		return fmt.Errorf("record %s of %s: %w", c.Action, c.Key, err)
	}
	return nil
}

// beforeValues are the values the write replaces, for the ledger.
func (c *Change) beforeValues() map[string]property.Value {
	out := map[string]property.Value{}
	for name, v := range c.Write {
		out[name] = property.Value{Type: v.Type}
		if b, ok := c.Before[name]; ok {
			out[name] = b
		}
	}
	return out
}

// create is the crash-safe create: after a failure that may have stored the page,
// it searches for the page by key before creating again, so retries never make a
// duplicate row.
func (a *applier) create(ctx context.Context, c *Change) error {
	if ir, ok := a.opts.Recorder.(IntentRecorder); ok {
		e := Event{Action: Create, Key: c.Key, Path: c.Path, Intent: true, Changed: slices.Sorted(maps.Keys(c.Write)), After: c.Write}
		if err := ir.RecordIntent(e); err != nil {
			return &intentError{fmt.Errorf("record the intent to create %s: %w", c.Key, err)}
		}
	}
	var last error
	for attempt := 1; attempt <= a.opts.CreateAttempts; attempt++ {
		p, err := a.n.Create(ctx, c.Write)
		if err == nil {
			c.PageID = p.ID
			return nil
		}
		last = err
		if !a.n.Ambiguous(err) || ctx.Err() != nil {
			return err
		}
		a.opts.Log.Info("create may have been stored; searching by key before retrying", "module", c.Key, "attempt", attempt, "err", err)
		found, ferr := a.findStored(ctx, c.Key)
		if ferr != nil {
			return fmt.Errorf("%w (then searching for the page by key failed: %v)", err, ferr)
		}
		if found != "" {
			c.PageID = found
			c.Warnings = append(c.Warnings, "create answered with an error but was stored; found by key, not created again")
			return nil
		}
	}
	return fmt.Errorf("gave up after %d creates, none found stored: %w", a.opts.CreateAttempts, last)
}

// findStored looks for the page an ambiguous create may have stored, once at
// once and once after RecheckDelay, since a new page can take a moment to show.
func (a *applier) findStored(ctx context.Context, key string) (string, error) {
	for look := 0; look < 2; look++ {
		if look > 0 {
			if err := a.opts.Sleep(ctx, a.opts.RecheckDelay); err != nil {
				return "", err
			}
		}
		pages, err := a.n.Query(ctx, KeyFilter(a.opts.KeyProperty, []string{key}))
		if err != nil {
			return "", err
		}
		if len(pages) > 0 {
			sort.Slice(pages, func(i, j int) bool {
				if !pages[i].Created.Equal(pages[j].Created) {
					return pages[i].Created.Before(pages[j].Created)
				}
				return pages[i].ID < pages[j].ID
			})
			return pages[0].ID, nil
		}
	}
	return "", nil
}

func (a *applier) update(ctx context.Context, c *Change) error {
	_, err := a.n.Update(ctx, c.PageID, c.Write)
	if err == nil || !a.n.NotFound(err) {
		return err
	}
	if !a.opts.CreateIfMissing {
		return fmt.Errorf("Page not found (page_id: %s); sync with --create-if-missing to create it again: %w", c.PageID, err)
	}
	// A 404 can be passing (notion-api.md §6): look for the key before creating.
	stale := c.PageID
	found, ferr := a.findStored(ctx, c.Key)
	if ferr != nil {
		return fmt.Errorf("%w (then searching for the page by key failed: %v)", err, ferr)
	}
	if found != "" {
		c.PageID = found
		c.Warnings = append(c.Warnings, fmt.Sprintf("page %s was gone; updated %s, found by key", stale, found))
		_, err = a.n.Update(ctx, found, c.Write)
		return err
	}
	c.Action, c.PageID = Create, ""
	c.Write = nonEmpty(c.Desired)
	c.Warnings = append(c.Warnings, fmt.Sprintf("page %s was gone; created a new one (--create-if-missing)", stale))
	return a.create(ctx, c)
}

// nonEmpty is what a create sends: a new page starts empty.
func nonEmpty(props map[string]property.Value) map[string]property.Value {
	out := map[string]property.Value{}
	for name, v := range props {
		if !v.IsEmpty() {
			out[name] = v
		}
	}
	return out
}

func (a *applier) archive(ctx context.Context, c *Change) error {
	err := a.n.Archive(ctx, c.PageID)
	if err != nil && a.n.NotFound(err) {
		c.Warnings = append(c.Warnings, "page was already gone")
		return nil
	}
	return err
}

// intentError is a failure to record an intent: a recorder failure, which
// stops the run, not a failed create.
type intentError struct{ err error }

func (e *intentError) Error() string { return e.err.Error() }
func (e *intentError) Unwrap() error { return e.err }

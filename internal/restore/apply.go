package restore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// Notion is the part of the Notion API a restore needs, on the database it
// restores. internal/app adapts *notion.Client to it; tests use a fake.
type Notion interface {
	// Page reads one page by id, archived or not.
	Page(ctx context.Context, id string) (reconcile.Page, error)
	// Update sets the page's properties to props.
	Update(ctx context.Context, id string, props map[string]property.Value) (reconcile.Page, error)
	// SetArchived moves the page to the trash (true) or out of it (false).
	SetArchived(ctx context.Context, id string, archived bool) error
	// NotFound reports whether err says the page does not exist or is not shared.
	NotFound(err error) bool
	// RequestID is Notion's request id in err, "" when it has none: the ledger
	// records it with a failed write.
	RequestID(err error) string
}

// Prepare reads every page the undo touches, on up to workers goroutines, and
// works out the writes that bring each back; it writes nothing. databaseID is the
// database being restored (a page found in another is left alone) and types its
// schema today: a property that is gone or changed type is skipped with a
// warning. Problems with one page are kept on its Step; the only error is ctx's.
func Prepare(ctx context.Context, n Notion, databaseID string, types map[string]property.Type, undo []*PageUndo, workers int) ([]*Step, error) {
	steps := make([]*Step, len(undo))
	each(ctx, len(undo), workers, func(i int) {
		steps[i] = prepareUndo(ctx, n, databaseID, types, undo[i])
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read pages: %w", context.Cause(ctx))
	}
	return steps, nil
}

// Recorder says how Apply records a restore in the ledger.
type Recorder struct {
	// W is the ledger appended to.
	W Appender
	// RunID is the run's id, as a sync in the same run would record it; the
	// records get RunID+RunSuffix.
	RunID string
	// SHA is the commit restored to (Cutoff.SHA).
	SHA string
	// Started is when the restore started, for the run record's duration.
	Started time.Time
}

// Apply makes the writes of every step on up to workers goroutines, records each
// in the ledger, then appends the restore's run record with the totals. A failed
// write fails its page alone (kept on the Step). A ledger failure stops the run,
// as it stops a sync: a write that cannot be recorded cannot be undone, so no
// other write starts; that error is returned, the pages not written say why, and
// the run record says so too when it can still be written.
func Apply(ctx context.Context, n Notion, r Recorder, steps []*Step, workers int) error {
	rec := recorder{w: r.W, runID: r.RunID + RunSuffix, sha: r.SHA, requestID: n.RequestID}
	ledgerErr := applySteps(ctx, n, rec, steps, workers)
	totals := map[string]int{}
	status := "ok"
	for _, s := range steps {
		for _, w := range s.done {
			totals[w]++
		}
		if s.failure() != nil {
			totals["failed"]++
			status = "error"
		}
	}
	run := ledger.Record{RunID: rec.runID, SHA: rec.sha, Action: "run", Status: status,
		Totals: totals, DurationMS: time.Since(r.Started).Milliseconds()}
	if status == "error" {
		// A record with status error always says why (ledger verify checks it).
		run.Error = fmt.Sprintf("%d pages failed", totals["failed"])
	}
	if ledgerErr != nil {
		run.Status, run.Error = "error", ledgerErr.Error()
	}
	if err := r.W.Append(run); err != nil && ledgerErr == nil {
		ledgerErr = fmt.Errorf("write ledger run record: %w", err)
	}
	return ledgerErr
}

// Step is one page's undo once the page has been read: the writes it needs, and
// after Apply, what became of them. Prepare makes them; only this package reads
// their fields, through Result and its renderings.
type Step struct {
	u           *PageUndo
	setArchived *bool                     // trash flag to set; nil leaves it
	props       map[string]property.Value // target values that differ from the page's
	current     map[string]property.Value // the page's values of those properties
	warnings    []string
	err         error    // the page cannot be restored
	done        []string // writes made: archive, unarchive, update
	writeErr    error    // the write that failed
}

func (s *Step) failure() error {
	if s.err != nil {
		return s.err
	}
	return s.writeErr
}

// writes lists the writes the step needs, in the order they are made: a page in
// the trash must come out before it can be edited.
func (s *Step) writes() []string {
	var out []string
	if s.err != nil {
		return nil
	}
	if s.setArchived != nil && !*s.setArchived {
		out = append(out, "unarchive")
	}
	if len(s.props) > 0 {
		out = append(out, "update")
	}
	if s.setArchived != nil && *s.setArchived {
		out = append(out, "archive")
	}
	return out
}

// titleProperty is the database's title property: the sync's key property (a
// key is always a title, as reconcile.KeyFilter queries it).
func titleProperty(types map[string]property.Type) string {
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if types[name] == property.Title {
			return name
		}
	}
	return ""
}

// prepareUndo reads the page and compares it with the values it should get back.
// Properties are decoded with today's schema; one that is gone or changed type is
// skipped with a warning. A value edited in Notion since the sync is still
// restored (that is what was asked), with a warning.
func prepareUndo(ctx context.Context, n Notion, databaseID string, types map[string]property.Type, u *PageUndo) *Step {
	s := &Step{u: u, props: map[string]property.Value{}, current: map[string]property.Value{}}
	if u.pageID == "" {
		id, warning := findIntended(ctx, n, u)
		if id == "" {
			s.warnings = append(s.warnings, warning)
			return s
		}
		u.pageID = id
	}
	p, err := n.Page(ctx, u.pageID)
	if err != nil {
		if n.NotFound(err) && u.created {
			s.warnings = append(s.warnings, "the page created after this sync is already gone")
			return s
		}
		if n.NotFound(err) {
			s.err = fmt.Errorf("page %s not found (deleted, or no longer shared with the integration): it cannot be restored", u.pageID)
			return s
		}
		s.err = fmt.Errorf("read page: %w", err)
		return s
	}
	if p.Database != "" && reconcile.NormID(p.Database) != reconcile.NormID(databaseID) {
		s.err = fmt.Errorf("page %s is in database %s, not in %s (NOTION_DATABASE_ID): left alone", u.pageID, p.Database, databaseID)
		return s
	}
	if u.created {
		if u.unsure {
			// Only a failed create names this page: archive it only if it is
			// what that create would have made, a page with the module's key.
			key := titleProperty(types)
			v, ok := p.Props[key]
			if key == "" || u.module == "" || !ok || v.String() != u.module {
				s.warnings = append(s.warnings, fmt.Sprintf("the sync's create of this page was recorded as failed and page %s does not have the key %q: left alone", u.pageID, u.module))
				return s
			}
		}
		if !p.Archived {
			s.setArchived = new(true)
		}
		return s
	}
	if u.archived && p.Archived {
		s.setArchived = new(false)
	}
	for _, name := range slices.Sorted(maps.Keys(u.before)) {
		typ, ok := types[name]
		switch {
		case !ok:
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is no longer in the database: not restored", name))
			continue
		case !typ.Valid():
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is now %s, which restore cannot write: not restored", name, typ))
			continue
		}
		target, err := property.FromPlain(typ, u.before[name])
		if err != nil {
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is now %s and its recorded value does not fit: not restored (%v)", name, typ, err))
			continue
		}
		cur, ok := p.Props[name]
		if !ok || cur.Type != typ {
			cur = property.Value{Type: typ}
		}
		if property.Equal(cur, target) {
			continue
		}
		if wrote, edited := editedSince(typ, cur, u.after[name]); edited {
			s.warnings = append(s.warnings, fmt.Sprintf("%s was changed in Notion after the sync (now %s, the sync wrote %s): restoring %s anyway",
				name, shown(cur), shown(wrote), shown(target)))
		}
		s.props[name] = target
		s.current[name] = cur
	}
	for _, name := range u.noBefore {
		s.warnings = append(s.warnings, fmt.Sprintf("the ledger has no before-value for %q: not restored", name))
	}
	if len(s.props) > 0 && p.Archived && s.setArchived == nil {
		s.err = errors.New("the page is in the Notion trash, but no sync put it there: restore it from the trash first, then run restore again")
	}
	return s
}

// KeyFinder is what restore needs to undo a create the ledger holds only the
// intent of (the run was killed while it was in flight): the live pages of
// the database with the key, with their creation times. A Notion without it
// leaves such pages to the user, with a warning naming the key.
type KeyFinder interface {
	FindByKey(ctx context.Context, key string) ([]reconcile.Page, error)
}

// findIntended returns the page the unanswered create of u made, or "" and
// why none is undone: the one live page with the module's key created at or
// after the intent (Notion's created_time has minute precision, so a minute
// of slack), never one that was there before.
func findIntended(ctx context.Context, n Notion, u *PageUndo) (string, string) {
	since := u.intent.Truncate(time.Minute).Add(-time.Minute)
	byHand := fmt.Sprintf("the sync sent a create of %s at %s and was stopped before it was answered; if Notion stored the page, look in the database for a page with the key %q created since and archive it by hand",
		orUnknown(u.module), u.intent.UTC().Format(time.RFC3339), u.module)
	f, ok := n.(KeyFinder)
	if !ok || u.module == "" {
		return "", byHand
	}
	pages, err := f.FindByKey(ctx, u.module)
	if err != nil {
		return "", byHand + fmt.Sprintf(" (searching for it failed: %v)", err)
	}
	var made []string
	for _, p := range pages {
		if !p.Created.Before(since) {
			made = append(made, p.ID)
		}
	}
	switch len(made) {
	case 0:
		return "", fmt.Sprintf("the sync sent a create of %s and was stopped before it was answered; no page with the key %q was created since, so Notion did not store it: nothing to undo", orUnknown(u.module), u.module)
	case 1:
		return made[0], ""
	}
	return "", fmt.Sprintf("the sync sent a create of %s and was stopped before it was answered; %d pages with the key %q were created since (%s), so restore cannot tell which it made: archive the extra one by hand",
		orUnknown(u.module), len(made), u.module, strings.Join(made, ", "))
}

// editedSince reports whether cur is none of the values the syncs wrote (so a
// person changed it since), and returns the last value written.
func editedSince(typ property.Type, cur property.Value, written []json.RawMessage) (property.Value, bool) {
	var last property.Value
	found := false
	for _, raw := range written {
		v, err := property.FromPlain(typ, raw)
		if err != nil {
			continue
		}
		if property.Equal(cur, v) {
			return v, false
		}
		last, found = v, true
	}
	return last, found
}

// Appender is where a restore's records go: a *ledger.Writer, opened on the
// ledger the restore read last so that its hash chain goes on.
type Appender interface {
	Append(r ledger.Record) error
}

// recorder appends one ledger record per undo write, with the restore's run id
// and the sha restored to, so the chain continues and the next restore sees them.
type recorder struct {
	w         Appender
	runID     string
	sha       string
	requestID func(error) string // Notion's request id in a failed write's error
}

func (r recorder) record(s *Step, changed []string, before, after map[string]json.RawMessage, err error) error {
	rec := ledger.Record{RunID: r.runID, SHA: r.sha, Module: s.u.module, Path: s.u.path, PageID: s.u.pageID,
		Action: "restore", Status: "ok", Changed: changed, Before: before, After: after}
	if err != nil {
		rec.Status, rec.Error, rec.RequestID = "error", err.Error(), r.requestID(err)
	}
	if lerr := r.w.Append(rec); lerr != nil {
		return fmt.Errorf("record restore of %s: %w", s.u.pageID, lerr)
	}
	return nil
}

// applyUndo makes the writes of one step. A failed write stops that page (its
// later writes depend on it) and is kept on the step; a ledger failure is kept
// on the step too and returned, because a write that cannot be recorded must
// not go on.
func applyUndo(ctx context.Context, n Notion, rec recorder, s *Step) error {
	flag := func(v bool) map[string]json.RawMessage {
		return map[string]json.RawMessage{archivedKey: json.RawMessage(fmt.Sprint(v))}
	}
	for _, w := range s.writes() {
		if err := ctx.Err(); err != nil {
			s.writeErr = fmt.Errorf("%s not attempted: %w", w, context.Cause(ctx))
			return nil
		}
		var err, rerr error
		switch w {
		case "unarchive":
			err = n.SetArchived(ctx, s.u.pageID, false)
			rerr = rec.record(s, []string{archivedKey}, flag(true), flag(false), err)
		case "archive":
			err = n.SetArchived(ctx, s.u.pageID, true)
			if err != nil && n.NotFound(err) {
				s.warnings = append(s.warnings, "the page was already gone")
				err = nil
			}
			rerr = rec.record(s, []string{archivedKey}, flag(false), flag(true), err)
		case "update":
			_, err = n.Update(ctx, s.u.pageID, s.props)
			rerr = rec.record(s, slices.Sorted(maps.Keys(s.props)), property.PlainMap(s.current), property.PlainMap(s.props), err)
		}
		if rerr != nil {
			if err == nil {
				s.done = append(s.done, w)
				s.writeErr = fmt.Errorf("%s made but not recorded in the ledger: %w", w, rerr)
			} else {
				s.writeErr = fmt.Errorf("%s: %w (and not recorded in the ledger: %v)", w, err, rerr)
			}
			return rerr
		}
		if err != nil {
			s.writeErr = fmt.Errorf("%s: %w", w, err)
			return nil
		}
		s.done = append(s.done, w)
	}
	return nil
}

// applySteps makes the writes of every step on up to workers goroutines. The
// first ledger failure stops the run, as reconcile.Apply does for a sync: a write
// that cannot be recorded cannot be undone, so no worker starts another one. The
// steps not written then fail with "not attempted", and the ledger error is
// returned.
func applySteps(ctx context.Context, n Notion, rec recorder, steps []*Step, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		first error // the first record that could not be written
	)
	each(ctx, len(steps), workers, func(i int) {
		if err := applyUndo(ctx, n, rec, steps[i]); err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
			cancel(err)
		}
	})
	for _, s := range steps {
		if w := s.writes(); s.writeErr == nil && len(s.done) < len(w) {
			s.writeErr = fmt.Errorf("%s not attempted: %w", w[len(s.done)], context.Cause(ctx))
		}
	}
	return first
}

// each calls fn for 0..n-1 on up to workers goroutines and returns when all are
// done; once ctx is cancelled, the indexes not started yet are skipped.
func each(ctx context.Context, n, workers int, fn func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := range jobs {
				fn(i)
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

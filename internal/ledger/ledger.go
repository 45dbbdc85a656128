// Package ledger keeps artifacts/notion_sync_ledger.jsonl: an append-only record of every
// write the sync made to Notion, one JSON object a line, with the property values before
// and after each write (what `restore` needs to undo a bad run) and a sha256 chain through
// the lines (so `verify` notices a line that was edited, removed or inserted later).
//
// The file is only ever appended to. Each line is written with a single write call and
// fsynced before Append returns, so a crash loses at most the line being written; that
// torn line is skipped by Read and terminated (never rewritten) by the next Open.
package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// Record is one line of the ledger. The JSON keys are the ones DESIGN.md lists, so the
// runbook's `jq -r '.timestamp, .sha'` works on every line. The zero value is a valid
// record; Append fills Timestamp and Prev.
type Record struct {
	// Timestamp is when the write happened; written in UTC as RFC 3339 with milliseconds.
	Timestamp time.Time `json:"timestamp"`
	// RunID groups the records of one run.
	RunID string `json:"run_id"`
	// SHA is the commit being synced; "" when not in git.
	SHA string `json:"sha"`
	// Module is the module's key (the title property's value).
	Module string `json:"module"`
	// Path is the repo-relative manifest path, with / separators.
	Path string `json:"path"`
	// PageID is the Notion page written.
	PageID string `json:"page_id"`
	// Action is create, update, archive, restore, or run for the end-of-run record.
	Action string `json:"action"`
	// Status is ok or error.
	Status string `json:"status"`
	// Changed lists the property names written. Written as [] when nil, so
	// `jq '.changed[]'` never fails.
	Changed []string `json:"changed"`
	// Before holds the property values before the write, as plain JSON values
	// (string, number, [names], bool, null); nil for a create.
	Before map[string]json.RawMessage `json:"before"`
	// After holds the property values the write set.
	After map[string]json.RawMessage `json:"after"`
	// Error is the failure, with Notion's code and request id, when Status is error.
	Error string `json:"error"`
	// RequestID is Notion's x-notion-request-id of the write.
	RequestID string `json:"request_id"`
	// Warnings are the losses and coercions of the written values (text cut, option
	// renamed, string read as a number), so the ledger shows what Notion did not get.
	Warnings []string `json:"warnings,omitempty"`
	// Prev is the hex sha256 of the previous line's bytes (without its newline); "" for
	// the first line of the file. Append sets it; any value given is overwritten.
	Prev string `json:"prev"`
	// Totals counts the run's outcomes by action; only on the "run" record.
	Totals map[string]int `json:"totals,omitempty"`
	// DurationMS is the run's wall time; only on the "run" record.
	DurationMS int64 `json:"duration_ms,omitempty"`
	// NotionVersion is the Notion-Version the run spoke; only on the "run"
	// record, and absent from ledgers written before versions were chosen.
	NotionVersion string `json:"notion_version,omitempty"`
	// DataSourceID is the data source the run wrote into (Notion-Version
	// 2025-09-03 and later); only on the "run" record.
	DataSourceID string `json:"data_source_id,omitempty"`
}

// timestampLayout is RFC 3339 with exactly three fractional digits, so every line has the
// same shape and sorts as text.
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes Timestamp in UTC with milliseconds and Changed as [] when nil, and
// leaves <, > and & unescaped; the other fields are encoded as tagged.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record // no methods: avoids recursing into MarshalJSON
	w := struct {
		Timestamp string `json:"timestamp"`
		*plain
	}{
		Timestamp: r.Timestamp.UTC().Format(timestampLayout),
		plain:     (*plain)(&r),
	}
	if r.Changed == nil {
		w.Changed = []string{}
	}
	// An Encoder, not json.Marshal, so that <, > and & in manifest text stay readable.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// Writer appends records to one ledger file. Use Open to get one and Close when done. A
// Writer is safe for concurrent use by several goroutines; on Unix, several Writers (in
// this or other processes) on the same file also keep one valid chain, because each
// Append holds an advisory lock on the file and re-reads its tail when another writer
// appended since.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	now  func() time.Time

	// size is the file size after our last write, and last the hash of the file's last
	// line at that size. A different size on the next Append means someone else wrote.
	size int64
	last string
}

// Open is OpenIn with the ledger's own folder as root: it refuses a ledger
// file that is a symbolic link, but not a link in the folders above it. Callers
// that know the repository root use OpenIn.
func Open(path string) (*Writer, error) {
	return OpenIn(filepath.Dir(path), path)
}

// OpenIn opens the ledger at path, inside root, for appending, creating it and
// its folders when missing. It refuses (safefile.ErrNotPlain) a ledger that is
// a symbolic link or lies below one under root: the repository may hold a
// committed link to a shell start-up file, and a manifest's text would be
// appended to it. When the file ends in a torn line (a crash in the middle of a
// write), OpenIn terminates that line with "\n" so new records stay parseable;
// existing bytes are never rewritten or truncated. The first record appended
// chains to the file's last line.
func OpenIn(root, path string) (*Writer, error) {
	created, err := safefile.Check(root, path)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	created = !created
	f, err := safefile.OpenFile(root, path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err) // the error names the path
	}
	if created {
		// Make the new directory entry durable too, so a fsynced line cannot vanish
		// with a file that was never recorded in its directory.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("open ledger %s: %w", path, err)
		}
	}
	w := &Writer{f: f, path: path, now: time.Now, size: -1}
	err = w.locked(func() error { return w.catchUp() })
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return w, nil
}

// Append sets r.Prev to the hash of the file's last line (and r.Timestamp to now when it
// is zero), writes r as one line and fsyncs the file before returning.
func (w *Writer) Append(r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("append to ledger %s: %w", w.path, os.ErrClosed)
	}
	err := w.locked(func() error {
		if err := w.catchUp(); err != nil {
			return err
		}
		if r.Timestamp.IsZero() {
			r.Timestamp = w.now()
		}
		r.Prev = w.last
		line, err := encodeLine(r)
		if err != nil {
			return err
		}
		if _, err := w.f.Write(line); err != nil {
			// The write may have left a torn line; the next catchUp will see the
			// size change and terminate it.
			w.size = -1
			return fmt.Errorf("write line: %w", err)
		}
		if err := w.f.Sync(); err != nil {
			w.size = -1
			return fmt.Errorf("sync file: %w", err)
		}
		w.size += int64(len(line))
		w.last = hashLine(line[:len(line)-1])
		return nil
	})
	if err != nil {
		return fmt.Errorf("append to ledger %s: %w", w.path, err)
	}
	return nil
}

// Close closes the file. Every appended line is already on disk, so Close has nothing
// to flush; calling it twice returns os.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("close ledger %s: %w", w.path, os.ErrClosed)
	}
	err := w.f.Close()
	w.f = nil
	if err != nil {
		return fmt.Errorf("close ledger %s: %w", w.path, err)
	}
	return nil
}

// locked runs fn holding the file lock that serialises writers across processes.
func (w *Writer) locked(fn func() error) error {
	if err := lockFile(w.f); err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	err := fn()
	if uerr := unlockFile(w.f); uerr != nil && err == nil {
		err = fmt.Errorf("unlock file: %w", uerr)
	}
	return err
}

// catchUp makes w.last the hash of the file's last line, re-reading the tail only when
// the file changed since our last write. A last line without its newline is terminated
// first, so the next record starts on a line of its own.
func (w *Writer) catchUp() error {
	info, err := w.f.Stat()
	if err != nil {
		return fmt.Errorf("stat file: %w", err)
	}
	size := info.Size()
	if size == w.size {
		return nil
	}
	last, complete, err := lastLine(w.f, size)
	if err != nil {
		return err
	}
	if !complete {
		if _, err := w.f.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("terminate torn last line: %w", err)
		}
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("sync file: %w", err)
		}
		size++
	}
	w.size = size
	w.last = ""
	if size > 0 {
		w.last = hashLine(last)
	}
	return nil
}

// lastLine returns the bytes of the last line of the first size bytes of r (without
// its newline) and whether that line ended in a newline. It reads backwards in chunks,
// so opening a long ledger does not read all of it.
func lastLine(r io.ReaderAt, size int64) (line []byte, complete bool, err error) {
	if size == 0 {
		return nil, true, nil
	}
	var one [1]byte
	if _, err := r.ReadAt(one[:], size-1); err != nil {
		return nil, false, fmt.Errorf("read last byte: %w", err)
	}
	complete = one[0] == '\n'
	end := size
	if complete {
		end--
	}
	const chunk = 4096
	var tail []byte
	for pos := end; pos > 0; {
		n := min(int64(chunk), pos)
		pos -= n
		buf := make([]byte, n)
		if _, err := r.ReadAt(buf, pos); err != nil {
			return nil, false, fmt.Errorf("read tail: %w", err)
		}
		tail = append(buf, tail...)
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return tail[i+1:], complete, nil
		}
	}
	return tail, complete, nil
}

// encodeLine marshals r as one line ending in "\n". HTML escaping is off so manifest
// text stays readable in the file; json escapes newlines inside strings and compacts raw
// values, so the record cannot span lines.
func encodeLine(r Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return buf.Bytes(), nil
}

// hashLine is the chain link: the hex sha256 of a line's bytes without its newline.
func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

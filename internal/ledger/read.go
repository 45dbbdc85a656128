package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Read returns the records of the ledger at path, in file order. It skips torn lines: a
// last line cut short by a crash, and such lines that a later Open terminated. Any other
// line that is not a JSON object is an error naming the file and line number, because
// restore must not act on a ledger it only partly understands.
func Read(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	defer f.Close()
	var recs []Record
	err = scan(f, func(n int, line []byte, r *Record) error {
		if r != nil {
			recs = append(recs, *r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", path, err)
	}
	return recs, nil
}

// Verify checks the prev chain of the ledger at path: the first record's prev must be ""
// and every other record's prev the sha256 of the line before it (torn lines included,
// so removing one is noticed too). It returns nil for an intact chain and otherwise an
// error wrapping a *ChainError for the first record that does not match. The chain makes
// edits evident, not impossible: someone who rewrites every later line can rebuild it.
func Verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("verify ledger: %w", err)
	}
	defer f.Close()
	prev := ""
	prevLine := 0
	err = scan(f, func(n int, line []byte, r *Record) error {
		if r != nil && r.Prev != prev {
			return &ChainError{Line: n, PrevLine: prevLine, Want: prev, Got: r.Prev}
		}
		prev = hashLine(line)
		prevLine = n
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify ledger %s: %w", path, err)
	}
	return nil
}

// ChainError reports the first record whose prev does not match the line before it:
// that line, or one before it, was edited, removed or inserted after it was written.
type ChainError struct {
	// Line is the 1-based line number of the record whose prev does not match.
	Line int
	// PrevLine is the line its prev should hash; 0 when Line is the first line.
	PrevLine int
	// Want is the hash the chain expects ("" for the first line); Got is the record's prev.
	Want, Got string
}

// Error names the line and both hashes, shortened.
func (e *ChainError) Error() string {
	if e.PrevLine == 0 {
		return fmt.Sprintf("line %d: prev is %q but the first line must have an empty prev", e.Line, short(e.Got))
	}
	return fmt.Sprintf("line %d: prev %q does not match line %d (sha256 %q)",
		e.Line, short(e.Got), e.PrevLine, short(e.Want))
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// scan calls fn for every line of the ledger with its 1-based number and its bytes
// without the newline; r is nil for a torn line. An invalid line stops the scan with an
// error. Lines may be of any length: a record with 100 full rich-text values is large.
func scan(rd io.Reader, fn func(n int, line []byte, r *Record) error) error {
	br := bufio.NewReaderSize(rd, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		r, derr := decodeLine(line)
		if derr != nil {
			return fmt.Errorf("line %d: %w", n, derr)
		}
		if ferr := fn(n, line, r); ferr != nil {
			return ferr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// decodeLine parses one line. It returns (nil, nil) for a torn line and an error for
// anything else that is not a JSON object.
func decodeLine(line []byte) (*Record, error) {
	if isTorn(line) {
		return nil, nil
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, errors.New("empty line")
	}
	if line[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return &r, nil
}

// isTorn reports whether line is what a crash mid-write leaves: a JSON object cut short,
// possibly followed by the NUL bytes some file systems expose after a crash (or only
// those). A line with a syntax error before its end is not torn: something edited it.
func isTorn(line []byte) bool {
	rest := bytes.TrimRight(line, "\x00")
	if len(rest) == 0 {
		return len(line) > 0
	}
	if rest[0] != '{' {
		return false
	}
	var v json.RawMessage
	err := json.NewDecoder(bytes.NewReader(rest)).Decode(&v)
	return errors.Is(err, io.ErrUnexpectedEOF)
}

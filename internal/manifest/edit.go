package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// SetField sets the field at path (object keys separated by ".", a literal dot
// written "\.") to value and returns the new bytes; raw itself is not changed.
// Every byte outside the edited value stays as it was: an existing value is
// replaced in place, a new key is added after the last member of
// its object, and missing objects on the way are created. The inserted text
// follows the file's own style: the separator and indentation of the object's
// first member, its ": " or ":", its line endings, and its indent unit for a
// value that spans lines. value is anything encoding/json encodes; a
// json.RawMessage is inserted as given (reindented), which keeps its key order.
//
// Used for notion_page_id (sync --update-manifest) and for the hydrate object
// (backfill).
func SetField(raw []byte, path string, value any) ([]byte, error) {
	keys, err := splitPath(path)
	if err != nil {
		return nil, err
	}
	if !gjson.ValidBytes(raw) || !gjson.ParseBytes(raw).IsObject() {
		return nil, fmt.Errorf("set %s: the manifest is not a JSON object", path)
	}
	val, err := encode(value)
	if err != nil {
		return nil, fmt.Errorf("set %s: %w", path, err)
	}
	st := styleOf(raw)

	// sjson would place a new key as `,"k":v` before the closing brace whatever
	// the file's layout, so edits are spliced here at the offsets gjson reports.

	// Find the deepest object on the path that exists.
	parent := gjson.ParseBytes(raw)
	for i, k := range keys {
		r := parent.Get(gjson.Escape(k))
		if !r.Exists() {
			// Insert keys[i] into parent, holding the rest of the path.
			for j := len(keys) - 1; j > i; j-- {
				val = append(append(quote(keys[j]), ':'), val...)
				val = append(append([]byte{'{'}, val...), '}')
			}
			return insert(raw, parent, keys[i], val, st), nil
		}
		if i == len(keys)-1 {
			formatted := st.indent(val, lineIndent(raw, r.Index))
			out := make([]byte, 0, len(raw)-len(r.Raw)+len(formatted))
			out = append(out, raw[:r.Index]...)
			out = append(out, formatted...)
			return append(out, raw[r.Index+len(r.Raw):]...), nil
		}
		if !r.IsObject() {
			return nil, fmt.Errorf("set %s: %s is a %s, not an object", path, strings.Join(keys[:i+1], "."), kind(r))
		}
		parent = r
	}
	return nil, fmt.Errorf("set %s: empty path", path) // unreachable: splitPath refuses it
}

// style is how a file writes its JSON.
type style struct {
	unit   string // one level of indentation; "" for a one-line file
	nl     string // "\n" or "\r\n"
	spaced bool   // a one-line file writes {"a": 1, "b": 2}, not {"a":1,"b":2}
}

// styleOf reads the style from the top-level object's first member.
func styleOf(raw []byte) style {
	top := gjson.ParseBytes(raw)
	st := style{nl: "\n"}
	if bytes.Contains(raw, []byte("\r\n")) {
		st.nl = "\r\n"
	}
	var sep []byte
	top.ForEach(func(k, v gjson.Result) bool {
		sep = raw[top.Index+1 : k.Index]
		st.spaced = bytes.ContainsAny(raw[k.Index+len(k.Raw):v.Index], " \t")
		return false
	})
	if sep == nil { // empty object: pretty if it spans lines
		if bytes.ContainsRune(raw, '\n') {
			st.unit = "  "
		}
		return st
	}
	if i := bytes.LastIndexByte(sep, '\n'); i >= 0 {
		st.unit = string(sep[i+1:])
		if st.unit == "" {
			st.unit = "  "
		}
	}
	return st
}

// indent lays out the compact JSON val for a place whose line is indented by
// prefix.
func (st style) indent(val []byte, prefix string) []byte {
	if st.unit == "" {
		if st.spaced {
			return spaced(val)
		}
		return val
	}
	var b bytes.Buffer
	if err := json.Indent(&b, val, prefix, st.unit); err != nil {
		return val
	}
	out := b.Bytes()
	if st.nl != "\n" {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte(st.nl))
	}
	return out
}

// spaced puts a space after each ':' and ',' of compact JSON, outside strings.
func spaced(val []byte) []byte {
	out := make([]byte, 0, len(val)+len(val)/4)
	inString, escaped := false, false
	for _, c := range val {
		out = append(out, c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}

// insert adds "key": val to obj, the object at obj.Index in raw.
func insert(raw []byte, obj gjson.Result, key string, val []byte, st style) []byte {
	var firstKey, firstVal, last gjson.Result
	n := 0
	obj.ForEach(func(k, v gjson.Result) bool {
		if n == 0 {
			firstKey, firstVal = k, v
		}
		last = v
		n++
		return true
	})
	var b bytes.Buffer
	if n == 0 {
		// The closing brace; gjson's Raw of a top-level value runs to the end
		// of the input, trailing whitespace included.
		end := obj.Index + len(strings.TrimRight(obj.Raw, " \t\r\n")) - 1
		b.Write(raw[:obj.Index+1])
		if st.unit == "" {
			b.Write(quote(key))
			b.WriteByte(':')
			if st.spaced {
				b.WriteByte(' ')
			}
			b.Write(st.indent(val, ""))
		} else {
			outer := lineIndent(raw, obj.Index)
			inner := outer + st.unit
			b.WriteString(st.nl + inner)
			b.Write(quote(key))
			b.WriteString(": ")
			b.Write(st.indent(val, inner))
			b.WriteString(st.nl + outer)
		}
		b.Write(raw[end:])
		return b.Bytes()
	}
	sep := raw[obj.Index+1 : firstKey.Index]
	colon := raw[firstKey.Index+len(firstKey.Raw) : firstVal.Index]
	memberIndent := ""
	if i := bytes.LastIndexByte(sep, '\n'); i >= 0 {
		memberIndent = string(sep[i+1:])
	} else if len(sep) == 0 && bytes.ContainsAny(colon, " \t") {
		sep = []byte(" ") // {"a": 1} grows to {"a": 1, "b": 2}
	}
	at := last.Index + len(last.Raw)
	b.Write(raw[:at])
	b.WriteByte(',')
	b.Write(sep)
	b.Write(quote(key))
	b.Write(colon)
	b.Write(st.indent(val, memberIndent))
	b.Write(raw[at:])
	return b.Bytes()
}

// lineIndent returns the leading spaces and tabs of the line holding byte off.
func lineIndent(raw []byte, off int) string {
	start := bytes.LastIndexByte(raw[:off], '\n') + 1
	end := start
	for end < len(raw) && (raw[end] == ' ' || raw[end] == '\t') {
		end++
	}
	return string(raw[start:end])
}

// encode marshals v compactly without HTML escaping ("<" stays "<").
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b.Bytes()); err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	return c.Bytes(), nil
}

func quote(s string) []byte {
	var b bytes.Buffer
	writeString(&b, s)
	return b.Bytes()
}

// splitPath splits "a.b\.c" into ["a", "b.c"].
func splitPath(p string) ([]string, error) {
	var keys []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			i++
			cur.WriteByte(p[i])
		case p[i] == '.':
			keys = append(keys, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	keys = append(keys, cur.String())
	for _, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("set %q: empty key in the path", p)
		}
	}
	return keys, nil
}

func kind(r gjson.Result) string {
	switch {
	case r.IsArray():
		return "list"
	case r.Type == gjson.String:
		return "string"
	case r.Type == gjson.Number:
		return "number"
	case r.IsBool():
		return "boolean"
	}
	return "null"
}

// WriteFile replaces the repo-relative file p under root with data atomically
// (a temporary file in the same folder, synced, then renamed over it), so a
// crash leaves the old or the new manifest, never half of one. It keeps the
// file's permission bits. A manifest reached through a symbolic link that
// resolves inside the repository (as Discover follows it) is written at its
// target, so the link stays; a link that leads out of the repository, or a
// path that is not a regular file, is refused (safefile.ErrNotPlain): the
// tool edits only files the repository holds.
func WriteFile(root, p string, data []byte) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	full := filepath.Join(realRoot, filepath.FromSlash(p))
	if real, err := filepath.EvalSymlinks(full); err == nil {
		full = real
	} else if real, derr := filepath.EvalSymlinks(filepath.Dir(full)); derr == nil {
		full = filepath.Join(real, filepath.Base(full)) // a new file in a linked folder
	} else {
		return fmt.Errorf("write %s: %w", p, derr) // its folder must exist
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(full); err == nil {
		mode = info.Mode().Perm()
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("write %s: %w", p, err)
	}
	// full is resolved, so any link left is one that leads outside realRoot,
	// or one swapped in since: safefile refuses both.
	if err := safefile.WriteFile(realRoot, full, data, mode); err != nil {
		return fmt.Errorf("write manifest %s: %w", p, err)
	}
	return nil
}

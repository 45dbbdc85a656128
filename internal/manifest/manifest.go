// Package manifest finds, reads and edits module.manifest.json files.
//
// Reading is strict where tools disagree: a manifest must be one JSON object,
// without a byte order mark and without repeated keys (gjson would read the first
// of two equal keys, encoding/json the last), and every such finding is a
// *Problem naming the file, line and column with the fix. A broken manifest fails
// only its own module.
//
// Editing (SetField, used by sync --update-manifest and by backfill) changes the
// bytes of one value and nothing else, so a manifest keeps its formatting, key
// order and review diff.
//
// $sha (Manifest.SHA) is the hex sha256 of the manifest's canonical JSON (see
// Canonical) without its top-level "notion_page_id". It excludes the page id
// because the tool writes it after a create (--update-manifest): writing it must
// not change the provenance the page shows, or every create would cause a second
// write. It does include notion_database_options: the hydrated values are what
// the page shows, so changing them is a real change of the manifest, and backfill
// changes $sha once, like any other edit.
package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PageIDField is the top-level manifest field holding the Notion page id, the
// one field $sha ignores.
const PageIDField = "notion_page_id"

// Problem is a finding about one file (not a Go error of the run): a manifest
// that cannot be read or resolved, or a discovery warning. It implements error
// so that it can travel through error returns and be recovered with errors.As.
type Problem struct {
	File      string // repo-relative path, "/" separators
	Line, Col int    // 1-based; 0 when unknown
	Field     string // manifest field or config key involved, "" when none
	Msg       string // what is wrong and the fix
}

// Error formats p as "path:line:col: field: msg", leaving out the parts that are
// unknown, the form editors and GitHub annotations link to.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	if p.Field != "" {
		b.WriteString(": " + p.Field)
	}
	b.WriteString(": " + p.Msg)
	return b.String()
}

// Manifest is one manifest file as read. It holds the bytes so that edits can
// keep every other byte as it was.
type Manifest struct {
	Path string // repo-relative, "/" separators
	Dir  string // the folder name ($dir); the repository's own name for a manifest at the root
	Raw  []byte // the file bytes as read
	SHA  string // $sha: see the package doc
}

// Load reads the manifest at the repo-relative path under root. Every failure is
// a *Problem: a syntax error carries the line and column of the error and a hint,
// a top-level value that is not an object or a repeated key names where it is.
func Load(root, p string) (*Manifest, error) {
	p = path.Clean(filepath.ToSlash(p))
	full := filepath.Join(root, filepath.FromSlash(p))
	// Stat first: reading a FIFO would block the sync for good, and a folder
	// deserves a clearer word than "is a directory".
	if info, err := os.Stat(full); err == nil && !info.Mode().IsRegular() {
		return nil, &Problem{File: p, Msg: fmt.Sprintf("is %s, not a file; a manifest is a JSON file: remove or rename it (its Notion page is kept until then)", describeType(info.Mode()))}
	}
	raw, err := os.ReadFile(full)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Problem{File: p, Msg: fmt.Sprintf("cannot read the file: %v", err)}
	}
	dir := path.Base(path.Dir(p))
	if dir == "." || dir == "/" {
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("resolve repository root %s: %w", root, err)
		}
		dir = filepath.Base(abs)
	}
	return Parse(p, dir, raw)
}

// Parse is Load for bytes already in hand (say, SetField's output): p is the
// repo-relative path and dir the $dir to record. Failures are *Problem.
func Parse(p, dir string, raw []byte) (*Manifest, error) {
	if prob := check(raw); prob != nil {
		prob.File = p
		return nil, prob
	}
	sha, err := sha(raw)
	if err != nil {
		return nil, &Problem{File: p, Msg: err.Error()}
	}
	return &Manifest{Path: p, Dir: dir, Raw: raw, SHA: sha}, nil
}

// describeType names a file type that is not a regular file, for messages.
func describeType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// check returns the first reason raw is not a manifest, without File.
func check(raw []byte) *Problem {
	if enc := encoding(raw); enc != "" {
		return &Problem{Line: 1, Col: 1, Msg: "the file is " + enc + ", and JSON manifests must be UTF-8 without a byte order mark: " + reencode(enc)}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &Problem{Msg: "the file is empty; a manifest is one JSON object { ... }"}
	}
	if !json.Valid(raw) {
		var v any
		err := json.Unmarshal(raw, &v)
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return &Problem{Msg: fmt.Sprintf("invalid JSON: %v", err)}
		}
		msg := se.Error()
		off := int(se.Offset) - 1 // the offending byte
		if msg == "unexpected end of JSON input" {
			off = len(raw)
		}
		line, col := Position(raw, max(off, 0))
		return &Problem{Line: line, Col: col, Msg: "invalid JSON: " + msg + "; " + syntaxHint(raw, off, msg)}
	}
	start := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
	if raw[start] != '{' {
		line, col := Position(raw, start)
		return &Problem{Line: line, Col: col, Msg: fmt.Sprintf("the manifest is a JSON %s; a manifest is one JSON object { ... }", kindOf(raw[start]))}
	}
	return duplicateKeys(raw)
}

// syntaxHint suggests the fix for the usual hand-editing mistakes.
func syntaxHint(raw []byte, off int, msg string) string {
	prev := byte(0)
	for i := min(off, len(raw)) - 1; i >= 0; i-- {
		if c := raw[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			prev = c
			break
		}
	}
	switch {
	case msg == "unexpected end of JSON input":
		return "the file ends before the JSON does: close every { and [ (was it cut off?)"
	case prev == ',' && (strings.Contains(msg, "looking for beginning of object key") || strings.Contains(msg, "looking for beginning of value")):
		return "remove the trailing comma before it (JSON allows none)"
	case strings.Contains(msg, "after object key:value pair"), strings.Contains(msg, "after array element"):
		return "a comma is missing before it"
	case strings.Contains(msg, "invalid character '\\''"):
		return "use double quotes: JSON has no single-quoted strings"
	case strings.Contains(msg, "looking for beginning of object key"):
		return "object keys must be double-quoted strings"
	case strings.Contains(msg, "after top-level value"):
		return "remove what follows the closing }: a manifest is one JSON object"
	case strings.Contains(msg, "in string"):
		return "escape quotes, backslashes and control characters (\\n, \\t) inside strings"
	}
	return "fix the JSON there (jq . <file> shows the same error)"
}

// kindOf names the JSON value starting with c.
func kindOf(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// Position returns the 1-based line and column (in characters, as editors count
// them) of byte offset off in raw, so that a finding about a value read at some
// offset (gjson reports one) can point at it.
func Position(raw []byte, off int) (line, col int) {
	off = min(max(off, 0), len(raw))
	head := raw[:off]
	line = 1 + bytes.Count(head, []byte("\n"))
	lineStart := bytes.LastIndexByte(head, '\n') + 1
	return line, 1 + utf8.RuneCount(head[lineStart:])
}

// duplicateKeys reports the first key repeated within one object. raw is valid JSON.
func duplicateKeys(raw []byte) *Problem {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]int // key -> line of first use
		path   string
		expect bool // next string token in an object is a key
	}
	var stack []*frame
	var lastKey string
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &Problem{Msg: fmt.Sprintf("invalid JSON: %v", err)}
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, isKey := tok.(string); isKey && top != nil && top.object && top.expect {
			start := before
			for start < len(raw) && raw[start] != '"' {
				start++
			}
			line, col := Position(raw, start)
			if first, dup := top.keys[key]; dup {
				return &Problem{Line: line, Col: col, Field: joinField(top.path, key),
					Msg: fmt.Sprintf("key %q appears twice in one object (first on line %d); keep one, since tools disagree on which wins", key, first)}
			}
			top.keys[key] = line
			top.expect = false
			lastKey = key
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			p := ""
			if top != nil {
				p = top.path
				if top.object {
					p = joinField(p, lastKey)
				}
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), keys: map[string]int{}, path: p, expect: tok == json.Delim('{')})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expect = true
		}
	}
}

func joinField(p, key string) string {
	if p == "" {
		return key
	}
	return p + "." + key
}

// sha is $sha: the canonical JSON of raw without the top-level notion_page_id.
func sha(raw []byte) (string, error) {
	v, err := decode(raw)
	if err != nil {
		return "", err
	}
	if m, ok := v.(map[string]any); ok {
		delete(m, PageIDField)
	}
	var b bytes.Buffer
	if err := canonical(&b, v); err != nil {
		return "", err
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// Canonical returns raw in canonical form: object keys sorted by code point, no
// insignificant whitespace, strings with only the escapes JSON requires, and
// numbers in their shortest form (1.0 and 1e0 read as 1), so that reformatting a
// file (another indent, key order, escaping, or a tool that rewrites numbers)
// does not change its $sha.
func Canonical(raw []byte) ([]byte, error) {
	v, err := decode(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := canonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode JSON: data after the top-level value")
	}
	return v, nil
}

func canonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(canonicalNumber(string(v)))
	case string:
		writeString(b, v)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := canonical(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := canonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("encode canonical JSON: unexpected %T", v)
	}
	return nil
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// canonicalNumber gives every spelling of a number one form. Integers written as
// integers stay exact (they may exceed float64); other numbers go through
// float64: integral values up to 1e21 print without exponent, the rest in the
// shortest round-tripping form.
func canonicalNumber(s string) string {
	if isInteger(s) {
		if strings.TrimLeft(s, "-0") == "" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // out of range: keep the literal
	}
	switch {
	case f == 0:
		return "0"
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	g := strconv.FormatFloat(f, 'g', -1, 64)
	if mant, exp, ok := strings.Cut(g, "e"); ok { // "1e-07" -> "1e-7", as JSON.stringify
		return mant + "e" + exp[:1] + strings.TrimLeft(exp[1:], "0")
	}
	return g
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// encoding names the encoding raw is in when it is not plain UTF-8 JSON can
// be: a byte order mark (UTF-8, UTF-16 or UTF-32), or the NUL bytes UTF-16
// without one puts beside every ASCII character. "" for anything else.
func encoding(raw []byte) string {
	switch {
	case bytes.HasPrefix(raw, []byte{0xef, 0xbb, 0xbf}):
		return "UTF-8 with a byte order mark (BOM)"
	case bytes.HasPrefix(raw, []byte{0xff, 0xfe, 0, 0}):
		return "UTF-32LE (little-endian, with a byte order mark)"
	case bytes.HasPrefix(raw, []byte{0, 0, 0xfe, 0xff}):
		return "UTF-32BE (big-endian, with a byte order mark)"
	case bytes.HasPrefix(raw, []byte{0xff, 0xfe}):
		return "UTF-16LE (little-endian, with a byte order mark)"
	case bytes.HasPrefix(raw, []byte{0xfe, 0xff}):
		return "UTF-16BE (big-endian, with a byte order mark)"
	case len(raw) >= 2 && raw[0] != 0 && raw[1] == 0:
		return "UTF-16LE (little-endian, no byte order mark)"
	case len(raw) >= 2 && raw[0] == 0 && raw[1] != 0:
		return "UTF-16BE (big-endian, no byte order mark)"
	}
	return ""
}

// reencode is the fix for a file in encoding enc (as encoding names it).
func reencode(enc string) string {
	const editor = "(VS Code: \"Save with Encoding\", UTF-8)"
	if strings.HasPrefix(enc, "UTF-8") {
		return "save it as UTF-8 without BOM " + editor + ", or run sed -i '1s/^\\xEF\\xBB\\xBF//' on it"
	}
	from := strings.Fields(enc)[0] // UTF-16LE ...
	if strings.Contains(enc, "with a byte order mark") {
		from = from[:len("UTF-16")] // iconv's UTF-16 and UTF-32 read the mark and drop it
	}
	return "re-save it as UTF-8 " + editor + ", or run iconv -f " + from + " -t UTF-8"
}

// Package property holds Notion property values in the one form that every part of
// the tool resolves, compares, records and sends. Manifests, Notion pages, the plan
// and the ledger all speak Value, so "does this page need a write?" is a single
// comparison (Equal) that knows how Notion stores each type: rich text split into
// several objects reads back as one string, numbers come back as doubles, option
// order is not meaningful, and an empty string, an empty list and null all mean
// "no value".
package property

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

// Type is a Notion property type this tool can write.
type Type string

// The writable property types. Other Notion types (formula, rollup, people, ...)
// are read-only or out of scope and never managed by the sync.
const (
	Title       Type = "title"
	RichText    Type = "rich_text"
	Number      Type = "number"
	Select      Type = "select"
	MultiSelect Type = "multi_select"
	Status      Type = "status"
	Date        Type = "date"
	Checkbox    Type = "checkbox"
	URL         Type = "url"
	Email       Type = "email"
)

// TypeList names every supported type, for error messages that offer the choices.
const TypeList = "title, rich_text, number, select, multi_select, status, date, checkbox, url, email"

// Valid reports whether t is a type the sync can write.
func (t Type) Valid() bool {
	switch t {
	case Title, RichText, Number, Select, MultiSelect, Status, Date, Checkbox, URL, Email:
		return true
	}
	return false
}

// Notion's limits (reference/notion-api.md §4). Text is measured in UTF-16 code
// units, as Notion's validator does: an emoji outside the BMP counts twice.
const (
	MaxTextObject  = 2000 // characters in one rich text object
	MaxTextObjects = 100  // rich text objects in one property value
	MaxOptions     = 100  // options in one multi_select value
	MaxURL         = 2000
	MaxEmail       = 200
)

// Value is one property value. The zero value of each field means "empty", so a
// Value with only Type set is the empty value of that type. Which field is used
// depends on Type: Text for title, rich_text, select, status, url, email and date
// (an ISO 8601 date or date-time); Number for number; Names for multi_select;
// Bool for checkbox.
type Value struct {
	Type   Type
	Text   string
	Number *float64
	Names  []string
	Bool   bool
}

// TextValue returns a Value of a text-like type (title, rich_text, select, status,
// url, email, date).
func TextValue(t Type, s string) Value { return Value{Type: t, Text: s} }

// NumberValue returns a number Value.
func NumberValue(f float64) Value { return Value{Type: Number, Number: &f} }

// NamesValue returns a multi_select Value.
func NamesValue(names ...string) Value { return Value{Type: MultiSelect, Names: names} }

// CheckboxValue returns a checkbox Value.
func CheckboxValue(b bool) Value { return Value{Type: Checkbox, Bool: b} }

// IsEmpty reports whether v holds no value, the state Notion shows as a blank cell.
// An unchecked checkbox is empty: Notion cannot tell it from a cleared one.
func (v Value) IsEmpty() bool {
	switch v.Type {
	case Number:
		return v.Number == nil
	case MultiSelect:
		return len(v.Names) == 0
	case Checkbox:
		return !v.Bool
	default:
		return v.Text == ""
	}
}

// Plain returns v as a plain JSON-able value: a string, a float64, a []string, a
// bool, or nil when empty. The plan and the ledger store values in this form.
func (v Value) Plain() any {
	if v.IsEmpty() && v.Type != Checkbox {
		return nil
	}
	switch v.Type {
	case Number:
		return *v.Number
	case MultiSelect:
		return slices.Clone(v.Names)
	case Checkbox:
		return v.Bool
	default:
		return v.Text
	}
}

// MarshalJSON writes v in its plain form (see Plain).
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(v.Plain()) }

// PlainMap returns the plain JSON form of every value of m, as the ledger stores
// before and after images.
func PlainMap(m map[string]Value) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for name, v := range m {
		raw, err := json.Marshal(v)
		if err != nil {
			raw = json.RawMessage("null")
		}
		out[name] = raw
	}
	return out
}

// FromPlain reads a value of type t back from its plain JSON form, as the ledger
// stores it; restore uses it to write old values again.
func FromPlain(t Type, raw json.RawMessage) (Value, error) {
	v := Value{Type: t}
	if len(raw) == 0 || string(raw) == "null" {
		return v, nil
	}
	var err error
	switch t {
	case Number:
		var f float64
		err = json.Unmarshal(raw, &f)
		v.Number = &f
	case MultiSelect:
		err = json.Unmarshal(raw, &v.Names)
	case Checkbox:
		err = json.Unmarshal(raw, &v.Bool)
	default:
		err = json.Unmarshal(raw, &v.Text)
	}
	if err != nil {
		return Value{}, fmt.Errorf("read %s value %s: %w", t, raw, err)
	}
	return v, nil
}

// String renders v for people: option lists joined with ", ", empty as "(empty)".
func (v Value) String() string {
	if v.IsEmpty() && v.Type != Checkbox {
		return "(empty)"
	}
	switch p := v.Plain().(type) {
	case float64:
		return formatNumber(p)
	case []string:
		return strings.Join(p, ", ")
	case bool:
		return fmt.Sprint(p)
	default:
		return fmt.Sprint(p)
	}
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprint(f)
}

// Equal reports whether a and b are the same value as Notion stores it, so that
// a page that already shows the manifest's value is never written again.
func Equal(a, b Value) bool {
	if a.IsEmpty() || b.IsEmpty() {
		return a.IsEmpty() && b.IsEmpty()
	}
	switch a.Type {
	case Number:
		x, y := *a.Number, *b.Number
		return x == y || math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	case MultiSelect:
		return slices.Equal(sortedSet(a.Names), sortedSet(b.Names))
	case Checkbox:
		return a.Bool == b.Bool
	case Date:
		ta, oka := parseDate(a.Text)
		tb, okb := parseDate(b.Text)
		if oka && okb {
			return ta.Equal(tb)
		}
		return a.Text == b.Text
	default:
		return normalizeText(a.Text) == normalizeText(b.Text)
	}
}

// normalizeText folds the line endings Notion stores as "\n".
func normalizeText(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func sortedSet(names []string) []string {
	s := slices.Clone(names)
	slices.Sort(s)
	return slices.Compact(s)
}

// parseDate reads the forms a date takes in a manifest or in Notion's answers.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			// Notion keeps milliseconds at most.
			return t.Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}

// ValidDate reports whether s is a date Notion accepts: YYYY-MM-DD or an ISO 8601
// date-time with an offset.
func ValidDate(s string) bool {
	_, ok := parseDate(s)
	return ok
}

// Fit makes v fit Notion's limits and describes every loss, so nothing is cut
// silently. Text longer than one object is not a loss (Encode splits it); text
// beyond 100 objects is cut. Commas, which Notion forbids in option names, become
// semicolons. A URL or email over its limit cannot be cut meaningfully and is
// dropped.
func Fit(v Value) (Value, []string) {
	var losses []string
	switch v.Type {
	case Title, RichText:
		if n := UTF16Len(v.Text); n > MaxTextObject*MaxTextObjects {
			v.Text = cutUTF16(v.Text, MaxTextObject*MaxTextObjects)
			losses = append(losses, fmt.Sprintf("text cut from %d to %d characters (Notion takes at most %d text objects of %d)",
				n, MaxTextObject*MaxTextObjects, MaxTextObjects, MaxTextObject))
		}
	case Select, Status:
		if strings.Contains(v.Text, ",") {
			fixed := strings.ReplaceAll(v.Text, ",", ";")
			losses = append(losses, fmt.Sprintf("option %q has commas, which Notion forbids: sent as %q", v.Text, fixed))
			v.Text = fixed
		}
	case MultiSelect:
		names := make([]string, 0, len(v.Names))
		for _, n := range v.Names {
			if strings.Contains(n, ",") {
				fixed := strings.ReplaceAll(n, ",", ";")
				losses = append(losses, fmt.Sprintf("option %q has commas, which Notion forbids: sent as %q", n, fixed))
				n = fixed
			}
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		if len(names) > MaxOptions {
			losses = append(losses, fmt.Sprintf("%d options cut to %d (Notion's limit): dropped %s",
				len(names), MaxOptions, strings.Join(names[MaxOptions:], ", ")))
			names = names[:MaxOptions]
		}
		v.Names = names
	case URL:
		if n := UTF16Len(v.Text); n > MaxURL {
			losses = append(losses, fmt.Sprintf("URL of %d characters dropped (Notion's limit is %d)", n, MaxURL))
			v.Text = ""
		}
	case Email:
		if n := UTF16Len(v.Text); n > MaxEmail {
			losses = append(losses, fmt.Sprintf("email of %d characters dropped (Notion's limit is %d)", n, MaxEmail))
			v.Text = ""
		}
	}
	return v, losses
}

// UTF16Len is the length of s as Notion counts it.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cutUTF16 returns the longest prefix of s of at most max UTF-16 units, never
// splitting a character.
func cutUTF16(s string, max int) string {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if n+w > max {
			return s[:i]
		}
		n += w
	}
	return s
}

// splitText cuts s into pieces of at most MaxTextObject UTF-16 units. It prefers
// to cut after a newline or a space near the end of a piece, so a reader of the
// raw objects sees whole words, unless that would take more than MaxTextObjects
// pieces for text Fit let through; the concatenation is always s.
func splitText(s string) []string {
	if parts := split(s, true); len(parts) <= MaxTextObjects {
		return parts
	}
	return split(s, false)
}

func split(s string, atWords bool) []string {
	var parts []string
	for s != "" {
		head := cutUTF16(s, MaxTextObject)
		if atWords && len(head) < len(s) {
			if i := strings.LastIndexAny(head, "\n "); i > len(head)/2 {
				head = head[:i+1]
			}
		}
		parts = append(parts, head)
		s = s[len(head):]
	}
	return parts
}

// Encode returns v as a property value in Notion's request form, ready to go into
// the "properties" object of a create or update. An empty value encodes as the
// clear Notion expects for its type: [] for arrays, null for scalars, false for
// checkbox.
func Encode(v Value) json.RawMessage {
	var body any
	switch v.Type {
	case Title, RichText:
		items := []any{}
		for _, part := range splitText(v.Text) {
			items = append(items, map[string]any{"type": "text", "text": map[string]string{"content": part}})
		}
		body = items
	case Number:
		if v.Number != nil {
			body = *v.Number
		}
	case Select, Status:
		if v.Text != "" {
			body = map[string]string{"name": v.Text}
		}
	case MultiSelect:
		opts := []any{}
		for _, n := range v.Names {
			opts = append(opts, map[string]string{"name": n})
		}
		body = opts
	case Date:
		if v.Text != "" {
			body = map[string]string{"start": v.Text}
		}
	case Checkbox:
		body = v.Bool
	case URL, Email:
		if v.Text != "" {
			body = v.Text
		}
	}
	out, err := json.Marshal(map[string]any{string(v.Type): body})
	if err != nil {
		// Only NaN or ±Inf numbers fail, and resolution refuses those.
		panic(fmt.Sprintf("encode %s value: %v", v.Type, err))
	}
	return out
}

// Decode converts one property value of a page as Notion sends it
// ({"type":"rich_text","rich_text":[...]}, notion-api.md §10). The second result
// is false for types the sync does not manage and for a value it cannot read.
// Property values have the same shape under every API version, so this is the
// one decoder the client and the tests share.
func Decode(raw json.RawMessage) (Value, bool) {
	var p struct {
		Type        Type                    `json:"type"`
		Title       []richText              `json:"title"`
		RichText    []richText              `json:"rich_text"`
		Number      *float64                `json:"number"`
		Select      *struct{ Name string }  `json:"select"`
		Status      *struct{ Name string }  `json:"status"`
		MultiSelect []struct{ Name string } `json:"multi_select"`
		Date        *struct{ Start string } `json:"date"`
		Checkbox    *bool                   `json:"checkbox"`
		URL         *string                 `json:"url"`
		Email       *string                 `json:"email"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Value{}, false
	}
	v := Value{Type: p.Type}
	switch p.Type {
	case Title:
		v.Text = plainText(p.Title)
	case RichText:
		v.Text = plainText(p.RichText)
	case Number:
		v.Number = p.Number
	case Select:
		if p.Select != nil {
			v.Text = p.Select.Name
		}
	case Status:
		if p.Status != nil {
			v.Text = p.Status.Name
		}
	case MultiSelect:
		for _, o := range p.MultiSelect {
			v.Names = append(v.Names, o.Name)
		}
	case Date:
		if p.Date != nil {
			v.Text = formatDate(p.Date.Start)
		}
	case Checkbox:
		v.Bool = p.Checkbox != nil && *p.Checkbox
	case URL:
		if p.URL != nil {
			v.Text = *p.URL
		}
	case Email:
		if p.Email != nil {
			v.Text = *p.Email
		}
	default:
		return Value{}, false
	}
	return v, true
}

// richText is the part of a rich text object the sync reads.
type richText struct {
	PlainText string `json:"plain_text"`
	Text      *struct {
		Content string `json:"content"`
	} `json:"text"`
}

// formatDate writes a date start as the sync compares it: a date alone stays as
// it is, a date-time becomes UTC-offset form with milliseconds, as Notion sends it.
func formatDate(start string) string {
	if len(start) == len("2006-01-02") {
		return start
	}
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		return start
	}
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

func plainText(items []richText) string {
	var b strings.Builder
	for _, rt := range items {
		switch {
		case rt.PlainText != "":
			b.WriteString(rt.PlainText)
		case rt.Text != nil:
			b.WriteString(rt.Text.Content)
		}
	}
	return b.String()
}

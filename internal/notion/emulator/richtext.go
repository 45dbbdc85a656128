package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Limits of notion-api.md §4.
const (
	maxTextContent = 2000 // UTF-16 code units per text.content
	maxLinkURL     = 2000
	maxEquation    = 1000
	maxArrayItems  = 100 // rich text items, multi_select options, relations, people
	maxURL         = 2000
	maxEmail       = 200
	maxPhone       = 200
)

// richText is one rich text item in response form: always fully populated
// (notion-api.md §3.4), which is also how it is stored.
type richText struct {
	Type        string          `json:"type"`
	Text        *textContent    `json:"text,omitempty"`
	Mention     json.RawMessage `json:"mention,omitempty"`
	Equation    *equation       `json:"equation,omitempty"`
	Annotations annotations     `json:"annotations"`
	PlainText   string          `json:"plain_text"`
	Href        *string         `json:"href"`
}

type textContent struct {
	Content string `json:"content"`
	Link    *link  `json:"link"`
}

type link struct {
	URL string `json:"url"`
}

type equation struct {
	Expression string `json:"expression"`
}

type annotations struct {
	Bold          bool   `json:"bold"`
	Italic        bool   `json:"italic"`
	Strikethrough bool   `json:"strikethrough"`
	Underline     bool   `json:"underline"`
	Code          bool   `json:"code"`
	Color         string `json:"color"`
}

// utf16Len counts UTF-16 code units, the unit Notion's 2000-character limit uses
// (notion-api.md §4): a character outside the BMP, such as most emoji, counts 2.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// plainText concatenates the plain_text of rich text items.
func plainText(items []richText) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.PlainText)
	}
	return b.String()
}

// textItem returns a plain text item, as the emulator stores a seeded title.
func textItem(s string) richText {
	return richText{Type: "text", Text: &textContent{Content: s}, Annotations: annotations{Color: "default"}, PlainText: s}
}

// richTextProblem is a validation problem inside a rich text array: shape problems
// are reported before limit problems (notion-api.md §11).
type richTextProblem struct {
	limit bool
	err   *apiError
}

// parseRichText validates a request rich text array at path and converts it to the
// stored response form. It returns the first shape problem, or else the first limit
// problem.
func parseRichText(path string, raw json.RawMessage) ([]richText, *richTextProblem) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || kindOf(raw) != "array" {
		return nil, &richTextProblem{err: bodyInvalid(path, "an array", raw)}
	}
	out := make([]richText, 0, len(items))
	var limitErr *apiError
	if len(items) > maxArrayItems {
		limitErr = tooLong(path, maxArrayItems, len(items))
	}
	for i, itemRaw := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		rt, shapeErr, lim := parseRichTextItem(p, itemRaw)
		if shapeErr != nil {
			return nil, &richTextProblem{err: shapeErr}
		}
		if limitErr == nil && lim != nil {
			limitErr = lim
		}
		out = append(out, rt)
	}
	if limitErr != nil {
		return nil, &richTextProblem{limit: true, err: limitErr}
	}
	return out, nil
}

func parseRichTextItem(path string, raw json.RawMessage) (richText, *apiError, *apiError) {
	obj, ok := asObject(raw)
	if !ok {
		return richText{}, bodyInvalid(path, "an object", raw), nil
	}
	// plain_text and href are accepted as a read returns them (notion-api.md §3.4).
	if e := checkKeysAt(path, obj, "type", "text", "mention", "equation", "annotations", "plain_text", "href"); e != nil {
		return richText{}, e, nil
	}
	typ := ""
	if t, ok := obj["type"]; ok {
		if err := json.Unmarshal(t, &typ); err != nil {
			return richText{}, bodyInvalid(path+".type", "a string", t), nil
		}
	}
	if typ == "" {
		for _, k := range []string{"text", "mention", "equation"} {
			if _, ok := obj[k]; ok {
				typ = k
				break
			}
		}
	}
	for _, k := range []string{"text", "mention", "equation"} {
		if v, ok := obj[k]; ok && k != typ {
			return richText{}, bodyInvalid(path+"."+k, "not present", v), nil
		}
	}
	rt := richText{Type: typ, Annotations: annotations{Color: "default"}}
	if a, ok := obj["annotations"]; ok && kindOf(a) != "null" {
		if err := json.Unmarshal(a, &rt.Annotations); err != nil || kindOf(a) != "object" {
			return richText{}, bodyInvalid(path+".annotations", "an object", a), nil
		}
		ao, _ := asObject(a)
		if e := checkKeysAt(path+".annotations", ao, "bold", "italic", "strikethrough", "underline", "code", "color"); e != nil {
			return richText{}, e, nil
		}
		if rt.Annotations.Color == "" {
			rt.Annotations.Color = "default"
		}
	}
	var limit *apiError
	switch typ {
	case "text":
		t, ok := asObject(obj["text"])
		if !ok {
			return richText{}, bodyInvalid(path+".text", "an object", obj["text"]), nil
		}
		if e := checkKeysAt(path+".text", t, "content", "link"); e != nil {
			return richText{}, e, nil
		}
		var content string
		if err := json.Unmarshal(t["content"], &content); err != nil || kindOf(t["content"]) != "string" {
			if t["content"] == nil {
				return richText{}, bodyInvalid(path+".text.content", "defined", nil), nil
			}
			return richText{}, bodyInvalid(path+".text.content", "a string", t["content"]), nil
		}
		rt.Text = &textContent{Content: content}
		rt.PlainText = content
		if n := utf16Len(content); n > maxTextContent {
			limit = tooLong(path+".text.content", maxTextContent, n)
		}
		if l, ok := t["link"]; ok && kindOf(l) != "null" {
			lo, ok := asObject(l)
			var u string
			if !ok || json.Unmarshal(lo["url"], &u) != nil {
				return richText{}, bodyInvalid(path+".text.link.url", "a string", lo["url"]), nil
			}
			if e := checkKeysAt(path+".text.link", lo, "url"); e != nil {
				return richText{}, e, nil
			}
			if limit == nil && utf16Len(u) > maxLinkURL {
				limit = tooLong(path+".text.link.url", maxLinkURL, utf16Len(u))
			}
			rt.Text.Link = &link{URL: u}
			rt.Href = &u
		}
	case "equation":
		e, ok := asObject(obj["equation"])
		var expr string
		if !ok || json.Unmarshal(e["expression"], &expr) != nil {
			return richText{}, bodyInvalid(path+".equation.expression", "a string", e["expression"]), nil
		}
		if e := checkKeysAt(path+".equation", e, "expression"); e != nil {
			return richText{}, e, nil
		}
		if utf16Len(expr) > maxEquation {
			limit = tooLong(path+".equation.expression", maxEquation, utf16Len(expr))
		}
		rt.Equation = &equation{Expression: expr}
		rt.PlainText = expr
	case "mention":
		m, ok := obj["mention"]
		if !ok || kindOf(m) != "object" {
			return richText{}, bodyInvalid(path+".mention", "an object", m), nil
		}
		rt.Mention = m
		if pt, ok := obj["plain_text"]; ok {
			_ = json.Unmarshal(pt, &rt.PlainText)
		}
	default:
		return richText{}, fixOne([]string{
			shouldBe(path+".text", "defined", nil),
			shouldBe(path+".mention", "defined", nil),
			shouldBe(path+".equation", "defined", nil),
		}), nil
	}
	return rt, nil, limit
}

// kindOf names the JSON kind of raw: object, array, string, number, boolean, null,
// or "" for nothing.
func kindOf(raw json.RawMessage) string {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return "object"
		case '[':
			return "array"
		case '"':
			return "string"
		case 't', 'f':
			return "boolean"
		case 'n':
			return "null"
		default:
			return "number"
		}
	}
	return ""
}

// asObject decodes raw as a JSON object; ok is false for anything else.
func asObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if kindOf(raw) != "object" {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}

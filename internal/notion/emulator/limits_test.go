package emulator

import (
	"fmt"
	"strings"
	"testing"
)

// textValue is a rich_text request value holding the given items.
func textValue(items ...string) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		parts = append(parts, `{"text":{"content":`+string(mustJSON(it))+`}}`)
	}
	return `{"rich_text":[` + strings.Join(parts, ",") + `]}`
}

func multiValue(n int) string {
	parts := make([]string, 0, n)
	for i := range n {
		parts = append(parts, fmt.Sprintf(`{"name":"o%d"}`, i))
	}
	return `{"multi_select":[` + strings.Join(parts, ",") + `]}`
}

// notion-api.md §4: 2000 UTF-16 code units per text object, 100 items per rich text
// array, 100 multi_select options per value, URL 2000, email 200, phone 200.
func TestLimits(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	emoji := "😀" // outside the BMP: two UTF-16 code units
	many := make([]string, 101)
	for i := range many {
		many[i] = "x"
	}
	tests := []struct {
		name  string
		props string
		want  string // "" = accepted
	}{
		{"2000 ASCII", `{"Text":` + textValue(strings.Repeat("a", 2000)) + `}`, ""},
		{"2001 ASCII", `{"Text":` + textValue(strings.Repeat("a", 2001)) + `}`,
			"body failed validation: body.properties.Text.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`."},
		{"1000 emoji = 2000 units", `{"Text":` + textValue(strings.Repeat(emoji, 1000)) + `}`, ""},
		{"1999 letters + 1 emoji = 2001 units", `{"Text":` + textValue(strings.Repeat("a", 1999)+emoji) + `}`,
			"body failed validation: body.properties.Text.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`."},
		{"2000 letters in a title, second item", `{"Name":{"title":[{"text":{"content":"a"}},{"text":{"content":"` + strings.Repeat("é", 2001) + `"}}]}}`,
			"body failed validation: body.properties.Name.title[1].text.content.length should be ≤ `2000`, instead was `2001`."},
		{"100 rich text items", `{"Text":` + textValue(many[:100]...) + `}`, ""},
		{"101 rich text items", `{"Text":` + textValue(many...) + `}`,
			"body failed validation: body.properties.Text.rich_text.length should be ≤ `100`, instead was `101`."},
		{"100 multi_select options", `{"Multi":` + multiValue(100) + `}`, ""},
		{"101 multi_select options", `{"Multi":` + multiValue(101) + `}`,
			"body failed validation: body.properties.Multi.multi_select.length should be ≤ `100`, instead was `101`."},
		{"URL 2000", `{"Docs":{"url":"https://` + strings.Repeat("u", 1992) + `"}}`, ""},
		{"URL 2001", `{"Docs":{"url":"https://` + strings.Repeat("u", 1993) + `"}}`,
			"body failed validation: body.properties.Docs.url.length should be ≤ `2000`, instead was `2001`."},
		{"email 200", `{"Mail":{"email":"` + strings.Repeat("e", 194) + `@x.org"}}`, ""},
		{"email 201", `{"Mail":{"email":"` + strings.Repeat("e", 195) + `@x.org"}}`,
			"body failed validation: body.properties.Mail.email.length should be ≤ `200`, instead was `201`."},
		{"phone 201", `{"Phone":{"phone_number":"` + strings.Repeat("1", 201) + `"}}`,
			"body failed validation: body.properties.Phone.phone_number.length should be ≤ `200`, instead was `201`."},
		{"link URL 2001", `{"Text":{"rich_text":[{"text":{"content":"x","link":{"url":"` + strings.Repeat("u", 2001) + `"}}}]}}`,
			"body failed validation: body.properties.Text.rich_text[0].text.link.url.length should be ≤ `2000`, instead was `2001`."},
	}
	children := strings.TrimSuffix(strings.Repeat(`{"object":"block"},`, 101), ",")
	if r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{},"children":[`+children+`]}`); r.errBody(t).Message != "body failed validation: body.children.length should be ≤ `100`, instead was `101`." {
		t.Errorf("101 children = %d %s", r.status, r.body)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":`+tt.props+`}`)
			if tt.want == "" {
				if r.status != 200 {
					t.Fatalf("= %d %s, want 200", r.status, r.body)
				}
				return
			}
			if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
				t.Errorf("= %d %q\nwant 400 %q", r.status, e.Message, tt.want)
			}
		})
	}
}

// notion-api.md §4 (whole payload): bodies over the size limit get 413 from the
// edge, with an HTML body and nothing stored.
func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{MaxBodyBytes: 4096})
	body := `{"parent":{"database_id":"` + dbID + `"},"properties":{"Notes":` + textValue(strings.Repeat("x", 1000), strings.Repeat("y", 1000), strings.Repeat("z", 1000), strings.Repeat("w", 1500)) + `}}`
	r := call(t, s, "POST", "/v1/pages", body)
	if r.status != 413 || !strings.Contains(string(r.body), "413") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("oversized body = %d %s %q, want 413 HTML", r.status, r.header.Get("Content-Type"), r.body)
	}
	if n := len(s.Pages(dbID)); n != 0 {
		t.Errorf("%d pages stored, want 0", n)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Status != 413 || reqs[0].BodySize != len(body) {
		t.Errorf("request log = %+v, want one 413 of %d bytes", reqs, len(body))
	}
	// The default limit is 500 KB.
	s2, db2 := withDefaultDB(t, Options{})
	big := `{"parent":{"database_id":"` + db2 + `"},"properties":{},"children":[` + strings.Repeat(`"`+strings.Repeat("x", 998)+`",`, 500) + `1]}`
	if r := call(t, s2, "POST", "/v1/pages", big); r.status != 413 {
		t.Errorf("%d-byte body with the default limit = %d, want 413", len(big), r.status)
	}
}

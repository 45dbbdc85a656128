package emulator

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// fixOneAll is the "Fix one" message for a value that matches no type at all.
func fixOneAll(prop string) string {
	lines := make([]string, 0, len(writableTypes))
	for _, typ := range writableTypes {
		lines = append(lines, "body.properties."+prop+"."+typ+" should be defined, instead was `undefined`.")
	}
	return "body failed validation. Fix one:\n" + strings.Join(lines, "\n")
}

// notion-api.md §4 (table), §3.2, §3.3, §11: page writes are validated with
// Notion's codes and messages, in Notion's order.
func TestPropertyValidation(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	numberLines := make([]string, 0, len(writableTypes))
	for _, typ := range writableTypes {
		if typ == "number" {
			numberLines = append(numberLines, "body.properties.Num.number should be a number or `null`, instead was `\"30433455\"`.")
			continue
		}
		numberLines = append(numberLines, "body.properties.Num."+typ+" should be defined, instead was `undefined`.")
	}
	tests := []struct {
		name  string
		props string
		want  string
	}{
		{"unknown property (§4)", `{"Nope":{"rich_text":[]}}`, "Nope is not a property that exists."},
		{"unknown properties joined (§4)", `{"ID":{"rich_text":[]},"Title":{"title":[]}}`,
			"ID is not a property that exists. Title is not a property that exists."},
		{"unknown names before wrong types (§11)", `{"Nope":{"rich_text":[]},"Name":{"rich_text":[]}}`, "Nope is not a property that exists."},
		{"wrong type (§4)", `{"Text":{"title":[]}}`, "Text is expected to be rich_text."},
		{"wrong types joined (§4)", `{"Num":{"rich_text":[]},"Text":{"number":1}}`, "Num is expected to be number. Text is expected to be rich_text."},
		{"number as string (§4)", `{"Num":{"number":"30433455"}}`, "body failed validation. Fix one:\n" + strings.Join(numberLines, "\n")},
		{"{} value (§12.2)", `{"Num":{}}`, fixOneAll("Num")},
		{"bare value (§3.2)", `{"Num":8080}`, fixOneAll("Num")},
		{"read-only formula (§3.3)", `{"Formula":{"formula":{"type":"number","number":1}}}`, fixOneAll("Formula")},
		{"read-only created_time (§3.3)", `{"Created":{"created_time":"2024-01-01T00:00:00.000Z"}}`, fixOneAll("Created")},
		{"empty url (§1)", `{"Docs":{"url":""}}`, "body failed validation: body.properties.Docs.url should be populated, instead was `\"\"`."},
		{"empty email (§1)", `{"Mail":{"email":""}}`, "body failed validation: body.properties.Mail.email should be populated, instead was `\"\"`."},
		{"empty select name (§3.2)", `{"Sel":{"select":{"name":""}}}`, "body failed validation: body.properties.Sel.select.name should be populated, instead was `\"\"`."},
		{"checkbox null (§3.2)", `{"Done":{"checkbox":null}}`, strings.Replace(fixOneAll("Done"),
			"body.properties.Done.checkbox should be defined, instead was `undefined`.", "body.properties.Done.checkbox should be a boolean, instead was `null`.", 1)},
		{"rich_text null (§3.2)", `{"Text":{"rich_text":null}}`, strings.Replace(fixOneAll("Text"),
			"body.properties.Text.rich_text should be defined, instead was `undefined`.", "body.properties.Text.rich_text should be an array, instead was `null`.", 1)},
		{"text without content", `{"Text":{"rich_text":[{"text":{}}]}}`,
			"body failed validation: body.properties.Text.rich_text[0].text.content should be defined, instead was `undefined`."},
		{"bad date", `{"When":{"date":{"start":"May 1st"}}}`,
			"body failed validation: body.properties.When.date.start should be a valid ISO 8601 date string, instead was `\"May 1st\"`."},
		{"bad relation id", `{"Deps":{"relation":[{"id":"x"}]}}`,
			"body failed validation: body.properties.Deps.relation[0].id should be a valid uuid, instead was `\"x\"`."},
		{"wrong types before shapes (§11)", `{"Docs":{"url":""},"Num":{"rich_text":[]}}`, "Num is expected to be number."},
		{"shape before limits (§11)", `{"Docs":{"url":"` + strings.Repeat("u", 2001) + `"},"Mail":{"email":""}}`,
			"body failed validation: body.properties.Mail.email should be populated, instead was `\"\"`."},
		{"limits before option rules (§11)", `{"Sel":{"select":{"name":"a,b"}},"Text":{"rich_text":[{"text":{"content":"` + strings.Repeat("x", 2001) + `"}}]}}`,
			"body failed validation: body.properties.Text.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":`+tt.props+`}`)
			e := r.errBody(t)
			if r.status != 400 || e.Code != "validation_error" {
				t.Fatalf("status %d code %q (%s), want 400 validation_error", r.status, e.Code, r.body)
			}
			if diff := cmp.Diff(tt.want, e.Message); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(s.Pages(dbID)); n != 0 {
		t.Errorf("%d pages stored by rejected creates, want 0", n)
	}
}

// notion-api.md §1, §4: unknown body keys are rejected on every write endpoint;
// create needs properties; the parent must be a valid uuid.
func TestBodyKeys(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	pageID := seed(t, s, dbID, `{"Module":`+title("core")+`}`)
	tests := []struct {
		method, path, body, want string
	}{
		{"POST", "/v1/pages", `{"parent":{"database_id":"` + dbID + `"},"properties":{},"foo":1}`,
			"body failed validation: body.foo should be not present, instead was `1`."},
		{"POST", "/v1/pages", `{"parent":{"database_id":"` + dbID + `"},"properties":{},"foo":"<b>"}`,
			"body failed validation: body.foo should be not present, instead was `\"<b>\"`."},
		{"PATCH", "/v1/pages/" + pageID, `{"properties":{},"parent":{"database_id":"` + dbID + `"}}`,
			"body failed validation: body.parent should be not present, instead was `{\"database_id\":\"" + dbID + "\"}`."},
		{"PATCH", "/v1/databases/" + dbID, `{"name":"x"}`,
			"body failed validation: body.name should be not present, instead was `\"x\"`."},
		{"POST", "/v1/pages", `{"parent":{"database_id":"` + dbID + `"}}`,
			"body failed validation: body.properties should be defined, instead was `undefined`."},
		{"POST", "/v1/pages", `{"parent":{"database_id":""},"properties":{}}`,
			"body failed validation. Fix one:\nbody.parent.database_id should be a valid uuid, instead was `\"\"`.\nbody.parent.page_id should be defined, instead was `undefined`."},
	}
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, tt.body)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s %s %s\n = %d %q\nwant 400 %q", tt.method, tt.path, tt.body, r.status, e.Message, tt.want)
		}
	}
}

// notion-api.md §3.2, §12.2: null clears scalars and [] clears arrays (sent raw,
// since go-notion cannot), an empty title is allowed, and untouched properties stay.
func TestClearValues(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	full := `{"Name":` + title("alpha") + `,"Text":{"rich_text":[{"text":{"content":"t"}}]},"Num":{"number":1},` +
		`"Sel":{"select":{"name":"prod"}},"Multi":{"multi_select":[{"name":"go"}]},"Stage":{"status":{"name":"Done"}},` +
		`"When":{"date":{"start":"2024-05-01"}},"Done":{"checkbox":true},"Docs":{"url":"https://x.example"},` +
		`"Mail":{"email":"a@b.c"},"Phone":{"phone_number":"+1 555"},"Deps":{"relation":[{"id":"59833787-2cf9-4fdf-8782-e53db20768a5"}]},` +
		`"Owners":{"people":[{"id":"ee5f0f84-409a-440f-983a-a5315961c6e4"}]},"Files":{"files":[{"name":"f","external":{"url":"https://f.example"}}]}}`
	id := seed(t, s, dbID, full)
	clear := `{"properties":{"Name":{"title":[]},"Text":{"rich_text":[]},"Num":{"number":null},"Sel":{"select":null},` +
		`"Multi":{"multi_select":[]},"Stage":{"status":null},"When":{"date":null},"Done":{"checkbox":false},` +
		`"Docs":{"url":null},"Mail":{"email":null},"Deps":{"relation":[]},"Owners":{"people":[]},"Files":{"files":[]}}}`
	r := call(t, s, "PATCH", "/v1/pages/"+id, clear)
	if r.status != 200 {
		t.Fatalf("clear = %d %s", r.status, r.body)
	}
	pg, _ := s.Page(id)
	want := map[string]string{
		"Name": `[]`, "Text": `[]`, "Num": `null`, "Sel": `null`, "Multi": `[]`, "Stage": `null`, "When": `null`,
		"Done": `false`, "Docs": `null`, "Mail": `null`, "Deps": `[]`, "Owners": `[]`, "Files": `[]`,
		"Phone": `"+1 555"`, // not sent, so untouched
	}
	got := map[string]string{}
	for name := range want {
		var v map[string]any
		mustUnmarshal(t, pg.Properties[name], &v)
		got[name] = string(mustJSON(v[v["type"].(string)]))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values after clearing (-want +got):\n%s", diff)
	}
}

// notion-api.md §2.9: go-notion v0.11.0 cannot clear a value: a nil Number marshals
// to {} and the emulator rejects it like Notion does, so a tool that relies on it
// finds out in tests.
func TestGoNotionCannotClear(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	id := seed(t, s, dbID, `{"Module":`+title("core")+`,"MQI":{"number":1}}`)
	c := goNotion(t, s)
	_, err := c.UpdatePage(ctx(t), id, notion.UpdatePageParams{
		DatabasePageProperties: notion.DatabasePageProperties{"MQI": {Number: nil}},
	})
	var apiErr *notion.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "validation_error" || apiErr.Message != fixOneAll("MQI") {
		t.Fatalf("UpdatePage(MQI: nil) = %v, want the Fix one validation error", err)
	}
	if pg, _ := s.Page(id); pg.PlainText("MQI") != "1" {
		t.Errorf("MQI = %q after a rejected update, want 1", pg.PlainText("MQI"))
	}
}

// notion-api.md §4 (empty title): an empty title array is allowed, as Notion allows
// it (the page shows "Untitled").
func TestEmptyTitle(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":{"title":[]}}}`)
	if r.status != 200 {
		t.Fatalf("empty title = %d %s", r.status, r.body)
	}
	r = call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":{"title":[{"text":{"content":""}}]}}}`)
	if r.status != 200 {
		t.Fatalf("empty text item = %d %s", r.status, r.body)
	}
}

// notion-api.md §1, §4, C4: unknown keys fail validation in nested objects too,
// not only at the top of the body: property values, rich text items, the
// parent, option objects, sorts, filters and schema edits.
func TestNestedUnknownKeys(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	pageID := seed(t, s, dbID, `{"Name":`+title("core")+`}`)
	create := func(props string) string {
		return `{"parent":{"database_id":"` + dbID + `"},"properties":` + props + `}`
	}
	const np = "should be not present, instead was"
	tests := []struct {
		name, method, path, body, want string
	}{
		{"extra key in a value", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Text":{"rich_text":[],"bogus":1}}}`,
			"body failed validation: body.properties.Text.bogus " + np + " `1`."},
		{"two type keys in a value", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Text":{"rich_text":[],"title":[]}}}`,
			"body failed validation: body.properties.Text.title " + np + " `[]`."},
		{"type contradicting the value key", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Text":{"type":"title","rich_text":[]}}}`,
			"body failed validation: body.properties.Text.type should be `rich_text`, instead was `\"title\"`."},
		{"has_more outside a relation", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Num":{"number":1,"has_more":false}}}`,
			"body failed validation: body.properties.Num.has_more " + np + " `false`."},
		{"extra key in a rich text item", "POST", "/v1/pages", create(`{"Name":{"title":[{"text":{"content":"x"},"bogus":true}]}}`),
			"body failed validation: body.properties.Name.title[0].bogus " + np + " `true`."},
		{"extra key in text", "POST", "/v1/pages", create(`{"Name":{"title":[{"text":{"content":"x","bold":true}}]}}`),
			"body failed validation: body.properties.Name.title[0].text.bold " + np + " `true`."},
		{"extra key in annotations", "POST", "/v1/pages", create(`{"Name":{"title":[{"text":{"content":"x"},"annotations":{"blink":true}}]}}`),
			"body failed validation: body.properties.Name.title[0].annotations.blink " + np + " `true`."},
		{"extra key in parent", "POST", "/v1/pages", `{"parent":{"database_id":"` + dbID + `","bogus":1},"properties":{}}`,
			"body failed validation: body.parent.bogus " + np + " `1`."},
		{"parent type contradicting its key", "POST", "/v1/pages", `{"parent":{"type":"page_id","database_id":"` + dbID + `"},"properties":{}}`,
			"body failed validation: body.parent.type should be `database_id`, instead was `\"page_id\"`."},
		{"extra key in a select option", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Sel":{"select":{"name":"prod","bogus":1}}}}`,
			"body failed validation: body.properties.Sel.select.bogus " + np + " `1`."},
		{"extra key in a multi_select option", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Multi":{"multi_select":[{"name":"go","rank":2}]}}}`,
			"body failed validation: body.properties.Multi.multi_select[0].rank " + np + " `2`."},
		{"extra key in a relation item", "PATCH", "/v1/pages/" + pageID, `{"properties":{"Deps":{"relation":[{"id":"59833787-2cf9-4fdf-8782-e53db20768a5","title":"x"}]}}}`,
			"body failed validation: body.properties.Deps.relation[0].title " + np + " `\"x\"`."},
		{"extra key in a sort", "POST", "/v1/databases/" + dbID + "/query", `{"sorts":[{"property":"Name","direction":"ascending","nulls":"last"}]}`,
			"body failed validation: body.sorts[0].nulls " + np + " `\"last\"`."},
		{"filter type contradicting its condition key", "POST", "/v1/databases/" + dbID + "/query", `{"filter":{"property":"Text","type":"title","rich_text":{"equals":"x"}}}`,
			"body failed validation: body.filter.type should be `rich_text`, instead was `\"title\"`."},
		{"extra key in a timestamp filter", "POST", "/v1/databases/" + dbID + "/query", `{"filter":{"timestamp":"created_time","created_time":{"after":"2024-01-01"},"property":"Name"}}`,
			"body failed validation: body.filter.property " + np + " `\"Name\"`."},
		{"extra key in a schema edit", "PATCH", "/v1/databases/" + dbID, `{"properties":{"Text":{"name":"Summary","bogus":1}}}`,
			"body failed validation: body.properties.Text.bogus " + np + " `1`."},
		{"two type keys in a schema edit", "PATCH", "/v1/databases/" + dbID, `{"properties":{"Notes2":{"type":"rich_text","rich_text":{},"number":{}}}}`,
			"body failed validation: body.properties.Notes2.number " + np + " `{}`."},
		{"extra key in a schema option", "PATCH", "/v1/databases/" + dbID, `{"properties":{"Sel":{"select":{"options":[{"name":"prod","bogus":1}]}}}}`,
			"body failed validation: body.properties.Sel.select.options[0].bogus " + np + " `1`."},
		{"extra key in a select config", "PATCH", "/v1/databases/" + dbID, `{"properties":{"Sel":{"select":{"options":[],"sorted":true}}}}`,
			"body failed validation: body.properties.Sel.select.sorted " + np + " `true`."},
	}
	before, _ := s.Database(dbID)
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, tt.body)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s:\n got %d %q\nwant 400 %q", tt.name, r.status, e.Message, tt.want)
		}
	}
	if after, _ := s.Database(dbID); string(after) != string(before) {
		t.Errorf("schema changed by refused requests")
	}
	if n := len(s.Pages(dbID)); n != 1 {
		t.Errorf("%d pages, want only the seeded one", n)
	}
}

// notion-api.md §3.2, §3.4: what a read returns may be written back: values
// with their id and type, rich text with annotations, plain_text and href,
// options with id, name and color, relation has_more, users with object.
func TestReadBackFormsAccepted(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	id := seed(t, s, dbID, `{"Name":{"title":[{"text":{"content":"core","link":{"url":"https://x.example"}},"annotations":{"bold":true}}]},`+
		`"Text":{"rich_text":[{"text":{"content":"t"}}]},"Num":{"number":1},"Sel":{"select":{"name":"prod"}},`+
		`"Multi":{"multi_select":[{"name":"go"}]},"Stage":{"status":{"name":"Done"}},"When":{"date":{"start":"2024-05-01"}},`+
		`"Done":{"checkbox":true},"Docs":{"url":"https://x.example"},"Mail":{"email":"a@b.c"},"Phone":{"phone_number":"+1"},`+
		`"Deps":{"relation":[{"id":"59833787-2cf9-4fdf-8782-e53db20768a5"}]},"Owners":{"people":[{"id":"ee5f0f84-409a-440f-983a-a5315961c6e4"}]},`+
		`"Files":{"files":[{"name":"f","external":{"url":"https://f.example"}}]}}`)
	pg, _ := s.Page(id)
	props := map[string]json.RawMessage{}
	for name, raw := range pg.Properties {
		if name != "Formula" && name != "Created" {
			props[name] = raw
		}
	}
	body, _ := json.Marshal(map[string]any{"properties": props})
	if r := call(t, s, "PATCH", "/v1/pages/"+id, string(body)); r.status != 200 {
		t.Fatalf("writing back the read values = %d %s", r.status, r.body)
	}
	after, _ := s.Page(id)
	if diff := cmp.Diff(pg.Properties, after.Properties); diff != "" {
		t.Errorf("values changed by writing them back (-before +after):\n%s", diff)
	}
	// A schema entry as GET returns it (id, name, type, description, options
	// with description) is a valid edit too.
	raw, _ := s.Database(dbID)
	var db struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	mustUnmarshal(t, raw, &db)
	edit, _ := json.Marshal(map[string]any{"properties": map[string]json.RawMessage{"Sel": db.Properties["Sel"], "Text": db.Properties["Text"]}})
	if r := call(t, s, "PATCH", "/v1/databases/"+dbID, string(edit)); r.status != 200 {
		t.Errorf("writing back schema entries = %d %s", r.status, r.body)
	}
}

package emulator

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// schemaOptions returns name → option of a select-like column, from the database
// object as GET /v1/databases/{id} returns it.
func schemaOptions(t *testing.T, s *Server, dbID, prop string) map[string]option {
	t.Helper()
	raw, ok := s.Database(dbID)
	if !ok {
		t.Fatalf("no database %s", dbID)
	}
	var db struct {
		Properties map[string]map[string]json.RawMessage `json:"properties"`
	}
	mustUnmarshal(t, raw, &db)
	p := db.Properties[prop]
	var typ string
	mustUnmarshal(t, p["type"], &typ)
	var cfg struct{ Options []option }
	mustUnmarshal(t, p[typ], &cfg)
	out := map[string]option{}
	for _, o := range cfg.Options {
		out[o.Name] = o
	}
	return out
}

// notion-api.md §3.6: an unknown select or multi_select name is created, with a
// generated id and color, and added to the schema; writing it again reuses it.
func TestOptionsAutoCreated(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	c := goNotion(t, s)
	p1, err := c.CreatePage(ctx(t), notion.CreatePageParams{
		ParentType: notion.ParentTypeDatabase, ParentID: dbID,
		DatabasePageProperties: &notion.DatabasePageProperties{
			"Lane":     {Select: &notion.SelectOptions{Name: "L2"}},
			"Features": {MultiSelect: []notion.SelectOptions{{Name: "sync"}, {Name: "audit", Color: notion.ColorRed}, {Name: "sync"}}},
		},
	})
	if err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	lane := schemaOptions(t, s, dbID, "Lane")["L2"]
	if lane.ID == "" || lane.Color == "" {
		t.Fatalf("Lane options = %v, want L2 with an id and a color", schemaOptions(t, s, dbID, "Lane"))
	}
	features := schemaOptions(t, s, dbID, "Features")
	if len(features) != 2 || features["audit"].Color != "red" {
		t.Errorf("Features options = %v, want sync and red audit", features)
	}
	got := p1.Properties.(notion.DatabasePageProperties)
	if got["Lane"].Select.ID != lane.ID || len(got["Features"].MultiSelect) != 2 {
		t.Errorf("page values = %+v / %+v, want the new option ids, deduplicated", got["Lane"].Select, got["Features"].MultiSelect)
	}
	// The same name again: same option, no new one.
	if _, err := s.SeedPage(dbID, json.RawMessage(`{"Lane":{"select":{"name":"L2"}}}`)); err != nil {
		t.Fatal(err)
	}
	if opts := schemaOptions(t, s, dbID, "Lane"); len(opts) != 1 || opts["L2"].ID != lane.ID {
		t.Errorf("Lane options after reuse = %v, want only L2 %s", opts, lane.ID)
	}
	// GET /v1/databases shows the new options too.
	db, err := c.FindDatabaseByID(ctx(t), dbID)
	if err != nil {
		t.Fatal(err)
	}
	if opts := db.Properties["Lane"].Select.Options; len(opts) != 1 || opts[0].Name != "L2" {
		t.Errorf("FindDatabaseByID Lane options = %+v", opts)
	}
}

// notion-api.md §3.6, §4: commas are rejected, status names are never created,
// colors must match, unknown option ids are rejected; nothing is stored then.
func TestOptionRules(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	selID := schemaOptions(t, s, dbID, "Sel")
	raw, _ := s.Database(dbID)
	var db struct {
		Properties map[string]struct{ ID string } `json:"properties"`
	}
	mustUnmarshal(t, raw, &db)
	tests := []struct {
		name, props, want string
	}{
		{"select comma", `{"Sel":{"select":{"name":"a,b"}}}`, "Invalid select option, commas not allowed: a,b"},
		{"multi_select comma", `{"Multi":{"multi_select":[{"name":"ok"},{"name":"x, y"}]}}`, "Invalid multi_select option, commas not allowed: x, y"},
		{"unknown status", `{"Stage":{"status":{"name":"Doing"}}}`,
			"Invalid status option \"Doing\" for property Stage: status options cannot be created through the API. Existing options: Not started, Done."},
		{"color mismatch", `{"Sel":{"select":{"name":"prod","color":"red"}}}`, "Select option color doesn't match existing"},
		{"status color mismatch", `{"Stage":{"status":{"name":"Done","color":"red"}}}`, "Status option color doesn't match existing"},
		{"unknown option id", `{"Sel":{"select":{"id":"_select_null_"}}}`, db.Properties["Sel"].ID + ` is an invalid select option "_select_null_"`},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":`+tt.props+`}`)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s = %d %q\nwant 400 %q", tt.name, r.status, e.Message, tt.want)
		}
	}
	if diff := cmp.Diff(selID, schemaOptions(t, s, dbID, "Sel")); diff != "" {
		t.Errorf("Sel options changed by rejected writes (-before +after):\n%s", diff)
	}
	if n := len(schemaOptions(t, s, dbID, "Multi")); n != 2 {
		t.Errorf("Multi has %d options, want 2 (the rejected write must not add \"ok\")", n)
	}
	if n := len(schemaOptions(t, s, dbID, "Stage")); n != 2 {
		t.Errorf("Stage has %d options, want 2", n)
	}
	// Known status by name, select by id: accepted.
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Stage":{"status":{"name":"Done"}},"Sel":{"select":{"id":"`+selID["dev"].ID+`"}}}}`)
	if r.status != 200 {
		t.Errorf("known status and select id = %d %s", r.status, r.body)
	}
}

// notion-api.md §2.3: a schema PATCH replaces the option list: options left out
// disappear (from pages too), existing ones keep their id, colors cannot change, and
// a nil go-notion property deletes the column.
func TestSchemaPatchReplacesOptions(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	before := schemaOptions(t, s, dbID, "Sel")
	id := seed(t, s, dbID, `{"Name":`+title("x")+`,"Sel":{"select":{"name":"dev"}},"Text":{"rich_text":[{"text":{"content":"keep"}}]}}`)
	c := goNotion(t, s)
	_, err := c.UpdateDatabase(ctx(t), dbID, notion.UpdateDatabaseParams{
		Properties: map[string]*notion.DatabaseProperty{
			"Sel": {Type: notion.DBPropTypeSelect, Select: &notion.SelectMetadata{Options: []notion.SelectOptions{
				{Name: "prod"}, {Name: "staging", Color: notion.ColorYellow},
			}}},
		},
	})
	if err != nil {
		t.Fatalf("UpdateDatabase: %v", err)
	}
	after := schemaOptions(t, s, dbID, "Sel")
	if _, ok := after["dev"]; ok || after["prod"].ID != before["prod"].ID || after["staging"].Color != "yellow" || len(after) != 2 {
		t.Errorf("options after replace = %v (before %v), want prod (same id) and staging", after, before)
	}
	if pg, _ := s.Page(id); pg.PlainText("Sel") != "" {
		t.Errorf("page Sel = %q after its option was removed, want empty", pg.PlainText("Sel"))
	}

	_, err = c.UpdateDatabase(ctx(t), dbID, notion.UpdateDatabaseParams{
		Properties: map[string]*notion.DatabaseProperty{
			"Sel": {Type: notion.DBPropTypeSelect, Select: &notion.SelectMetadata{Options: []notion.SelectOptions{{Name: "prod", Color: notion.ColorPink}}}},
		},
	})
	var apiErr *notion.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "Cannot update color of select with id "+before["prod"].ID+"." {
		t.Errorf("color change = %v, want Cannot update color", err)
	}

	// Rename keeps values; nil deletes the column (go-notion marshals it as null).
	_, err = c.UpdateDatabase(ctx(t), dbID, notion.UpdateDatabaseParams{
		Properties: map[string]*notion.DatabaseProperty{"Text": {Name: "Summary"}, "Docs": nil},
	})
	if err != nil {
		t.Fatalf("rename/delete: %v", err)
	}
	pg, _ := s.Page(id)
	if pg.PlainText("Summary") != "keep" {
		t.Errorf("renamed column value = %q, want keep", pg.PlainText("Summary"))
	}
	if _, ok := pg.Properties["Docs"]; ok {
		t.Error("Docs still on the page after deleting the column")
	}

	// Status options cannot be edited under 2022-06-28.
	r := call(t, s, "PATCH", "/v1/databases/"+dbID, `{"properties":{"Stage":{"status":{"options":[]}}}}`)
	if r.status != 400 {
		t.Errorf("status option edit = %d %s, want 400", r.status, r.body)
	}
}

// notion-api.md §2.3: under 2022-06-28 the name and the options of a status
// property cannot be updated through PATCH /v1/databases (no status member in
// the update union); a rename to the same name changes nothing and passes.
func TestStatusSchemaFrozen(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	const renameMsg = "Cannot update the name of status property Stage: the name and options of a status property cannot be changed through the API."
	tests := []struct{ name, body, want string }{
		{"rename", `{"properties":{"Stage":{"name":"Phase"}}}`, renameMsg},
		{"rename with an empty type (go-notion)", `{"properties":{"Stage":{"type":"","name":"Phase"}}}`, renameMsg},
		{"rename by id", `{"properties":{"` + statusPropID(t, s, dbID) + `":{"name":"Phase"}}}`, renameMsg},
		{"options", `{"properties":{"Stage":{"status":{"options":[]}}}}`,
			"body failed validation: body.properties.Stage.status should be not present, instead was `{\"options\":[]}`."},
	}
	before, _ := s.Database(dbID)
	for _, tt := range tests {
		r := call(t, s, "PATCH", "/v1/databases/"+dbID, tt.body)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s: %d %q, want 400 %q", tt.name, r.status, e.Message, tt.want)
		}
	}
	if after, _ := s.Database(dbID); string(after) != string(before) {
		t.Errorf("schema changed by refused PATCHes:\nbefore %s\nafter  %s", before, after)
	}
	if r := call(t, s, "PATCH", "/v1/databases/"+dbID, `{"properties":{"Stage":{"name":"Stage"}}}`); r.status != 200 {
		t.Errorf("same-name rename = %d %s, want 200", r.status, r.body)
	}
}

// statusPropID returns the property id of the Stage status column.
func statusPropID(t *testing.T, s *Server, dbID string) string {
	t.Helper()
	raw, _ := s.Database(dbID)
	var db struct {
		Properties map[string]struct {
			ID string `json:"id"`
		} `json:"properties"`
	}
	mustUnmarshal(t, raw, &db)
	return db.Properties["Stage"].ID
}

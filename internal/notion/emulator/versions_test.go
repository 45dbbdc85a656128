package emulator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// What the emulator answers, by each request's Notion-Version (notion-api.md §8).

func ver(v string) []string { return []string{"Notion-Version", v} }

// notion-api.md §8: under 2025-09-03+ the database object has data_sources and no
// properties; the schema is the data source's, whose parent is the database.
// 2026-03-11 drops `archived` from responses (§8, D18).
func TestDatabaseShapePerVersion(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	dsID := s.DataSources(dbID)[0].ID
	tests := []struct {
		version         string
		wantProperties  bool
		wantDataSources bool
		wantArchived    bool
	}{
		{Version20220628, true, false, true},
		{Version20250903, false, true, true},
		{Version20260311, false, true, false},
	}
	for _, tt := range tests {
		r := call(t, s, "GET", "/v1/databases/"+dbID, "", ver(tt.version)...)
		if r.status != 200 {
			t.Fatalf("%s: GET database = %d %s", tt.version, r.status, r.body)
		}
		o := r.obj(t)
		_, props := o["properties"]
		_, sources := o["data_sources"]
		_, archived := o["archived"]
		if props != tt.wantProperties || sources != tt.wantDataSources || archived != tt.wantArchived {
			t.Errorf("%s: database has properties %t, data_sources %t, archived %t; want %t, %t, %t",
				tt.version, props, sources, archived, tt.wantProperties, tt.wantDataSources, tt.wantArchived)
		}
		if tt.wantDataSources {
			want := []any{map[string]any{"id": dsID, "name": "Modules"}}
			if diff := cmp.Diff(want, o["data_sources"]); diff != "" {
				t.Errorf("%s: data_sources (-want +got):\n%s", tt.version, diff)
			}
			ds := call(t, s, "GET", "/v1/data_sources/"+dsID, "", ver(tt.version)...).obj(t)
			parent, _ := ds["parent"].(map[string]any)
			_, hasProps := ds["properties"].(map[string]any)
			if ds["object"] != "data_source" || ds["id"] != dsID || parent["database_id"] != dbID || !hasProps {
				t.Errorf("%s: data source object = %v", tt.version, ds)
			}
		}
	}
}

// notion-api.md §8 (and makenotion/notion-mcp-server#179): /v1/data_sources/...
// does not exist under 2022-06-28; the database query moved to the data source
// from 2025-09-03. Both are 400 invalid_request_url.
func TestRoutesPerVersion(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	dsID := s.DataSources(dbID)[0].ID
	tests := []struct {
		version, method, path string
		want                  int
	}{
		{Version20220628, "GET", "/v1/data_sources/" + dsID, 400},
		{Version20220628, "PATCH", "/v1/data_sources/" + dsID, 400},
		{Version20220628, "POST", "/v1/data_sources/" + dsID + "/query", 400},
		{Version20220628, "POST", "/v1/databases/" + dbID + "/query", 200},
		{Version20250903, "POST", "/v1/databases/" + dbID + "/query", 400},
		{Version20260311, "POST", "/v1/databases/" + dbID + "/query", 400},
		{Version20250903, "POST", "/v1/data_sources/" + dsID + "/query", 200},
		{Version20260311, "GET", "/v1/data_sources/" + dsID, 200},
		{Version20250903, "GET", "/v1/data_sources/" + dbID, 404}, // a database id is not a data source id
	}
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, "", ver(tt.version)...)
		if r.status != tt.want {
			t.Errorf("%s %s %s = %d, want %d (%s)", tt.version, tt.method, tt.path, r.status, tt.want, r.body)
			continue
		}
		if tt.want == 400 {
			if e := r.errBody(t); e.Code != "invalid_request_url" || e.Message != "Invalid request URL." {
				t.Errorf("%s %s %s = %s", tt.version, tt.method, tt.path, r.body)
			}
		}
	}
}

// notion-api.md §8: rows are created under a data_source_id parent from
// 2025-09-03 (database_id still accepted while there is one data source), and
// page objects carry {"type":"data_source_id","data_source_id","database_id"};
// 2022-06-28 only ever sees database_id parents (§2.9: go-notion cannot decode
// the other). §2.7, §8: 2026-03-11 rejects `archived` as an unknown key and
// answers without it.
func TestPagesPerVersion(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	dsID := s.DataSources(dbID)[0].ID
	create := func(version, parent string) resp {
		return call(t, s, "POST", "/v1/pages", `{"parent":`+parent+`,"properties":{"Module":`+title("x")+`}}`, ver(version)...)
	}
	byDS := `{"type":"data_source_id","data_source_id":"` + dsID + `"}`
	byDB := `{"database_id":"` + dbID + `"}`
	tests := []struct {
		version, parent string
		wantStatus      int
		wantParent      string
	}{
		{Version20220628, byDB, 200, `{"database_id":"` + dbID + `","type":"database_id"}`},
		{Version20220628, byDS, 400, ""},
		{Version20250903, byDS, 200, `{"data_source_id":"` + dsID + `","database_id":"` + dbID + `","type":"data_source_id"}`},
		{Version20250903, byDB, 200, `{"data_source_id":"` + dsID + `","database_id":"` + dbID + `","type":"data_source_id"}`},
		{Version20260311, byDS, 200, `{"data_source_id":"` + dsID + `","database_id":"` + dbID + `","type":"data_source_id"}`},
	}
	for _, tt := range tests {
		r := create(tt.version, tt.parent)
		if r.status != tt.wantStatus {
			t.Errorf("%s create with %s = %d %s", tt.version, tt.parent, r.status, r.body)
			continue
		}
		if tt.wantStatus != 200 {
			if e := r.errBody(t); !strings.Contains(e.Message, "body.parent.data_source_id should be not present") {
				t.Errorf("%s: %s", tt.version, e.Message)
			}
			continue
		}
		o := r.obj(t)
		if got := string(mustJSON(o["parent"])); got != tt.wantParent {
			t.Errorf("%s parent = %s, want %s", tt.version, got, tt.wantParent)
		}
		if _, ok := o["archived"]; ok == (tt.version == Version20260311) {
			t.Errorf("%s: archived present = %t", tt.version, ok)
		}
	}

	pageID := seed(t, s, dbID, `{"Module":`+title("trash me")+`}`)
	r := call(t, s, "PATCH", "/v1/pages/"+pageID, `{"archived":true}`, ver(Version20260311)...)
	if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" ||
		e.Message != "body failed validation: body.archived should be not present, instead was `true`." {
		t.Errorf("2026-03-11 archived = %d %s", r.status, r.body)
	}
	r = call(t, s, "PATCH", "/v1/pages/"+pageID, `{"in_trash":true}`, ver(Version20260311)...)
	if o := r.obj(t); r.status != 200 || o["in_trash"] != true {
		t.Errorf("2026-03-11 in_trash = %d %s", r.status, r.body)
	}
	q := call(t, s, "POST", "/v1/data_sources/"+dsID+"/query", `{"archived":true}`, ver(Version20260311)...)
	if q.status != 400 {
		t.Errorf("2026-03-11 query with archived = %d, want 400", q.status)
	}
	// 2022-06-28 still reads it as archived (§2.6).
	if o := call(t, s, "GET", "/v1/pages/"+pageID, "").obj(t); o["archived"] != true || o["in_trash"] != true {
		t.Errorf("2022-06-28 read of a trashed page = %v", o)
	}
}

// notion-api.md §8: with a second data source, 2022-06-28 fails on the database
// (covered by TestMultiSource); 2025-09-03 lists both, each data source has
// its own rows and schema, and a database_id parent is ambiguous.
func TestSeveralDataSources(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	second, err := s.AddDataSource(dbID, "Archive", []byte(`{"properties":{"Name":{"title":{}},"Year":{"number":{}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	first := s.DataSources(dbID)[0].ID
	seed(t, s, dbID, `{"Module":`+title("in first")+`}`)
	seed(t, s, second, `{"Name":`+title("in second")+`,"Year":{"number":2024}}`)
	v := ver(Version20250903)

	o := call(t, s, "GET", "/v1/databases/"+dbID, "", v...).obj(t)
	want := []any{map[string]any{"id": first, "name": "Modules"}, map[string]any{"id": second, "name": "Archive"}}
	if diff := cmp.Diff(want, o["data_sources"]); diff != "" {
		t.Errorf("data_sources (-want +got):\n%s", diff)
	}
	for id, wantTitle := range map[string]string{first: "in first", second: "in second"} {
		r := call(t, s, "POST", "/v1/data_sources/"+id+"/query", "", v...)
		if !bytes.Contains(r.body, []byte(`"plain_text":"`+wantTitle+`"`)) || bytes.Count(r.body, []byte(`"object":"page"`)) != 1 {
			t.Errorf("query of %s = %s", id, r.body)
		}
	}
	if ds := call(t, s, "GET", "/v1/data_sources/"+second, "", v...).obj(t); ds["properties"].(map[string]any)["Year"] == nil {
		t.Errorf("second data source schema = %v", ds["properties"])
	}
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{}}`, v...)
	if r.status != 400 || !strings.Contains(r.errBody(t).Message, "multiple data sources") {
		t.Errorf("database_id parent with two data sources = %d %s", r.status, r.body)
	}
	// §2.3 under every version: a schema PATCH adds a property, here on the
	// second data source only.
	if r := call(t, s, "PATCH", "/v1/data_sources/"+second, `{"properties":{"Owner":{"rich_text":{}}}}`, v...); r.status != 200 {
		t.Fatalf("PATCH data source = %d %s", r.status, r.body)
	}
	if db, _ := s.Database(second); !bytes.Contains(db, []byte(`"Owner"`)) {
		t.Errorf("Owner not added to the second data source: %s", db)
	}
	if db, _ := s.Database(dbID); bytes.Contains(db, []byte(`"Owner"`)) {
		t.Errorf("Owner added to the first data source too")
	}
	// A 2025-09-03 PATCH of the database takes no properties: they belong to
	// the data source.
	r = call(t, s, "PATCH", "/v1/databases/"+dbID, `{"properties":{"X":{"rich_text":{}}}}`, v...)
	if r.status != 400 || !strings.Contains(r.errBody(t).Message, "body.properties should be not present") {
		t.Errorf("PATCH database properties under 2025-09-03 = %d %s", r.status, r.body)
	}
}

// notion-api.md §8 and §2.3: POST /v1/databases under a page, with the schema in
// properties (2022-06-28) or initial_data_source.properties (2025-09-03+); a page
// that is not shared answers 404 like one that does not exist (§2.2).
func TestCreateDatabaseEndpoint(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	parent := s.CreateParentPage("Engineering")
	tests := []struct {
		version, body string
		wantKey       string
	}{
		{Version20220628, `{"parent":{"type":"page_id","page_id":"` + parent + `"},"title":[{"text":{"content":"Mods"}}],"properties":{"Name":{"title":{}}}}`, "properties"},
		{Version20250903, `{"parent":{"type":"page_id","page_id":"` + parent + `"},"title":[{"text":{"content":"Mods"}}],"initial_data_source":{"properties":{"Name":{"title":{}}}}}`, "data_sources"},
		{Version20260311, `{"parent":{"page_id":"` + parent + `"},"initial_data_source":{"properties":{"Name":{"title":{}},"N":{"number":{}}}}}`, "data_sources"},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/databases", tt.body, ver(tt.version)...)
		if r.status != 200 {
			t.Errorf("%s create database = %d %s", tt.version, r.status, r.body)
			continue
		}
		o := r.obj(t)
		if _, ok := o[tt.wantKey]; !ok || o["parent"].(map[string]any)["page_id"] != parent {
			t.Errorf("%s: created database = %s", tt.version, r.body)
		}
	}
	wrong := call(t, s, "POST", "/v1/databases", tests[0].body, ver(Version20250903)...)
	if wrong.status != 400 || !strings.Contains(wrong.errBody(t).Message, "body.properties should be not present") {
		t.Errorf("2022-06-28 body under 2025-09-03 = %d %s", wrong.status, wrong.body)
	}
	// The create-a-database reference: status properties cannot be created.
	status := call(t, s, "POST", "/v1/databases", `{"parent":{"page_id":"`+parent+`"},"properties":{"Name":{"title":{}},"Stage":{"status":{}}}}`, ver(Version20220628)...)
	if status.status != 400 || !strings.Contains(status.errBody(t).Message, "status database properties") {
		t.Errorf("create with a status property = %d %s", status.status, status.body)
	}
	s.SetShared(parent, false)
	r := call(t, s, "POST", "/v1/databases", tests[1].body, ver(Version20250903)...)
	if e := r.errBody(t); r.status != 404 || e.Code != "object_not_found" || !strings.Contains(e.Message, "Could not find page with ID: "+parent) {
		t.Errorf("create under an unshared page = %d %s", r.status, r.body)
	}
}

// notion-api.md §4 "Workspace-level" (C7): once the workspace's block limit is
// used, creates are refused (status and code inferred, see blockLimitError)
// while reads and edits still work; the fault word "blocklimit" scripts it.
func TestBlockLimitRefusal(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{BlockLimit: 1})
	body := `{"parent":{"database_id":"` + dbID + `"},"properties":{"Module":` + title("a") + `}}`
	if r := call(t, s, "POST", "/v1/pages", body, ""); r.status != 200 {
		t.Fatalf("first create = %d %s", r.status, r.body)
	}
	r := call(t, s, "POST", "/v1/pages", body, "")
	var e struct {
		errorBody
		AdditionalData map[string]any `json:"additional_data"`
	}
	mustUnmarshal(t, r.body, &e)
	if r.status != 403 || e.Code != "restricted_resource" || !strings.Contains(e.Message, "block limit") ||
		e.AdditionalData["reason"] != "workspace_block_limit" {
		t.Errorf("create over the limit = %d %s", r.status, r.body)
	}
	if r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", "", ""); r.status != 200 {
		t.Errorf("query after the limit = %d", r.status)
	}
	rules, err := ParseFaultSpec("blocklimit+on=POST:0.5,429+retry=90s+reason=workspace_limit:0.1")
	if err != nil || len(rules) != 2 || !rules[0].Fault.BlockLimit || rules[0].Fault.Route != "POST" || rules[1].Fault.Reason != "workspace_limit" {
		t.Errorf("ParseFaultSpec = %+v, %v", rules, err)
	}
	// §6: a scripted 429 carries its reason and Retry-After, above a minute too.
	s.FailNext(1, Fault{Status: 429, RetryAfter: 90e9, Reason: "workspace_limit"})
	r = call(t, s, "GET", "/v1/users/me", "", "")
	mustUnmarshal(t, r.body, &e)
	if r.status != 429 || r.header.Get("Retry-After") != "90" || e.AdditionalData["rate_limit_reason"] != "workspace_limit" {
		t.Errorf("scripted workspace 429 = %d %v %s", r.status, r.header, r.body)
	}
}

// The state file keeps further data sources and parent pages (docs/emulator.md
// --state).
func TestStateKeepsDataSources(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	second, err := s.AddDataSource(dbID, "Archive", nil)
	if err != nil {
		t.Fatal(err)
	}
	seed(t, s, second, `{"Module":`+title("old")+`}`)
	parent := s.CreateParentPage("Engineering")
	var buf bytes.Buffer
	if err := s.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	back := newServer(t, Options{})
	if err := back.LoadState(&buf); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.DataSources(dbID), back.DataSources(dbID)); diff != "" {
		t.Errorf("data sources after reload (-before +after):\n%s", diff)
	}
	if got := back.Pages(second); len(got) != 1 || got[0].DataSourceID != second || got[0].DatabaseID != dbID {
		t.Errorf("pages of the second data source after reload = %+v", got)
	}
	if diff := cmp.Diff([]string{dbID}, back.Databases()); diff != "" {
		t.Errorf("databases after reload (-want +got):\n%s", diff)
	}
	r := call(t, back, "POST", "/v1/databases", `{"parent":{"page_id":"`+parent+`"},"properties":{"Name":{"title":{}}}}`, "")
	if r.status != 200 {
		t.Errorf("create under the reloaded parent page = %d %s", r.status, r.body)
	}
}

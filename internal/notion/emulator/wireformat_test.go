package emulator

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // time_zone tests must not depend on the machine's zoneinfo

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// notion-api.md §2.9, §3.5: dates come back as YYYY-MM-DD or with .000 and a
// numeric offset, the only forms go-notion decodes; time_zone comes back null.
func TestDateWireFormat(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	tests := []struct {
		name, in, wantStart string
		wantEnd             any
	}{
		{"date only", `{"start":"2024-05-01"}`, "2024-05-01", nil},
		{"RFC 3339 Z", `{"start":"2024-05-01T10:15:00Z"}`, "2024-05-01T10:15:00.000+00:00", nil},
		{"offset and nanoseconds (go-notion NewDateTime)", `{"start":"2024-05-01T10:15:00.123456789+02:00"}`, "2024-05-01T10:15:00.123+02:00", nil},
		{"time_zone renders as offset", `{"start":"2024-01-15T09:00:00","time_zone":"America/New_York"}`, "2024-01-15T09:00:00.000-05:00", nil},
		{"range", `{"start":"2024-05-01","end":"2024-05-03","time_zone":null}`, "2024-05-01", "2024-05-03"},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"When":{"date":`+tt.in+`}}}`)
		if r.status != 200 {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
			continue
		}
		var pg struct {
			Properties map[string]struct {
				Date map[string]any `json:"date"`
			} `json:"properties"`
		}
		mustUnmarshal(t, r.body, &pg)
		want := map[string]any{"start": tt.wantStart, "end": tt.wantEnd, "time_zone": nil}
		if diff := cmp.Diff(want, pg.Properties["When"].Date); diff != "" {
			t.Errorf("%s: date (-want +got):\n%s", tt.name, diff)
		}
	}
	// go-notion decodes every one of them in a query.
	res, err := goNotion(t, s).QueryDatabase(ctx(t), dbID, nil)
	if err != nil {
		t.Fatalf("go-notion cannot decode the dates: %v", err)
	}
	if len(res.Results) != len(tests) {
		t.Errorf("query = %d pages, want %d", len(res.Results), len(tests))
	}
	// §3.5: with time_zone, start and end must include a time and carry no offset.
	for _, bad := range []struct{ name, date, want string }{
		{"offset with time_zone", `{"start":"2024-01-15T09:00:00Z","time_zone":"Europe/Paris"}`,
			"body failed validation: body.properties.When.date.start should be a datetime without a UTC offset when time_zone is given, instead was `\"2024-01-15T09:00:00Z\"`."},
		{"date-only start with time_zone", `{"start":"2024-01-15","time_zone":"Europe/Paris"}`,
			"body failed validation: body.properties.When.date.start should be a datetime with a time when time_zone is given, instead was `\"2024-01-15\"`."},
		{"date-only end with time_zone", `{"start":"2024-01-15T09:00","end":"2024-01-16","time_zone":"Europe/Paris"}`,
			"body failed validation: body.properties.When.date.end should be a datetime with a time when time_zone is given, instead was `\"2024-01-16\"`."},
	} {
		r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"When":{"date":`+bad.date+`}}}`)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != bad.want {
			t.Errorf("%s = %d %q, want 400 %q", bad.name, r.status, e.Message, bad.want)
		}
	}
}

// notion-api.md §7, §10, §12.9: created_time/last_edited_time are rounded down to
// the minute, last_edited_time moves on writes, the parent is {"type":"database_id"}
// and the status is exactly 200.
func TestTimestampsAndParent(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2024, 5, 1, 10, 15, 42, 123e6, time.UTC))
	s, dbID := withDefaultDB(t, Options{Now: clk.Now})
	c := goNotion(t, s)
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":`+title("core")+`}}`)
	if r.status != 200 {
		t.Fatalf("create = %d, want exactly 200", r.status)
	}
	o := r.obj(t)
	id := o["id"].(string)
	if o["created_time"] != "2024-05-01T10:15:00.000Z" || o["last_edited_time"] != "2024-05-01T10:15:00.000Z" {
		t.Errorf("times = %v / %v, want 2024-05-01T10:15:00.000Z", o["created_time"], o["last_edited_time"])
	}
	if diff := cmp.Diff(map[string]any{"type": "database_id", "database_id": dbID}, o["parent"]); diff != "" {
		t.Errorf("parent (-want +got):\n%s", diff)
	}
	clk.Add(3 * time.Minute)
	pg, err := c.UpdatePage(ctx(t), id, notion.UpdatePageParams{
		DatabasePageProperties: notion.DatabasePageProperties{"Notes": {RichText: []notion.RichText{{Text: &notion.Text{Content: "n"}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 5, 1, 10, 18, 0, 0, time.UTC); !pg.LastEditedTime.Equal(want) || !pg.CreatedTime.Equal(want.Add(-3*time.Minute)) {
		t.Errorf("after update: created %v, last edited %v, want last edited %v", pg.CreatedTime, pg.LastEditedTime, want)
	}
	if pg.Parent.Type != notion.ParentTypeDatabase || pg.Parent.DatabaseID != dbID {
		t.Errorf("go-notion parent = %+v", pg.Parent)
	}
	if snap, _ := s.Page(id); snap.LastEditedTime.Minute() != 18 {
		t.Errorf("Page().LastEditedTime = %v", snap.LastEditedTime)
	}
}

// notion-api.md §10, §3.4: a page carries every schema property, empty ones as null
// or [], and rich text fully populated; the url host is configurable.
func TestPageObjectShape(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{URLHost: "app.notion.com"})
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":{"title":[{"text":{"content":"Core API","link":{"url":"https://x.example"}},"annotations":{"bold":true}}]}}}`)
	if r.status != 200 {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	var pg map[string]json.RawMessage
	mustUnmarshal(t, r.body, &pg)
	for _, k := range []string{"object", "id", "created_time", "last_edited_time", "created_by", "last_edited_by", "cover", "icon", "parent", "archived", "in_trash", "properties", "url", "public_url"} {
		if _, ok := pg[k]; !ok {
			t.Errorf("page lacks %q", k)
		}
	}
	var props map[string]map[string]json.RawMessage
	mustUnmarshal(t, pg["properties"], &props)
	want := map[string]string{
		"Module":      `[{"type":"text","text":{"content":"Core API","link":{"url":"https://x.example"}},"annotations":{"bold":true,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"Core API","href":"https://x.example"}]`,
		"Description": `[]`, "Features": `[]`, "Tags": `[]`, "Lane": `null`, "Status": `null`, "MQI": `null`, "Team": `null`,
		"Coverage": `null`, "SLA p95": `null`, "APIs": `[]`, "Manifest": `[]`, "Provenance SHA": `[]`, "Last Commit": `[]`,
		"Updated At": `null`, "Notes": `[]`,
	}
	got := map[string]string{}
	for name, p := range props {
		var typ string
		mustUnmarshal(t, p["type"], &typ)
		if len(p["id"]) == 0 {
			t.Errorf("%s has no id", name)
		}
		got[name] = string(p[typ])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	var url string
	mustUnmarshal(t, pg["url"], &url)
	var id string
	mustUnmarshal(t, pg["id"], &id)
	if wantURL := "https://app.notion.com/Core-API-" + strings.ReplaceAll(id, "-", ""); url != wantURL {
		t.Errorf("url = %q, want %q", url, wantURL)
	}
}

// notion-api.md §2.2, §3.1: the database object has the schema with ids, names and
// types; DefaultSchema holds DESIGN.md's built-in config plus Notes.
func TestDefaultSchema(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	db, err := goNotion(t, s).FindDatabaseByID(ctx(t), dbID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]notion.DatabasePropertyType{}
	for name, p := range db.Properties {
		got[name] = p.Type
		if p.ID == "" || p.Name != name {
			t.Errorf("%s: id %q name %q", name, p.ID, p.Name)
		}
	}
	want := map[string]notion.DatabasePropertyType{
		"Module": "title", "Description": "rich_text", "Features": "multi_select", "Tags": "multi_select",
		"Lane": "select", "Status": "select", "MQI": "number", "Team": "select", "Coverage": "number",
		"SLA p95": "number", "APIs": "rich_text", "Manifest": "rich_text", "Provenance SHA": "rich_text",
		"Last Commit": "rich_text", "Updated At": "date", "Notes": "rich_text",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default schema (-want +got):\n%s", diff)
	}
	if opts := db.Properties["Status"].Select.Options; len(opts) != 1 || opts[0].Name != "Active" {
		t.Errorf("Status options = %+v, want Active", opts)
	}
	if db.Properties["Module"].ID != "title" {
		t.Errorf("title property id = %q, want title", db.Properties["Module"].ID)
	}
	// Two databases from the same schema get different ids.
	other, err := s.CreateDatabase(DefaultSchema())
	if err != nil || other == dbID {
		t.Errorf("second CreateDatabase = %q, %v", other, err)
	}
}

package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// notion-api.md §2: every endpoint the sync uses, through go-notion v0.11.0.
func TestEndpointsWithGoNotion(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	c := goNotion(t, s)

	// §2.1 GET /v1/users/me
	me, err := c.FindCurrentUser(ctx(t))
	if err != nil {
		t.Fatalf("FindCurrentUser: %v", err)
	}
	if me.Type != notion.UserTypeBot || me.Bot == nil || me.ID == "" {
		t.Errorf("FindCurrentUser = %+v, want a bot user", me)
	}

	// §2.2 GET /v1/databases/{id}
	db, err := c.FindDatabaseByID(ctx(t), dbID)
	if err != nil {
		t.Fatalf("FindDatabaseByID: %v", err)
	}
	if db.ID != dbID || db.Properties["Module"].Type != notion.DBPropTypeTitle || db.Properties["MQI"].Type != notion.DBPropTypeNumber {
		t.Errorf("FindDatabaseByID = %+v", db)
	}

	// §2.5 POST /v1/pages
	created, err := c.CreatePage(ctx(t), notion.CreatePageParams{
		ParentType: notion.ParentTypeDatabase,
		ParentID:   undash(dbID),
		DatabasePageProperties: &notion.DatabasePageProperties{
			"Module":      {Title: []notion.RichText{{Text: &notion.Text{Content: "core"}}}},
			"Description": {RichText: []notion.RichText{{Text: &notion.Text{Content: "The core."}}}},
			"Features":    {MultiSelect: []notion.SelectOptions{{Name: "sync"}, {Name: "audit"}}},
			"Lane":        {Select: &notion.SelectOptions{Name: "L1"}},
			"Status":      {Select: &notion.SelectOptions{Name: "Active"}},
			"MQI":         {Number: notion.Float64Ptr(0.92)},
			"Updated At":  {Date: &notion.Date{Start: notion.NewDateTime(time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), false)}},
		},
	})
	if err != nil {
		t.Fatalf("CreatePage: %v", err)
	}
	props := created.Properties.(notion.DatabasePageProperties)
	if got := props["Module"].Title[0].PlainText; got != "core" {
		t.Errorf("created title = %q, want core", got)
	}
	if got := props["Lane"].Select; got == nil || got.Name != "L1" || got.ID == "" {
		t.Errorf("created Lane = %+v, want option L1 with an id", got)
	}

	// §2.6 GET /v1/pages/{id}
	got, err := c.FindPageByID(ctx(t), created.ID)
	if err != nil {
		t.Fatalf("FindPageByID: %v", err)
	}
	if got.ID != created.ID || *got.Properties.(notion.DatabasePageProperties)["MQI"].Number != 0.92 {
		t.Errorf("FindPageByID = %+v", got)
	}

	// §2.7 PATCH /v1/pages/{id}: only the properties sent change.
	updated, err := c.UpdatePage(ctx(t), created.ID, notion.UpdatePageParams{
		DatabasePageProperties: notion.DatabasePageProperties{"MQI": {Number: notion.Float64Ptr(0.5)}},
	})
	if err != nil {
		t.Fatalf("UpdatePage: %v", err)
	}
	up := updated.Properties.(notion.DatabasePageProperties)
	if *up["MQI"].Number != 0.5 || up["Description"].RichText[0].PlainText != "The core." {
		t.Errorf("UpdatePage changed the wrong things: MQI=%v Description=%v", *up["MQI"].Number, up["Description"].RichText)
	}

	// §2.4 POST /v1/databases/{id}/query
	res, err := c.QueryDatabase(ctx(t), dbID, &notion.DatabaseQuery{
		Filter: &notion.DatabaseQueryFilter{
			Property: "Module",
			DatabaseQueryPropertyFilter: notion.DatabaseQueryPropertyFilter{
				Title: &notion.TextPropertyFilter{Equals: "core"},
			},
		},
	})
	if err != nil {
		t.Fatalf("QueryDatabase: %v", err)
	}
	if len(res.Results) != 1 || res.Results[0].ID != created.ID || res.HasMore || res.NextCursor != nil {
		t.Errorf("QueryDatabase = %+v, want the one page", res)
	}

	// §2.3 PATCH /v1/databases/{id}: add a column.
	udb, err := c.UpdateDatabase(ctx(t), dbID, notion.UpdateDatabaseParams{
		Properties: map[string]*notion.DatabaseProperty{"Owner": {Type: notion.DBPropTypeEmail, Email: &notion.EmptyMetadata{}}},
	})
	if err != nil {
		t.Fatalf("UpdateDatabase: %v", err)
	}
	if udb.Properties["Owner"].Type != notion.DBPropTypeEmail {
		t.Errorf("UpdateDatabase properties = %v, want an Owner email column", udb.Properties)
	}

	// §2.7 archive through go-notion (archived), then the page leaves queries.
	if _, err := c.UpdatePage(ctx(t), created.ID, notion.UpdatePageParams{Archived: notion.BoolPtr(true)}); err != nil {
		t.Fatalf("archive: %v", err)
	}
	res, err = c.QueryDatabase(ctx(t), dbID, nil)
	if err != nil {
		t.Fatalf("QueryDatabase(nil): %v", err)
	}
	if len(res.Results) != 0 {
		t.Errorf("query after archive returned %d pages, want 0", len(res.Results))
	}
}

// notion-api.md §2.7: in_trash is the newer alias of archived and restores too.
func TestPatchPageInTrash(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	id := seed(t, s, dbID, `{"Module":`+title("core")+`}`)
	r := call(t, s, "PATCH", "/v1/pages/"+id, `{"in_trash":true}`)
	if r.status != 200 || r.obj(t)["in_trash"] != true || r.obj(t)["archived"] != true {
		t.Fatalf("in_trash:true = %d %s", r.status, r.body)
	}
	r = call(t, s, "PATCH", "/v1/pages/"+id, `{"in_trash":false}`)
	if r.status != 200 || r.obj(t)["archived"] != false {
		t.Fatalf("in_trash:false = %d %s", r.status, r.body)
	}
	r = call(t, s, "PATCH", "/v1/pages/"+id, `{"in_trash":true,"archived":false}`)
	if r.status != 400 {
		t.Errorf("contradicting archived/in_trash = %d, want 400", r.status)
	}
}

// notion-api.md §1: a URL that matches no route is 400 invalid_request_url, also for
// a known path with the wrong method and for endpoints the emulator lacks.
func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	tests := []struct{ method, path string }{
		{"GET", "/v1/nope"},
		{"GET", "/v1/pages"},
		{"DELETE", "/v1/pages/" + dbID},
		{"POST", "/v1/databases/" + dbID},
		{"GET", "/v1/databases/" + dbID + "/query"},
		{"POST", "/v1/data_sources/" + dbID + "/query"}, // 2025-09-03 endpoint (§8)
		{"GET", "/v2/users/me"},
		{"GET", "/"},
	}
	for _, tt := range tests {
		r := call(t, s, tt.method, tt.path, "")
		e := r.errBody(t)
		if r.status != 400 || e.Code != "invalid_request_url" || e.Message != "Invalid request URL." {
			t.Errorf("%s %s = %d %+v, want 400 invalid_request_url", tt.method, tt.path, r.status, e)
		}
	}
}

// notion-api.md §2.4: filters on title, rich_text, select, multi_select, number,
// checkbox with equals/contains/is_empty, and/or, and the other conditions.
func TestQueryFilters(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	seed(t, s, dbID, `{"Name":`+title("alpha")+`,"Text":{"rich_text":[{"text":{"content":"Hello World"}}]},"Num":{"number":8080},"Sel":{"select":{"name":"prod"}},"Multi":{"multi_select":[{"name":"api"},{"name":"go"}]},"Done":{"checkbox":true},"When":{"date":{"start":"2024-05-01"}},"Stage":{"status":{"name":"Done"}},"Docs":{"url":"https://a.example"}}`)
	seed(t, s, dbID, `{"Name":`+title("beta")+`,"Text":{"rich_text":[{"text":{"content":"goodbye"}}]},"Num":{"number":42},"Sel":{"select":{"name":"dev"}},"Multi":{"multi_select":[{"name":"go"}]},"When":{"date":{"start":"2024-06-01T10:00:00Z"}}}`)
	seed(t, s, dbID, `{"Name":`+title("gamma")+`}`)

	tests := []struct {
		name   string
		filter string
		want   []string
	}{
		{"title equals", `{"property":"Name","title":{"equals":"beta"}}`, []string{"beta"}},
		{"title equals is case-sensitive", `{"property":"Name","title":{"equals":"Beta"}}`, nil},
		{"title by id", `{"property":"title","title":{"starts_with":"al"}}`, []string{"alpha"}},
		{"rich_text contains", `{"property":"Text","rich_text":{"contains":"world"}}`, []string{"alpha"}},
		{"rich_text does_not_contain", `{"property":"Text","rich_text":{"does_not_contain":"world"}}`, []string{"beta", "gamma"}},
		{"rich_text is_empty", `{"property":"Text","rich_text":{"is_empty":true}}`, []string{"gamma"}},
		{"rich_text is_not_empty", `{"property":"Text","rich_text":{"is_not_empty":true}}`, []string{"alpha", "beta"}},
		{"select equals", `{"property":"Sel","select":{"equals":"prod"}}`, []string{"alpha"}},
		{"select does_not_equal", `{"property":"Sel","select":{"does_not_equal":"prod"}}`, []string{"beta", "gamma"}},
		{"select is_empty", `{"property":"Sel","select":{"is_empty":true}}`, []string{"gamma"}},
		{"status equals", `{"property":"Stage","status":{"equals":"Done"}}`, []string{"alpha"}},
		{"multi_select contains", `{"property":"Multi","multi_select":{"contains":"go"}}`, []string{"alpha", "beta"}},
		{"multi_select contains is exact", `{"property":"Multi","multi_select":{"contains":"g"}}`, nil},
		{"multi_select does_not_contain", `{"property":"Multi","multi_select":{"does_not_contain":"api"}}`, []string{"beta", "gamma"}},
		{"multi_select is_empty", `{"property":"Multi","multi_select":{"is_empty":true}}`, []string{"gamma"}},
		{"number equals", `{"property":"Num","number":{"equals":8080}}`, []string{"alpha"}},
		{"number greater_than", `{"property":"Num","number":{"greater_than":100}}`, []string{"alpha"}},
		{"number less_than_or_equal_to", `{"property":"Num","number":{"less_than_or_equal_to":42}}`, []string{"beta"}},
		{"number is_empty", `{"property":"Num","number":{"is_empty":true}}`, []string{"gamma"}},
		{"checkbox equals true", `{"property":"Done","checkbox":{"equals":true}}`, []string{"alpha"}},
		{"checkbox equals false", `{"property":"Done","checkbox":{"equals":false}}`, []string{"beta", "gamma"}},
		{"checkbox does_not_equal", `{"property":"Done","checkbox":{"does_not_equal":true}}`, []string{"beta", "gamma"}},
		{"url equals", `{"property":"Docs","url":{"equals":"https://a.example"}}`, []string{"alpha"}},
		{"date equals day", `{"property":"When","date":{"equals":"2024-05-01"}}`, []string{"alpha"}},
		{"date after", `{"property":"When","date":{"after":"2024-05-15"}}`, []string{"beta"}},
		{"date on_or_before", `{"property":"When","date":{"on_or_before":"2024-06-01"}}`, []string{"alpha", "beta"}},
		{"date is_empty", `{"property":"When","date":{"is_empty":true}}`, []string{"gamma"}},
		{"and", `{"and":[{"property":"Multi","multi_select":{"contains":"go"}},{"property":"Num","number":{"equals":42}}]}`, []string{"beta"}},
		{"or", `{"or":[{"property":"Name","title":{"equals":"alpha"}},{"property":"Name","title":{"equals":"gamma"}}]}`, []string{"alpha", "gamma"}},
		{"or of and (two levels)", `{"or":[{"and":[{"property":"Sel","select":{"equals":"dev"}},{"property":"Done","checkbox":{"equals":false}}]},{"property":"Name","title":{"equals":"gamma"}}]}`, []string{"beta", "gamma"}},
		{"timestamp", `{"timestamp":"created_time","created_time":{"on_or_after":"2000-01-01"}}`, []string{"alpha", "beta", "gamma"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"filter":`+tt.filter+`}`)
			if r.status != 200 {
				t.Fatalf("query = %d %s", r.status, r.body)
			}
			var got []string
			for _, p := range decodeList(t, r).Results {
				got = append(got, p.title())
			}
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("filter %s mismatch (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

// notion-api.md §2.4, §4: invalid filters are 400 validation_error with Notion's
// messages.
func TestQueryFilterErrors(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	tests := []struct {
		name, body, want string
	}{
		{"missing property", `{"filter":{"property":"Nope","rich_text":{"equals":"x"}}}`,
			"Could not find property with name or id: Nope"},
		{"type mismatch", `{"filter":{"property":"Sel","rich_text":{"equals":"x"}}}`,
			"database property select does not match filter rich_text"},
		{"empty condition (go-notion drops equals \"\")", `{"filter":{"property":"Text","rich_text":{}}}`,
			"body failed validation. Fix one:\nbody.filter.rich_text.equals should be defined, instead was `undefined`.\nbody.filter.rich_text.does_not_equal should be defined, instead was `undefined`.\nbody.filter.rich_text.contains should be defined, instead was `undefined`.\nbody.filter.rich_text.does_not_contain should be defined, instead was `undefined`.\nbody.filter.rich_text.starts_with should be defined, instead was `undefined`.\nbody.filter.rich_text.ends_with should be defined, instead was `undefined`.\nbody.filter.rich_text.is_empty should be defined, instead was `undefined`.\nbody.filter.rich_text.is_not_empty should be defined, instead was `undefined`."},
		{"removed text key", `{"filter":{"property":"Text","text":{"equals":"x"}}}`,
			"body failed validation: body.filter.text should be not present, instead was `{\"equals\":\"x\"}`."},
		{"three levels", `{"filter":{"and":[{"or":[{"and":[]}]}]}}`,
			"body failed validation: body.filter.and[0].or[0] should be a property filter (compound filters nest at most two levels deep), instead was `{\"and\":[]}`."},
		{"number as string", `{"filter":{"property":"Num","number":{"equals":"8080"}}}`,
			"body failed validation: body.filter.number.equals should be a number, instead was `\"8080\"`."},
		{"unknown sort property", `{"sorts":[{"property":"Nope","direction":"ascending"}]}`,
			"Could not find sort property with name or id: Nope"},
		{"sort with property and timestamp", `{"sorts":[{"property":"Name","timestamp":"created_time","direction":"ascending"}]}`,
			"body failed validation. Fix one:\nbody.sorts[0].property should be not present, instead was `\"Name\"`.\nbody.sorts[0].timestamp should be not present, instead was `\"created_time\"`."},
		{"unknown body key", `{"filter_properties":["ID"]}`,
			"body failed validation: body.filter_properties should be not present, instead was `[\"ID\"]`."},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", tt.body)
		e := r.errBody(t)
		if r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s: got %d %s %q\nwant 400 validation_error %q", tt.name, r.status, e.Code, e.Message, tt.want)
		}
	}
}

// notion-api.md §2.4: sorts, earlier entries first, empty values last, ties broken
// by the default order.
func TestQuerySorts(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	seed(t, s, dbID, `{"Name":`+title("b")+`,"Num":{"number":2},"Sel":{"select":{"name":"dev"}}}`)
	seed(t, s, dbID, `{"Name":`+title("a")+`,"Num":{"number":3},"Sel":{"select":{"name":"prod"}}}`)
	seed(t, s, dbID, `{"Name":`+title("c")+`,"Sel":{"select":{"name":"prod"}}}`)
	tests := []struct {
		sorts string
		want  []string
	}{
		{`[{"property":"Name","direction":"ascending"}]`, []string{"a", "b", "c"}},
		{`[{"property":"Name","direction":"descending"}]`, []string{"c", "b", "a"}},
		{`[{"property":"Num","direction":"ascending"}]`, []string{"b", "a", "c"}},
		{`[{"property":"Num","direction":"descending"}]`, []string{"a", "b", "c"}},
		// select sorts by option order in the schema (prod before dev), then Name.
		{`[{"property":"Sel","direction":"ascending"},{"property":"Name","direction":"descending"}]`, []string{"c", "a", "b"}},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"sorts":`+tt.sorts+`}`)
		if r.status != 200 {
			t.Fatalf("sorts %s = %d %s", tt.sorts, r.status, r.body)
		}
		var got []string
		for _, p := range decodeList(t, r).Results {
			got = append(got, p.title())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("sorts %s mismatch (-want +got):\n%s", tt.sorts, diff)
		}
	}
}

// listPage is the part of a page the query tests read.
type listPage struct {
	ID         string                     `json:"id"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func (p listPage) title() string {
	for name, raw := range p.Properties {
		pg := Page{Properties: map[string]json.RawMessage{name: raw}}
		var typ struct{ Type string }
		_ = json.Unmarshal(raw, &typ)
		if typ.Type == "title" {
			return pg.PlainText(name)
		}
	}
	return ""
}

type listBody struct {
	Object     string     `json:"object"`
	Results    []listPage `json:"results"`
	NextCursor *string    `json:"next_cursor"`
	HasMore    bool       `json:"has_more"`
}

func decodeList(t *testing.T, r resp) listBody {
	t.Helper()
	var l listBody
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("list %q: %v", r.body, err)
	}
	return l
}

// notion-api.md §5.3: go-notion surfaces emulator errors as *notion.APIError with
// the sentinel the code maps to.
func TestGoNotionSeesAPIErrors(t *testing.T) {
	t.Parallel()
	s, _ := withDefaultDB(t, Options{})
	c := goNotion(t, s)
	_, err := c.FindPageByID(ctx(t), "59833787-2cf9-4fdf-8782-e53db20768a5")
	var apiErr *notion.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || !errors.Is(err, notion.ErrObjectNotFound) {
		t.Fatalf("FindPageByID(unknown) = %v, want a 404 object_not_found APIError", err)
	}
	want := "Could not find page with ID: 59833787-2cf9-4fdf-8782-e53db20768a5. Make sure the relevant pages and databases are shared with your integration."
	if apiErr.Message != want {
		t.Errorf("message = %q, want %q", apiErr.Message, want)
	}
}

// notion-api.md §2.4, §2.6: the filter_properties query parameter limits the
// property values that come back, by property id.
func TestFilterProperties(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	id := seed(t, s, dbID, `{"Module":`+title("core")+`,"MQI":{"number":1}}`)
	r := call(t, s, "POST", "/v1/databases/"+dbID+"/query?filter_properties=title&filter_properties=MQ%253FI", "")
	l := decodeList(t, r)
	if len(l.Results) != 1 || len(l.Results[0].Properties) != 2 || l.Results[0].Properties["MQI"] == nil {
		t.Errorf("query with filter_properties = %s", r.body)
	}
	r = call(t, s, "GET", "/v1/pages/"+id+"?filter_properties=title", "")
	var pg listPage
	mustUnmarshal(t, r.body, &pg)
	if len(pg.Properties) != 1 || pg.title() != "core" {
		t.Errorf("page with filter_properties = %s", r.body)
	}
}

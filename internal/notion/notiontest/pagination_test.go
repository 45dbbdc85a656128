package notiontest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// notion-api.md §7, §12.6: page_size defaults to 100, has_more/next_cursor lead
// through every row exactly once, and next_cursor is null at the end. go-notion
// reads it all.
func TestPagination(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	want := map[string]bool{}
	for i := range 250 {
		want[seed(t, s, dbID, fmt.Sprintf(`{"Module":%s}`, title(fmt.Sprintf("m%03d", i))))] = true
	}
	c := goNotion(t, s)
	got := map[string]bool{}
	var sizes []int
	cursor := ""
	for {
		res, err := c.QueryDatabase(ctx(t), dbID, &notion.DatabaseQuery{StartCursor: cursor})
		if err != nil {
			t.Fatalf("QueryDatabase: %v", err)
		}
		sizes = append(sizes, len(res.Results))
		for _, p := range res.Results {
			if got[p.ID] {
				t.Fatalf("page %s returned twice", p.ID)
			}
			got[p.ID] = true
		}
		if !res.HasMore {
			if res.NextCursor != nil {
				t.Errorf("last page next_cursor = %q, want null", *res.NextCursor)
			}
			break
		}
		if res.NextCursor == nil {
			t.Fatal("has_more without next_cursor")
		}
		cursor = *res.NextCursor
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages seen (-want +got):\n%s", diff)
	}

	// The end is a literal null, and the list carries type/page_or_database.
	r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"page_size":100,"start_cursor":"`+cursor+`"}`)
	for _, frag := range []string{`"next_cursor":null`, `"has_more":false`, `"type":"page_or_database"`, `"page_or_database":{}`, `"object":"list"`} {
		if !bytes.Contains(r.body, []byte(frag)) {
			t.Errorf("last page body lacks %s", frag)
		}
	}
	// A smaller page_size is honoured.
	if l := decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"page_size":30}`)); len(l.Results) != 30 || !l.HasMore {
		t.Errorf("page_size 30 = %d results, has_more %v", len(l.Results), l.HasMore)
	}
}

// notion-api.md §4, §7: page_size above 100 or below 1 is 400; a cursor that is not
// one is 400.
func TestPaginationErrors(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	tests := []struct{ body, want string }{
		{`{"page_size":101}`, "body failed validation: body.page_size should be ≤ `100`, instead was `101`."},
		{`{"page_size":0}`, "body failed validation: body.page_size should be ≥ `1`, instead was `0`."},
		{`{"page_size":"10"}`, "body failed validation: body.page_size should be an integer, instead was `\"10\"`."},
		{`{"start_cursor":"abc"}`, "body failed validation: body.start_cursor should be a valid uuid, instead was `\"abc\"`."},
	}
	for _, tt := range tests {
		r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", tt.body)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != tt.want {
			t.Errorf("%s = %d %q, want 400 %q", tt.body, r.status, e.Message, tt.want)
		}
	}
	r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"start_cursor":"59833787-2cf9-4fdf-8782-e53db20768a5"}`)
	if r.status != 400 {
		t.Errorf("unknown cursor = %d, want 400", r.status)
	}
}

// notion-api.md §7: without sorts the order is stable but not insertion order:
// created_time (as reported, to the minute) newest first, then id.
func TestDefaultOrder(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	s, dbID := withDefaultDB(t, Options{Now: clk.Now})
	var sameMinute []string
	for i := range 20 {
		sameMinute = append(sameMinute, seed(t, s, dbID, `{"Module":`+title(fmt.Sprint(i))+`}`))
		clk.Add(time.Second)
	}
	clk.Add(2 * time.Minute)
	newest := seed(t, s, dbID, `{"Module":`+title("newest")+`}`)

	ids := func() []string {
		var out []string
		for _, p := range decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", "")).Results {
			out = append(out, p.ID)
		}
		return out
	}
	first, second := ids(), ids()
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("order not stable (-first +second):\n%s", diff)
	}
	sorted := slices.Clone(sameMinute)
	slices.Sort(sorted)
	want := append([]string{newest}, sorted...)
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("default order (-want +got):\n%s", diff)
	}
	if slices.Equal(first[1:], sameMinute) {
		t.Error("default order equals insertion order")
	}
}

// notion-api.md §2.6, §2.7, §12.9: archived pages leave queries but stay readable
// by id; edits to them are 400 until a PATCH unarchives them.
func TestArchivedPages(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	id := seed(t, s, dbID, `{"Module":`+title("old")+`}`)
	seed(t, s, dbID, `{"Module":`+title("live")+`}`)
	if r := call(t, s, "PATCH", "/v1/pages/"+id, `{"archived":true}`); r.status != 200 {
		t.Fatalf("archive = %d %s", r.status, r.body)
	}
	l := decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", ""))
	if len(l.Results) != 1 || l.Results[0].title() != "live" {
		t.Errorf("query after archive = %+v, want only live", l.Results)
	}
	r := call(t, s, "GET", "/v1/pages/"+id, "")
	if o := r.obj(t); r.status != 200 || o["archived"] != true || o["in_trash"] != true {
		t.Errorf("GET archived page = %d archived %v in_trash %v", r.status, o["archived"], o["in_trash"])
	}
	const msg = "Can't edit block that is archived. You must unarchive the block before editing."
	for _, body := range []string{
		`{"properties":{"Notes":{"rich_text":[]}}}`,
		`{"archived":true}`,
		`{}`,
	} {
		r := call(t, s, "PATCH", "/v1/pages/"+id, body)
		if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != msg {
			t.Errorf("edit archived page with %s = %d %+v, want 400 %q", body, r.status, e, msg)
		}
	}
	// go-notion reports the same error.
	_, err := goNotion(t, s).UpdatePage(ctx(t), id, notion.UpdatePageParams{
		DatabasePageProperties: notion.DatabasePageProperties{"Notes": {RichText: []notion.RichText{{Text: &notion.Text{Content: "x"}}}}},
	})
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("go-notion edit of archived page = %v", err)
	}
	// Unarchive and edit in one PATCH.
	r = call(t, s, "PATCH", "/v1/pages/"+id, `{"archived":false,"properties":{"Notes":{"rich_text":[{"text":{"content":"back"}}]}}}`)
	if r.status != 200 {
		t.Fatalf("unarchive = %d %s", r.status, r.body)
	}
	if pg, _ := s.Page(id); pg.Archived || pg.PlainText("Notes") != "back" {
		t.Errorf("after unarchive: archived %v Notes %q", pg.Archived, pg.PlainText("Notes"))
	}
	if l := decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", "")); len(l.Results) != 2 {
		t.Errorf("query after unarchive = %d pages, want 2", len(l.Results))
	}
}

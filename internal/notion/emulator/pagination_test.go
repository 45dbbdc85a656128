package emulator

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

// readAll pages through a query body (without start_cursor) and returns the
// titles in order and the pages' sizes; between pages it calls between(i).
func readAll(t *testing.T, s *Server, dbID, body string, between func(page int)) (titles []string, sizes []int, hasMoreShort bool) {
	t.Helper()
	cursor := ""
	for i := 0; ; i++ {
		b := body
		if cursor != "" {
			b = strings.TrimSuffix(body, "}") + `,"start_cursor":"` + cursor + `"}`
			if body == "{}" {
				b = `{"start_cursor":"` + cursor + `"}`
			}
		}
		r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", b)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", i, r.status, r.body)
		}
		l := decodeList(t, r)
		for _, p := range l.Results {
			titles = append(titles, p.title())
		}
		sizes = append(sizes, len(l.Results))
		if !l.HasMore {
			return titles, sizes, hasMoreShort
		}
		if len(l.Results) < 100 {
			hasMoreShort = true
		}
		if l.NextCursor == nil || *l.NextCursor == cursor {
			t.Fatalf("page %d: has_more with next_cursor %v", i, l.NextCursor)
		}
		cursor = *l.NextCursor
		if between != nil {
			between(i)
		}
	}
}

// notion-api.md §7: cursors are opaque, and rows that leave the result set
// between two fetches (archived, edited out of the filter) may shift the rest
// but do not make the next fetch fail; a cursor belongs to its query, so using
// it with another filter or other sorts is 400.
func TestCursors(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	ids := map[string]bool{}
	byTitle := map[string]string{}
	for i := range 250 {
		name := fmt.Sprintf("m%03d", i)
		id := seed(t, s, dbID, fmt.Sprintf(`{"Module":%s,"MQI":{"number":%d}}`, title(name), i))
		ids[id], byTitle[name] = true, id
	}
	const sorted = `{"sorts":[{"property":"Module","direction":"ascending"}]}`

	t.Run("opaque", func(t *testing.T) {
		l := decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", sorted))
		if l.NextCursor == nil || ids[*l.NextCursor] {
			t.Errorf("next_cursor = %v, want an opaque cursor, not a row id", l.NextCursor)
		}
	})
	t.Run("rows leaving between fetches", func(t *testing.T) {
		titles, _, _ := readAll(t, s, dbID, `{"filter":{"property":"MQI","number":{"less_than":1000}},"sorts":[{"property":"Module","direction":"ascending"}]}`,
			func(page int) {
				if page != 0 {
					return
				}
				// m000 (already read) leaves the results twice over: archived,
				// and m001 no longer matches the filter.
				call(t, s, "PATCH", "/v1/pages/"+byTitle["m000"], `{"archived":true}`)
				call(t, s, "PATCH", "/v1/pages/"+byTitle["m001"], `{"properties":{"MQI":{"number":5000}}}`)
			})
		seen := map[string]bool{}
		for _, ti := range titles {
			if seen[ti] {
				t.Errorf("%s returned twice", ti)
			}
			seen[ti] = true
		}
		// Resuming by position, the two rows that left make the next two slide
		// back past the cursor (Notion documents that results may shift).
		if len(titles) != 248 || seen["m100"] || seen["m101"] || !seen["m102"] || !seen["m249"] {
			t.Errorf("read %d rows (m100 %v, m101 %v, m102 %v, m249 %v), want 248 without m100 and m101",
				len(titles), seen["m100"], seen["m101"], seen["m102"], seen["m249"])
		}
		call(t, s, "PATCH", "/v1/pages/"+byTitle["m000"], `{"archived":false}`)
		call(t, s, "PATCH", "/v1/pages/"+byTitle["m001"], `{"properties":{"MQI":{"number":1}}}`)
	})
	t.Run("another query", func(t *testing.T) {
		l := decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", sorted))
		cur := *l.NextCursor
		for _, tt := range []struct{ name, body string }{
			{"other sorts", `{"sorts":[{"property":"Module","direction":"descending"}],"start_cursor":"` + cur + `"}`},
			{"no sorts", `{"start_cursor":"` + cur + `"}`},
			{"a filter", `{"filter":{"property":"MQI","number":{"greater_than":3}},"sorts":[{"property":"Module","direction":"ascending"}],"start_cursor":"` + cur + `"}`},
			{"archived rows", `{"archived":true,"sorts":[{"property":"Module","direction":"ascending"}],"start_cursor":"` + cur + `"}`},
		} {
			r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", tt.body)
			want := "body failed validation: body.start_cursor should be a cursor returned by a query with the same filter and sorts, instead was `\"" + cur + "\"`."
			if e := r.errBody(t); r.status != 400 || e.Code != "validation_error" || e.Message != want {
				t.Errorf("%s: %d %q, want 400 %q", tt.name, r.status, e.Message, want)
			}
		}
		// The same query with another page_size, keys in another order, or a
		// null filter for an absent one, is fine.
		if r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"filter":null,"start_cursor":"`+cur+`","sorts":[{"property":"Module","direction":"ascending"}]}`); r.status != 200 {
			t.Errorf("null filter = %d %s", r.status, r.body)
		}
		r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"page_size":10,"start_cursor":"`+cur+`","sorts":[{"direction":"ascending","property":"Module"}]}`)
		if l := decodeList(t, r); r.status != 200 || len(l.Results) != 10 || l.Results[0].title() != "m100" {
			t.Errorf("same query, page_size 10 = %d %s", r.status, r.body)
		}
	})
	t.Run("a row id is no cursor", func(t *testing.T) {
		for id := range ids {
			r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"start_cursor":"`+id+`"}`)
			if r.status != 400 {
				t.Errorf("row id as cursor = %d, want 400", r.status)
			}
			break
		}
	})
}

// notion-api.md §7, §12.6: with ShortPages a page may hold fewer than page_size
// rows while has_more is true; following next_cursor still gives every row
// exactly once, the same pages for the same seed.
func TestShortPages(t *testing.T) {
	t.Parallel()
	run := func(seedN int64) []int {
		s, dbID := withDefaultDB(t, Options{ShortPages: true, Seed: seedN})
		want := map[string]bool{}
		for i := range 250 {
			name := fmt.Sprintf("m%03d", i)
			seed(t, s, dbID, `{"Module":`+title(name)+`}`)
			want[name] = true
		}
		titles, sizes, short := readAll(t, s, dbID, "{}", nil)
		got := map[string]bool{}
		for _, ti := range titles {
			if got[ti] {
				t.Errorf("%s returned twice", ti)
			}
			got[ti] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		if !short {
			t.Errorf("page sizes %v: no short page with has_more", sizes)
		}
		return sizes
	}
	a, b := run(3), run(3)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different pages (-a +b):\n%s", diff)
	}
}

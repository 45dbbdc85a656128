package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Inspection for tests: pages of a database in creation order (archived
// included), lookups by dashed or undashed id (notion-api.md §1), the request
// log and counts. These are what tests need to assert the behaviours of
// notion-api.md §12 (e.g. §12.1, §12.8: how many creates reached "Notion";
// §12.10: what a query could see), and the request order of §11.1.
func TestInspection(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC))
	s, dbID := withDefaultDB(t, Options{Now: clk.Now})
	other, err := s.CreateDatabase(DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	a := seed(t, s, dbID, `{"Module":`+title("a")+`}`)
	seed(t, s, other, `{"Module":`+title("elsewhere")+`}`)
	b := seed(t, s, dbID, `{"Module":`+title("b")+`}`)

	body := `{"parent":{"database_id":"` + dbID + `"},"properties":{"Module":` + title("c") + `}}`
	created := call(t, s, "POST", "/v1/pages", body)
	c := created.obj(t)["id"].(string)
	call(t, s, "PATCH", "/v1/pages/"+undash(a), `{"archived":true}`)
	call(t, s, "POST", "/v1/databases/"+dbID+"/query", "")
	call(t, s, "GET", "/v1/pages/"+b, "")
	call(t, s, "GET", "/v1/nope", "")

	var ids []string
	var archived []bool
	for _, p := range s.Pages(undash(dbID)) {
		ids = append(ids, p.ID)
		archived = append(archived, p.Archived)
	}
	if diff := cmp.Diff([]string{a, b, c}, ids); diff != "" {
		t.Errorf("Pages order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, false, false}, archived); diff != "" {
		t.Errorf("Pages archived (-want +got):\n%s", diff)
	}
	p, ok := s.Page(strings.ToUpper(undash(c)))
	if !ok || p.DatabaseID != dbID || p.PlainText("Module") != "c" || !p.CreatedTime.Equal(time.Date(2025, 3, 4, 5, 6, 0, 0, time.UTC)) {
		t.Errorf("Page(c) = %+v, %v", p, ok)
	}
	if _, ok := s.Page("59833787-2cf9-4fdf-8782-e53db20768a5"); ok {
		t.Error("Page(unknown) found something")
	}
	if _, ok := s.Database(other); !ok {
		t.Error("Database(other) not found")
	}
	if diff := cmp.Diff([]string{dbID, other}, s.Databases()); diff != "" {
		t.Errorf("Databases (-want +got):\n%s", diff)
	}

	want := []Request{
		{Method: "POST", Path: "/v1/pages", Route: "POST /v1/pages", Status: 200, BodySize: len(body)},
		{Method: "PATCH", Path: "/v1/pages/" + undash(a), Route: "PATCH /v1/pages/{id}", Status: 200, BodySize: len(`{"archived":true}`)},
		{Method: "POST", Path: "/v1/databases/" + dbID + "/query", Route: "POST /v1/databases/{id}/query", Status: 200},
		{Method: "GET", Path: "/v1/pages/" + b, Route: "GET /v1/pages/{id}", Status: 200},
		{Method: "GET", Path: "/v1/nope", Route: "", Status: 400},
	}
	if diff := cmp.Diff(want, s.Requests(), cmpopts.IgnoreFields(Request{}, "Time")); diff != "" {
		t.Errorf("Requests (-want +got):\n%s", diff)
	}
	if got := s.Requests()[0].Time; !got.Equal(clk.Now()) {
		t.Errorf("Request.Time = %v, want the server clock %v", got, clk.Now())
	}
	counts := []struct {
		method, route string
		status, want  int
	}{
		{"POST", "/v1/pages", 0, 1},
		{"POST", "POST /v1/pages", 0, 1},
		{"PATCH", "/v1/pages/{id}", 0, 1},
		{"GET", "/v1/pages/{id}", 0, 1},
		{"", "/v1/pages/{id}", 0, 2},
		{"POST", "/v1/databases/{id}/query", 0, 1},
		{"GET", "", 0, 2},
		{"", "", 400, 1},
		{"", "", 200, 4},
		{"POST", "/v1/pages", 500, 0},
	}
	for _, tt := range counts {
		if got := s.CountStatus(tt.method, tt.route, tt.status); got != tt.want {
			t.Errorf("CountStatus(%q, %q, %d) = %d, want %d", tt.method, tt.route, tt.status, got, tt.want)
		}
	}
	if got := s.Count("POST", "/v1/pages"); got != 1 {
		t.Errorf("Count(POST, /v1/pages) = %d, want 1", got)
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 || s.Count("", "") != 0 {
		t.Errorf("after ResetRequests: %d requests", n)
	}
}

// Page.PlainText reads every value type as text.
func TestPlainText(t *testing.T) {
	t.Parallel()
	s, dbID := withAllTypesDB(t, Options{})
	id := seed(t, s, dbID, `{"Name":{"title":[{"text":{"content":"core "}},{"text":{"content":"api"}}]},`+
		`"Num":{"number":0.25},"Sel":{"select":{"name":"prod"}},"Multi":{"multi_select":[{"name":"go"},{"name":"api"}]},`+
		`"Stage":{"status":{"name":"Done"}},"When":{"date":{"start":"2024-05-01"}},"Done":{"checkbox":true},`+
		`"Docs":{"url":"https://d.example"},"Mail":{"email":"a@b.c"}}`)
	p, _ := s.Page(id)
	got := map[string]string{}
	for _, name := range []string{"Name", "Num", "Sel", "Multi", "Stage", "When", "Done", "Docs", "Mail", "Text", "Phone", "Missing"} {
		got[name] = p.PlainText(name)
	}
	want := map[string]string{
		"Name": "core api", "Num": "0.25", "Sel": "prod", "Multi": "go, api", "Stage": "Done", "When": "2024-05-01",
		"Done": "true", "Docs": "https://d.example", "Mail": "a@b.c", "Text": "", "Phone": "", "Missing": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PlainText (-want +got):\n%s", diff)
	}
	if _, err := s.SeedPage(dbID, json.RawMessage(`{"Nope":{"rich_text":[]}}`)); err == nil || !strings.Contains(err.Error(), "Nope is not a property that exists.") {
		t.Errorf("SeedPage with a bad property = %v, want the validation message", err)
	}
}

// SaveState/LoadState: databases, pages, options and archive flags survive a
// restart; a generated token is kept, a given one is never written.
func TestState(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	id := seed(t, s, dbID, `{"Module":`+title("core")+`,"Lane":{"select":{"name":"L9"}}}`)
	call(t, s, "PATCH", "/v1/pages/"+id, `{"archived":true}`)
	var buf bytes.Buffer
	if err := s.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), s.Token()) {
		t.Error("generated token not saved")
	}

	s2 := newServer(t, Options{})
	if err := s2.LoadState(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s2.Token() != s.Token() {
		t.Errorf("token after load = %q, want the saved %q", s2.Token(), s.Token())
	}
	p, ok := s2.Page(id)
	if !ok || !p.Archived || p.PlainText("Lane") != "L9" {
		t.Errorf("loaded page = %+v, %v", p, ok)
	}
	if diff := cmp.Diff(schemaOptions(t, s, dbID, "Lane"), schemaOptions(t, s2, dbID, "Lane")); diff != "" {
		t.Errorf("options after load (-saved +loaded):\n%s", diff)
	}
	// The loaded server serves it, with the saved token.
	if r := call(t, s2, "GET", "/v1/pages/"+id, ""); r.status != 200 || r.obj(t)["archived"] != true {
		t.Errorf("GET loaded page = %d %s", r.status, r.body)
	}
	// New pages do not reuse sequence numbers: creation order holds.
	n := seed(t, s2, dbID, `{"Module":`+title("next")+`}`)
	if ps := s2.Pages(dbID); len(ps) != 2 || ps[1].ID != n {
		t.Errorf("pages after load+create = %+v", ps)
	}

	// A given token is never saved, and is not replaced by a saved one.
	s3 := newServer(t, Options{Token: "ntn_real_looking_secret"})
	var buf3 bytes.Buffer
	if err := s3.SaveState(&buf3); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf3.String(), "ntn_real_looking_secret") {
		t.Error("a token passed in Options was written to the state")
	}
	if err := s3.LoadState(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if s3.Token() != "ntn_real_looking_secret" {
		t.Errorf("LoadState replaced a given token with %q", s3.Token())
	}
	for _, bad := range []string{``, `{"version":2}`, `{"version":1,"databases":[{"id":"x","properties":[]}]}`} {
		if err := newServer(t, Options{}).LoadState(strings.NewReader(bad)); err == nil {
			t.Errorf("LoadState(%q) succeeded", bad)
		}
	}
}

// The server is safe for concurrent use: parallel creates, queries and
// inspections (run with -race), and parallel creates of one key make two rows, as
// in Notion (notion-api.md §9).
func TestConcurrency(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 15 {
				body := fmt.Sprintf(`{"parent":{"database_id":"%s"},"properties":{"Module":%s,"Tags":{"multi_select":[{"name":"t%d"}]}}}`, dbID, title(fmt.Sprintf("w%d-%d", w, i%10)), i%3)
				if r := call(t, s, "POST", "/v1/pages", body); r.status != 200 {
					t.Errorf("create = %d %s", r.status, r.body)
				}
				call(t, s, "POST", "/v1/databases/"+dbID+"/query", `{"page_size":10}`)
				s.Pages(dbID)
				s.Count("POST", "/v1/pages")
			}
		})
	}
	wg.Wait()
	pages := s.Pages(dbID)
	seen := map[string]bool{}
	for _, p := range pages {
		seen[p.ID] = true
	}
	if len(pages) != 120 || len(seen) != 120 {
		t.Errorf("%d pages, %d distinct ids, want 120", len(pages), len(seen))
	}
	if n := len(schemaOptions(t, s, dbID, "Tags")); n != 3 {
		t.Errorf("Tags has %d options after concurrent auto-creation, want 3", n)
	}
	if n := s.CountStatus("POST", "/v1/pages", 200); n != 120 {
		t.Errorf("CountStatus = %d, want 120", n)
	}
}

package emulator

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dstotijn/go-notion"
	"github.com/google/go-cmp/cmp"
)

// notion-api.md §5.2, §6, §12.7: scripted 429 (with and without Retry-After), 529,
// 409 and 5xx with Notion JSON bodies or an edge proxy's HTML.
func TestScriptedStatusFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      Fault
		wantCode   string // "" for an HTML body
		wantRetry  string
		wantHeader bool
	}{
		{"429 with Retry-After", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, "rate_limited", "2", true},
		{"429 default Retry-After", Fault{Status: 429}, "rate_limited", "1", true},
		{"429 without Retry-After", Fault{Status: 429, RetryAfter: -1}, "rate_limited", "", false},
		{"529", Fault{Status: 529, RetryAfter: 30 * time.Second}, "service_overload", "30", true},
		{"409", Fault{Status: 409}, "conflict_error", "", false},
		{"500", Fault{Status: 500}, "internal_server_error", "", false},
		{"502", Fault{Status: 502}, "bad_gateway", "", false},
		{"503", Fault{Status: 503}, "service_unavailable", "", false},
		{"504", Fault{Status: 504}, "gateway_timeout", "", false},
		{"502 HTML", Fault{Status: 502, HTML: true}, "", "", false},
		{"503 HTML", Fault{Status: 503, HTML: true}, "", "", false},
		{"504 HTML", Fault{Status: 504, HTML: true}, "", "", false},
		{"429 HTML keeps Retry-After", Fault{Status: 429, HTML: true, RetryAfter: 3 * time.Second}, "", "3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, Options{})
			s.FailNext(1, tt.fault)
			r := call(t, s, "GET", "/v1/users/me", "")
			if r.status != tt.fault.Status {
				t.Fatalf("status %d, want %d", r.status, tt.fault.Status)
			}
			if _, has := r.header["Retry-After"]; has != tt.wantHeader || r.header.Get("Retry-After") != tt.wantRetry {
				t.Errorf("Retry-After = %q (present %v), want %q (present %v)", r.header.Get("Retry-After"), has, tt.wantRetry, tt.wantHeader)
			}
			if tt.wantCode == "" {
				if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "<html>") ||
					r.header.Get("x-notion-request-id") != "" || r.header.Get("cf-ray") == "" {
					t.Errorf("HTML fault: headers %v body %q", r.header, r.body)
				}
			} else if e := r.errBody(t); e.Code != tt.wantCode || e.Status != tt.fault.Status || e.Message == "" {
				t.Errorf("error body %+v, want code %s", e, tt.wantCode)
			}
			// The fault is used once.
			if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
				t.Errorf("next request = %d, want 200", r.status)
			}
		})
	}
}

// notion-api.md §1, §2.2, §6: an injected 404 (the transient 404s seen during
// incidents) reads like a real one: the kind of object and its dashed id, even
// when the request used the undashed form.
func TestInjected404(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	pageID := seed(t, s, dbID, `{"Module":`+title("core")+`}`)
	const tail = ". Make sure the relevant pages and databases are shared with your integration."
	tests := []struct{ method, path, body, want string }{
		{"GET", "/v1/pages/" + undash(pageID), "", "Could not find page with ID: " + pageID + tail},
		{"POST", "/v1/databases/" + strings.ToUpper(undash(dbID)) + "/query", "", "Could not find database with ID: " + dbID + tail},
		{"POST", "/v1/pages", `{"parent":{"database_id":"` + undash(dbID) + `"},"properties":{}}`, "Could not find database with ID: " + dbID + tail},
	}
	for _, tt := range tests {
		s.FailNext(1, Fault{Status: 404})
		r := call(t, s, tt.method, tt.path, tt.body)
		if e := r.errBody(t); r.status != 404 || e.Code != "object_not_found" || e.Message != tt.want {
			t.Errorf("%s %s = %d %+v, want 404 %q", tt.method, tt.path, r.status, e, tt.want)
		}
	}
}

// notion-api.md §5.3: go-notion turns an HTML error body into an APIError with the
// status only.
func TestGoNotionHTMLError(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	s.FailNext(1, Fault{Status: 502, HTML: true})
	_, err := goNotion(t, s).FindCurrentUser(ctx(t))
	var apiErr *notion.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "" {
		t.Errorf("FindCurrentUser = %v, want APIError{Status: 502} without code", err)
	}
}

// notion-api.md §9, §12.1: commit-then-fail stores the create although the client
// sees 502/504/409; a tool that retries blindly makes a duplicate, one that queries
// by key first finds the page.
func TestCommitThenFail(t *testing.T) {
	t.Parallel()
	for _, f := range []Fault{
		{Route: "POST /v1/pages", Status: 502, Commit: true},
		{Route: "POST /v1/pages", Status: 504, Commit: true, HTML: true},
		{Route: "POST /v1/pages", Status: 409, Commit: true},
	} {
		s, dbID := withDefaultDB(t, Options{})
		c := goNotion(t, s)
		s.FailNext(1, f)
		_, err := c.CreatePage(ctx(t), notion.CreatePageParams{
			ParentType: notion.ParentTypeDatabase, ParentID: dbID,
			DatabasePageProperties: &notion.DatabasePageProperties{"Module": {Title: []notion.RichText{{Text: &notion.Text{Content: "core"}}}}},
		})
		var apiErr *notion.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != f.Status {
			t.Errorf("%+v: CreatePage = %v, want status %d", f, err, f.Status)
		}
		pages := s.Pages(dbID)
		if len(pages) != 1 || pages[0].PlainText("Module") != "core" {
			t.Errorf("%+v: stored pages = %+v, want the committed create", f, pages)
		}
		res, err := c.QueryDatabase(ctx(t), dbID, &notion.DatabaseQuery{Filter: &notion.DatabaseQueryFilter{
			Property: "Module", DatabaseQueryPropertyFilter: notion.DatabaseQueryPropertyFilter{Title: &notion.TextPropertyFilter{Equals: "core"}},
		}})
		if err != nil || len(res.Results) != 1 {
			t.Errorf("%+v: query by key after the failure = %d results, %v", f, len(res.Results), err)
		}
	}
}

// notion-api.md §9, §12.1: a dropped connection, after committing or not.
func TestResetConnection(t *testing.T) {
	t.Parallel()
	for _, commit := range []bool{true, false} {
		s, dbID := withDefaultDB(t, Options{})
		s.FailNext(1, Fault{Route: "POST /v1/pages", Reset: true, Commit: commit})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", s.URL()+"/v1/pages",
			strings.NewReader(`{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":`+title("core")+`}}`))
		req.Header.Set("Authorization", "Bearer "+s.Token())
		req.Header.Set("Notion-Version", NotionVersion)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("commit=%v: got HTTP %d, want a transport error", commit, res.StatusCode)
		}
		want := 0
		if commit {
			want = 1
		}
		if n := len(s.Pages(dbID)); n != want {
			t.Errorf("commit=%v: %d pages stored, want %d", commit, n, want)
		}
		if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != 0 || reqs[0].Route != "POST /v1/pages" {
			t.Errorf("commit=%v: request log = %+v, want one entry with status 0", commit, reqs)
		}
	}
}

// notion-api.md §2.5, §12.1: a partial page ({"object":"page","id":…}) is stored
// but go-notion cannot decode it.
func TestPartialPage(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	s.FailNext(1, Fault{Route: "POST /v1/pages", Partial: true})
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":`+title("core")+`}}`)
	pages := s.Pages(dbID)
	if len(pages) != 1 {
		t.Fatalf("%d pages stored, want 1", len(pages))
	}
	if diff := cmp.Diff(map[string]any{"object": "page", "id": pages[0].ID}, r.obj(t)); r.status != 200 || diff != "" {
		t.Errorf("partial response %d (-want +got):\n%s", r.status, diff)
	}
	s.FailNext(1, Fault{Route: "POST /v1/pages", Partial: true})
	_, err := goNotion(t, s).CreatePage(ctx(t), notion.CreatePageParams{
		ParentType: notion.ParentTypeDatabase, ParentID: dbID,
		DatabasePageProperties: &notion.DatabasePageProperties{"Module": {Title: []notion.RichText{{Text: &notion.Text{Content: "api"}}}}},
	})
	if err == nil || !strings.Contains(err.Error(), `unknown page parent type ""`) {
		t.Errorf("go-notion on a partial page = %v, want the decode error", err)
	}
	if n := len(s.Pages(dbID)); n != 2 {
		t.Errorf("%d pages stored, want 2", n)
	}
}

// waitSleeper is an injected Sleep that waits only for the request context, and
// records the waits it was asked for.
type waitSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
	done  chan struct{}
}

func (w *waitSleeper) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.waits = append(w.waits, d)
	w.mu.Unlock()
	<-ctx.Done()
	close(w.done)
	return ctx.Err()
}

// notion-api.md §12.1, §5.2: latency beyond a client timeout; with Commit the write
// happened although the client timed out.
func TestDelayBeyondClientTimeout(t *testing.T) {
	t.Parallel()
	for _, commit := range []bool{false, true} {
		w := &waitSleeper{done: make(chan struct{})}
		s, dbID := withDefaultDB(t, Options{Sleep: w.sleep})
		s.FailNext(1, Fault{Route: "POST /v1/pages", Delay: time.Hour, Commit: commit})
		c := goNotionWith(t, s, &http.Client{Timeout: 100 * time.Millisecond})
		_, err := c.CreatePage(ctx(t), notion.CreatePageParams{
			ParentType: notion.ParentTypeDatabase, ParentID: dbID,
			DatabasePageProperties: &notion.DatabasePageProperties{"Module": {Title: []notion.RichText{{Text: &notion.Text{Content: "core"}}}}},
		})
		// net/http says "Client.Timeout exceeded" or only "context deadline
		// exceeded" depending on where the timer fires; both are timeouts.
		var ue *url.Error
		if err == nil || !(errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ue) && ue.Timeout())) {
			t.Errorf("commit=%v: CreatePage = %v, want a client timeout", commit, err)
		}
		<-w.done // the server noticed the client leaving
		if diff := cmp.Diff([]time.Duration{time.Hour}, w.waits); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		want := 0
		if commit {
			want = 1
		}
		if n := len(s.Pages(dbID)); n != want {
			t.Errorf("commit=%v: %d pages stored, want %d", commit, n, want)
		}
	}
}

// recordSleeper records waits and returns at once.
type recordSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordSleeper) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

// notion-api.md §6, §11.7, §12.1: latency (slow answers, answers past a client
// timeout) goes through the injected Sleep: every request waits Latency plus
// up to Jitter, the same sequence for the same seed.
func TestLatencyAndJitter(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []time.Duration {
		rs := &recordSleeper{}
		s := newServer(t, Options{Latency: 250 * time.Millisecond, Jitter: 100 * time.Millisecond, Seed: seed, Sleep: rs.sleep})
		for range 20 {
			call(t, s, "GET", "/v1/users/me", "")
		}
		return rs.waits
	}
	a, b, c := run(7), run(7), run(8)
	if len(a) != 20 {
		t.Fatalf("%d waits, want 20", len(a))
	}
	for _, d := range a {
		if d < 250*time.Millisecond || d >= 350*time.Millisecond {
			t.Errorf("wait %v outside [250ms, 350ms)", d)
		}
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different jitter (-a +b):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Error("different seeds gave the same jitter")
	}
}

// notion-api.md §7, §12.10: with a visibility delay a new page is readable by id at
// once but shows in queries only later ("query → not found → create" duplicates).
func TestVisibilityDelay(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	s, dbID := withDefaultDB(t, Options{VisibilityDelay: 5 * time.Second, Now: clk.Now})
	seeded := seed(t, s, dbID, `{"Module":`+title("seeded")+`}`)
	r := call(t, s, "POST", "/v1/pages", `{"parent":{"database_id":"`+dbID+`"},"properties":{"Module":`+title("new")+`}}`)
	id := r.obj(t)["id"].(string)
	query := func() []string {
		var ids []string
		for _, p := range decodeList(t, call(t, s, "POST", "/v1/databases/"+dbID+"/query", "")).Results {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]string{seeded}, query()); diff != "" {
		t.Errorf("query before the delay (-want +got):\n%s", diff)
	}
	if r := call(t, s, "GET", "/v1/pages/"+id, ""); r.status != 200 {
		t.Errorf("GET new page = %d, want 200", r.status)
	}
	clk.Add(5 * time.Second)
	if got := query(); len(got) != 2 {
		t.Errorf("query after the delay = %v, want both pages", got)
	}
}

// notion-api.md §8, §12.10: a multi-source database fails every 2022-06-28 database
// call and page create with 400; its pages can still be read.
func TestMultiSource(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	pageID := seed(t, s, dbID, `{"Module":`+title("core")+`}`)
	s.SetMultiSource(dbID, true)
	const msg = "Databases with multiple data sources are not supported in this API version."
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/databases/" + dbID, ""},
		{"PATCH", "/v1/databases/" + dbID, `{"title":[]}`},
		{"POST", "/v1/databases/" + dbID + "/query", ""},
		{"POST", "/v1/pages", `{"parent":{"database_id":"` + dbID + `"},"properties":{}}`},
	} {
		r := call(t, s, c.method, c.path, c.body)
		var e struct {
			errorBody
			AdditionalData map[string]any `json:"additional_data"`
		}
		mustUnmarshal(t, r.body, &e)
		if r.status != 400 || e.Code != "validation_error" || e.Message != msg || e.AdditionalData == nil {
			t.Errorf("%s %s = %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if r := call(t, s, "GET", "/v1/pages/"+pageID, ""); r.status != 200 {
		t.Errorf("GET page of a multi-source database = %d, want 200", r.status)
	}
	s.SetMultiSource(dbID, false)
	if r := call(t, s, "POST", "/v1/databases/"+dbID+"/query", ""); r.status != 200 {
		t.Errorf("query after switching back = %d, want 200", r.status)
	}
}

// notion-api.md §11.1, §11.7: FailNext faults (the injection knobs of §11.7)
// match their route, are used n times, in the order added, and only after the
// auth checks, which come first in Notion's order (§11.1).
func TestFailNextRouting(t *testing.T) {
	t.Parallel()
	s, dbID := withDefaultDB(t, Options{})
	s.FailNext(2, Fault{Route: "POST /v1/databases/{id}/query", Status: 503})
	s.FailNext(1, Fault{Route: "PATCH", Status: 409})
	s.FailNext(1, Fault{Route: "/v1/pages/{id}", Status: 500})
	s.FailNext(1, Fault{Status: 502})
	pageID := seed(t, s, dbID, `{"Module":`+title("core")+`}`)

	steps := []struct {
		method, path, body string
		hdr                []string
		want               int
	}{
		{"GET", "/v1/users/me", "", []string{"Authorization", ""}, 401}, // not consumed by a bad-auth request
		{"POST", "/v1/databases/" + dbID + "/query", "", nil, 503},
		{"PATCH", "/v1/pages/" + pageID, "{}", nil, 409},
		{"GET", "/v1/pages/" + pageID, "", nil, 500},
		{"GET", "/v1/users/me", "", nil, 502}, // the catch-all, ahead of the second query fault
		{"POST", "/v1/databases/" + dbID + "/query", "", nil, 503},
		{"POST", "/v1/databases/" + dbID + "/query", "", nil, 200},
		{"GET", "/v1/pages/" + pageID, "", nil, 200},
	}
	for i, st := range steps {
		if r := call(t, s, st.method, st.path, st.body, st.hdr...); r.status != st.want {
			t.Errorf("step %d %s %s = %d, want %d", i, st.method, st.path, r.status, st.want)
		}
	}
}

// ParseFaultSpec: the random fault syntax of docs/emulator.md.
func TestParseFaultSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		want    []FaultRule
		wantErr string
	}{
		{"", nil, ""},
		{"429:0.05,502:0.02,commit502:0.01", []FaultRule{
			{Fault{Status: 429}, 0.05}, {Fault{Status: 502}, 0.02}, {Fault{Status: 502, Commit: true}, 0.01},
		}, ""},
		{"429+noretry:0.1, 529+retry=30s:0.1", []FaultRule{
			{Fault{Status: 429, RetryAfter: -1}, 0.1}, {Fault{Status: 529, RetryAfter: 30 * time.Second}, 0.1},
		}, ""},
		{"html503:0.2,reset+commit+on=post+route=/v1/pages:0.01,partial+on=POST:0.01,delay=90s:0.001", []FaultRule{
			{Fault{Status: 503, HTML: true}, 0.2},
			{Fault{Route: "POST /v1/pages", Reset: true, Commit: true}, 0.01},
			{Fault{Route: "POST", Partial: true}, 0.01},
			{Fault{Delay: 90 * time.Second}, 0.001},
		}, ""},
		{"409+route=/v1/pages/{id}:1", []FaultRule{{Fault{Route: "/v1/pages/{id}", Status: 409}, 1}}, ""},
		{"502", nil, "want WORDS:PROBABILITY"},
		{"502:2", nil, "probability must be a number in (0, 1]"},
		{"502:0.6,503:0.6", nil, "more than 1"},
		{"teapot:0.1", nil, `unknown word "teapot"`},
		{"200:0.1", nil, `unknown word "200"`},
		{"commit:0.1", nil, "needs a status, reset, partial, blocklimit or delay="},
		{"502+503:0.1", nil, "two statuses"},
		{"delay=soon:0.1", nil, "want a positive duration"},
	}
	for _, tt := range tests {
		got, err := ParseFaultSpec(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFaultSpec(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFaultSpec(%q): %v", tt.spec, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseFaultSpec(%q) (-want +got):\n%s", tt.spec, diff)
		}
	}
}

// notion-api.md §11 step 7: random faults follow the spec's probabilities and the
// seed: the same seed gives the same sequence.
func TestRandomFaults(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []int {
		s := newServer(t, Options{Faults: "502:0.3,429:0.2,html503+on=POST:0.5", Seed: seed})
		var out []int
		for range 200 {
			out = append(out, call(t, s, "GET", "/v1/users/me", "").status)
		}
		return out
	}
	a := run(42)
	count := map[int]int{}
	for _, st := range a {
		count[st]++
	}
	if count[502] < 40 || count[502] > 80 || count[429] < 20 || count[429] > 60 || count[503] != 0 {
		t.Errorf("status counts over 200 GETs = %v, want about 60×502, 40×429, no 503 (POST only)", count)
	}
	if diff := cmp.Diff(a, run(42)); diff != "" {
		t.Errorf("same seed, different faults (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, run(43)) {
		t.Error("different seeds gave the same faults")
	}
	if !strings.Contains(recoverPanic(func() { New(Options{Faults: "nope"}) }), "nope") {
		t.Error("New with a bad fault spec did not panic with the reason")
	}
}

func recoverPanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = r.(string)
		}
	}()
	f()
	return ""
}

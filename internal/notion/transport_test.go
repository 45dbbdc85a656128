package notion

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/time/rate"
)

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	getPage := func(c *Client) error { _, err := c.Page(t.Context(), testPageID); return err }
	patchPage := func(c *Client) error {
		_, err := c.UpdatePage(t.Context(), testPageID, map[string]json.RawMessage{"MQI": json.RawMessage(`{"number":1}`)})
		return err
	}
	archive := func(c *Client) error { _, err := c.TrashPage(t.Context(), testPageID, true); return err }
	query := func(c *Client) error { _, err := c.Query(t.Context(), Target{DatabaseID: testDBID}, nil); return err }
	create := func(c *Client) error {
		_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[]}`)})
		return err
	}
	const (
		pageRoute   = "GET /v1/pages/" + testPageID
		patchRoute  = "PATCH /v1/pages/" + testPageID
		queryRoute  = "POST /v1/databases/" + testDBID + "/query"
		createRoute = "POST /v1/pages"
	)
	type want struct {
		Hits      int
		Waits     []time.Duration
		Status    int // of the returned *APIError; 0 = none
		RequestID string
		HTML      bool
		Ambiguous bool
		NotFound  bool
		Retries   int
	}
	tests := []struct {
		name    string
		opts    func(*Options)
		route   string
		replies []fakeReply
		call    func(*Client) error
		want    want
		wantErr string // substring of the error text
	}{
		{name: "GET 502 JSON retried", route: pageRoute, replies: []fakeReply{{status: 502}}, call: getPage,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "GET 502 HTML retried", route: pageRoute, replies: []fakeReply{{status: 502, html: true}}, call: getPage,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "GET 500 then 504 retried with growing backoff", route: pageRoute,
			replies: []fakeReply{{status: 500}, {status: 504}}, call: getPage,
			want: want{Hits: 3, Waits: []time.Duration{time.Second, 2 * time.Second}, Retries: 2}},
		{name: "PATCH 503 retried", route: patchRoute, replies: []fakeReply{{status: 503}}, call: patchPage,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "archive (go-notion PATCH) 502 HTML retried", route: patchRoute, replies: []fakeReply{{status: 502, html: true}}, call: archive,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "query 500 retried", route: queryRoute, replies: []fakeReply{{status: 500}}, call: query,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "query 502 HTML retried", route: queryRoute, replies: []fakeReply{{status: 502, html: true}}, call: query,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "create 502 JSON not retried", route: createRoute, replies: []fakeReply{{status: 502}}, call: create,
			want:    want{Hits: 1, Status: 502, RequestID: "req-pages-1", Ambiguous: true},
			wantErr: "create page in database " + testDBID + ": notion: bad_gateway (502): message 502 [request_id req-pages-1]"},
		{name: "create 502 HTML not retried", route: createRoute, replies: []fakeReply{{status: 502, html: true}}, call: create,
			want: want{Hits: 1, Status: 502, HTML: true, Ambiguous: true}, wantErr: "notion: HTTP 502 Bad Gateway (non-JSON body)"},
		{name: "create 500 not retried", route: createRoute, replies: []fakeReply{{status: 500}}, call: create,
			want: want{Hits: 1, Status: 500, RequestID: "req-pages-1", Ambiguous: true}},
		{name: "create 409 not retried", route: createRoute, replies: []fakeReply{{status: 409}}, call: create,
			want: want{Hits: 1, Status: 409, RequestID: "req-pages-1", Ambiguous: true}},
		{name: "PATCH 409 retried", route: patchRoute, replies: []fakeReply{{status: 409}}, call: patchPage,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "create 429 with Retry-After retried after it", route: createRoute,
			replies: []fakeReply{{status: 429, header: map[string]string{"Retry-After": "2"}}}, call: create,
			want: want{Hits: 2, Waits: []time.Duration{2 * time.Second}, Retries: 1}},
		{name: "GET 429 without Retry-After backs off", route: pageRoute,
			replies: []fakeReply{{status: 429}, {status: 429}}, call: getPage,
			want: want{Hits: 3, Waits: []time.Duration{time.Second, 2 * time.Second}, Retries: 2}},
		{name: "create 529 with Retry-After retried", route: createRoute,
			replies: []fakeReply{{status: 529, header: map[string]string{"Retry-After": "3"}}}, call: create,
			want: want{Hits: 2, Waits: []time.Duration{3 * time.Second}, Retries: 1}},
		{name: "429 retry_after in additional_data", route: pageRoute,
			replies: []fakeReply{{status: 429, body: `{"object":"error","status":429,"code":"rate_limited","message":"slow down","additional_data":{"retry_after":7}}`}},
			call:    getPage, want: want{Hits: 2, Waits: []time.Duration{7 * time.Second}, Retries: 1}},
		{name: "503 Retry-After longer than backoff wins", route: pageRoute,
			replies: []fakeReply{{status: 503, header: map[string]string{"Retry-After": "5"}}}, call: getPage,
			want: want{Hits: 2, Waits: []time.Duration{5 * time.Second}, Retries: 1}},
		{name: "400 not retried", route: patchRoute, replies: []fakeReply{{status: 400}}, call: patchPage,
			want:    want{Hits: 1, Status: 400, RequestID: "req-pages." + testPageID + "-1"},
			wantErr: "update page " + testPageID + ": notion: validation_error (400): message 400 [request_id req-pages." + testPageID + "-1]"},
		{name: "404 through go-notion keeps request id", route: pageRoute, replies: []fakeReply{{status: 404}}, call: getPage,
			want:    want{Hits: 1, Status: 404, RequestID: "req-pages." + testPageID + "-1", NotFound: true},
			wantErr: "get page " + testPageID + ": notion: object_not_found (404): message 404 [request_id req-pages." + testPageID + "-1]"},
		{name: "max retries then the last APIError", opts: func(o *Options) { o.MaxRetries = 2 }, route: pageRoute,
			replies: []fakeReply{{status: 503}, {status: 503}, {status: 503}}, call: getPage,
			want: want{Hits: 3, Waits: []time.Duration{time.Second, 2 * time.Second}, Status: 503,
				RequestID: "req-pages." + testPageID + "-3", Ambiguous: true, Retries: 2},
			wantErr: "give up after 3 attempts: notion: service_unavailable (503)"},
		{name: "MaxRetries -1 means none", opts: func(o *Options) { o.MaxRetries = -1 }, route: pageRoute,
			replies: []fakeReply{{status: 503}}, call: getPage,
			want: want{Hits: 1, Status: 503, RequestID: "req-pages." + testPageID + "-1", Ambiguous: true}},
		{name: "backoff is capped", opts: func(o *Options) { o.Backoff = time.Second; o.MaxBackoff = 3 * time.Second }, route: pageRoute,
			replies: []fakeReply{{status: 500}, {status: 500}, {status: 500}, {status: 500}}, call: getPage,
			want: want{Hits: 5, Waits: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, Retries: 4}},
		{name: "GET connection reset retried", route: pageRoute, replies: []fakeReply{{reset: true}}, call: getPage,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "query connection reset retried", route: queryRoute, replies: []fakeReply{{reset: true}}, call: query,
			want: want{Hits: 2, Waits: []time.Duration{time.Second}, Retries: 1}},
		{name: "create connection reset not retried", route: createRoute, replies: []fakeReply{{reset: true}}, call: create,
			want: want{Hits: 1, Ambiguous: true}, wantErr: "notion: network error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tt.opts)
			r.fake.on(tt.route, tt.replies...)
			err := tt.call(r.c)
			got := want{
				Hits:      r.fake.count(tt.route),
				Waits:     r.waits.got(),
				Ambiguous: IsAmbiguous(err),
				NotFound:  IsNotFound(err),
				Retries:   r.c.Stats().Retries,
			}
			var ae *APIError
			if errors.As(err, &ae) {
				got.Status, got.RequestID, got.HTML = ae.Status, ae.RequestID, ae.HTML
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\nerr: %v", diff, err)
			}
			switch {
			case tt.want.Status == 0 && tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if err != nil {
				if strings.Contains(err.Error(), testToken.Reveal()) {
					t.Errorf("error contains the token: %v", err)
				}
				if strings.Contains(err.Error(), "api.notion.com") {
					t.Errorf("error names api.notion.com although BaseURL is the fake: %v", err)
				}
			}
		})
	}
}

// TestRateLimitPausesEveryGoroutine checks that a 429 seen by one goroutine
// makes another goroutine, which was never told, wait until the same moment.
func TestRateLimitPausesEveryGoroutine(t *testing.T) {
	t.Parallel()
	type whoKey struct{}
	var (
		mu       sync.Mutex
		waits    = map[string][]time.Duration{}
		aPausing = make(chan struct{})
		bDone    = make(chan struct{})
		once     sync.Once
	)
	sleep := func(ctx context.Context, d time.Duration) error {
		who, _ := ctx.Value(whoKey{}).(string)
		mu.Lock()
		waits[who] = append(waits[who], d)
		mu.Unlock()
		if who == "a" {
			once.Do(func() { close(aPausing) })
			<-bDone // a stays paused while b runs
		}
		return nil
	}
	r := newRig(t, func(o *Options) { o.Sleep = sleep })
	r.fake.on("GET /v1/pages/a", fakeReply{status: 429, header: map[string]string{"Retry-After": "2"}})

	errA := make(chan error, 1)
	go func() {
		_, err := r.c.Page(context.WithValue(t.Context(), whoKey{}, "a"), "a")
		errA <- err
	}()
	select {
	case <-aPausing:
	case err := <-errA:
		t.Fatalf("a finished without waiting for the 429's Retry-After (err %v)", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a never waited for the 429's Retry-After")
	}
	_, errB := r.c.Page(context.WithValue(t.Context(), whoKey{}, "b"), "b")
	close(bDone)
	if errB != nil {
		t.Fatalf("b: %v", errB)
	}
	if err := <-errA; err != nil {
		t.Fatalf("a: %v", err)
	}
	want := map[string][]time.Duration{"a": {2 * time.Second}, "b": {2 * time.Second}}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if got := r.fake.count("GET /v1/pages/b"); got != 1 {
		t.Errorf("b hits = %d, want 1", got)
	}
	st := r.c.Stats()
	if st.RateLimited != 1 || st.Waited != 4*time.Second {
		t.Errorf("stats: RateLimited = %d (want 1), Waited = %s (want 4s)", st.RateLimited, st.Waited)
	}
}

// TestLimiterSharedAcrossGoroutines: with a fixed clock the limiter hands out
// one slot every 1/Rate seconds to all goroutines together, so the waits are
// exact whatever the scheduling.
func TestLimiterSharedAcrossGoroutines(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.Rate = 2; o.Burst = 1 })
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			if _, err := r.c.Page(t.Context(), "p"+strconv.Itoa(i)); err != nil {
				t.Errorf("page %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got := r.waits.got()
	slices.Sort(got)
	want := []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("limiter waits (-want +got):\n%s", diff)
	}
	if st := r.c.Stats(); st.Waited != 5*time.Second || st.Calls != 5 {
		t.Errorf("stats: Waited = %s (want 5s), Calls = %d (want 5)", st.Waited, st.Calls)
	}
}

// TestLimiterRealClock runs the defaults (real clock, real sleep) at a high
// rate, to check that pacing really delays requests.
func TestLimiterRealClock(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := New(testToken, Options{Version: Version20220628, BaseURL: f.srv.URL, Rate: 50, Burst: 1})
	start := time.Now()
	for i := range 6 {
		if _, err := c.Page(t.Context(), "p"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	// 6 requests, burst 1 at 50/s: the last starts at least 5 × 20 ms after the first.
	if el := time.Since(start); el < 90*time.Millisecond {
		t.Errorf("6 paced requests took %s, want >= 100ms", el)
	}
	// Part of each 20 ms gap is spent on the request itself, not waiting.
	if st := c.Stats(); st.Waited < 40*time.Millisecond || st.Waited > 150*time.Millisecond {
		t.Errorf("Stats.Waited = %s, want a little under 100ms", st.Waited)
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		route     string
		call      func(*Client) error
		wantHits  int
		wantErr   bool
		ambiguous bool
	}{
		{name: "GET retried after a timeout", route: "GET /v1/pages/" + testPageID,
			call:     func(c *Client) error { _, err := c.Page(t.Context(), testPageID); return err },
			wantHits: 2},
		{name: "create not retried, ambiguous", route: "POST /v1/pages",
			call: func(c *Client) error {
				_, err := c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, nil)
				return err
			},
			wantHits: 1, wantErr: true, ambiguous: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, func(o *Options) { o.Timeout = 50 * time.Millisecond })
			r.fake.on(tt.route, fakeReply{hang: true})
			err := tt.call(r.c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got := IsAmbiguous(err); got != tt.ambiguous {
				t.Errorf("IsAmbiguous = %v, want %v (err %v)", got, tt.ambiguous, err)
			}
			if got := r.fake.count(tt.route); got != tt.wantHits {
				t.Errorf("hits = %d, want %d", got, tt.wantHits)
			}
			if !strings.Contains(r.audit.String(), " status=0 ") || !strings.Contains(r.audit.String(), "error=timeout") {
				t.Errorf("audit log has no timeout line:\n%s", r.audit.String())
			}
			if st := r.c.Stats(); st.ByStatus[0] != 1 {
				t.Errorf("Stats.ByStatus[0] = %d, want 1", st.ByStatus[0])
			}
		})
	}
}

func TestContextStopsWaiting(t *testing.T) {
	t.Parallel()
	t.Run("cancel during Retry-After", func(t *testing.T) {
		t.Parallel()
		entered := make(chan struct{})
		r := newRig(t, func(o *Options) {
			o.Sleep = func(ctx context.Context, d time.Duration) error {
				close(entered)
				<-ctx.Done()
				return ctx.Err()
			}
		})
		r.fake.on("GET /v1/pages/p", fakeReply{status: 429, header: map[string]string{"Retry-After": "60"}})
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-entered; cancel() }()
		start := time.Now()
		_, err := r.c.Page(ctx, "p")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != time.Minute {
			t.Errorf("err = %v, want it to carry the 429 with RetryAfter 1m", err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("took %s", el)
		}
		if got := r.fake.count("GET /v1/pages/p"); got != 1 {
			t.Errorf("hits = %d, want 1", got)
		}
	})
	t.Run("Retry-After past the deadline gives up at once", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, func(o *Options) { o.Now = time.Now })
		r.fake.on("GET /v1/pages/p", fakeReply{status: 429, header: map[string]string{"Retry-After": "60"}})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err := r.c.Page(ctx, "p")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 429 {
			t.Errorf("err = %v, want it to carry the 429", err)
		}
		if w := r.waits.got(); len(w) != 0 {
			t.Errorf("waited %v, want no wait", w)
		}
	})
	t.Run("backoff past the deadline gives up at once", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, func(o *Options) { o.Backoff = 20 * time.Second; o.Now = time.Now })
		r.fake.on("GET /v1/pages/p", fakeReply{status: 502})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err := r.c.Page(ctx, "p")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 502 || ae.RequestID != "req-pages.p-1" {
			t.Errorf("err = %v, want the 502 with its request id", err)
		}
		if w := r.waits.got(); len(w) != 0 {
			t.Errorf("waited %v, want no wait", w)
		}
	})
	t.Run("already cancelled sends nothing", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := r.c.Page(ctx, "p")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if n := len(r.fake.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

// auditLineRE matches the documented audit format.
func auditLineRE() *regexp.Regexp {
	return regexp.MustCompile(`^time=(\S+) method=(\S+) path=(\S+) status=(\d+) duration_ms=(\d+) attempt=(\d+) request_id=(\S+)(?: error=(\S+))?$`)
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.fake.on("GET /v1/pages/"+testPageID, fakeReply{status: 503}, fakeReply{status: 502, html: true})
	r.fake.on("POST /v1/pages", fakeReply{reset: true})
	if _, err := r.c.Page(t.Context(), testPageID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.CreatePage(t.Context(), Target{DatabaseID: testDBID}, map[string]json.RawMessage{"Module": json.RawMessage(`{"title":[{"text":{"content":"secret body text"}}]}`)}); err == nil {
		t.Fatal("create: want an error")
	}
	auditLine := auditLineRE()
	type line struct{ Time, Method, Path, Status, Attempt, RequestID, Error string }
	var got []line
	out := r.audit.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := auditLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("audit line does not match the format: %q", l)
		}
		got = append(got, line{m[1], m[2], m[3], m[4], m[6], m[7], m[8]})
	}
	ts := "2024-05-01T10:15:00.123Z"
	p := "/v1/pages/" + testPageID
	want := []line{
		{ts, "GET", p, "503", "1", "req-pages." + testPageID + "-1", ""},
		{ts, "GET", p, "502", "2", "-", ""},
		{ts, "GET", p, "200", "3", "req-pages." + testPageID + "-3", ""},
		{ts, "POST", "/v1/pages", "0", "1", "-", "reset"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if strings.Contains(out, "secret body text") || strings.Contains(out, "Bearer") {
		t.Errorf("audit log holds a body or a header:\n%s", out)
	}
	wantStats := Stats{Calls: 4, ByStatus: map[int]int{0: 1, 200: 1, 502: 1, 503: 1}, Retries: 2, Waited: 3 * time.Second}
	if diff := cmp.Diff(wantStats, r.c.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// TestAuditLogConcurrent: many goroutines, one writer, every line whole.
func TestAuditLogConcurrent(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	var wg sync.WaitGroup
	const n = 40
	for i := range n {
		wg.Go(func() {
			if _, err := r.c.Page(t.Context(), "p"+strconv.Itoa(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	auditLine := auditLineRE()
	lines := strings.Split(strings.TrimSuffix(r.audit.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d audit lines, want %d", len(lines), n)
	}
	for _, l := range lines {
		if !auditLine.MatchString(l) {
			t.Errorf("torn audit line %q", l)
		}
	}
	if st := r.c.Stats(); st.Calls != n || st.ByStatus[200] != n {
		t.Errorf("stats = %+v", st)
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	t.Parallel()
	c := New(testToken, Options{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	caps := map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second}
	for attempt, limit := range caps {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.tr.backoffFor(attempt)
			if d < 0 || d > limit {
				t.Fatalf("backoffFor(%d) = %s, want within [0, %s]", attempt, d, limit)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoffFor(%d): only %d distinct values in 200 draws; jitter missing?", attempt, len(seen))
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         routeClass
	}{
		{"GET", "/v1/pages/x", classIdempotent},
		{"PATCH", "/v1/pages/x", classIdempotent},
		{"PATCH", "/v1/databases/x", classIdempotent},
		{"POST", "/v1/databases/x/query", classIdempotent},
		{"POST", "/v1/search", classIdempotent},
		{"POST", "/v1/pages", classCreate},
		{"POST", "/v1/databases", classCreate},
		{"POST", "/v1/databases/x/y/query", classCreate},
		{"POST", "/v1/databases//query", classCreate},
	}
	for _, tt := range tests {
		if got := classify(tt.method, tt.path); got != tt.want {
			t.Errorf("classify(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestRateLimitPausesEvenWhenGivingUp: a request out of retries still makes the
// others respect the Retry-After it was given.
func TestRateLimitPausesEvenWhenGivingUp(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.MaxRetries = -1 })
	r.fake.on("GET /v1/pages/a", fakeReply{status: 429, header: map[string]string{"Retry-After": "4"}})
	_, err := r.c.Page(t.Context(), "a")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 429 || ae.RetryAfter != 4*time.Second {
		t.Fatalf("a: err = %v, want the 429", err)
	}
	if _, err := r.c.Page(t.Context(), "b"); err != nil {
		t.Fatalf("b: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{4 * time.Second}, r.waits.got()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if st := r.c.Stats(); st.Retries != 0 || st.RateLimited != 1 {
		t.Errorf("stats = %+v, want no retries and 1 rate limited", st)
	}
}

// TestAdaptiveRate: a 429 halves the shared rate and 200s bring it back.
func TestAdaptiveRate(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.Rate = 4; o.Burst = 100 })
	r.fake.on("GET /v1/pages/a", fakeReply{status: 429}, fakeReply{status: 429})
	var got []float64
	limit := func() { got = append(got, float64(r.c.tr.limiter.Limit())) }
	limit()
	if _, err := r.c.Page(t.Context(), "a"); err != nil { // 429, 429 (rate 2, then 1), 200 (1.1)
		t.Fatal(err)
	}
	limit()
	for range 29 {
		if _, err := r.c.Page(t.Context(), "b"); err != nil {
			t.Fatal(err)
		}
	}
	limit()
	want := []float64{4, 1.1, 4}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
}

// TestAdaptiveRateOncePerEvent: 429s of requests already in flight when the
// rate was halved do not halve it again.
func TestAdaptiveRateOncePerEvent(t *testing.T) {
	t.Parallel()
	tr := New(testToken, Options{Rate: 4, Now: testNow}).tr
	before := testNow().Add(-time.Second)
	steps := []struct {
		ok   bool
		sent time.Time
	}{
		{false, before},    // first 429: 4 -> 2
		{false, before},    // same event: stays 2
		{false, testNow()}, // sent after the halving: 2 -> 1
		{false, testNow()}, // 1 -> 0.5
		{false, testNow()}, // floor is Rate/16 = 0.25
		{false, testNow()}, // stays at the floor
		{true, testNow()},  // +Rate/40 = 0.1
	}
	var got []float64
	for _, s := range steps {
		tr.mu.Lock()
		tr.adaptLocked(s.ok, s.sent)
		tr.mu.Unlock()
		got = append(got, float64(tr.limiter.Limit()))
	}
	want := []float64{2, 2, 1, 0.5, 0.25, 0.25, 0.35}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("limits (-want +got):\n%s", diff)
	}
}

// TestNoBunchingAfterPause: workers that took a limiter slot before a 429
// (notion-api.md §6: the Retry-After pause is per integration) must not all
// fire the instant the pause ends; after it they are spaced by the limiter
// again, at the rate the 429 lowered. The clock is fixed and every sleep is
// recorded, so a sleep of d means "until testNow+d": a request goes at the end
// of the longest sleep of its last turn.
func TestNoBunchingAfterPause(t *testing.T) {
	t.Parallel()
	type whoKey struct{}
	var (
		mu      sync.Mutex
		longest = map[string]time.Duration{}
		held    sync.WaitGroup // workers b..f parked in their limiter wait
		release = make(chan struct{})
	)
	sleep := func(ctx context.Context, d time.Duration) error {
		who, _ := ctx.Value(whoKey{}).(string)
		mu.Lock()
		first := longest[who] == 0
		longest[who] = max(longest[who], d)
		mu.Unlock()
		if who != "a" && first {
			held.Done()
			<-release
		}
		return nil
	}
	r := newRig(t, func(o *Options) { o.Rate = 10; o.Burst = 1; o.Sleep = sleep })
	arrived, gate := make(chan struct{}), make(chan struct{})
	r.fake.on("GET /v1/pages/a", fakeReply{status: 429, header: map[string]string{"Retry-After": "2"}, arrived: arrived, gate: gate})
	page := func(who string) error {
		_, err := r.c.Page(context.WithValue(t.Context(), whoKey{}, who), who)
		return err
	}

	errA := make(chan error, 1)
	go func() { errA <- page("a") }() // takes the burst slot; its answer waits at the gate
	<-arrived
	workers := []string{"b", "c", "d", "e", "f"}
	// b..f's answers wait until all five were sent, so no 200 raises the rate
	// (AIMD) between their reservations and the spacing is exact.
	sentAll, answer := sync.WaitGroup{}, make(chan struct{})
	sentAll.Add(len(workers))
	for _, who := range workers {
		arrivedW := make(chan struct{})
		r.fake.on("GET /v1/pages/"+who, fakeReply{arrived: arrivedW, gate: answer})
		go func() { <-arrivedW; sentAll.Done() }()
	}
	held.Add(len(workers))
	var wg sync.WaitGroup
	for _, who := range workers {
		wg.Go(func() {
			if err := page(who); err != nil {
				t.Errorf("%s: %v", who, err)
			}
		})
	}
	held.Wait() // b..f hold slots testNow+100ms..+500ms
	close(gate) // a gets the 429: pause until testNow+2s, rate halved to 5/s
	if err := <-errA; err != nil {
		t.Fatalf("a: %v", err)
	}
	close(release)
	sentAll.Wait()
	close(answer)
	wg.Wait()

	var got []time.Duration
	for _, d := range longest {
		got = append(got, d.Round(time.Millisecond))
	}
	slices.Sort(got)
	// a goes first, at the end of the pause; then one every 1/rate, where the
	// rate is 10/s halved by the 429 and raised by 10/40 by a's 200: 5.25/s.
	want := []time.Duration{2000 * time.Millisecond, 2190 * time.Millisecond, 2381 * time.Millisecond,
		2571 * time.Millisecond, 2762 * time.Millisecond, 2952 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("send times after testNow (-want +got):\n%s", diff)
	}
}

// TestRateLimitBackoffFloor: a 429/529 without Retry-After must not be retried
// almost at once. Notion's own SDK backs off from 1 s (notion-api.md §5.2, §6),
// so the wait has equal jitter (half fixed, half random) and a floor of 1 s
// when Backoff is 1 s or more. Jitter is on here (the default).
func TestRateLimitBackoffFloor(t *testing.T) {
	t.Parallel()
	t.Run("through the retry path", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		rec := &recorder{}
		c := New(testToken, Options{Version: Version20220628, BaseURL: f.srv.URL, Rate: float64(rate.Inf), Sleep: rec.sleep, Now: testNow})
		f.on("GET /v1/pages/p", fakeReply{status: 429}, fakeReply{status: 529}, fakeReply{status: 429}, fakeReply{status: 429})
		if _, err := c.Page(t.Context(), "p"); err != nil {
			t.Fatal(err)
		}
		waits := rec.got()
		bounds := [][2]time.Duration{{time.Second, time.Second}, {time.Second, 2 * time.Second},
			{2 * time.Second, 4 * time.Second}, {4 * time.Second, 8 * time.Second}}
		if len(waits) != len(bounds) {
			t.Fatalf("waits = %v, want %d", waits, len(bounds))
		}
		for i, w := range waits {
			if w < bounds[i][0] || w > bounds[i][1] {
				t.Errorf("wait %d = %s, want within [%s, %s]", i+1, w, bounds[i][0], bounds[i][1])
			}
		}
	})
	t.Run("distribution", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			backoff, maxBackoff time.Duration
			floor               time.Duration // absolute floor
		}{
			{time.Second, 30 * time.Second, time.Second},
			{2 * time.Second, 30 * time.Second, time.Second},
			{100 * time.Millisecond, time.Second, 0}, // under 1 s: only the half-fixed part
		} {
			tr := New(testToken, Options{Backoff: tt.backoff, MaxBackoff: tt.maxBackoff}).tr
			for attempt := 1; attempt <= 8; attempt++ {
				ceiling := min(tt.maxBackoff, tt.backoff<<(attempt-1))
				lo := max(tt.floor, ceiling/2)
				seen := map[time.Duration]bool{}
				for range 200 {
					d := tr.rateLimitBackoff(attempt)
					if d < lo || d > max(ceiling, tt.floor) {
						t.Fatalf("backoff %s: rateLimitBackoff(%d) = %s, want within [%s, %s]", tt.backoff, attempt, d, lo, max(ceiling, tt.floor))
					}
					seen[d] = true
				}
				if ceiling/2 > tt.floor && len(seen) < 10 {
					t.Errorf("backoff %s: rateLimitBackoff(%d): %d distinct values in 200 draws; jitter missing?", tt.backoff, attempt, len(seen))
				}
			}
		}
	})
}

// TestBackoffNoOverflow: Backoff·2^(n-1) must not overflow into a short wait
// for a large Backoff or a late attempt; the wait only grows up to MaxBackoff.
func TestBackoffNoOverflow(t *testing.T) {
	t.Parallel()
	// 2^40+1 ns shifted by 24 wraps to 2^24 ns (16ms) in int64.
	for _, b := range []time.Duration{time.Nanosecond, time.Second, 10 * time.Minute, 100 * time.Hour, 1<<40 + 1} {
		tr := New(testToken, Options{Backoff: b, MaxBackoff: 200 * time.Hour}).tr
		tr.jitter = func(d time.Duration) time.Duration { return d }
		prev := time.Duration(0)
		for attempt := 1; attempt <= 100; attempt++ {
			d := tr.backoffFor(attempt)
			if d < prev || d > 200*time.Hour || d <= 0 {
				t.Fatalf("Backoff %s: backoffFor(%d) = %s after %s; want non-decreasing, in (0, 200h]", b, attempt, d, prev)
			}
			prev = d
		}
		if prev != 200*time.Hour {
			t.Errorf("Backoff %s: backoffFor(100) = %s, want the 200h cap", b, prev)
		}
	}
}

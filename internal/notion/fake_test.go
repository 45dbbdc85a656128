package notion

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lukhas/notion-sync-action/internal/secret"
	"golang.org/x/time/rate"
)

// testToken must never show up in any output; every rig checks its audit log
// and logs for it on cleanup.
const testToken secret.Token = "ntn_TESTTOKEN_must_not_leak_4242"

const (
	testPageID = "59833787-2cf9-4fdf-8782-e53db20768a5"
	testDBID   = "d9824bdc-8445-4327-be8b-5b47500af6ce"
)

func testNow() time.Time { return time.Date(2024, 5, 1, 10, 15, 0, 123e6, time.UTC) }

func pageJSON(id string) string {
	return `{"object":"page","id":"` + id + `","created_time":"2024-05-01T10:15:00.000Z",` +
		`"last_edited_time":"2024-05-01T10:15:00.000Z",` +
		`"parent":{"type":"database_id","database_id":"` + testDBID + `"},"archived":false,` +
		`"properties":{"Module":{"id":"title","type":"title","title":[]}},"url":"https://www.notion.so/x"}`
}

const (
	userJSON = `{"object":"user","id":"be32e790-0000-4000-8000-000000000001","name":"Sync bot","avatar_url":null,` +
		`"type":"bot","bot":{"owner":{"type":"workspace","workspace":true},"workspace_name":"Acme"}}`
	databaseJSON = `{"object":"database","id":"` + testDBID + `","created_time":"2024-05-01T10:15:00.000Z",` +
		`"last_edited_time":"2024-05-01T10:15:00.000Z","title":[],"description":[],` +
		`"properties":{"Module":{"id":"title","name":"Module","type":"title","title":{}}},` +
		`"parent":{"type":"workspace","workspace":true},"url":"https://www.notion.so/db","archived":false,"is_inline":false,"public_url":null}`
)

// fakeReply scripts one answer of the fake server.
type fakeReply struct {
	status int    // 0 means 200 with the route's default body
	code   string // Notion error code of the JSON envelope
	html   bool   // answer with a proxy's HTML page instead of JSON
	body   string // overrides the body
	header map[string]string
	noID   bool // send no x-notion-request-id
	reset  bool // close the connection without answering
	hang   bool // never answer; wait for the client to give up
	// arrived, when set, is closed once the request has reached the fake, and
	// the answer then waits until gate is closed: a test can act while the
	// request is in flight.
	arrived chan struct{}
	gate    chan struct{}
}

// seenRequest is what the fake recorded of one request.
type seenRequest struct {
	Method string
	Path   string
	Body   string
	Header http.Header
}

// fakeNotion is a loopback server with a per-route script of faults; when a
// route's script runs out it answers 200 with a plausible body.
type fakeNotion struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string

	mu     sync.Mutex
	script map[string][]fakeReply
	hits   map[string]int
	reqs   []seenRequest
	bodies map[string]string // route -> default 200 body override
}

func newFake(t *testing.T) *fakeNotion {
	t.Helper()
	f := &fakeNotion{t: t, script: map[string][]fakeReply{}, hits: map[string]int{}, bodies: map[string]string{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// on appends replies to the script of route ("GET /v1/pages/<id>").
func (f *fakeNotion) on(route string, replies ...fakeReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[route] = append(f.script[route], replies...)
}

// answer sets the default 200 body of route.
func (f *fakeNotion) answer(route, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies[route] = body
}

func (f *fakeNotion) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[route]
}

func (f *fakeNotion) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.reqs...)
}

func (f *fakeNotion) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, f.prefix)
	route := r.Method + " " + path
	f.mu.Lock()
	f.hits[route]++
	n := f.hits[route]
	f.reqs = append(f.reqs, seenRequest{Method: r.Method, Path: r.URL.Path, Body: string(body), Header: r.Header.Clone()})
	var rep fakeReply
	if s := f.script[route]; len(s) > 0 {
		rep, f.script[route] = s[0], s[1:]
	}
	def, hasDef := f.bodies[route]
	f.mu.Unlock()

	switch {
	case rep.reset:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
		return
	case rep.hang:
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			f.t.Errorf("%s: client never gave up", route)
		}
		return
	}
	if rep.arrived != nil {
		close(rep.arrived)
	}
	if rep.gate != nil {
		select {
		case <-rep.gate:
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	id := fmt.Sprintf("req-%s-%d", strings.ReplaceAll(strings.TrimPrefix(path, "/v1/"), "/", "."), n)
	if !rep.noID && !rep.html {
		w.Header().Set("X-Notion-Request-Id", id)
	}
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	out := rep.body
	switch {
	case out != "":
	case rep.html:
		w.Header().Set("Content-Type", "text/html")
		out = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"
	case status != http.StatusOK:
		code := rep.code
		if code == "" {
			code = map[int]string{400: "validation_error", 404: "object_not_found", 409: "conflict_error",
				429: "rate_limited", 500: "internal_server_error", 502: "bad_gateway", 503: "service_unavailable",
				504: "gateway_timeout", 529: "service_overload"}[status]
		}
		env, _ := json.Marshal(map[string]any{"object": "error", "status": status, "code": code,
			"message": fmt.Sprintf("message %d", status), "request_id": id})
		out = string(env)
	case hasDef:
		out = def
	default:
		out = f.defaultBody(r.Method, path)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

func (f *fakeNotion) defaultBody(method, path string) string {
	switch {
	case path == "/v1/users/me":
		return userJSON
	case strings.HasSuffix(path, "/query"):
		return `{"object":"list","results":[` + pageJSON(testPageID) + `],"next_cursor":null,"has_more":false,"type":"page_or_database","page_or_database":{}}`
	case strings.HasPrefix(path, "/v1/databases/"):
		return databaseJSON
	case path == "/v1/pages":
		return pageJSON(testPageID)
	case strings.HasPrefix(path, "/v1/pages/"):
		return pageJSON(strings.TrimPrefix(path, "/v1/pages/"))
	}
	f.t.Errorf("fake notion: unexpected %s %s", method, path)
	return `{}`
}

// recorder is an Options.Sleep that records waits instead of sleeping.
type recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func (r *recorder) got() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

// lockedBuffer is an io.Writer safe for many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// rig is a Client wired to a fakeNotion, with a fixed clock, recorded sleeps,
// no pacing, jitter turned off (waits are the backoff caps) and its audit log
// and debug log captured.
type rig struct {
	c     *Client
	fake  *fakeNotion
	waits *recorder
	audit *lockedBuffer
	logs  *lockedBuffer
}

func newRig(t *testing.T, mod func(*Options)) *rig {
	t.Helper()
	r := &rig{fake: newFake(t), waits: &recorder{}, audit: &lockedBuffer{}, logs: &lockedBuffer{}}
	opts := Options{
		// The fake serves the 2022-06-28 routes and shapes; the versions are
		// tested against the emulator (versions_test.go).
		Version:  Version20220628,
		BaseURL:  r.fake.srv.URL,
		Rate:     float64(rate.Inf),
		Sleep:    r.waits.sleep,
		Now:      testNow,
		Timeout:  5 * time.Second,
		AuditLog: r.audit,
		Logger:   slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&opts)
	}
	r.c = New(testToken, opts)
	r.c.tr.jitter = func(d time.Duration) time.Duration { return d }
	t.Cleanup(func() {
		for name, out := range map[string]string{"audit log": r.audit.String(), "log": r.logs.String()} {
			if strings.Contains(out, testToken.Reveal()) {
				t.Errorf("%s contains the token:\n%s", name, out)
			}
		}
	})
	return r
}

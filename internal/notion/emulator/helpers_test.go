package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dstotijn/go-notion"
)

// rewrite sends go-notion's requests, whose base URL is hard-coded to
// https://api.notion.com/v1, to the emulator instead.
type rewrite struct {
	base *url.URL
	rt   http.RoundTripper
}

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.base.Scheme, r.base.Host, ""
	return r.rt.RoundTrip(req)
}

// goNotion returns a go-notion client talking to s.
func goNotion(t testing.TB, s *Server) *notion.Client {
	t.Helper()
	return goNotionWith(t, s, &http.Client{})
}

func goNotionWith(t testing.TB, s *Server, hc *http.Client) *notion.Client {
	t.Helper()
	base, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = rewrite{base: base, rt: rt}
	return notion.NewClient(s.Token(), notion.WithHTTPClient(hc))
}

// resp is a raw HTTP response.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// errBody decodes a Notion error envelope.
func (r resp) errBody(t *testing.T) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

// obj decodes a JSON object body.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// call sends a raw request with the emulator's token and Notion-Version, for what
// go-notion cannot send (null clears, bad headers). hdr overrides headers; an empty
// value removes one.
func call(t *testing.T, s *Server, method, path, body string, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("Notion-Version", NotionVersion)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withDefaultDB starts a server with the default schema and returns it and the
// database id.
func withDefaultDB(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := newServer(t, opts)
	id, err := s.CreateDatabase(DefaultSchema())
	if err != nil {
		t.Fatal(err)
	}
	return s, id
}

// allTypesSchema has one column of every writable type, a status with options and
// read-only columns, for tests beyond the default schema.
const allTypesSchema = `{"title":[],"properties":{
 "Name": {"title": {}},
 "Text": {"rich_text": {}},
 "Num": {"number": {"format": "number"}},
 "Sel": {"select": {"options": [{"name": "prod", "color": "green"}, {"name": "dev", "color": "blue"}]}},
 "Multi": {"multi_select": {"options": [{"name": "api", "color": "red"}, {"name": "go", "color": "gray"}]}},
 "Stage": {"status": {"options": [{"name": "Not started", "color": "default"}, {"name": "Done", "color": "green"}]}},
 "When": {"date": {}},
 "Done": {"checkbox": {}},
 "Docs": {"url": {}},
 "Mail": {"email": {}},
 "Phone": {"phone_number": {}},
 "Deps": {"relation": {"database_id": "d9824bdc-8445-4327-be8b-5b47500af6ce", "type": "single_property", "single_property": {}}},
 "Owners": {"people": {}},
 "Files": {"files": {}},
 "Formula": {"formula": {"expression": "1"}},
 "Created": {"created_time": {}}
}}`

func withAllTypesDB(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := newServer(t, opts)
	id, err := s.CreateDatabase(json.RawMessage(allTypesSchema))
	if err != nil {
		t.Fatal(err)
	}
	return s, id
}

// seed creates a page or fails the test.
func seed(t *testing.T, s *Server, db, props string) string {
	t.Helper()
	id, err := s.SeedPage(db, json.RawMessage(props))
	if err != nil {
		t.Fatalf("SeedPage(%s): %v", props, err)
	}
	return id
}

// title is a request-form title value.
func title(s string) string {
	b, _ := json.Marshal(s)
	return `{"title":[{"text":{"content":` + string(b) + `}}]}`
}

func ctx(t *testing.T) context.Context { return t.Context() }

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("unmarshal %q: %v", b, err)
	}
}

// newServer starts New(opts) behind an httptest.Server that t.Cleanup closes. It is
// notiontest.NewServer, which this package's own tests cannot import.
func newServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	s.SetURL(ts.URL)
	return s
}

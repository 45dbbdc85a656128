// Package emulator is an in-memory emulator of the Notion REST API, versions
// 2022-06-28, 2025-09-03 and 2026-03-11 (each request answered in the shapes
// of its Notion-Version header), as reference/notion-api.md describes it. It exists so that every test
// and every demo runs offline against something that fails the way Notion fails:
// strict validation with Notion's messages, exact pagination, minute-rounded
// timestamps, rate limits, and scripted or random faults such as a create that is
// stored although the client sees a 502.
//
// It is a product package, not a test helper: `notion-sync emulator` and `notion-sync
// demo` serve it, so it links no testing code. Tests start it through notiontest,
// whose NewServer puts New(opts) behind an httptest.Server. A Server is safe for
// concurrent use; its inspection methods (Pages, Requests, Count) let tests assert
// what reached "Notion".
package emulator

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	wallclock "github.com/lukhas/notion-sync-action/internal/clock"
)

// Options configures a Server; the zero value is a strict, fault-free, unlimited
// emulator with a generated token.
type Options struct {
	Token           string        // bearer token accepted; "" means a generated "secret_emulator_..." token
	Latency         time.Duration // added to every request
	Jitter          time.Duration // random extra latency, up to this
	RateLimit       float64       // token bucket requests/s; 0 = off
	Burst           int           // bucket size (default 10 when RateLimit > 0)
	WindowBudget    int           // alternative model: requests allowed per Window; 0 = off
	Window          time.Duration // default 60s
	Faults          string        // random fault spec, see ParseFaultSpec and docs/emulator.md; New panics on a bad spec
	Seed            int64         // seed for random faults and jitter
	VisibilityDelay time.Duration // new pages appear in queries only after this
	MaxBodyBytes    int64         // default 500 KB; larger request bodies get 413
	ShortPages      bool          // half the query pages (seeded) hold fewer than page_size rows while has_more is true
	URLHost         string        // host used in page urls, default "www.notion.so"
	// BlockLimit, when above 0, is how many blocks (pages and databases) the
	// integration may create through the API; further creates get the
	// workspace block-limit refusal (notion-api.md §4, C7). Seeds do not count.
	BlockLimit int
	// QueryResultLimit is how many results one data source query reaches
	// (2025-09-03 and later) before Notion ends it with request_status
	// "incomplete" (notion-api.md §7); 0 means Notion's 10,000.
	QueryResultLimit int
	Now              func() time.Time // clock; default time.Now

	// Sleep waits d or until ctx is done, returning ctx.Err() then. Latency, jitter
	// and Fault.Delay go through it, so tests can record waits instead of waiting.
	// Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives one line per request (method, path, status, duration); nil is silent.
	Log *slog.Logger
}

// DefaultMaxBodyBytes is the request size above which the emulator answers 413, as
// Notion's edge does for payloads over 500 KB (notion-api.md §4).
const DefaultMaxBodyBytes = 500 * 1000

// Server is the emulator. It is an http.Handler; New returns one that is not
// listening; the caller serves it. All methods are safe for
// concurrent use.
type Server struct {
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	log     *slog.Logger
	latency time.Duration
	jitter  time.Duration
	visDel  time.Duration
	short   bool
	maxBody int64
	urlHost string
	rules   []FaultRule

	mu        sync.Mutex // guards the Notion state below
	token     string
	generated bool // token was generated here, so it may be saved with the state
	botID     string
	dbs       map[string]*database
	dbOrder   []string
	pages     map[string]*page
	seq       int64

	parentPages map[string]*parentPage // pages databases can be created under
	blockLimit  int
	queryLimit  int
	blocksUsed  int

	ctlMu    sync.Mutex // guards request log, scripted faults, rng and limiter
	rng      *rand.Rand
	scripted []*scriptedFault
	requests []Request
	limiter  *limiter

	baseURL string
}

type scriptedFault struct {
	n int
	f Fault
}

// New returns an emulator configured by opts, with no database: add one with
// CreateDatabase. It panics if opts.Faults does not parse (check it first with
// ParseFaultSpec when it comes from a user).
func New(opts Options) *Server {
	rules, err := ParseFaultSpec(opts.Faults)
	if err != nil {
		panic(fmt.Sprintf("emulator: %v", err))
	}
	s := &Server{
		now:         opts.Now,
		sleep:       opts.Sleep,
		log:         opts.Log,
		latency:     opts.Latency,
		jitter:      opts.Jitter,
		visDel:      opts.VisibilityDelay,
		short:       opts.ShortPages,
		maxBody:     opts.MaxBodyBytes,
		urlHost:     opts.URLHost,
		rules:       rules,
		token:       opts.Token,
		botID:       newUUID(),
		dbs:         map[string]*database{},
		pages:       map[string]*page{},
		blockLimit:  opts.BlockLimit,
		queryLimit:  cmp.Or(opts.QueryResultLimit, DefaultQueryResultLimit),
		parentPages: map[string]*parentPage{},
		rng:         rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15)),
		limiter:     newLimiter(opts),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = wallclock.Sleep
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.urlHost == "" {
		s.urlHost = "www.notion.so"
	}
	if s.token == "" {
		s.token, s.generated = newToken(), true
	}
	return s
}

// URL returns the base URL clients use in place of https://api.notion.com (no
// trailing /v1), or "" when the server was made with New and SetURL was not called.
func (s *Server) URL() string {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	return s.baseURL
}

// SetURL records the base URL the server is reachable at, for URL; the emulator
// command calls it once it listens.
func (s *Server) SetURL(u string) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.baseURL = strings.TrimSuffix(u, "/")
}

// Token returns the bearer token the server accepts. It is the emulator's own,
// never a Notion token, so printing it is fine.
func (s *Server) Token() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// CreateDatabase stores a database from a database object JSON (as GET
// /v1/databases/{id} returns it, e.g. DefaultSchema()) and returns its dashed id.
// The object's id is kept when present; property and option ids are generated when
// missing. It fails on a malformed schema or an id already in use.
func (s *Server) CreateDatabase(schema json.RawMessage) (string, error) {
	db, err := parseDatabaseObject(schema)
	if err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	now := s.now()
	db.Created, db.Edited = now, now
	db.DataSourceID = newUUID()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dbs[db.ID]; ok {
		return "", fmt.Errorf("create database: id %s already exists", db.ID)
	}
	s.dbs[db.ID] = db
	s.dbOrder = append(s.dbOrder, db.ID)
	return db.ID, nil
}

// Databases returns the ids of all databases, in creation order.
func (s *Server) Databases() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dbOrder)
}

// SeedPage creates a page in database dbID (its first data source) or data
// source dbID from properties in request form,
// validated exactly like POST /v1/pages, and returns its dashed id. Seeded pages are
// visible to queries at once (VisibilityDelay does not apply), and no request is
// logged. Validation failures come back as errors carrying Notion's message.
func (s *Server) SeedPage(dbID string, properties json.RawMessage) (string, error) {
	id, ok := parseID(dbID)
	if !ok {
		return "", fmt.Errorf("seed page: database id %q is not a valid uuid", dbID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.collection(id)
	if db == nil {
		return "", fmt.Errorf("seed page: no database or data source %s", id)
	}
	writes, e := parseProps(db, properties)
	if e != nil {
		return "", fmt.Errorf("seed page: %w", e)
	}
	pg := s.insertPage(db, writes, nil, nil)
	pg.VisibleAt = pg.Created
	return pg.ID, nil
}

// Page is a snapshot of a stored page, for assertions.
type Page struct {
	ID             string
	DatabaseID     string
	DataSourceID   string
	Archived       bool
	CreatedTime    time.Time                  // as the API reports it: rounded down to the minute
	LastEditedTime time.Time                  // idem
	Properties     map[string]json.RawMessage // response form ({"id","type",<type>:…}), keyed by property name
}

// PlainText returns a property's value as text: the concatenated plain_text of a
// title or rich_text, the name of a select or status, the names of a multi_select
// joined with ", ", a number, checkbox, url, email, phone number or date start as
// written. It returns "" for an empty or missing property.
func (p Page) PlainText(prop string) string {
	raw, ok := p.Properties[prop]
	if !ok {
		return ""
	}
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var typ string
	_ = json.Unmarshal(v["type"], &typ)
	val := v[typ]
	switch typ {
	case "title", "rich_text":
		var items []richText
		_ = json.Unmarshal(val, &items)
		return plainText(items)
	case "select", "status":
		var o *option
		_ = json.Unmarshal(val, &o)
		if o == nil {
			return ""
		}
		return o.Name
	case "multi_select":
		var opts []option
		_ = json.Unmarshal(val, &opts)
		names := make([]string, 0, len(opts))
		for _, o := range opts {
			names = append(names, o.Name)
		}
		return strings.Join(names, ", ")
	case "number":
		var f *float64
		_ = json.Unmarshal(val, &f)
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	case "checkbox":
		var b bool
		_ = json.Unmarshal(val, &b)
		return strconv.FormatBool(b)
	case "url", "email", "phone_number":
		var str *string
		_ = json.Unmarshal(val, &str)
		if str == nil {
			return ""
		}
		return *str
	case "date":
		var d *dateValue
		_ = json.Unmarshal(val, &d)
		if d == nil {
			return ""
		}
		return d.Start
	default:
		return ""
	}
}

// Pages returns every page of database dbID (its first data source) or data
// source dbID (dashed or not), archived ones included, in creation order.
func (s *Server) Pages(dbID string) []Page {
	id, _ := parseID(dbID)
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.collection(id)
	if db == nil {
		return nil
	}
	var out []Page
	for _, pg := range s.sortedPages() {
		if pg.DB == db.ID {
			out = append(out, s.snapshot(db, pg))
		}
	}
	return out
}

// Page returns the page with the given id (dashed or not).
func (s *Server) Page(id string) (Page, bool) {
	pid, ok := parseID(id)
	if !ok {
		return Page{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pg := s.pages[pid]
	if pg == nil {
		return Page{}, false
	}
	return s.snapshot(s.dbs[pg.DB], pg), true
}

func (s *Server) snapshot(db *database, pg *page) Page {
	props := make(map[string]json.RawMessage, len(db.Props))
	for _, p := range db.Props {
		props[p.Name] = s.renderValue(p, pg.Values[p.ID], pg)
	}
	return Page{
		ID:             pg.ID,
		DatabaseID:     db.databaseID(),
		DataSourceID:   db.DataSourceID,
		Archived:       pg.Archived,
		CreatedTime:    pg.Created.UTC().Truncate(time.Minute),
		LastEditedTime: pg.Edited.UTC().Truncate(time.Minute),
		Properties:     props,
	}
}

// sortedPages returns all pages in creation order.
func (s *Server) sortedPages() []*page {
	out := make([]*page, 0, len(s.pages))
	for _, pg := range s.pages {
		out = append(out, pg)
	}
	slices.SortFunc(out, func(a, b *page) int { return int(a.Seq - b.Seq) })
	return out
}

// Database returns the current database object (schema with every option added so
// far) as GET /v1/databases/{id} under 2022-06-28 would, without request checks;
// id may also be a data source's, for its schema.
func (s *Server) Database(id string) (json.RawMessage, bool) {
	did, ok := parseID(id)
	if !ok {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.collection(did)
	if db == nil {
		return nil, false
	}
	return mustJSON(s.renderDatabase(db, Version20220628)), true
}

// SetShared shares or unshares a database (with its data sources and pages),
// or a page made by CreateParentPage, with the integration. An unshared object
// answers 404, exactly like one that does not exist (notion-api.md §2.2).
func (s *Server) SetShared(id string, shared bool) {
	pid, _ := parseID(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.dbs[pid]; db != nil {
		db.Unshared = !shared
	}
	if pp := s.parentPages[pid]; pp != nil {
		pp.Unshared = !shared
	}
}

// Request is one logged request.
type Request struct {
	Method, Path, Route string // Route is the pattern, e.g. "POST /v1/pages"; "" for an unknown route
	Status              int    // status sent; 0 when no response was sent (reset, or client gone)
	BodySize            int    // request body size in bytes
	Time                time.Time
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Request {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	return slices.Clone(s.requests)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.requests = nil
}

// Count returns how many logged requests had this method and route, where route is
// a pattern like "/v1/pages" or "/v1/databases/{id}/query" (the full form "POST
// /v1/pages" works too). An empty method or route matches any.
func (s *Server) Count(method, route string) int {
	return s.CountStatus(method, route, 0)
}

// CountStatus is Count restricted to one response status (0 = any).
func (s *Server) CountStatus(method, route string, status int) int {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	n := 0
	for _, r := range s.requests {
		_, pattern, _ := strings.Cut(r.Route, " ")
		if (method == "" || method == r.Method) && (route == "" || route == pattern || route == r.Route) &&
			(status == 0 || status == r.Status) {
			n++
		}
	}
	return n
}

// FailNext makes the next n requests that match f.Route fail as f says. Scripted
// faults are used in the order they were added, before any random fault, and only
// for requests that passed authentication, version and rate-limit checks.
func (s *Server) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.scripted = append(s.scripted, &scriptedFault{n: n, f: f})
}

func (s *Server) record(r Request) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.requests = append(s.requests, r)
}

// Package artifacttest is one fake of the GitHub Actions results service and the
// Azure blob store it signs upload URLs for: the two servers an artifact upload
// (package artifact) talks to. It is shared so that the uploader's own tests and
// the Action's end-to-end tests check the upload against the same protocol, the
// same error shapes and the same secrets, rather than each keeping a copy that
// drifts from the other.
//
// The results service answers the Twirp JSON calls CreateArtifact (a signed
// upload URL) and FinalizeArtifact (the artifact id, 42; 4242 in camelCase), as
// GitHub does with proto field names, or as act and Gitea do in camelCase. The
// blob store takes Put Block and Put Block List on the signed URL and keeps the
// committed blob. Both record every request, and both can be told to fail.
package artifacttest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The workflow run and job ids that RuntimeToken's Actions.Results scope names:
// the uploader must send them as workflow_run_backend_id and
// workflow_job_run_backend_id.
const (
	RunID = "ce7f54c7-61c7-4aae-887f-30da475f5f1a"
	JobID = "ca395085-040a-526b-2ce8-bdc85f692774"
)

// RuntimeTokenPayload is RuntimeToken's JWT payload: its scp claim holds the
// Actions.Results scope among others, as the runner's token does.
const RuntimeTokenPayload = `{"scp":"Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.UploadArtifacts:x:y Actions.Results:` + RunID + `:` + JobID + `","iat":1700000000}`

// RuntimeToken is Token(RuntimeTokenPayload): what ACTIONS_RUNTIME_TOKEN holds
// in a test. It is a secret, each of its parts too.
const RuntimeToken = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." +
	"eyJzY3AiOiJBY3Rpb25zLkdlbmVyaWNSZWFkOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCBBY3Rpb25zLlVwbG9hZEFydGlmYWN0czp4OnkgQWN0aW9ucy5SZXN1bHRzOmNlN2Y1NGM3LTYxYzctNGFhZS04ODdmLTMwZGE0NzVmNWYxYTpjYTM5NTA4NS0wNDBhLTUyNmItMmNlOC1iZGM4NWY2OTI3NzQiLCJpYXQiOjE3MDAwMDAwMDB9." +
	"c2lnbmF0dXJlLXNlY3JldC1wYXJ0"

// Token builds a runtime token (a JWT, unsigned but shaped as the runner's) with
// the given payload, so a test can hand the uploader a token it must refuse.
// Its signature part is the same secret as RuntimeToken's.
func Token(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJlLXNlY3JldC1wYXJ0"
}

// The signed upload URL's secret: its SAS signature, which must be masked and
// never printed.
const (
	// SASQuery is the signed URL's query, as CreateArtifact returns it.
	SASQuery = "sv=2023-11-03&se=2026-01-01T00%3A00%3A00Z&sr=b&sp=cw&sig=" + SASSignatureEscaped
	// SASSignature is the sig parameter, decoded; SASSignatureEscaped is how
	// the URL writes it. Both are secrets.
	SASSignature        = "SECRETsig+abc="
	SASSignatureEscaped = "SECRETsig%2Babc%3D"
	// SASSecret is the part of the signature both spellings share: search
	// output for it.
	SASSecret = "SECRETsig"
)

// blobPath is where the signed URL points on the blob store.
const blobPath = "/actions-results/run/artifact.zip"

// TwirpCall is one request the results service received.
type TwirpCall struct {
	Method      string // CreateArtifact or FinalizeArtifact
	Auth        string // the Authorization header
	ContentType string
	Body        map[string]any // the JSON body, numbers as float64
}

// BlobCall is one request the blob store received.
type BlobCall struct {
	Comp        string // block or blocklist
	BlockID     string
	Auth        string // the Authorization header: the signed URL needs none
	ContentType string
	BlobType    string // x-ms-blob-content-type
	SASIntact   bool   // the signed query came through unchanged, first
}

// Service is the results service and the blob store, each on its own loopback
// server, recording every request.
//
// Set the exported fields before the first request: the handlers read them
// without a lock (Fail under the Service's own lock, as it is consumed).
type Service struct {
	// Fail maps a results service method ("CreateArtifact", "FinalizeArtifact")
	// or a blob store comp ("block", "blocklist") to the statuses its next
	// requests answer, in order, before it succeeds again. The results service
	// answers a Twirp error (409 already_exists, 429 resource_exhausted, 400
	// invalid_argument, others internal) with FailMsg (default "failed"); the
	// blob store an Azure AuthenticationFailed error whose message quotes the
	// signature, so a test sees whether the uploader repeats it.
	Fail    map[string][]int
	FailMsg string
	// CamelCase answers as act and Gitea do: signedUploadUrl, and artifactId as
	// the number 4242 instead of the string "42".
	CamelCase bool
	// CreateReply and FinalReply, when set, are the bodies CreateArtifact and
	// FinalizeArtifact answer with 200 instead of the usual ones.
	CreateReply, FinalReply string

	t       testing.TB
	results *httptest.Server
	blob    *httptest.Server

	mu         sync.Mutex
	twirpCalls []TwirpCall
	blobCalls  []BlobCall
	blocks     map[string][]byte
	committed  []byte
}

// New starts the two servers; they stop when the test ends. An unexpected
// request fails the test.
func New(t testing.TB) *Service {
	t.Helper()
	s := &Service{t: t, Fail: map[string][]int{}, blocks: map[string][]byte{}}
	s.results = httptest.NewServer(http.HandlerFunc(s.serveTwirp))
	s.blob = httptest.NewServer(http.HandlerFunc(s.serveBlob))
	t.Cleanup(s.results.Close)
	t.Cleanup(s.blob.Close)
	return s
}

// ResultsURL is what ACTIONS_RESULTS_URL holds: the results service's origin
// and a slash.
func (s *Service) ResultsURL() string { return s.results.URL + "/" }

// SignedURL is the upload URL CreateArtifact answers: the blob store's, with
// SASQuery.
func (s *Service) SignedURL() string { return s.blob.URL + blobPath + "?" + SASQuery }

// Snapshot returns the requests received so far and the blob the last block
// list committed.
func (s *Service) Snapshot() ([]TwirpCall, []BlobCall, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.twirpCalls), slices.Clone(s.blobCalls), slices.Clone(s.committed)
}

// nextFailure pops the next status to fail key with, or 0.
func (s *Service) nextFailure(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.Fail[key]
	if len(q) == 0 {
		return 0
	}
	s.Fail[key] = q[1:]
	return q[0]
}

func (s *Service) serveTwirp(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/twirp/github.actions.results.api.v1.ArtifactService/")
	if r.Method != http.MethodPost || !ok {
		s.t.Errorf("results service: unexpected %s %s", r.Method, r.URL)
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.t.Errorf("%s: decode body: %v", method, err)
	}
	s.mu.Lock()
	s.twirpCalls = append(s.twirpCalls, TwirpCall{method, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if status := s.nextFailure(method); status != 0 {
		code := map[int]string{409: "already_exists", 429: "resource_exhausted", 400: "invalid_argument"}[status]
		if code == "" {
			code = "internal"
		}
		msg := s.FailMsg
		if msg == "" {
			msg = "failed"
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "msg": msg})
		return
	}
	switch method {
	case "CreateArtifact":
		if s.CreateReply != "" {
			_, _ = io.WriteString(w, s.CreateReply)
			return
		}
		key := "signed_upload_url"
		if s.CamelCase {
			key = "signedUploadUrl"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, key: s.SignedURL()})
	case "FinalizeArtifact":
		switch {
		case s.FinalReply != "":
			_, _ = io.WriteString(w, s.FinalReply)
		case s.CamelCase:
			_, _ = io.WriteString(w, `{"ok":true,"artifactId":4242}`)
		default:
			_, _ = io.WriteString(w, `{"ok":true,"artifact_id":"42"}`)
		}
	default:
		s.t.Errorf("results service: unexpected method %s", method)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (s *Service) serveBlob(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut || r.URL.Path != blobPath {
		s.t.Errorf("blob store: unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	call := BlobCall{
		Comp: q.Get("comp"), BlockID: q.Get("blockid"),
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"),
		BlobType: r.Header.Get("x-ms-blob-content-type"), SASIntact: strings.HasPrefix(r.URL.RawQuery, SASQuery+"&"),
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Error(err)
	}
	s.mu.Lock()
	s.blobCalls = append(s.blobCalls, call)
	s.mu.Unlock()
	if status := s.nextFailure(call.Comp); status != 0 {
		w.Header().Set("x-ms-error-code", "AuthenticationFailed")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>sig `+q.Get("sig")+`</Message></Error>`)
		return
	}
	switch call.Comp {
	case "block":
		s.mu.Lock()
		s.blocks[call.BlockID] = data
		s.mu.Unlock()
	case "blocklist":
		var list struct {
			Latest []string `xml:"Latest"`
		}
		if err := xml.Unmarshal(data, &list); err != nil {
			s.t.Errorf("block list: %v", err)
		}
		s.mu.Lock()
		s.committed = nil
		for _, id := range list.Latest {
			b, ok := s.blocks[id]
			if !ok {
				s.t.Errorf("block list names unknown block %q", id)
			}
			s.committed = append(s.committed, b...)
		}
		s.mu.Unlock()
	default:
		s.t.Errorf("blob store: unexpected comp %q", call.Comp)
	}
	w.WriteHeader(http.StatusCreated)
}

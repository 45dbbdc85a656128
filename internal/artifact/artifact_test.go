package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/artifact/artifacttest"
)

// uploader is an Uploader against f that records its waits and logs to logs.
func uploader(t *testing.T, f *artifacttest.Service, logs *bytes.Buffer, waits *[]time.Duration) *Uploader {
	t.Helper()
	var mu sync.Mutex
	return &Uploader{
		// A path after the host, as the runner's URL has: only the origin is used.
		ResultsURL:   f.ResultsURL() + "some/prefix/",
		RuntimeToken: artifacttest.RuntimeToken,
		HTTP:         &http.Client{Timeout: 10 * time.Second},
		Log:          slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*waits = append(*waits, d)
			mu.Unlock()
			return ctx.Err()
		},
		blockSize: 100,
	}
}

// writeFiles writes name → content under dir/sub<i>/ and returns their paths.
func writeFiles(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	i := 0
	for _, name := range []string{"notion_sync_ledger.jsonl", "notion_sync_plan.json", "big.bin"} {
		content, ok := files[name]
		if !ok {
			continue
		}
		sub := filepath.Join(dir, "sub"+string(rune('a'+i)))
		i++
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(sub, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// unzip returns the zip's entries by name.
func unzip(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("uploaded blob is not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// assertNoSecrets fails when s holds the runtime token, a part of it, or the SAS signature.
func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range append(strings.Split(artifacttest.RuntimeToken, "."), artifacttest.RuntimeToken, artifacttest.SASSecret) {
		if len(secret) > 10 && strings.Contains(s, secret) {
			t.Errorf("%s contains a secret (%.12s…): %s", what, secret, s)
		}
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	f := artifacttest.New(t)
	var logs bytes.Buffer
	var waits []time.Duration
	u := uploader(t, f, &logs, &waits)
	ledger := strings.Repeat(`{"module":"identity","action":"update"}`+"\n", 20)
	plan := `{"sha":"4f2c9e1","changes":[]}`
	paths := writeFiles(t, map[string]string{"notion_sync_ledger.jsonl": ledger, "notion_sync_plan.json": plan})
	// The SAS signature is masked before anything is logged after the URL
	// arrives: Mask records how much of the log existed when it was called.
	var masked []string
	logLenAtMask := -1
	u.Mask = func(secret string) {
		masked = append(masked, secret)
		logLenAtMask = logs.Len()
	}

	id, err := u.Upload(t.Context(), "notion-sync-sync-1", paths)
	if err != nil {
		t.Fatalf("Upload() error = %v", err)
	}
	if id != 42 {
		t.Errorf("Upload() id = %d, want 42", id)
	}
	if diff := cmp.Diff([]string{"SECRETsig+abc=", "SECRETsig%2Babc%3D"}, masked); diff != "" {
		t.Errorf("masked (-want +got):\n%s", diff)
	}
	if i := strings.Index(logs.String(), "artifact created"); i < 0 || logLenAtMask < 0 || logLenAtMask > i {
		t.Errorf("the signature was not masked before the log line after CreateArtifact (mask at byte %d, line at %d)", logLenAtMask, i)
	}
	twirp, blob, committed := f.Snapshot()

	sum := sha256.Sum256(committed)
	want := []artifacttest.TwirpCall{
		{
			Method: "CreateArtifact", Auth: "Bearer " + artifacttest.RuntimeToken, ContentType: "application/json",
			Body: map[string]any{
				"workflow_run_backend_id": artifacttest.RunID, "workflow_job_run_backend_id": artifacttest.JobID,
				"name": "notion-sync-sync-1", "version": 4.0,
			},
		},
		{
			Method: "FinalizeArtifact", Auth: "Bearer " + artifacttest.RuntimeToken, ContentType: "application/json",
			Body: map[string]any{
				"workflow_run_backend_id": artifacttest.RunID, "workflow_job_run_backend_id": artifacttest.JobID,
				"name": "notion-sync-sync-1", "size": strconv.Itoa(len(committed)), "hash": "sha256:" + hex.EncodeToString(sum[:]),
			},
		},
	}
	if diff := cmp.Diff(want, twirp); diff != "" {
		t.Errorf("results service calls mismatch (-want +got):\n%s", diff)
	}

	// Blocks of 100 bytes, then the block list; never the runtime token.
	nBlocks := (len(committed) + 99) / 100
	if nBlocks < 2 {
		t.Fatalf("zip is %d bytes: the test needs several blocks", len(committed))
	}
	if len(blob) != nBlocks+1 {
		t.Fatalf("got %d blob requests, want %d blocks and a block list", len(blob), nBlocks)
	}
	for i, c := range blob {
		wantCall := artifacttest.BlobCall{Comp: "block", BlockID: base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "block-%06d", i)), ContentType: "application/octet-stream", SASIntact: true}
		if i == nBlocks {
			wantCall = artifacttest.BlobCall{Comp: "blocklist", ContentType: "application/xml", BlobType: "application/zip", SASIntact: true}
		}
		if diff := cmp.Diff(wantCall, c); diff != "" {
			t.Errorf("blob request %d mismatch (-want +got):\n%s", i, diff)
		}
	}

	got := unzip(t, committed)
	if diff := cmp.Diff(map[string]string{"notion_sync_ledger.jsonl": ledger, "notion_sync_plan.json": plan}, got); diff != "" {
		t.Errorf("zip content mismatch (-want +got):\n%s", diff)
	}
	if len(waits) != 0 {
		t.Errorf("waited %v without a failure", waits)
	}
	if !strings.Contains(logs.String(), "artifact uploaded") || !strings.Contains(logs.String(), "id=42") {
		t.Errorf("logs lack the result:\n%s", logs.String())
	}
	assertNoSecrets(t, "logs", logs.String())
}

// TestUploadActCompatible answers as act and Gitea do: camelCase fields, the id a number.
func TestUploadActCompatible(t *testing.T) {
	t.Parallel()
	f := artifacttest.New(t)
	f.CamelCase = true
	var logs bytes.Buffer
	var waits []time.Duration
	u := uploader(t, f, &logs, &waits)
	u.blockSize = 0 // the default 8 MiB: one block
	id, err := u.Upload(t.Context(), "ledger", writeFiles(t, map[string]string{"notion_sync_plan.json": "{}"}))
	if err != nil {
		t.Fatalf("Upload() error = %v", err)
	}
	if id != 4242 {
		t.Errorf("Upload() id = %d, want 4242", id)
	}
	_, blob, committed := f.Snapshot()
	if len(blob) != 2 {
		t.Errorf("got %d blob requests, want one block and the list", len(blob))
	}
	if diff := cmp.Diff(map[string]string{"notion_sync_plan.json": "{}"}, unzip(t, committed)); diff != "" {
		t.Errorf("zip content mismatch (-want +got):\n%s", diff)
	}
}

// TestUploadFailures checks every failure: the error says what failed, retries happen
// only where they can help, and no secret is in the error or the logs.
func TestUploadFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fail        map[string][]int
		failMsg     string
		createReply string
		finalReply  string
		wantErr     []string
		wantMethods []string // results service calls
		wantBlob    int      // blob requests
		wantWaits   []time.Duration
		wantID      int64
	}{
		{
			name:        "name already used in the run",
			fail:        map[string][]int{"CreateArtifact": {409}},
			failMsg:     "an artifact with this name already exists on the workflow run",
			wantErr:     []string{"create artifact", "409 already_exists", "already exists", "unique in a workflow run"},
			wantMethods: []string{"CreateArtifact"},
		},
		{
			name:        "service unavailable twice",
			fail:        map[string][]int{"CreateArtifact": {503, 502}},
			wantMethods: []string{"CreateArtifact", "CreateArtifact", "CreateArtifact", "FinalizeArtifact"},
			wantBlob:    2,
			wantWaits:   []time.Duration{3 * time.Second, 4500 * time.Millisecond},
			wantID:      42,
		},
		{
			name:        "rate limited",
			fail:        map[string][]int{"CreateArtifact": {429}},
			wantMethods: []string{"CreateArtifact", "CreateArtifact", "FinalizeArtifact"},
			wantBlob:    2,
			wantWaits:   []time.Duration{3 * time.Second},
			wantID:      42,
		},
		{
			name:        "service down",
			fail:        map[string][]int{"FinalizeArtifact": {500, 500, 500, 500, 500}},
			wantErr:     []string{"finalize artifact", "5 attempts", "500 internal"},
			wantMethods: []string{"CreateArtifact", "FinalizeArtifact", "FinalizeArtifact", "FinalizeArtifact", "FinalizeArtifact", "FinalizeArtifact"},
			wantBlob:    2,
			wantWaits:   []time.Duration{3 * time.Second, 4500 * time.Millisecond, 6750 * time.Millisecond, 10125 * time.Millisecond},
		},
		{
			name:        "storage quota",
			fail:        map[string][]int{"CreateArtifact": {429}},
			failMsg:     "insufficient usage to create artifact",
			wantErr:     []string{"storage quota", "429"},
			wantMethods: []string{"CreateArtifact"},
		},
		{
			name:        "blob store refuses",
			fail:        map[string][]int{"block": {403}},
			wantErr:     []string{"upload zip: put block 0: blob store answered 403 AuthenticationFailed"},
			wantMethods: []string{"CreateArtifact"},
			wantBlob:    1,
		},
		{
			name:        "blob store hiccup",
			fail:        map[string][]int{"block": {500}, "blocklist": {503}},
			wantMethods: []string{"CreateArtifact", "FinalizeArtifact"},
			wantBlob:    4,
			wantWaits:   []time.Duration{3 * time.Second, 3 * time.Second},
			wantID:      42,
		},
		{
			name:        "create not ok",
			createReply: `{"ok":false}`,
			wantErr:     []string{"create artifact: the results service did not accept it"},
			wantMethods: []string{"CreateArtifact"},
		},
		{
			name:        "finalize not ok",
			finalReply:  `{"ok":false}`,
			wantErr:     []string{"finalize artifact: the results service did not accept it"},
			wantMethods: []string{"CreateArtifact", "FinalizeArtifact"},
			wantBlob:    2,
		},
		{
			name:        "finalize without id",
			finalReply:  `{"ok":true}`,
			wantErr:     []string{"no artifact id"},
			wantMethods: []string{"CreateArtifact", "FinalizeArtifact"},
			wantBlob:    2,
		},
		{
			name:        "bad upload URL",
			createReply: `{"ok":true,"signed_upload_url":"not a url"}`,
			wantErr:     []string{"invalid upload URL"},
			wantMethods: []string{"CreateArtifact"},
		},
		{
			name:        "server echoes the token",
			fail:        map[string][]int{"CreateArtifact": {400}},
			failMsg:     "bad token " + artifacttest.RuntimeToken,
			wantErr:     []string{"400 invalid_argument: bad token ***"},
			wantMethods: []string{"CreateArtifact"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := artifacttest.New(t)
			f.Fail, f.FailMsg, f.CreateReply, f.FinalReply = tt.fail, tt.failMsg, tt.createReply, tt.finalReply
			var logs bytes.Buffer
			var waits []time.Duration
			u := uploader(t, f, &logs, &waits)
			u.blockSize = 0
			id, err := u.Upload(t.Context(), "notion-sync", writeFiles(t, map[string]string{"notion_sync_plan.json": "{}"}))
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("Upload() error = %v", err)
			}
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("Upload() error = nil")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Upload() error = %q, want it to contain %q", err, w)
					}
				}
				assertNoSecrets(t, "error", err.Error())
			}
			if id != tt.wantID {
				t.Errorf("Upload() id = %d, want %d", id, tt.wantID)
			}
			twirp, blob, _ := f.Snapshot()
			var methods []string
			for _, c := range twirp {
				methods = append(methods, c.Method)
			}
			if diff := cmp.Diff(tt.wantMethods, methods); diff != "" {
				t.Errorf("results service calls mismatch (-want +got):\n%s", diff)
			}
			if len(blob) != tt.wantBlob {
				t.Errorf("got %d blob requests, want %d", len(blob), tt.wantBlob)
			}
			if diff := cmp.Diff(tt.wantWaits, waits); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
			assertNoSecrets(t, "logs", logs.String())
		})
	}
}

// TestUploadRefusesBeforeSending covers what is checked before any request, so a bad
// call never reserves the artifact name.
func TestUploadRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a", "plan.json")
	b := filepath.Join(dir, "b", "plan.json")
	big := filepath.Join(dir, "big.bin")
	for _, p := range []string{a, b} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		token   string
		results string
		art     string
		files   []string
		wantErr string
	}{
		{name: "empty name", art: " ", files: []string{a}, wantErr: "empty artifact name"},
		{name: "slash in name", art: "a/b", files: []string{a}, wantErr: `artifact name has "/"`},
		{name: "colon in name", art: "a:b", files: []string{a}, wantErr: `artifact name has ":"`},
		{name: "newline in name", art: "a\nb", files: []string{a}, wantErr: `artifact name has "\n"`},
		{name: "no files", art: "x", wantErr: "no files to upload"},
		{name: "missing file", art: "x", files: []string{filepath.Join(dir, "nope.json")}, wantErr: "nope.json"},
		{name: "directory", art: "x", files: []string{dir}, wantErr: "not a regular file"},
		{name: "same base name", art: "x", files: []string{a, b}, wantErr: "would both be stored as plan.json"},
		{name: "too big", art: "x", files: []string{big}, wantErr: "files exceed 1024 bytes"},
		{name: "token not a JWT", token: "ghs_abcdefghijklmnop", art: "x", files: []string{a}, wantErr: "read runtime token: not a JWT"},
		{name: "payload not base64", token: "aaaaaaaaaa.!!!notbase64!!!.cccccccccc", art: "x", files: []string{a}, wantErr: "payload is not base64url"},
		{name: "payload not JSON", token: artifacttest.Token("not json at all"), art: "x", files: []string{a}, wantErr: "payload is not JSON"},
		{name: "no scp", token: artifacttest.Token(`{"sub":"someone-secret-subject"}`), art: "x", files: []string{a}, wantErr: "no scp claim"},
		{name: "scp not a string", token: artifacttest.Token(`{"scp":["Actions.Results:a:b"]}`), art: "x", files: []string{a}, wantErr: "no scp claim"},
		{name: "no results scope", token: artifacttest.Token(`{"scp":"Actions.GenericRead:abc Actions.UploadArtifacts:a:b"}`), art: "x", files: []string{a}, wantErr: "no Actions.Results scope"},
		{name: "results scope with 4 parts", token: artifacttest.Token(`{"scp":"Actions.Results:a:b:c"}`), art: "x", files: []string{a}, wantErr: "no Actions.Results scope"},
		{name: "bad results URL", results: "results.example", art: "x", files: []string{a}, wantErr: "invalid ACTIONS_RESULTS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := artifacttest.New(t)
			var logs bytes.Buffer
			var waits []time.Duration
			u := uploader(t, f, &logs, &waits)
			u.maxSize = 1024
			if tt.token != "" {
				u.RuntimeToken = tt.token
			}
			if tt.results != "" {
				u.ResultsURL = tt.results
			}
			_, err := u.Upload(t.Context(), tt.art, tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Upload() error = %v, want %q", err, tt.wantErr)
			}
			for _, part := range append(strings.Split(u.RuntimeToken, "."), u.RuntimeToken) {
				if len(part) >= 8 && strings.Contains(err.Error(), part) {
					t.Errorf("error quotes the token: %v", err)
				}
			}
			if twirp, blob, _ := f.Snapshot(); len(twirp)+len(blob) != 0 {
				t.Errorf("requests sent: %d to the results service, %d to the blob store", len(twirp), len(blob))
			}
		})
	}
}

// TestUploadRefusesSymlink plants what a pull request can commit at the
// ledger's path, a symbolic link to a file outside the workspace (a stand-in
// for /proc/self/environ): the upload fails before any request, and the
// target's content is sent nowhere.
func TestUploadRefusesSymlink(t *testing.T) {
	t.Parallel()
	const secret = "NOTION_TOKEN=secret_FAKE_planted_0123456789"
	target := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(target, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := writeFiles(t, map[string]string{"notion_sync_plan.json": "{}"})
	link := filepath.Join(filepath.Dir(paths[0]), "notion_sync_ledger.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	f := artifacttest.New(t)
	var logs bytes.Buffer
	var waits []time.Duration
	u := uploader(t, f, &logs, &waits)
	_, err := u.Upload(t.Context(), "x", append(paths, link))
	if !errors.Is(err, ErrSymlink) {
		t.Fatalf("Upload() error = %v, want ErrSymlink", err)
	}
	if twirp, blob, _ := f.Snapshot(); len(twirp)+len(blob) != 0 {
		t.Errorf("requests sent: %d to the results service, %d to the blob store", len(twirp), len(blob))
	}
	if strings.Contains(err.Error()+logs.String(), "secret_FAKE") {
		t.Error("the link's target shows in the error or the log")
	}
}

// TestAddFileRefusesSwap replaces the file with a link between the check and
// the read: the read notices it reads another file.
func TestAddFileRefusesSwap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "ledger.jsonl")
	other := filepath.Join(dir, "other")
	for _, f := range []string{p, other} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, p); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	zw := zip.NewWriter(io.Discard)
	if err := addFile(zw, p, info, 1024); !errors.Is(err, ErrSymlink) {
		t.Errorf("addFile() after a swap error = %v, want ErrSymlink", err)
	}
}

// TestUploadTransportError points the signed URL at a closed server: the error must not
// carry the URL, whose query holds the SAS signature.
func TestUploadTransportError(t *testing.T) {
	t.Parallel()
	f := artifacttest.New(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	f.CreateReply = `{"ok":true,"signed_upload_url":"` + closedURL + `/c/a.zip?` + artifacttest.SASQuery + `"}`
	var logs bytes.Buffer
	var waits []time.Duration
	u := uploader(t, f, &logs, &waits)
	_, err := u.Upload(t.Context(), "x", writeFiles(t, map[string]string{"notion_sync_plan.json": "{}"}))
	if err == nil {
		t.Fatal("Upload() error = nil")
	}
	if !strings.Contains(err.Error(), "put block 0") || !strings.Contains(err.Error(), "5 attempts") {
		t.Errorf("Upload() error = %q, want a failed block after 5 attempts", err)
	}
	for _, s := range []string{"sig=", artifacttest.SASSecret, closedURL} {
		if strings.Contains(err.Error(), s) || strings.Contains(logs.String(), s) {
			t.Errorf("error or logs contain %q:\n%v\n%s", s, err, logs.String())
		}
	}
}

func TestUploadCanceled(t *testing.T) {
	t.Parallel()
	f := artifacttest.New(t)
	f.Fail = map[string][]int{"CreateArtifact": {503, 503}}
	var logs bytes.Buffer
	var waits []time.Duration
	u := uploader(t, f, &logs, &waits)
	ctx, cancel := context.WithCancel(t.Context())
	u.sleep = func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}
	_, err := u.Upload(ctx, "x", writeFiles(t, map[string]string{"notion_sync_plan.json": "{}"}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Upload() error = %v, want context.Canceled", err)
	}
	if twirp, _, _ := f.Snapshot(); len(twirp) != 1 {
		t.Errorf("got %d calls after the cancel, want 1", len(twirp))
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		wantOK bool
	}{
		{"both", map[string]string{"ACTIONS_RESULTS_URL": "https://results.example/", "ACTIONS_RUNTIME_TOKEN": "t"}, true},
		{"no URL", map[string]string{"ACTIONS_RUNTIME_TOKEN": "t"}, false},
		{"no token", map[string]string{"ACTIONS_RESULTS_URL": "https://results.example/"}, false},
		{"blank", map[string]string{"ACTIONS_RESULTS_URL": " ", "ACTIONS_RUNTIME_TOKEN": " "}, false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		u, ok := FromEnv(func(k string) string { return tt.env[k] })
		if ok != tt.wantOK {
			t.Errorf("%s: FromEnv() ok = %v, want %v", tt.name, ok, tt.wantOK)
		}
		if ok && (u.ResultsURL != "https://results.example/" || u.RuntimeToken != "t") {
			t.Errorf("%s: FromEnv() = %+v", tt.name, u)
		}
		if !ok && u != nil {
			t.Errorf("%s: FromEnv() = %+v with ok false", tt.name, u)
		}
	}
}

func TestBackendIDs(t *testing.T) {
	t.Parallel()
	got, err := backendIDs(artifacttest.RuntimeToken)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(backend{run: artifacttest.RunID, job: artifacttest.JobID}, got, cmp.AllowUnexported(backend{})); diff != "" {
		t.Errorf("backendIDs() mismatch (-want +got):\n%s", diff)
	}
	// Padding, as some encoders write it, is accepted.
	padded := strings.Split(artifacttest.RuntimeToken, ".")
	padded[1] += "=="
	if _, err := backendIDs(strings.Join(padded, ".")); err != nil {
		t.Errorf("backendIDs(padded) error = %v", err)
	}
}

// TestTransportError checks that the URL of a failed request, which for the blob store
// holds the SAS signature, is dropped from the error.
func TestTransportError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("put: %w", &url.Error{Op: "Put", URL: "https://blob.example/a.zip?" + artifacttest.SASQuery, Err: io.ErrUnexpectedEOF})
	got := transportError(err)
	if got != io.ErrUnexpectedEOF {
		t.Errorf("transportError() = %v, want the cause alone", got)
	}
	if plain := errors.New("x"); transportError(plain) != plain {
		t.Error("transportError() changed an error that has no URL")
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	env := func(server, repo, run string) func(string) string {
		m := map[string]string{"GITHUB_SERVER_URL": server, "GITHUB_REPOSITORY": repo, "GITHUB_RUN_ID": run}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name    string
		getenv  func(string) string
		id      int64
		want    string
		wantErr string
	}{
		{name: "github.com", getenv: env("https://github.com", "LukhasAI/mono", "1234567890"), id: 42,
			want: "https://github.com/LukhasAI/mono/actions/runs/1234567890/artifacts/42"},
		{name: "server unset", getenv: env("", "o/r", "7"), id: 1, want: "https://github.com/o/r/actions/runs/7/artifacts/1"},
		{name: "GHES with a trailing slash", getenv: env("https://ghes.example.com/", "o/r.js", "7"), id: 9,
			want: "https://ghes.example.com/o/r.js/actions/runs/7/artifacts/9"},
		{name: "bad server", getenv: env("ghes.example.com", "o/r", "7"), id: 1, wantErr: "GITHUB_SERVER_URL"},
		{name: "no repository", getenv: env("", "", "7"), id: 1, wantErr: "GITHUB_REPOSITORY"},
		{name: "repository with a path", getenv: env("", "o/r/../x", "7"), id: 1, wantErr: "GITHUB_REPOSITORY"},
		{name: "no run id", getenv: env("", "o/r", ""), id: 1, wantErr: "GITHUB_RUN_ID"},
		{name: "bad run id", getenv: env("", "o/r", "12x"), id: 1, wantErr: "GITHUB_RUN_ID"},
		{name: "no artifact id", getenv: env("", "o/r", "7"), id: 0, wantErr: "artifact id 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := URL(tt.getenv, tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("URL() = %q, %v; want an error naming %s", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("URL() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("URL() = %q, want %q", got, tt.want)
			}
		})
	}
}

// Package artifact uploads the ledger and the plan as one workflow artifact, natively
// from inside the Action's container, so the run keeps them for review and for
// `restore` without a second step (actions/upload-artifact) in every workflow.
//
// It speaks the protocol of @actions/artifact v2+ (upload-artifact v4+), which GitHub
// does not document; this follows reference/github-actions.md §5.2 and the toolkit's
// source:
//
//  1. The workflow run and job ids come from the ACTIONS_RUNTIME_TOKEN JWT: its "scp"
//     claim holds a space-separated scope "Actions.Results:<run id>:<job id>".
//  2. CreateArtifact: a Twirp JSON call, POST
//     {origin of ACTIONS_RESULTS_URL}/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact
//     with "Authorization: Bearer <runtime token>", proto field names, version 4. The
//     answer holds a signed upload URL (an Azure Blob SAS URL).
//  3. The files, zipped in memory under their base names, go to that URL as Azure Put
//     Block calls and one Put Block List, as the Azure SDK's uploadStream that the
//     toolkit uses does. The signed URL carries its own authorisation: the runtime
//     token is never sent to the blob store.
//  4. FinalizeArtifact with the zip's size (a JSON string, as protojson writes int64)
//     and "sha256:<hex>" of the bytes uploaded; the answer holds the artifact id.
//
// Twirp calls and blob requests are retried on 429, 500, 502, 503 and 504 and on network
// errors: 5 attempts, 3 s then ×1.5, as the reference describes the toolkit. A storage
// quota error ("insufficient usage") and every other status are final.
//
// Where the reference is unsure, and what was chosen:
//   - version: the toolkit sent 4 until Feb 2026 and 7 (plus mime_type) since; 4 is
//     still what every pinned upload-artifact@v4 sends, so the service must accept it.
//   - Response field names: GitHub's service answers with proto names
//     (signed_upload_url, artifact_id); act and Gitea answer in camelCase. Both are read,
//     and artifact_id as a JSON string or number.
//   - Blob upload: blocks (comp=block, comp=blocklist) rather than one Put Blob, because
//     act keeps data only from block uploads. No x-ms-version header is sent: with a SAS
//     URL the service uses the SAS's own version (cloudposse/atmos uploads the same way).
//   - expires_at is not sent: the repository's retention applies.
//   - The service exists only on github.com (upload-artifact v4+ does not support GHES;
//     there ACTIONS_RESULTS_URL is usually unset and FromEnv reports false).
//   - A name already used in the same workflow run answers 409 (Twirp already_exists):
//     artifact names must be unique per run, so include the job and matrix in them.
//
// Every failure is an error the caller turns into a warning: the files stay on disk.
// Neither the runtime token nor the signed URL appears in errors or logs.
package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/clock"
)

// ErrSymlink is returned by Upload for a file that is a symbolic link: the
// artifact holds regular files only, never what a link points at.
var ErrSymlink = errors.New("is a symbolic link; only regular files are uploaded")

// MaxSize is the largest zip, and the largest total of the files, Upload accepts: the
// ledger and the plan are small, and the zip is built in memory.
const MaxSize = 100 << 20

const (
	service         = "github.actions.results.api.v1.ArtifactService"
	artifactVersion = 4
	blockSize       = 8 << 20 // the toolkit's upload chunk size
	maxAttempts     = 5
	retryBase       = 3 * time.Second
	retryFactor     = 1.5
	usageErrorText  = "insufficient usage" // the toolkit's UsageError test
	userAgent       = "notion-sync-action"
)

// Uploader uploads files as one workflow artifact through the Actions results service,
// from inside the container. Build it with FromEnv, or set the fields; the zero HTTP and
// Log are usable. An Uploader may be used by one goroutine at a time.
type Uploader struct {
	// ResultsURL is ACTIONS_RESULTS_URL; only its scheme and host are used.
	ResultsURL string
	// RuntimeToken is ACTIONS_RUNTIME_TOKEN, a JWT. It is never printed.
	RuntimeToken string
	// HTTP sends the requests; nil means a client with timeouts.
	HTTP *http.Client
	// Log receives progress at Debug and the result at Info; nil discards it.
	Log *slog.Logger
	// Mask, when set, is called with each secret of the signed upload URL (the
	// SAS signature, raw and as the URL encodes it) as soon as the results
	// service returns it and before anything is logged: the Action passes
	// Runner.AddMask, so no log line, however it quotes the URL, shows them.
	Mask func(secret string)

	// Test hooks: zero values mean the defaults above.
	sleep     func(context.Context, time.Duration) error
	blockSize int
	maxSize   int64
}

// FromEnv returns an Uploader for the runner's ACTIONS_RESULTS_URL and
// ACTIONS_RUNTIME_TOKEN, and false when either is missing: outside Actions, on GHES, or
// in a `run:` step, which does not get them.
func FromEnv(getenv func(string) string) (*Uploader, bool) {
	u := &Uploader{
		ResultsURL:   strings.TrimSpace(getenv("ACTIONS_RESULTS_URL")),
		RuntimeToken: strings.TrimSpace(getenv("ACTIONS_RUNTIME_TOKEN")),
	}
	if u.ResultsURL == "" || u.RuntimeToken == "" {
		return nil, false
	}
	return u, true
}

// Upload zips files (paths on disk, stored under their base names) and uploads the zip
// as the artifact name of the current job, returning its id. Nothing is sent when a file
// is missing, two files share a base name, or the files exceed MaxSize, so a failed
// Upload does not reserve the name. The returned error never contains the runtime token
// or the signed upload URL.
func (u *Uploader) Upload(ctx context.Context, name string, files []string) (id int64, err error) {
	r := &redactor{secrets: []string{u.RuntimeToken}}
	ss := &session{u: u, r: r}
	defer func() {
		if err != nil {
			err = r.wrap(fmt.Errorf("upload artifact %q: %w", name, err))
		}
	}()
	if err := validateName(name); err != nil {
		return 0, err
	}
	ids, err := backendIDs(u.RuntimeToken)
	if err != nil {
		return 0, err
	}
	base, err := resultsBase(u.ResultsURL)
	if err != nil {
		return 0, err
	}
	data, err := zipFiles(files, u.limit())
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(data)
	hash := "sha256:" + hex.EncodeToString(sum[:])
	log := u.logger()
	log.Debug("artifact zip built", "name", name, "files", len(files), "bytes", len(data), "hash", hash)

	var created struct {
		OK         bool   `json:"ok"`
		SignedURL  string `json:"signed_upload_url"`
		SignedURL2 string `json:"signedUploadUrl"`
	}
	err = ss.twirp(ctx, base, "CreateArtifact", map[string]any{
		"workflow_run_backend_id":     ids.run,
		"workflow_job_run_backend_id": ids.job,
		"name":                        name,
		"version":                     artifactVersion,
	}, &created)
	if err != nil {
		return 0, fmt.Errorf("create artifact: %w", err)
	}
	signed := cmpOr(created.SignedURL, created.SignedURL2)
	if !created.OK || signed == "" {
		return 0, errors.New("create artifact: the results service did not accept it (ok=false or no upload URL)")
	}
	r.addURL(signed)
	if u.Mask != nil {
		for _, sig := range sasSignatures(signed) {
			u.Mask(sig)
		}
	}
	log.Debug("artifact created", "name", name)

	if err := ss.putBlob(ctx, signed, data); err != nil {
		return 0, fmt.Errorf("upload zip: %w", err)
	}
	log.Debug("artifact zip uploaded", "name", name, "bytes", len(data))

	var finalized struct {
		OK  bool            `json:"ok"`
		ID  json.RawMessage `json:"artifact_id"`
		ID2 json.RawMessage `json:"artifactId"`
	}
	err = ss.twirp(ctx, base, "FinalizeArtifact", map[string]any{
		"workflow_run_backend_id":     ids.run,
		"workflow_job_run_backend_id": ids.job,
		"name":                        name,
		"size":                        strconv.Itoa(len(data)),
		"hash":                        hash,
	}, &finalized)
	if err != nil {
		return 0, fmt.Errorf("finalize artifact: %w", err)
	}
	if !finalized.OK {
		return 0, errors.New("finalize artifact: the results service did not accept it (ok=false)")
	}
	raw := finalized.ID
	if len(raw) == 0 {
		raw = finalized.ID2
	}
	id, err = parseID(raw)
	if err != nil {
		return 0, fmt.Errorf("finalize artifact: %w", err)
	}
	log.Info("artifact uploaded", "name", name, "id", id, "bytes", len(data), "hash", hash)
	return id, nil
}

func (u *Uploader) logger() *slog.Logger {
	if u.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Log
}

func (u *Uploader) client() *http.Client {
	if u.HTTP != nil {
		return u.HTTP
	}
	t := http.DefaultTransport.(*http.Transport).Clone() // keeps the proxy settings
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &http.Client{Transport: t, Timeout: 10 * time.Minute}
}

func (u *Uploader) limit() int64 {
	if u.maxSize > 0 {
		return u.maxSize
	}
	return MaxSize
}

func (u *Uploader) wait(ctx context.Context, d time.Duration) error {
	if u.sleep != nil {
		return u.sleep(ctx, d)
	}
	return clock.Sleep(ctx, d)
}

// backend holds the ids the results service files an artifact under.
type backend struct{ run, job string }

// backendIDs reads the workflow run and job ids from the runtime token's "scp" claim,
// as the toolkit's getBackendIdsFromToken does. The signature is not checked: the
// service checks it. Errors never quote the token.
func backendIDs(token string) (backend, error) {
	const bad = "read runtime token: "
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return backend{}, errors.New(bad + "not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return backend{}, errors.New(bad + "payload is not base64url")
	}
	var claims struct {
		Scp any `json:"scp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return backend{}, errors.New(bad + "payload is not JSON")
	}
	scp, ok := claims.Scp.(string)
	if !ok || scp == "" {
		return backend{}, errors.New(bad + "no scp claim")
	}
	for _, scope := range strings.Split(scp, " ") {
		p := strings.Split(scope, ":")
		if len(p) == 3 && p[0] == "Actions.Results" && p[1] != "" && p[2] != "" {
			return backend{run: p[1], job: p[2]}, nil
		}
	}
	return backend{}, errors.New(bad + "no Actions.Results scope in the scp claim")
}

// resultsBase is the origin of ACTIONS_RESULTS_URL: the toolkit resolves the absolute
// path /twirp/... against it, dropping any path.
func resultsBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("invalid ACTIONS_RESULTS_URL")
	}
	return u.Scheme + "://" + u.Host, nil
}

// validateName rejects what the toolkit rejects in artifact names.
func validateName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("empty artifact name")
	}
	if i := strings.IndexAny(name, "\":<>|*?\r\n/\\"); i >= 0 {
		return fmt.Errorf("artifact name has %q; names cannot contain \" : < > | * ? \\r \\n / \\", name[i:i+1])
	}
	return nil
}

// zipFiles builds the artifact's zip in memory, each file under its base name.
//
// A file that is a symbolic link is refused, not followed: the files come from
// a workspace a pull request writes, and a committed link at the ledger's path
// to /proc/self/environ would otherwise zip the container's environment,
// tokens included. The caller checks the folders above the file; this is the
// last line of defence for the file itself.
func zipFiles(files []string, limit int64) ([]byte, error) {
	if len(files) == 0 {
		return nil, errors.New("no files to upload")
	}
	type entry struct {
		path string
		info os.FileInfo
	}
	var entries []entry
	seen := map[string]string{}
	var total int64
	for _, f := range files {
		info, err := os.Lstat(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		if info.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("read %s: %w", f, ErrSymlink)
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("read %s: not a regular file", f)
		}
		base := filepath.Base(f)
		if other, ok := seen[base]; ok {
			return nil, fmt.Errorf("%s and %s would both be stored as %s", other, f, base)
		}
		seen[base] = f
		total += info.Size()
		if total > limit {
			return nil, fmt.Errorf("files exceed %d bytes", limit)
		}
		entries = append(entries, entry{f, info})
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if err := addFile(zw, e.path, e.info, limit); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write zip: %w", err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("zip exceeds %d bytes", limit)
	}
	return buf.Bytes(), nil
}

func addFile(zw *zip.Writer, path string, info os.FileInfo, limit int64) error {
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	hdr.Name = filepath.Base(path)
	hdr.Method = zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return fmt.Errorf("zip %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	// The file checked with Lstat must be the one opened: a link put in its
	// place since then is followed by Open, and lands on another file.
	opened, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if !os.SameFile(info, opened) {
		return fmt.Errorf("read %s: %w (it was replaced while the artifact was built)", path, ErrSymlink)
	}
	// A file that grows while we read it (a ledger being appended to) is cut at the
	// limit rather than filling memory.
	n, err := io.Copy(w, io.LimitReader(f, limit+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if n > limit {
		return fmt.Errorf("read %s: exceeds %d bytes", path, limit)
	}
	return nil
}

// twirpError is a non-2xx answer of the results service: {"code": ..., "msg": ...}.
type twirpError struct {
	status int
	code   string
	msg    string
}

func (e *twirpError) Error() string {
	s := fmt.Sprintf("results service answered %d", e.status)
	if e.code != "" {
		s += " " + e.code
	}
	if e.msg != "" {
		s += ": " + e.msg
	}
	if e.status == http.StatusConflict || e.code == "already_exists" {
		s += " (artifact names must be unique in a workflow run: add the job or matrix to artifact-name)"
	}
	return s
}

// session is one Upload: the Uploader and what must be scrubbed from its messages.
type session struct {
	u *Uploader
	r *redactor
}

// twirp calls method of the artifact service with in as JSON and decodes the answer
// into out, retrying what the toolkit retries.
func (ss *session) twirp(ctx context.Context, base, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	u := ss.u
	endpoint := base + "/twirp/" + service + "/" + method
	var data []byte
	err = ss.retry(ctx, method, func() (retryable bool, err error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return false, err
		}
		req.Header.Set("Authorization", "Bearer "+u.RuntimeToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", userAgent)
		resp, err := u.client().Do(req)
		if err != nil {
			return true, transportError(err)
		}
		defer resp.Body.Close()
		data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return true, fmt.Errorf("read answer: %w", err)
		}
		if resp.StatusCode/100 == 2 {
			return false, nil
		}
		te := &twirpError{status: resp.StatusCode}
		var e struct{ Code, Msg string }
		if json.Unmarshal(data, &e) == nil {
			te.code, te.msg = e.Code, e.Msg
		}
		if strings.Contains(te.msg, usageErrorText) {
			return false, fmt.Errorf("artifact storage quota reached: %w", te)
		}
		return retryableStatus(resp.StatusCode), te
	})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// putBlob uploads data to the signed URL as Azure Put Block calls and a Put Block List.
func (ss *session) putBlob(ctx context.Context, signed string, data []byte) error {
	size := ss.u.blockSize
	if size <= 0 {
		size = blockSize
	}
	var ids []string
	for i, off := 0, 0; off < len(data) || i == 0; i, off = i+1, off+size {
		chunk := data[off:min(off+size, len(data))]
		// Block ids must all have the same length within a blob.
		id := base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "block-%06d", i))
		ids = append(ids, id)
		target, err := withQuery(signed, "comp=block&blockid="+url.QueryEscape(id))
		if err != nil {
			return err
		}
		if err := ss.put(ctx, fmt.Sprintf("put block %d", i), target, chunk, map[string]string{
			"Content-Type": "application/octet-stream",
		}); err != nil {
			return err
		}
	}
	var list bytes.Buffer
	list.WriteString(`<?xml version="1.0" encoding="utf-8"?><BlockList>`)
	for _, id := range ids {
		list.WriteString("<Latest>" + id + "</Latest>")
	}
	list.WriteString("</BlockList>")
	target, err := withQuery(signed, "comp=blocklist")
	if err != nil {
		return err
	}
	return ss.put(ctx, "put block list", target, list.Bytes(), map[string]string{
		"Content-Type":           "application/xml",
		"x-ms-blob-content-type": "application/zip",
	})
}

// put sends one PUT to the blob store, retrying what is worth retrying. The error says
// the status and Azure's error code, never the URL.
func (ss *session) put(ctx context.Context, what, target string, body []byte, headers map[string]string) error {
	u := ss.u
	return ss.retry(ctx, what, func() (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, target, bytes.NewReader(body))
		if err != nil {
			return false, fmt.Errorf("%s: bad upload URL", what)
		}
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		req.Header.Set("User-Agent", userAgent)
		resp, err := u.client().Do(req)
		if err != nil {
			return true, fmt.Errorf("%s: %w", what, transportError(err))
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode/100 == 2 {
			return false, nil
		}
		msg := fmt.Sprintf("%s: blob store answered %d", what, resp.StatusCode)
		if code := resp.Header.Get("x-ms-error-code"); code != "" {
			msg += " " + code
		}
		return retryableStatus(resp.StatusCode), errors.New(msg)
	})
}

// retry runs try until it succeeds, fails for good, or maxAttempts have failed, waiting
// 3 s, 4.5 s, 6.75 s, ... between attempts.
func (ss *session) retry(ctx context.Context, what string, try func() (retryable bool, err error)) error {
	delay := retryBase
	for attempt := 1; ; attempt++ {
		retryable, err := try()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable {
			return err
		}
		if attempt == maxAttempts {
			return fmt.Errorf("%d attempts: %w", maxAttempts, err)
		}
		ss.u.logger().Debug("artifact request failed; retrying", "request", what, "attempt", attempt, "wait", delay, "error", ss.r.scrub(err.Error()))
		if err := ss.u.wait(ctx, delay); err != nil {
			return err
		}
		delay = time.Duration(float64(delay) * retryFactor)
	}
}

func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transportError drops the URL that *url.Error carries: for the blob store it holds the
// SAS signature.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// withQuery appends params to the signed URL's query, leaving the SAS parameters as
// the service wrote them.
func withQuery(signed, params string) (string, error) {
	u, err := url.Parse(signed)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("the results service returned an invalid upload URL")
	}
	if u.RawQuery == "" {
		u.RawQuery = params
	} else {
		u.RawQuery += "&" + params
	}
	return u.String(), nil
}

// parseID reads an int64 artifact id written as a JSON string (protojson) or number.
func parseID(raw json.RawMessage) (int64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(raw)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, errors.New("no artifact id in the answer")
	}
	return id, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// redactor scrubs secrets from an error's text: the runtime token, and the signed upload
// URL with its signature.
type redactor struct {
	secrets []string
}

func (r *redactor) addURL(signed string) {
	r.secrets = append(r.secrets, signed)
	if u, err := url.Parse(signed); err == nil {
		r.secrets = append(r.secrets, u.RawQuery)
	}
	r.secrets = append(r.secrets, sasSignatures(signed)...)
}

// sasSignatures returns the signed URL's "sig" value as it decodes and as it is
// written in the URL (Azure's signatures are base64: + / = are percent-encoded),
// or nothing when the URL has none.
func sasSignatures(signed string) []string {
	u, err := url.Parse(signed)
	if err != nil {
		return nil
	}
	sig := u.Query().Get("sig")
	if sig == "" {
		return nil
	}
	out := []string{sig}
	for _, p := range strings.Split(u.RawQuery, "&") {
		if raw, ok := strings.CutPrefix(p, "sig="); ok && raw != sig {
			out = append(out, raw)
		}
	}
	if esc := url.QueryEscape(sig); esc != sig && !slices.Contains(out, esc) {
		out = append(out, esc)
	}
	return out
}

// scrub replaces every secret in msg with ***.
func (r *redactor) scrub(msg string) string {
	for _, s := range r.secrets {
		if len(s) >= 8 { // a short "secret" would scrub ordinary words
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

func (r *redactor) wrap(err error) error {
	msg := r.scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text had a secret removed. Unwrap still reaches the
// cause for errors.Is (context.Canceled); its text is not shown.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// URL is the artifact's page, as upload-artifact's artifact-url output gives it:
// {GITHUB_SERVER_URL}/{GITHUB_REPOSITORY}/actions/runs/{GITHUB_RUN_ID}/artifacts/{id}.
// The run id is the public one from GITHUB_RUN_ID, not the results service's
// backend id Upload works with. GITHUB_SERVER_URL defaults to https://github.com.
func URL(getenv func(string) string, id int64) (string, error) {
	server := strings.TrimRight(strings.TrimSpace(getenv("GITHUB_SERVER_URL")), "/")
	if server == "" {
		server = "https://github.com"
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("artifact URL: GITHUB_SERVER_URL %q is not an http(s) URL like https://github.com", server)
	}
	repo := strings.TrimSpace(getenv("GITHUB_REPOSITORY"))
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || !validRepoPart(owner) || !validRepoPart(name) {
		return "", fmt.Errorf("artifact URL: GITHUB_REPOSITORY %q is not owner/repo", repo)
	}
	rawRun := strings.TrimSpace(getenv("GITHUB_RUN_ID"))
	run, err := strconv.ParseInt(rawRun, 10, 64)
	if err != nil || run <= 0 {
		return "", fmt.Errorf("artifact URL: GITHUB_RUN_ID %q is not a run id (a positive number)", rawRun)
	}
	if id <= 0 {
		return "", fmt.Errorf("artifact URL: artifact id %d is not an id (a positive number)", id)
	}
	return fmt.Sprintf("%s/%s/%s/actions/runs/%d/artifacts/%d", server, owner, name, run, id), nil
}

// validRepoPart reports whether s can be an owner or repository name: letters,
// digits, '-', '_' and '.', and not "." or "..".
func validRepoPart(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

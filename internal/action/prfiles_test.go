package action

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// filesServer serves GET /repos/o/r/pulls/{n}/files from pages of files, with
// GitHub's Link header, and records the pages asked for.
type filesServer struct {
	mu    sync.Mutex
	pages [][]map[string]string
	asked []string
}

func (s *filesServer) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/o/r/pulls/4/files", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer ghs_test" {
			t.Errorf("Authorization = %q", got)
		}
		if pp := r.URL.Query().Get("per_page"); pp != "100" {
			t.Errorf("per_page = %q, want 100", pp)
		}
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			page, _ = strconv.Atoi(p)
		}
		s.mu.Lock()
		s.asked = append(s.asked, strconv.Itoa(page))
		s.mu.Unlock()
		if page < len(s.pages) {
			next := *r.URL
			q := next.Query()
			q.Set("page", strconv.Itoa(page+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.String()))
		}
		_ = json.NewEncoder(w).Encode(s.pages[page-1])
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
	})
	return mux
}

func testClient(t *testing.T, h http.Handler) *github.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	gh := github.NewClient(srv.Client()).WithAuthToken("ghs_test")
	u, err := url.Parse(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	gh.BaseURL = u
	return gh
}

func isManifest(p string) bool {
	return strings.HasSuffix(p, "module.manifest.json") && !strings.HasPrefix(p, "vendor/")
}

func TestPullRequestFiles(t *testing.T) {
	t.Parallel()
	f := func(status, name, prev string) map[string]string {
		m := map[string]string{"status": status, "filename": name}
		if prev != "" {
			m["previous_filename"] = prev
		}
		return m
	}
	page1 := []map[string]string{
		f("modified", "memory/module.manifest.json", ""),
		f("modified", "README.md", ""),
		f("added", "new/module.manifest.json", ""),
	}
	for i := range 97 {
		page1 = append(page1, f("modified", fmt.Sprintf("src/f%d.go", i), ""))
	}
	srv := &filesServer{pages: [][]map[string]string{page1, {
		f("removed", "dream/module.manifest.json", ""),
		f("renamed", "labs/x/module.manifest.json", "x/module.manifest.json"),
		f("renamed", "vendor/y/module.manifest.json", "y/module.manifest.json"),
		f("renamed", "z/module.manifest.json", "vendor/z/module.manifest.json"),
		f("renamed", "docs/b.md", "docs/a.md"),
		f("copied", "copy/module.manifest.json", "memory/module.manifest.json"),
		f("changed", "mode/module.manifest.json", ""),
		f("unchanged", "same/module.manifest.json", ""),
	}}}
	got, err := PullRequestFiles(t.Context(), testClient(t, srv.handler(t)), "o", "r", 4, isManifest)
	if err != nil {
		t.Fatal(err)
	}
	want := []gitdiff.Change{
		{Kind: gitdiff.Added, Path: "copy/module.manifest.json"},
		{Kind: gitdiff.Deleted, Path: "dream/module.manifest.json", OldPath: "dream/module.manifest.json"},
		{Kind: gitdiff.Renamed, Path: "labs/x/module.manifest.json", OldPath: "x/module.manifest.json"},
		{Kind: gitdiff.Modified, Path: "memory/module.manifest.json", OldPath: "memory/module.manifest.json"},
		{Kind: gitdiff.Modified, Path: "mode/module.manifest.json", OldPath: "mode/module.manifest.json"},
		{Kind: gitdiff.Added, Path: "new/module.manifest.json"},
		{Kind: gitdiff.Deleted, Path: "y/module.manifest.json", OldPath: "y/module.manifest.json"},
		{Kind: gitdiff.Added, Path: "z/module.manifest.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PullRequestFiles() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "2"}, srv.asked); diff != "" {
		t.Errorf("pages asked (-want +got):\n%s", diff)
	}
}

// TestPullRequestFilesTooMany checks GitHub's 3,000-file cap: a list that
// reaches it may be cut, so the caller must not trust it.
func TestPullRequestFilesTooMany(t *testing.T) {
	t.Parallel()
	srv := &filesServer{}
	for p := range MaxPullRequestFiles / 100 {
		var page []map[string]string
		for i := range 100 {
			page = append(page, map[string]string{"status": "modified", "filename": fmt.Sprintf("p%d/%d.go", p, i)})
		}
		srv.pages = append(srv.pages, page)
	}
	_, err := PullRequestFiles(t.Context(), testClient(t, srv.handler(t)), "o", "r", 4, isManifest)
	if !errors.Is(err, ErrTooManyFiles) {
		t.Errorf("error = %v, want ErrTooManyFiles", err)
	}
}

func TestPullRequestFilesHTTPError(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"Resource not accessible by integration"}`))
	})
	_, err := PullRequestFiles(t.Context(), testClient(t, h), "o", "r", 4, isManifest)
	var ghErr *github.ErrorResponse
	if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusForbidden {
		t.Fatalf("error = %v, want GitHub's 403", err)
	}
	if !strings.Contains(err.Error(), "list files of pull request #4") {
		t.Errorf("error = %q, want it to say what failed", err)
	}
}

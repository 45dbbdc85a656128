package prcomment

import (
	"net/http"
	"strings"
	"testing"
)

func TestMarker(t *testing.T) {
	t.Parallel()
	tests := []struct{ config, db, job, want string }{
		{"", "0123abcd", "notion", "<!-- notion-sync config=built-in db=0123abcd job=notion -->"},
		{".github/notion-sync.yml", "none", "sync-db", "<!-- notion-sync config=.github/notion-sync.yml db=none job=sync-db -->"},
		{"ci/a-->b\n.yml", "x", "j", "<!-- notion-sync config=ci/a___b_.yml db=x job=j -->"},
		// A part cannot forge another part (job=... inside the config name).
		{"a job=evil db=x", "0123abcd", "notion", "<!-- notion-sync config=a_job_evil_db_x db=0123abcd job=notion -->"},
	}
	for _, tt := range tests {
		if got := Marker(tt.config, tt.db, tt.job); got != tt.want {
			t.Errorf("Marker(%q, %q, %q) = %q, want %q", tt.config, tt.db, tt.job, got, tt.want)
		}
	}
}

// TestPostNoToken: without a token Post sends nothing and says where the plan is.
func TestPostNoToken(t *testing.T) {
	t.Parallel()
	_, err := Post(t.Context(), "", "http://127.0.0.1:1", "o", "r", 1, "<!-- m -->", "body")
	if err == nil || !strings.Contains(err.Error(), "no github-token") {
		t.Errorf("Post without a token: err = %v, want the no github-token warning", err)
	}
}

// TestPost is the warning each outcome gives, on the shared fake GitHub.
func TestPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		failCreate int
		wantURL    bool
		wantErr    string
	}{
		{"created", 0, true, ""},
		{"fork", http.StatusForbidden, false, "GitHub refused the comment (403/404): the token cannot write to pull requests; give the job permissions: pull-requests: write"},
		{"server error", http.StatusInternalServerError, false, "upsert the plan comment: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeGitHub(t)
			f.FailCreate = tt.failCreate
			url, err := Post(t.Context(), testToken, f.URL()+"/api/v3", "o", "r", prNumber, marker, "plan")
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Post() error = %v, want %q", err, tt.wantErr)
			}
			if (url != "") != tt.wantURL {
				t.Errorf("Post() url = %q, want one: %v", url, tt.wantURL)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("error contains the token: %v", err)
			}
		})
	}
}

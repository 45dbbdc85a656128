package action

import (
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/lukhas/notion-sync-action/internal/secret"
)

func TestFetchAuth(t *testing.T) {
	t.Parallel()
	const token = "ghs_fetchtoken"
	tests := []struct {
		server, remote, token string
		auth                  bool
	}{
		{"", "https://github.com/octo/mono", token, true},
		{"https://github.com", "https://github.com/octo/mono.git", token, true},
		{"https://ghe.example.com", "https://ghe.example.com/octo/mono", token, true},
		{"https://github.com", "https://evil.example.com/octo/mono", token, false},
		{"https://github.com", "http://github.com/octo/mono", token, false},
		{"https://github.com", "/tmp/origin.git", token, false},
		{"https://github.com", "https://github.com/octo/mono", "", false},
	}
	for _, tt := range tests {
		f := ChangeFinder{ServerURL: tt.server, Token: secret.Token(tt.token)}
		got := f.fetchAuth(tt.remote)
		if (got != nil) != tt.auth {
			t.Errorf("fetchAuth(%q) on %q = %v, want credentials: %v", tt.remote, tt.server, got, tt.auth)
		}
		if b, ok := got.(*githttp.BasicAuth); ok && (b.Username != "x-access-token" || b.Password != token) {
			t.Errorf("fetchAuth(%q) user %q", tt.remote, b.Username)
		}
	}
}

package notion

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// TestCheckBaseURL: plain http only to this machine; the issue's
// http://169.254.169.254 is refused.
func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url      string
		insecure bool
		bad      bool
	}{
		{url: ""},
		{url: "https://api.notion.com"},
		{url: "https://proxy.example.com/notion"},
		{url: "http://localhost:8080"},
		{url: "http://localhost.:8080"},
		{url: "http://127.0.0.1:9000"},
		{url: "http://127.3.4.5"},
		{url: "http://[::1]:9000/v1"},
		{url: "http://169.254.169.254", insecure: true},
		{url: "http://api.notion.com", insecure: true},
		{url: "http://localhost.evil.com", insecure: true},
		{url: "http://127.0.0.1.nip.io", insecure: true},
		{url: "http://10.0.0.1", insecure: true},
		{url: "http://[::ffff:169.254.169.254]", insecure: true},
		{url: "ftp://example.com", bad: true},
	}
	for _, tt := range tests {
		err := CheckBaseURL(tt.url)
		if got := errors.Is(err, ErrInsecureBaseURL); got != tt.insecure {
			t.Errorf("CheckBaseURL(%q) = %v, want insecure %v", tt.url, err, tt.insecure)
		}
		if (err != nil) != (tt.insecure || tt.bad) {
			t.Errorf("CheckBaseURL(%q) = %v, want error %v", tt.url, err, tt.insecure || tt.bad)
		}
	}
}

// TestValidateToken: a token with a line break, tab, space or control
// character is refused with an error that names the problem but no part of
// the token.
func TestValidateToken(t *testing.T) {
	t.Parallel()
	const tok = "ntn_abcDEF123"
	tests := []struct {
		token secret.Token
		want  string // "" valid
	}{
		{token: ""},
		{token: tok},
		{token: "secret_" + tok},
		{token: tok + "\n", want: "a line break at character 14"},
		{token: tok + "\r\n", want: "a carriage return at character 14"},
		{token: " " + tok, want: "a space at character 1"},
		{token: "ntn_abc\tDEF", want: "a tab at character 8"},
		{token: "ntn_\x00abc", want: "a control character (U+0000) at character 5"},
		{token: "ntn_abcé", want: "a character that is not plain ASCII at character 8"},
	}
	for _, tt := range tests {
		err := ValidateToken(tt.token)
		if tt.want == "" {
			if err != nil {
				t.Errorf("Validate(%q) = %v, want nil", tt.token.Reveal(), err)
			}
			continue
		}
		if !errors.Is(err, ErrBadToken) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%q) = %v, want ErrBadToken saying %q", tt.token.Reveal(), err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "DEF")) {
			t.Errorf("Validate() error shows the token: %v", err)
		}
	}
}

// TestClientRefusesBeforeSending: with a malformed token or an insecure base
// URL, every call fails at once with that error, no request reaches the
// server and nothing is retried.
func TestClientRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name  string
		token secret.Token
		base  string
		want  error
	}{
		{"token with a newline", testToken + "\n", srv.URL, ErrBadToken},
		{"metadata service over http", testToken, "http://169.254.169.254", ErrInsecureBaseURL},
	}
	for _, tt := range tests {
		var slept atomic.Int32
		c := New(tt.token, Options{BaseURL: tt.base, Sleep: func(_ context.Context, _ time.Duration) error { slept.Add(1); return nil }})
		_, err := c.Page(t.Context(), testPageID)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Page() error = %v, want %v", tt.name, err, tt.want)
		}
		if hits.Load() != 0 || slept.Load() != 0 || c.Stats().Calls != 0 {
			t.Errorf("%s: %d requests reached the server, %d retry waits, %d calls; want none", tt.name, hits.Load(), slept.Load(), c.Stats().Calls)
		}
	}
}

// TestOptionsAsTyped: a typed 0 retries is none (New's -1); any other count,
// and every other field, passes unchanged.
func TestOptionsAsTyped(t *testing.T) {
	t.Parallel()
	tests := []struct{ typed, want Options }{
		{Options{MaxRetries: 0, Rate: 3}, Options{MaxRetries: -1, Rate: 3}},
		{Options{MaxRetries: 2, BaseURL: "http://x", Backoff: time.Second}, Options{MaxRetries: 2, BaseURL: "http://x", Backoff: time.Second}},
	}
	for _, tt := range tests {
		if got := tt.typed.AsTyped(); got.MaxRetries != tt.want.MaxRetries || got.Rate != tt.want.Rate || got.BaseURL != tt.want.BaseURL || got.Backoff != tt.want.Backoff {
			t.Errorf("%+v.AsTyped() = %+v, want %+v", tt.typed, got, tt.want)
		}
	}
}

// TestOptionsValidate: the numbers the issue found accepted.
func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	good := Options{Rate: 3, MaxRetries: 5, Backoff: time.Second, Timeout: 30 * time.Second}
	tests := []struct {
		name string
		mod  func(*Options)
		want []string
	}{
		{"defaults", func(*Options) {}, nil},
		{"zero retries and backoff", func(o *Options) { o.MaxRetries, o.Backoff = 0, 0 }, nil},
		{"slowest rate", func(o *Options) { o.Rate = MinRate }, nil},
		{"tiny rate", func(o *Options) { o.Rate = 1e-300 }, []string{"rate-limit: 1e-300 is below 0.01 requests per second; give e.g. 3 (Notion's average limit)"}},
		{"zero rate", func(o *Options) { o.Rate = 0 }, []string{"rate-limit: 0 is below 0.01 requests per second; give e.g. 3 (Notion's average limit)"}},
		{"NaN rate", func(o *Options) { o.Rate = math.NaN() }, []string{"rate-limit: NaN is not a number of requests per second; give e.g. 3 (Notion's average limit)"}},
		{"Inf rate", func(o *Options) { o.Rate = math.Inf(1) }, []string{"rate-limit: +Inf is not a number of requests per second; give e.g. 3 (Notion's average limit)"}},
		{"negatives", func(o *Options) { o.MaxRetries, o.Backoff, o.Timeout = -1, -time.Second, -time.Minute }, []string{
			"max-retries: -1 is below 0; give 0 (no retries) or more, e.g. 5",
			"backoff: -1s is negative; give a duration of 0 or more, e.g. 1s",
			"timeout: -1m0s is negative; give a duration of 0 or more, e.g. 1s",
		}},
	}
	for _, tt := range tests {
		o := good
		tt.mod(&o)
		var got []string
		if err := o.Validate(); err != nil {
			got = strings.Split(err.Error(), "\n")
			var se *SettingError
			if !errors.As(err, &se) {
				t.Errorf("%s: Validate() = %v, want *SettingError", tt.name, err)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Validate() mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

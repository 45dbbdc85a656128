package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSecondsArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want []string
	}{
		{[]string{"--batch-delay", "10"}, []string{"--batch-delay=10s"}},
		{[]string{"--backoff=60", "--all"}, []string{"--backoff=60s", "--all"}},
		{[]string{"--batch-delay", "2m"}, []string{"--batch-delay", "2m"}},
		{[]string{"--batch-size", "20"}, []string{"--batch-size", "20"}},
		{[]string{"-backoff", "1.5"}, []string{"-backoff=1.5s"}},
	}
	for _, tt := range tests {
		got := secondsArgs(tt.in, "batch-delay", "backoff")
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("secondsArgs(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestMainUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{nil, ExitUsage, "Usage: notion-sync <command>"},
		{[]string{"--help"}, ExitOK, "Commands:"},
		{[]string{"nope"}, ExitUsage, `unknown command "nope"`},
		{[]string{"sync", "--help"}, ExitOK, "-create-if-missing"},
		{[]string{"preflight", "--help"}, ExitOK, "-offline"},
		{[]string{"backfill", "--help"}, ExitOK, "-options"},
		{[]string{"demo", "--help"}, ExitOK, "-example"},
		{[]string{"emulator", "--help"}, ExitOK, "-faults"},
		{[]string{"sync"}, ExitUsage, "choose one of --all, --module NAME or --changed"},
		{[]string{"sync", "--all", "--module", "x"}, ExitUsage, "choose one of"},
		{[]string{"sync", "--all", "stray"}, ExitUsage, `unexpected argument "stray"`},
		{[]string{"sync", "--bogus"}, ExitUsage, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			code := Main(t.Context(), tt.args, func(string) string { return "" }, &out, &out)
			if code != tt.wantCode || !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s", code, tt.wantCode, tt.wantOut, out.String())
			}
		})
	}
}

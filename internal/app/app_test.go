package app

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDotEnv(t *testing.T) {
	t.Parallel()
	in := `# comment
NOTION_API_TOKEN=ntn_abc
export NOTION_DATABASE_ID = "0123"
QUOTED='a b # not a comment'
TRAILING=value # a comment
EMPTY=
not a pair
`
	want := map[string]string{
		"NOTION_API_TOKEN":   "ntn_abc",
		"NOTION_DATABASE_ID": "0123",
		"QUOTED":             "a b # not a comment",
		"TRAILING":           "value",
		"EMPTY":              "",
	}
	if diff := cmp.Diff(want, parseDotEnv([]byte(in))); diff != "" {
		t.Errorf("parseDotEnv() mismatch (-want +got):\n%s", diff)
	}
}

func TestWithDotEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	local := write(".env.local", "A=local\nB=local\n")
	base := write(".env", "A=base\nB=base\nC=base\n")
	real := map[string]string{"A": "real"}
	getenv := withDotEnv(func(k string) string { return real[k] }, local, base)
	got := map[string]string{"A": getenv("A"), "B": getenv("B"), "C": getenv("C"), "D": getenv("D")}
	want := map[string]string{"A": "real", "B": "local", "C": "base", "D": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("precedence mismatch (-want +got):\n%s", diff)
	}
}

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

// TestNoDotEnvOnRunner: on an Actions runner the working directory holds a pull
// request's files, so a .env there must not redirect the token to another host.
func TestNoDotEnvOnRunner(t *testing.T) {
	t.Parallel()
	env := t.TempDir() + "/.env"
	if err := os.WriteFile(env, []byte("NOTION_API_BASE_URL=https://attacker.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		runner string
		want   string
	}{{"", "https://attacker.example"}, {"true", ""}} {
		real := map[string]string{"GITHUB_ACTIONS": tt.runner}
		got := localEnv(func(k string) string { return real[k] }, env)("NOTION_API_BASE_URL")
		if got != tt.want {
			t.Errorf("GITHUB_ACTIONS=%q: NOTION_API_BASE_URL = %q, want %q", tt.runner, got, tt.want)
		}
	}
}

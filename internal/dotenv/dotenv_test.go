package dotenv

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
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
	if diff := cmp.Diff(want, Parse([]byte(in))); diff != "" {
		t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
	}
}

func TestFallback(t *testing.T) {
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
	getenv := Fallback(func(k string) string { return real[k] }, local, base)
	got := map[string]string{"A": getenv("A"), "B": getenv("B"), "C": getenv("C"), "D": getenv("D")}
	want := map[string]string{"A": "real", "B": "local", "C": "base", "D": ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("precedence mismatch (-want +got):\n%s", diff)
	}
}

// TestLocalNotOnRunner: on an Actions runner the working directory holds a pull
// request's files, so a .env there must not redirect the token to another host.
func TestLocalNotOnRunner(t *testing.T) {
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
		got := Local(func(k string) string { return real[k] }, env)("NOTION_API_BASE_URL")
		if got != tt.want {
			t.Errorf("GITHUB_ACTIONS=%q: NOTION_API_BASE_URL = %q, want %q", tt.runner, got, tt.want)
		}
	}
}

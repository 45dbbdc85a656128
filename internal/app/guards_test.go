package app

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// TestMassArchiveGuard (#10 item 2): a full sync that would archive more than
// 10% of the pages (and at least 5) stops before writing unless
// --allow-mass-archive says so; a full sync that finds no manifest archives
// nothing even then. A dry run of such a plan succeeds and warns that a real
// sync would stop.
func TestMassArchiveGuard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
		t.Fatalf("first sync exit %d\n%s\n%s", code, out, errOut)
	}
	before := len(h.live())
	removed := 0
	for _, m := range []string{"memory", "dream", "quantum", "bridge", "identity", "consciousness"} {
		if err := os.RemoveAll(filepath.Join(h.repo, m)); err == nil {
			removed++
		}
	}
	if removed < 5 {
		t.Fatalf("removed %d example modules, want at least 5", removed)
	}
	empty := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantLive int
		wantErr  string
	}{
		{"no manifest found", []string{"sync", "--all", "--repo", empty, "--allow-mass-archive"}, ExitUsage, before, "found no manifest"},
		{"dry run says a sync would stop", []string{"sync", "--all", "--dry-run"}, ExitOK, before, `msg="a real sync of this plan would stop" reason="refusing to archive 6 of the database's 12 live pages`},
		{"over the share", []string{"sync", "--all"}, ExitUsage, before, "--allow-mass-archive"},
		{"allowed", []string{"sync", "--all", "--allow-mass-archive"}, ExitOK, before - removed, ""},
	}
	for _, tt := range tests {
		code, out, errOut := h.run(tt.args...)
		if code != tt.wantCode {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", tt.name, code, tt.wantCode, out, errOut)
		}
		if !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: stderr lacks %q:\n%s", tt.name, tt.wantErr, errOut)
		}
		if tt.wantCode == ExitOK && tt.wantErr == "" && strings.Contains(errOut, "would stop") {
			t.Errorf("%s: an allowed sync warns that it would stop:\n%s", tt.name, errOut)
		}
		if got := len(h.live()); got != tt.wantLive {
			t.Errorf("%s: %d live pages, want %d", tt.name, got, tt.wantLive)
		}
	}
}

// TestFailedModuleNamedByKey (#10 item 11): a manifest whose key resolves but a
// property does not is reported under its key, in the text output and the plan.
func TestFailedModuleNamedByKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	path := filepath.Join(h.repo, "memory", "module.manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"mqi": 79.5`, `"mqi": "very high"`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("sync", "--all")
	if code != ExitProblems {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	if strings.Contains(out, "(no module key)") || !strings.Contains(out, "memory") {
		t.Errorf("the failed module is not named by its key:\n%s", out)
	}
	for _, c := range h.readPlan().Changes {
		if c.Path == "memory/module.manifest.json" && (c.Module != "memory" || c.Error == "") {
			t.Errorf("plan row %+v, want module memory with an error", c)
		}
	}
}

// TestBlockLimitStopsCreating (#7 item 6): a workspace at its block limit
// refuses a create; the sync sends no other create, says why in plain words and
// exits 1, and the refusal is never retried.
func TestBlockLimitStopsCreating(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{BlockLimit: 4})
	// One writer: with several, the creates already in flight when the first
	// refusal comes back are refused too (at most one per other writer).
	code, out, errOut := h.run("sync", "--all", "--concurrency", "1")
	if code != ExitProblems {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	refused := 0
	for _, r := range h.srv.Requests() {
		if r.Method == "POST" && r.Path == "/v1/pages" && r.Status != 200 {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d creates refused, want exactly one (no retry, no further create)", refused)
	}
	if !strings.Contains(out, "block limit") {
		t.Errorf("the output does not name the block limit:\n%s", out)
	}
}

// TestCLIRefusesBadSettings (#10 items 8, 9, 13): a token that cannot go in a
// header, a plain-http base URL off this machine and numbers out of range are
// usage errors before any request, each naming the setting and never the token.
func TestCLIRefusesBadSettings(t *testing.T) {
	t.Parallel()
	const token = "ntn_guardtest_secret"
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"token with a line break", map[string]string{"NOTION_API_TOKEN": token + "\nX"}, nil, "line break"},
		{"token over plain http to a metadata service", map[string]string{"NOTION_API_BASE_URL": "http://169.254.169.254"}, nil, "plain http"},
		{"a rate that would never send", nil, []string{"--rate-limit", "1e-300"}, "rate-limit"},
		{"NaN rate", nil, []string{"--rate-limit", "NaN"}, "rate-limit"},
		{"no writer", nil, []string{"--concurrency", "0"}, "concurrency"},
		{"negative batch size", nil, []string{"--batch-size", "-1"}, "batch-size"},
		{"negative timeout", nil, []string{"--timeout", "-1s"}, "timeout"},
		{"negative retries", nil, []string{"--max-retries", "-2"}, "max-retries"},
		{"negative backoff", nil, []string{"--backoff", "-1s"}, "backoff"},
		{"negative batch delay", nil, []string{"--batch-delay", "-1s"}, "batch-delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			env := map[string]string{"NOTION_API_TOKEN": token, "NOTION_DATABASE_ID": h.db, "NOTION_API_BASE_URL": h.srv.URL()}
			maps.Copy(env, tt.env)
			args := append([]string{"sync", "--all", "--repo", h.repo, "--ledger", h.path("l.jsonl"), "--plan", h.path("p.json"), "--audit-log", h.path("a.log")}, tt.args...)
			code, out, errOut := runMainEnv(t, env, args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, want %d with %q\n%s\n%s", code, ExitUsage, tt.wantErr, out, errOut)
			}
			if strings.Contains(out+errOut, "guardtest") {
				t.Errorf("the token shows:\n%s\n%s", out, errOut)
			}
			if n := len(h.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestCLIRefusesPlantedLinks (#10 item 1): a ledger or audit log committed as a
// symbolic link to a file elsewhere is refused; nothing is written through it.
func TestCLIRefusesPlantedLinks(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"ledger.jsonl", "audit.log", "plan.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			rc := filepath.Join(t.TempDir(), "bashrc")
			if err := os.WriteFile(rc, []byte("# rc\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(h.art, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(rc, h.path(file)); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := h.run("sync", "--all")
			if code != ExitUsage {
				t.Errorf("sync through a planted %s link exit %d, want %d\n%s\n%s", file, code, ExitUsage, out, errOut)
			}
			if n := len(h.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent before the link was refused", n)
			}
			if data, _ := os.ReadFile(rc); string(data) != "# rc\n" {
				t.Errorf("the link's target was written: %q", data)
			}
		})
	}
}

// TestMassArchiveGuardPartialSync: a --changed sync (a push) that deletes a few
// manifests of a large database is not a mass archive; one that deletes most of
// a small database is, unless --max-archive-share allows it.
func TestMassArchiveGuardPartialSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		extra    int // manifests added to the 12 examples
		args     []string
		wantCode int
	}{
		{"5 of 60 deleted", 48, nil, ExitOK},
		{"5 of 12 deleted", 0, nil, ExitUsage},
		{"5 of 12 deleted, share raised", 0, []string{"--max-archive-share", "0.5"}, ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, emulator.Options{})
			for i := range tt.extra {
				writeFile(t, filepath.Join(h.repo, fmt.Sprintf("extra%02d", i), "module.manifest.json"), fmt.Sprintf(`{"module": "extra%02d"}`, i))
			}
			repo := h.initGit()
			commitAll(t, repo, "all")
			h.mustRun("sync", "--all")
			for _, m := range []string{"memory", "dream", "quantum", "bridge", "identity"} {
				if err := os.RemoveAll(filepath.Join(h.repo, m)); err != nil {
					t.Fatal(err)
				}
			}
			commitAll(t, repo, "remove five")
			before := len(h.live())
			code, out, errOut := h.run(append([]string{"sync", "--changed"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tt.wantCode, out, errOut)
			}
			want := before
			if code == ExitOK {
				want = before - 5
			}
			if got := len(h.live()); got != want {
				t.Errorf("%d live pages, want %d", got, want)
			}
		})
	}
}

// TestActionRefusesBadEnvironment: the Action checks the step's environment as
// the CLI does (#10 items 8, 13; #7 item 1): exit 2 before any request.
func TestActionRefusesBadEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		drop    string
		wantErr string
	}{
		{"unknown NOTION_VERSION", map[string]string{"NOTION_VERSION": "2099-01-01"}, "", "2025-09-03"},
		{"bad NOTION_DATA_SOURCE_ID", map[string]string{"NOTION_DATA_SOURCE_ID": "nope"}, "", "data source id"},
		{"token from the env with a line break", map[string]string{"NOTION_TOKEN": "ntn_envtoken\nx"}, "INPUT_NOTION-TOKEN", "line break"},
		{"base URL over plain http", map[string]string{"NOTION_API_BASE_URL": "http://169.254.169.254"}, "", "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			maps.Copy(a.env, tt.env)
			delete(a.env, tt.drop)
			res := a.run("workflow_dispatch", nil, nil)
			if res.code != ExitUsage || !strings.Contains(res.stdout, tt.wantErr) {
				res.failf(t, "want exit %d with %q", ExitUsage, tt.wantErr)
			}
			for _, line := range strings.Split(res.stdout+res.stderr, "\n") {
				// The mask command is the one place the token must be: the runner
				// hides it from then on.
				if strings.Contains(line, "envtoken") && !strings.HasPrefix(line, "::add-mask::") {
					t.Errorf("the token shows: %q", line)
				}
			}
			if n := len(a.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestActionPreviewWarnsOfMassArchive: a pull request that deletes most of the
// manifests gets a plan whose summary, comment and annotations say that the
// sync after the merge would stop, so the author learns it before merging; one
// that deletes a single manifest gets no such note.
func TestActionPreviewWarnsOfMassArchive(t *testing.T) {
	t.Parallel()
	const note = "A real sync of this plan would stop: refusing to archive 6 of the database"
	tests := []struct {
		name     string
		removed  []string
		wantNote bool
	}{
		{"six of twelve removed", []string{"memory", "dream", "quantum", "bridge", "identity", "consciousness"}, true},
		{"one removed", []string{"memory"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newActionHarness(t)
			_, res := a.planPullRequest(func() {
				for _, m := range tt.removed {
					if err := os.RemoveAll(filepath.Join(a.repo, m)); err != nil {
						t.Fatal(err)
					}
				}
			})
			if got := a.readPlan(res).Summary.Archive; got != len(tt.removed) {
				t.Errorf("plan archives %d pages, want %d", got, len(tt.removed))
			}
			comments, _ := ghState(a.gh)
			if len(comments) != 1 {
				t.Fatalf("%d comments, want 1", len(comments))
			}
			annotated := strings.Contains(res.stdout, "::warning title=notion-sync%3A mass archive::"+note)
			for where, text := range map[string]string{"summary": res.summary, "comment": comments[0].Body} {
				if got := strings.Contains(text, note); got != tt.wantNote {
					t.Errorf("%s has the note = %v, want %v:\n%s", where, got, tt.wantNote, text)
				}
			}
			if annotated != tt.wantNote {
				t.Errorf("warning annotation = %v, want %v:\n%s", annotated, tt.wantNote, res.stdout)
			}
		})
	}
}

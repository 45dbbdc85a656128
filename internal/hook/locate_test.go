package hook

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/google/go-cmp/cmp"
)

// newRepo initialises a git repository in a fresh temporary folder and
// returns the folder with symlinks resolved, as Locate reports paths.
func newRepo(t *testing.T) (string, *git.Repository) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return dir, repo
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func setHooksPath(t *testing.T, repo *git.Repository, value string) {
	t.Helper()
	cfg, err := repo.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Raw.Section("core").SetOption("hooksPath", value)
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
}

// TestLocate: the hooks folder comes from core.hooksPath as git reads it (the
// repository's config, then the global files getenv points at, then the
// system's), else .git/hooks; Rel places the --repo folder in its worktree.
func TestLocate(t *testing.T) {
	t.Parallel()
	const hooksLine = "[core]\n\thooksPath = "
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, home string, repo *git.Repository) (vars map[string]string, sub string)
		// want is filled with dir and home: Path, Scope, Source, Rel.
		want func(dir, home string) Location
	}{
		{"no hooks path", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			return map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}, ""
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Rel: "."}
		}},
		{"folder inside the worktree", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			return map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}, filepath.Join("mono", "tools")
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Rel: "mono/tools"}
		}},
		{"repository hooks path, relative to the worktree root", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			setHooksPath(t, repo, ".githooks")
			writeFile(t, filepath.Join(home, ".gitconfig"), hooksLine+"/elsewhere\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}, "sub"
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(dir, ".githooks", "post-commit"), Rel: "sub", Scope: "repository", Source: "the repository's .git/config"}
		}},
		{"~/.gitconfig with ~/", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, ".gitconfig"), hooksLine+"~/hooks\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}, ""
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(home, "hooks", "post-commit"), Rel: ".", Scope: "global", Source: filepath.Join(home, ".gitconfig")}
		}},
		{"~/.config/git/config", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, ".config", "git", "config"), hooksLine+"/abs/hooks\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_NOSYSTEM": "1"}, ""
		}, func(dir, home string) Location {
			return Location{Path: "/abs/hooks/post-commit", Rel: ".", Scope: "global", Source: filepath.Join(home, ".config", "git", "config")}
		}},
		{"XDG_CONFIG_HOME", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, "xdg", "git", "config"), hooksLine+"/abs/hooks\n")
			writeFile(t, filepath.Join(home, ".config", "git", "config"), hooksLine+"/not/read\n")
			return map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "xdg"), "GIT_CONFIG_NOSYSTEM": "1"}, ""
		}, func(dir, home string) Location {
			return Location{Path: "/abs/hooks/post-commit", Rel: ".", Scope: "global", Source: filepath.Join(home, "xdg", "git", "config")}
		}},
		{"GIT_CONFIG_GLOBAL replaces the other global files", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, ".gitconfig"), hooksLine+"/not/read\n")
			writeFile(t, filepath.Join(home, "g.ini"), "[user]\n\tname = t\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_GLOBAL": filepath.Join(home, "g.ini"), "GIT_CONFIG_NOSYSTEM": "1"}, ""
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Rel: "."}
		}},
		{"system config", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, "system"), hooksLine+"/sys/hooks\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_SYSTEM": filepath.Join(home, "system")}, ""
		}, func(dir, home string) Location {
			return Location{Path: "/sys/hooks/post-commit", Rel: ".", Scope: "system", Source: filepath.Join(home, "system")}
		}},
		{"GIT_CONFIG_NOSYSTEM skips the system config", func(t *testing.T, dir, home string, repo *git.Repository) (map[string]string, string) {
			writeFile(t, filepath.Join(home, "system"), hooksLine+"/sys/hooks\n")
			return map[string]string{"HOME": home, "GIT_CONFIG_SYSTEM": filepath.Join(home, "system"), "GIT_CONFIG_NOSYSTEM": "true"}, ""
		}, func(dir, home string) Location {
			return Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Rel: "."}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, repo := newRepo(t)
			home := filepath.Join(dir, "home") // not a git folder of its own; only read through getenv
			vars, sub := tt.setup(t, dir, home, repo)
			repoDir := filepath.Join(dir, sub)
			if err := os.MkdirAll(repoDir, 0o755); err != nil {
				t.Fatal(err)
			}
			got, err := Locate(repoDir, func(k string) string { return vars[k] })
			if err != nil {
				t.Fatalf("Locate(): %v", err)
			}
			want := tt.want(dir, home)
			want.Root, want.GitDir, want.RepoDir = dir, filepath.Join(dir, ".git"), repoDir
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Locate() mismatch (-want +got):\n%s", diff)
			}
			if got.Shared() != (want.Scope == "global" || want.Scope == "system") {
				t.Errorf("Shared() = %v for scope %q", got.Shared(), got.Scope)
			}
			if diff := cmp.Diff(filepath.Dir(want.Path), got.HooksDir()); diff != "" {
				t.Errorf("HooksDir() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(filepath.Join(dir, ".git", "info", "exclude"), got.ExcludeFile()); diff != "" {
				t.Errorf("ExcludeFile() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLocateInputErrors: what the user must fix is an *InputError, with the
// text the CLI prints.
func TestLocateInputErrors(t *testing.T) {
	t.Parallel()
	notRepo := t.TempDir()
	dir, repo := newRepo(t)
	setHooksPath(t, repo, "~/hooks")
	badDir, _ := newRepo(t)
	bad := filepath.Join(badDir, "bad.ini")
	writeFile(t, bad, "[core\n\thooksPath = x\n")
	tests := []struct {
		name    string
		dir     string
		vars    map[string]string
		wantErr string
	}{
		{"missing folder", "/nonexistent/nowhere", nil, "--repo /nonexistent/nowhere: "},
		{"not a repository", notRepo, nil, "hook install needs a git repository: " + notRepo + ": "},
		{"~/ without HOME", dir, map[string]string{"GIT_CONFIG_NOSYSTEM": "1"}, "core.hooksPath ~/hooks (in the repository's .git/config) starts with ~/, but HOME is not set"},
		{"unreadable global config", badDir, map[string]string{"GIT_CONFIG_GLOBAL": bad, "GIT_CONFIG_NOSYSTEM": "1"}, "read git config " + bad + ": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, err := Locate(tt.dir, func(k string) string { return tt.vars[k] })
			if err == nil {
				t.Fatalf("Locate() = %+v, want an error", loc)
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Locate() error %q, want it to start with %q", err, tt.wantErr)
			}
			if _, ok := errors.AsType[*InputError](err); !ok {
				t.Errorf("Locate() error %T is not an *InputError", err)
			}
		})
	}
}

// TestLocateLinkedWorktree: a linked worktree's hooks live in the main
// repository's git directory, and git runs them from the linked worktree.
func TestLocateLinkedWorktree(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on PATH: it makes the linked worktree")
	}
	dir, _ := newRepo(t)
	linked := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-linked")
	t.Cleanup(func() { os.RemoveAll(linked) })
	env := []string{"HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	for _, args := range [][]string{{"commit", "-q", "--allow-empty", "-m", "x"}, {"worktree", "add", "-q", "--detach", linked}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	got, err := Locate(linked, func(k string) string { return map[string]string{"GIT_CONFIG_NOSYSTEM": "1"}[k] })
	if err != nil {
		t.Fatalf("Locate(): %v", err)
	}
	want := Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Root: linked, GitDir: filepath.Join(dir, ".git"), RepoDir: linked, Rel: "."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Locate() mismatch (-want +got):\n%s", diff)
	}
}

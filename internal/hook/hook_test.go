package hook

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testLocation is a Location in a fresh folder, as Locate would return it for
// a repository whose git directory is gitDir.
func testLocation(t *testing.T, rel string) Location {
	t.Helper()
	dir := t.TempDir()
	return Location{Path: filepath.Join(dir, ".git", "hooks", "post-commit"), Root: dir, GitDir: filepath.Join(dir, ".git"), RepoDir: filepath.Join(dir, rel), Rel: rel}
}

func ourScript(gitDir string) string {
	return "#!/bin/sh\n" + Marker + "\nnotion_sync='ns'\ngit_dir=" + Quote(gitDir) + "\n"
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestInstall: the hook at the location decides what Install does. Ours for
// this repository (or from before hooks named one) is rewritten; anything else
// is refused with an *InputError and left as it was, or with force moved to the
// first free .bak name.
func TestInstall(t *testing.T) {
	t.Parallel()
	const foreign = "#!/bin/sh\necho husky\n"
	tests := []struct {
		name    string
		before  func(loc Location) map[string]string // file → content, relative to the hooks folder
		force   bool
		want    Installed
		wantErr string // with {path}: loc.Path
		after   func(loc Location) map[string]string
	}{
		{"no hook", func(Location) map[string]string { return nil }, false,
			Installed{Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string { return map[string]string{"post-commit": "new"} }},
		{"ours", func(loc Location) map[string]string { return map[string]string{"post-commit": ourScript(loc.GitDir)} }, false,
			Installed{Updated: true, Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string { return map[string]string{"post-commit": "new"} }},
		{"ours from before hooks named their repository", func(Location) map[string]string {
			return map[string]string{"post-commit": "#!/bin/sh\n" + Marker + "\n"}
		}, false,
			Installed{Updated: true, Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string { return map[string]string{"post-commit": "new"} }},
		{"foreign", func(Location) map[string]string { return map[string]string{"post-commit": foreign} }, false,
			Installed{}, "{path} exists and was not installed by notion-sync: rerun with --force to replace it (it is kept as post-commit.bak)",
			func(Location) map[string]string { return map[string]string{"post-commit": foreign} }},
		{"foreign with a backup already", func(Location) map[string]string {
			return map[string]string{"post-commit": foreign, "post-commit.bak": "old"}
		}, false,
			Installed{}, "{path} exists and was not installed by notion-sync: rerun with --force to replace it (it is kept as post-commit.bak.1)",
			func(Location) map[string]string {
				return map[string]string{"post-commit": foreign, "post-commit.bak": "old"}
			}},
		{"another repository's", func(Location) map[string]string { return map[string]string{"post-commit": ourScript("/other/.git")} }, false,
			Installed{}, "{path} is the notion-sync hook of another repository (/other/.git): replacing it stops the syncs there. Rerun with --force to replace it anyway (it is kept as post-commit.bak)",
			func(Location) map[string]string { return map[string]string{"post-commit": ourScript("/other/.git")} }},
		{"foreign, forced", func(Location) map[string]string { return map[string]string{"post-commit": foreign} }, true,
			Installed{Backup: "{dir}/post-commit.bak", Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string {
				return map[string]string{"post-commit": "new", "post-commit.bak": foreign}
			}},
		{"foreign with backups already, forced", func(Location) map[string]string {
			return map[string]string{"post-commit": foreign, "post-commit.bak": "old", "post-commit.bak.1": "older"}
		}, true,
			Installed{Backup: "{dir}/post-commit.bak.2", Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string {
				return map[string]string{"post-commit": "new", "post-commit.bak": "old", "post-commit.bak.1": "older", "post-commit.bak.2": foreign}
			}},
		{"another repository's, forced", func(Location) map[string]string { return map[string]string{"post-commit": ourScript("/other/.git")} }, true,
			Installed{Backup: "{dir}/post-commit.bak", Pattern: "/artifacts/", Added: true}, "",
			func(Location) map[string]string {
				return map[string]string{"post-commit": "new", "post-commit.bak": ourScript("/other/.git")}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := testLocation(t, ".")
			hooks := loc.HooksDir()
			for name, body := range tt.before(loc) {
				writeFile(t, filepath.Join(hooks, name), body)
			}
			got, err := Install(loc, []byte("new"), tt.force)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				if _, ok := errors.AsType[*InputError](err); !ok {
					t.Errorf("Install() error %T is not an *InputError", err)
				}
			}
			wantErr := ""
			if tt.wantErr != "" {
				wantErr = loc.Path + tt.wantErr[len("{path}"):]
			}
			if diff := cmp.Diff(wantErr, gotErr); diff != "" {
				t.Errorf("Install() error mismatch (-want +got):\n%s", diff)
			}
			want := tt.want
			if want.Backup != "" {
				want.Backup = filepath.Join(hooks, filepath.Base(want.Backup))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Install() mismatch (-want +got):\n%s", diff)
			}
			entries, err := os.ReadDir(hooks)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			for _, e := range entries {
				files[e.Name()] = readFile(t, filepath.Join(hooks, e.Name()))
			}
			if diff := cmp.Diff(tt.after(loc), files); diff != "" {
				t.Errorf("hooks folder after Install() mismatch (-want +got):\n%s", diff)
			}
			if wantErr != "" {
				return
			}
			info, err := os.Stat(loc.Path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o755 {
				t.Errorf("hook mode %v, want 0755", got)
			}
		})
	}
}

// TestInstallExclude: the artifacts folder of the repository folder goes into
// info/exclude once, escaped for gitignore, and the file is otherwise kept.
func TestInstallExclude(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rel, before string
		wantPattern       string
		wantFile          string
	}{
		{"new file", ".", "", "/artifacts/", "# notion-sync hook: the ledger, plan and logs its syncs write\n/artifacts/\n"},
		{"kept lines, missing newline", "mono/tools", "*.log", "/mono/tools/artifacts/",
			"*.log\n# notion-sync hook: the ledger, plan and logs its syncs write\n/mono/tools/artifacts/\n"},
		{"glob characters", `we*ird?[x]\y`, "", `/we\*ird\?\[x]\\y/artifacts/`,
			"# notion-sync hook: the ledger, plan and logs its syncs write\n/we\\*ird\\?\\[x]\\\\y/artifacts/\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := testLocation(t, tt.rel)
			if tt.before != "" {
				writeFile(t, loc.ExcludeFile(), tt.before)
			}
			for i, wantAdded := range []bool{true, false} {
				got, err := Install(loc, []byte(ourScript(loc.GitDir)), false)
				if err != nil {
					t.Fatalf("Install() #%d: %v", i+1, err)
				}
				if diff := cmp.Diff(Installed{Updated: i > 0, Pattern: tt.wantPattern, Added: wantAdded}, got); diff != "" {
					t.Errorf("Install() #%d mismatch (-want +got):\n%s", i+1, diff)
				}
			}
			if diff := cmp.Diff(tt.wantFile, readFile(t, loc.ExcludeFile())); diff != "" {
				t.Errorf("info/exclude mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUninstall: only our hook for this repository goes; a kept .bak is
// reported, and anything else is refused with an *InputError.
func TestUninstall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		before    func(loc Location) map[string]string
		want      Uninstalled
		wantErr   string // after loc.Path
		wantStays bool
	}{
		{"no hook", func(Location) map[string]string { return nil }, Uninstalled{}, "", false},
		{"ours", func(loc Location) map[string]string { return map[string]string{"post-commit": ourScript(loc.GitDir)} }, Uninstalled{Removed: true}, "", false},
		{"ours, with a backup", func(loc Location) map[string]string {
			return map[string]string{"post-commit": ourScript(loc.GitDir), "post-commit.bak": "old"}
		}, Uninstalled{Removed: true, Backup: "post-commit.bak"}, "", false},
		{"foreign", func(Location) map[string]string { return map[string]string{"post-commit": "#!/bin/sh\n"} },
			Uninstalled{}, " was not installed by notion-sync: left alone", true},
		{"another repository's", func(Location) map[string]string { return map[string]string{"post-commit": ourScript("/other/.git")} },
			Uninstalled{}, " is the notion-sync hook of another repository (/other/.git): left alone; run notion-sync hook uninstall there", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := testLocation(t, ".")
			for name, body := range tt.before(loc) {
				writeFile(t, filepath.Join(loc.HooksDir(), name), body)
			}
			got, err := Uninstall(loc)
			gotErr, wantErr := "", ""
			if tt.wantErr != "" {
				wantErr = loc.Path + tt.wantErr
			}
			if err != nil {
				gotErr = err.Error()
				if _, ok := errors.AsType[*InputError](err); !ok {
					t.Errorf("Uninstall() error %T is not an *InputError", err)
				}
			}
			if diff := cmp.Diff(wantErr, gotErr); diff != "" {
				t.Errorf("Uninstall() error mismatch (-want +got):\n%s", diff)
			}
			want := tt.want
			if want.Backup != "" {
				want.Backup = filepath.Join(loc.HooksDir(), want.Backup)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Uninstall() mismatch (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(loc.Path); (err == nil) != tt.wantStays {
				t.Errorf("hook still there: %v, want %v", err == nil, tt.wantStays)
			}
		})
	}
}

func TestConfigArg(t *testing.T) {
	t.Parallel()
	repoDir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	outside, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repoDir, "cfg", "n.yml"), "")
	writeFile(t, filepath.Join(outside, "n.yml"), "")
	tests := []struct{ name, configPath, want string }{
		{"default", "", ""},
		{"absolute, inside the repository", filepath.Join(repoDir, "cfg", "n.yml"), "cfg/n.yml"},
		{"absolute, outside", filepath.Join(outside, "n.yml"), filepath.Join(outside, "n.yml")},
		{"relative, not found from here: relative to the repository", "cfg/nowhere.yml", "cfg/nowhere.yml"},
	}
	for _, tt := range tests {
		got, err := ConfigArg(repoDir, tt.configPath)
		if err != nil {
			t.Errorf("%s: ConfigArg(): %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: ConfigArg(%q) = %q, want %q", tt.name, tt.configPath, got, tt.want)
		}
	}
}

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWriters checks every writer against the paths a commit can plant: the
// file itself a link (to a shell rc file), a folder above it a link, a FIFO,
// a folder; each must be refused with ErrNotPlain and leave the link's target
// untouched, while plain new and existing files are written.
func TestWriters(t *testing.T) {
	writers := map[string]func(root, path string) error{
		"OpenAppend": func(root, path string) error {
			f, err := OpenAppend(root, path)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("line\n")
			return err
		},
		"OpenLock": func(root, path string) error {
			f, err := OpenLock(root, path)
			if err != nil {
				return err
			}
			return f.Close()
		},
		"WriteFile": func(root, path string) error {
			return WriteFile(root, path, []byte("line\n"), 0o644)
		},
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, root, outside string)
		path    string
		refused bool
	}{
		{name: "new file and folders", path: "artifacts/deep/ledger.jsonl"},
		{name: "existing plain file", path: "artifacts/ledger.jsonl", setup: func(t *testing.T, root, _ string) {
			mkfile(t, filepath.Join(root, "artifacts/ledger.jsonl"))
		}},
		{name: "file is a link out of the repository", path: "artifacts/ledger.jsonl", refused: true, setup: func(t *testing.T, root, outside string) {
			mkdir(t, filepath.Join(root, "artifacts"))
			link(t, filepath.Join(outside, ".bashrc"), filepath.Join(root, "artifacts/ledger.jsonl"))
		}},
		{name: "file is a link inside the repository", path: "artifacts/ledger.jsonl", refused: true, setup: func(t *testing.T, root, _ string) {
			mkfile(t, filepath.Join(root, "other"))
			mkdir(t, filepath.Join(root, "artifacts"))
			link(t, "../other", filepath.Join(root, "artifacts/ledger.jsonl"))
		}},
		{name: "dangling link", path: "ledger.jsonl", refused: true, setup: func(t *testing.T, root, outside string) {
			link(t, filepath.Join(outside, "new-file"), filepath.Join(root, "ledger.jsonl"))
		}},
		{name: "folder is a link", path: "artifacts/ledger.jsonl", refused: true, setup: func(t *testing.T, root, outside string) {
			link(t, outside, filepath.Join(root, "artifacts"))
		}},
		{name: "folder part is a file", path: "artifacts/ledger.jsonl", refused: true, setup: func(t *testing.T, root, _ string) {
			mkfile(t, filepath.Join(root, "artifacts"))
		}},
		{name: "file is a FIFO", path: "ledger.jsonl", refused: true, setup: func(t *testing.T, root, _ string) {
			if err := syscall.Mkfifo(filepath.Join(root, "ledger.jsonl"), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}},
		{name: "file is a folder", path: "ledger.jsonl", refused: true, setup: func(t *testing.T, root, _ string) {
			mkdir(t, filepath.Join(root, "ledger.jsonl"))
		}},
		{name: "outside the root", path: "../escape", refused: true},
	}
	for wname, write := range writers {
		for _, tt := range tests {
			t.Run(wname+"/"+tt.name, func(t *testing.T) {
				base := t.TempDir()
				root, outside := filepath.Join(base, "repo"), filepath.Join(base, "home")
				mkdir(t, root)
				mkdir(t, outside)
				if err := os.WriteFile(filepath.Join(outside, ".bashrc"), []byte("rc\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if tt.setup != nil {
					tt.setup(t, root, outside)
				}
				err := write(root, filepath.Join(root, tt.path))
				if tt.refused != errors.Is(err, ErrNotPlain) {
					t.Fatalf("%s(%s) error = %v, want refused %v", wname, tt.path, err, tt.refused)
				}
				if !tt.refused && err != nil {
					t.Fatalf("%s(%s) error = %v", wname, tt.path, err)
				}
				got := listing(t, outside)
				if diff := cmp.Diff(map[string]string{".bashrc": "rc\n"}, got); diff != "" {
					t.Errorf("%s(%s) wrote outside the repository (-want +got):\n%s", wname, tt.path, diff)
				}
			})
		}
	}
}

// TestWriteFileReplaces checks the atomic write: the content and mode are the
// new ones and no temporary file is left.
func TestWriteFileReplaces(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "plan.json")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(root, p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"plan.json": "new"}, listing(t, root)); diff != "" {
		t.Errorf("folder after WriteFile (-want +got):\n%s", diff)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v (%v), want 0644", st.Mode().Perm(), err)
	}
}

// TestErrorNamesFix checks that a refusal names the link and the way out.
func TestErrorNamesFix(t *testing.T) {
	root := t.TempDir()
	link(t, "/etc/hostname", filepath.Join(root, "ledger.jsonl"))
	_, err := Check(root, filepath.Join(root, "ledger.jsonl"))
	want := "refuse to write " + filepath.Join(root, "ledger.jsonl") + ": not a plain file inside its folder: " +
		filepath.Join(root, "ledger.jsonl") + " is a symbolic link, and the tool writes only plain files, so that a committed link cannot send its writes elsewhere: remove the link (git rm it) or choose another path"
	if err == nil || err.Error() != want {
		t.Errorf("Check() error =\n%v\nwant\n%s", err, want)
	}
}

func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(b)
	}
	return got
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mkfile(t *testing.T, p string) {
	t.Helper()
	mkdir(t, filepath.Dir(p))
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

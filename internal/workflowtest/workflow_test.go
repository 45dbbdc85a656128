package workflowtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository root, from this package's folder.
var root = filepath.Join("..", "..")

// workflow is the part of a workflow file the tests read.
type workflow struct {
	Name        string               `yaml:"name"`
	Permissions yaml.Node            `yaml:"permissions"`
	Concurrency yaml.Node            `yaml:"concurrency"`
	Env         map[string]string    `yaml:"env"`
	Jobs        map[string]*job      `yaml:"jobs"`
	On          map[string]yaml.Node `yaml:"on"`
}

type job struct {
	Uses        string            `yaml:"uses"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency yaml.Node         `yaml:"concurrency"`
	Env         map[string]string `yaml:"env"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

// concurrency is a concurrency block in its long form.
type concurrency struct {
	Group            string `yaml:"group"`
	CancelInProgress string `yaml:"cancel-in-progress"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readWorkflow(t *testing.T, path string) *workflow {
	t.Helper()
	var w workflow
	readYAML(t, path, &w)
	return &w
}

// workflowFiles is every workflow of the repository and every example.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml", "docs/examples/*.yml", "docs/examples/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 6 {
		t.Fatalf("found %d workflow files (%v), want the 3 workflows and the examples", len(out), out)
	}
	return out
}

// exprRE matches one ${{ expression }}.
var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// ownAction is this repository's action, which has no release sha to pin
// before its first release: the reusable workflow carries the release marker
// the release rewrites, and the examples tell the user to pin the sha.
const ownAction = "lukhas/notion-sync-action"

func rel(path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

func isExample(path string) bool { return strings.HasPrefix(rel(path), "docs/examples/") }

package workflowtest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// actionYML is the part of action.yml the tests read.
type actionYML struct {
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]yaml.Node `yaml:"outputs"`
}

// reusableYML is the workflow_call trigger of the reusable workflow.
type reusableYML struct {
	On struct {
		WorkflowCall struct {
			Inputs map[string]struct {
				Type    string `yaml:"type"`
				Default string `yaml:"default"`
			} `yaml:"inputs"`
			Secrets map[string]yaml.Node `yaml:"secrets"`
			Outputs map[string]yaml.Node `yaml:"outputs"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
}

// notPassedAsInput are the action inputs the reusable workflow sets itself, and
// why; every other input of action.yml must be a workflow_call input of the same
// name, passed as ${{ inputs.<name> }}.
var notPassedAsInput = map[string]string{
	"notion-token":    "${{ secrets.notion-token }}",                      // a token is a secret, not an input
	"database-id":     "${{ inputs.database-id || secrets.database-id }}", // an input (keys the concurrency group) or, as before, a secret
	"github-token":    "${{ github.token }}",                              // the callee's own token, with the permissions the caller granted
	"upload-artifact": "false",                                            // uploaded with actions/upload-artifact instead
}

// notAnOutput are action outputs a caller cannot use: paths in the called
// job's workspace.
var notAnOutput = []string{"ledger-path", "plan-path", "artifact-files"}

// TestReusablePassesEveryInput parses action.yml and the reusable workflow: each
// input of the action reaches the action step, under the same name and with the
// same default, so a new input cannot be forgotten in the reusable workflow.
func TestReusablePassesEveryInput(t *testing.T) {
	t.Parallel()
	var action actionYML
	readYAML(t, filepath.Join(root, "action.yml"), &action)
	var call reusableYML
	path := filepath.Join(root, ".github", "workflows", "notion-sync.yml")
	readYAML(t, path, &call)
	w := readWorkflow(t, path)
	if len(action.Inputs) < 25 {
		t.Fatalf("action.yml has %d inputs; the parse is broken", len(action.Inputs))
	}

	var with map[string]string
	for _, s := range w.Jobs["sync"].Steps {
		if strings.HasPrefix(s.Uses, ownAction+"@") {
			with = s.With
		}
	}
	if with == nil {
		t.Fatalf("%s: no step uses %s", rel(path), ownAction)
	}
	inputs := call.On.WorkflowCall.Inputs
	for name, in := range action.Inputs {
		got, ok := with[name]
		if !ok {
			t.Errorf("action input %q is not passed to the action in %s", name, rel(path))
			continue
		}
		if want, ok := notPassedAsInput[name]; ok {
			if got != want {
				t.Errorf("%s: %s: %q, want %q", rel(path), name, got, want)
			}
			continue
		}
		if want := fmt.Sprintf("${{ inputs.%s }}", name); got != want {
			t.Errorf("%s: %s: %q, want %q", rel(path), name, got, want)
		}
		wc, ok := inputs[name]
		if !ok {
			t.Errorf("%s: action input %q is not a workflow_call input", rel(path), name)
			continue
		}
		if name == "artifact-name" {
			continue // the reusable workflow appends the run attempt to its own default
		}
		if wc.Default != in.Default {
			t.Errorf("%s: input %q defaults to %q, action.yml to %q", rel(path), name, wc.Default, in.Default)
		}
	}
	for name := range with {
		if _, ok := action.Inputs[name]; !ok {
			t.Errorf("%s passes %q, which action.yml does not declare", rel(path), name)
		}
	}
	for _, secret := range []string{"notion-token", "database-id"} {
		if _, ok := call.On.WorkflowCall.Secrets[secret]; !ok {
			t.Errorf("%s: no %s secret", rel(path), secret)
		}
	}

	var missing []string
	for name := range action.Outputs {
		if _, ok := call.On.WorkflowCall.Outputs[name]; !ok && !slices.Contains(notAnOutput, name) {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("action outputs the reusable workflow does not expose (-want +got):\n%s", diff)
	}
}

// TestActionInputsDeclared pins the inputs and outputs other issues add.
func TestActionInputsDeclared(t *testing.T) {
	t.Parallel()
	var action actionYML
	readYAML(t, filepath.Join(root, "action.yml"), &action)
	for name, def := range map[string]string{"notion-version": "2025-09-03", "data-source-id": "", "allow-mass-archive": "false"} {
		in, ok := action.Inputs[name]
		if !ok || in.Default != def {
			t.Errorf("action.yml input %q: present %v, default %q; want default %q", name, ok, in.Default, def)
		}
	}
	for _, name := range []string{"artifact-id", "artifact-url", "discrepancies"} {
		if _, ok := action.Outputs[name]; !ok {
			t.Errorf("action.yml has no output %q", name)
		}
	}
}

// TestConcurrencyAndPermissions: every workflow that runs the action (the
// reusable workflow and the examples) queues per database without cancelling,
// and grants actions: read for the diff base.
func TestConcurrencyAndPermissions(t *testing.T) {
	t.Parallel()
	for _, path := range workflowFiles(t) {
		if !isExample(path) && filepath.Base(path) != "notion-sync.yml" {
			continue
		}
		w := readWorkflow(t, path)
		for name, j := range w.Jobs {
			var c concurrency
			node := j.Concurrency
			if node.Kind == 0 {
				node = w.Concurrency
			}
			if err := node.Decode(&c); err != nil || c.Group == "" {
				t.Errorf("%s: job %s: no concurrency group (%v)", rel(path), name, err)
				continue
			}
			if c.CancelInProgress != "false" {
				t.Errorf("%s: job %s: cancel-in-progress %q, want false: a cancelled sync stops half-way", rel(path), name, c.CancelInProgress)
			}
			runsAction := slices.ContainsFunc(j.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, ownAction+"@") })
			if runsAction && !perDatabase(c.Group) {
				t.Errorf("%s: job %s: concurrency group %q is not per database: put the database id in it, e.g. ${{ vars.NOTION_DATABASE_ID }}", rel(path), name, c.Group)
			}
			if j.Permissions["actions"] != "read" {
				t.Errorf("%s: job %s: permissions %v lack actions: read", rel(path), name, j.Permissions)
			}
		}
	}
}

// databaseRefRE is a reference to a value naming the database, in a context a
// job's concurrency group may read: inputs.database-id, vars.NOTION_DATABASE_ID,
// matrix.database, needs.<job>.outputs.database-id.
var databaseRefRE = regexp.MustCompile(`(?i)(?:^|[^\w.-])(?:inputs|vars|matrix|needs)\.[\w.-]*database`)

// quotedRE is a string literal of an expression (” is a quote inside it).
var quotedRE = regexp.MustCompile(`'(?:[^']|'')*'`)

// perDatabase reports whether a concurrency group differs per database: one of
// its expressions, string literals aside, reads the database id. Text outside
// ${{ }} is constant, so "notion-sync-database" is one group for every database.
func perDatabase(group string) bool {
	for _, m := range exprRE.FindAllStringSubmatch(group, -1) {
		if databaseRefRE.MatchString(quotedRE.ReplaceAllString(m[1], "''")) {
			return true
		}
	}
	return false
}

func TestPerDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		group string
		want  bool
	}{
		{"notion-sync-${{ vars.NOTION_DATABASE_ID }}-${{ github.event_name == 'pull_request' && github.ref || 'sync' }}", true},
		{"notion-sync-${{ inputs.database-id || 'database' }}-sync", true},
		{"notion-sync-${{ matrix.database }}", true},
		{"notion-sync-${{format('{0}', vars.NOTION_DATABASE_ID)}}", true},
		{"notion-sync-${{ needs.setup.outputs.database-id }}", true},
		{"notion-sync-database", false},
		{"notion-sync-NOTION_DATABASE_ID-${{ github.ref }}", false},
		{"notion-sync-${{ 'database' }}", false},
		{"notion-sync-${{ 'vars.NOTION_DATABASE_ID' }}", false},
		{"notion-sync-${{ 'it''s vars.NOTION_DATABASE_ID' }}", false},
		{"notion-sync-${{ github.database }}", false},
		{"notion-sync-${{ vars.NOTION_TOKEN_NAME }}", false},
		{"notion-sync-${{ github.ref }}", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := perDatabase(tt.group); got != tt.want {
			t.Errorf("perDatabase(%q) = %v, want %v", tt.group, got, tt.want)
		}
	}
}

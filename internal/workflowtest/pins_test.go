package workflowtest

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// use is one `uses:` of a workflow file, with its line comment.
type use struct {
	file, ref, comment string
	line               int
}

// uses walks a parsed YAML document for every `uses:` value.
func uses(file string, n *yaml.Node, out *[]use) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "uses" && v.Kind == yaml.ScalarNode {
				*out = append(*out, use{file: file, ref: v.Value, comment: strings.TrimSpace(v.LineComment), line: v.Line})
			}
		}
	}
	for _, c := range n.Content {
		uses(file, c, out)
	}
}

func allUses(t *testing.T) []use {
	t.Helper()
	var out []use
	for _, path := range workflowFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		uses(rel(path), &doc, &out)
	}
	return out
}

var (
	shaRefRE   = regexp.MustCompile(`^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(/[^@]+)?@([0-9a-f]{40})$`)
	digestRE   = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	versionRE  = regexp.MustCompile(`^# (v[0-9]+)(\.[0-9]+){0,2}$`)
	ownMarkers = []string{"# notion-sync-release:", "# pin the release's sha"}
)

// TestActionsPinnedBySHA: every action and reusable workflow a workflow or an
// example uses is pinned to a full commit sha with its version in a comment,
// and one action is pinned to the same sha everywhere (Dependabot bumps
// .github/workflows; this catches an example left behind).
func TestActionsPinnedBySHA(t *testing.T) {
	t.Parallel()
	all := allUses(t)
	if len(all) < 20 {
		t.Fatalf("found only %d uses:, the walk is broken", len(all))
	}
	pinned := map[string]use{} // action → first use
	for _, u := range all {
		where := u.file + ":" + strconv.Itoa(u.line)
		switch {
		case strings.HasPrefix(u.ref, "./"):
			continue // this repository's own action or workflow, at the same commit
		case strings.HasPrefix(u.ref, "docker://"):
			if !digestRE.MatchString(u.ref) {
				t.Errorf("%s: %q: pin a docker:// image by digest", where, u.ref)
			}
			continue
		case strings.EqualFold(strings.SplitN(u.ref, "@", 2)[0], ownAction):
			// No release sha exists to pin to; say so where it is used.
			if u.ref != ownAction+"@v1" || !hasAnyPrefix(u.comment, ownMarkers) {
				t.Errorf("%s: %q %q: this action is used as %s@v1 with a comment %q", where, u.ref, u.comment, ownAction, ownMarkers)
			}
			continue
		}
		m := shaRefRE.FindStringSubmatch(u.ref)
		if m == nil {
			t.Errorf("%s: %q is not pinned to a full 40-hex commit sha", where, u.ref)
			continue
		}
		if !versionRE.MatchString(u.comment) {
			t.Errorf("%s: %q has comment %q, want the version it pins, like # v7.0.1", where, u.ref, u.comment)
		}
		action := m[1] + m[2]
		if first, ok := pinned[action]; ok {
			if first.ref != u.ref || first.comment != u.comment {
				t.Errorf("%s: %s %s, but %s:%d has %s %s: pin one version everywhere", where, u.ref, u.comment, first.file, first.line, first.ref, first.comment)
			}
		} else {
			pinned[action] = u
		}
	}
	// The actions the issue names are all there, at their current majors.
	wantMajor := map[string]string{
		"actions/checkout": "v7", "actions/upload-artifact": "v7", "actions/setup-go": "v7",
		"actions/download-artifact": "v8", "actions/attest-build-provenance": "v4",
		"actions/create-github-app-token": "v3", "docker/setup-qemu-action": "v4",
		"docker/setup-buildx-action": "v4", "docker/login-action": "v4", "docker/build-push-action": "v7",
	}
	for action, major := range wantMajor {
		u, ok := pinned[action]
		if !ok {
			t.Errorf("%s is not used anywhere", action)
			continue
		}
		if got := versionRE.FindStringSubmatch(u.comment); got == nil || got[1] != major {
			t.Errorf("%s is at %q, want %s", action, u.comment, major)
		}
	}
}

// TestNoExpressionsInRun: a `${{ }}` inside a script is pasted into it before
// bash reads it, so a value holding shell syntax runs as code; every value goes
// through env: instead.
func TestNoExpressionsInRun(t *testing.T) {
	t.Parallel()
	for _, path := range workflowFiles(t) {
		w := readWorkflow(t, path)
		for name, j := range w.Jobs {
			for i, s := range j.Steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s: job %s step %d (%s): ${{ }} inside run:; pass it through env:", rel(path), name, i+1, s.ID+s.Name)
				}
			}
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

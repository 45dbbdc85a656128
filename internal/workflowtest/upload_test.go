package workflowtest

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReusableUploadsEveryFile: the reusable workflow turns the action's own
// upload off, so its upload step must carry everything the action would have
// uploaded, in every mode: the artifact-files output, not a list of the sync's
// paths (which left verify's and audit's reports behind), hidden paths included
// (upload-artifact skips them by default since v4.4.0).
func TestReusableUploadsEveryFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(root, ".github", "workflows", "notion-sync.yml")
	w := readWorkflow(t, path)
	var upload *step
	for i, s := range w.Jobs["sync"].Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			upload = &w.Jobs["sync"].Steps[i]
		}
	}
	if upload == nil {
		t.Fatalf("%s: no actions/upload-artifact step", rel(path))
	}
	if got, want := strings.TrimSpace(upload.With["path"]), "${{ steps.s.outputs.artifact-files }}"; got != want {
		t.Errorf("%s: upload path %q, want %q", rel(path), got, want)
	}
	if upload.With["include-hidden-files"] != "true" {
		t.Errorf("%s: upload without include-hidden-files: true drops a ledger-path under a dot folder", rel(path))
	}
	if !strings.Contains(upload.If, "always()") || !strings.Contains(upload.If, "steps.s.outputs.artifact-files != ''") {
		t.Errorf("%s: upload if: %q, want it to run always() when artifact-files is set", rel(path), upload.If)
	}
}

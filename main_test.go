package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestReleaseBinaryLinksNoTestCode: the emulator ships in the binary (`notion-sync
// emulator`, `demo`), so it must not pull the testing packages in with it.
func TestReleaseBinaryLinksNoTestCode(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot list the binary's packages")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/lukhas/notion-sync-action/internal/notion/emulator") {
		t.Fatalf("the binary does not link the emulator; the check below would prove nothing:\n%s", out)
	}
	for _, banned := range []string{"testing", "net/http/httptest", "github.com/lukhas/notion-sync-action/internal/notion/notiontest"} {
		if slices.Contains(deps, banned) {
			t.Errorf("the release binary links %s", banned)
		}
	}
}

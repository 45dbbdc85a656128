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

// TestGoNotionStaysInsideTheClient: only internal/notion (and its tests and
// the emulator's) may import go-notion, so that the client alone decides which
// Notion-Version shapes the product speaks.
func TestGoNotionStaysInsideTheClient(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot list the imports")
	}
	out, err := exec.Command(goTool, "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const client = "github.com/lukhas/notion-sync-action/internal/notion"
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		checked++
		if fields[0] == client || strings.HasPrefix(fields[0], client+"/") {
			continue
		}
		if slices.Contains(fields[1:], "github.com/dstotijn/go-notion") {
			t.Errorf("%s imports go-notion", fields[0])
		}
	}
	if checked < 10 {
		t.Fatalf("listed only %d packages; the check proves nothing:\n%s", checked, out)
	}
}

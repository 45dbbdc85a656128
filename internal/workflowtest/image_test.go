package workflowtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pinnedImageRE is an image named by tag and digest: the tag for the reader and
// for Dependabot, the digest for what is pulled.
var pinnedImageRE = regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// imageProblems reads a Dockerfile and returns what breaks the image rules: a
// base image without tag and digest, a runtime stage that is not distroless
// static on Debian 13 in its root variant, or a USER line (Actions runs a
// container action as root; reference §1.5).
func imageProblems(dockerfile string) []string {
	var problems []string
	stages := map[string]bool{}
	var runtime string
	for n, line := range strings.Split(dockerfile, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "USER":
			problems = append(problems, fmt.Sprintf("line %d: USER: a container action must run as the default root user", n+1))
		case "FROM":
			args := f[1:]
			for len(args) > 0 && strings.HasPrefix(args[0], "--") {
				args = args[1:]
			}
			if len(args) == 0 {
				problems = append(problems, fmt.Sprintf("line %d: FROM without an image", n+1))
				continue
			}
			image := args[0]
			runtime = image
			if !stages[image] && !pinnedImageRE.MatchString(image) {
				problems = append(problems, fmt.Sprintf("line %d: %s: pin by tag and index digest, image:tag@sha256:<64 hex>", n+1, image))
			}
			if len(args) == 3 && strings.EqualFold(args[1], "AS") {
				stages[args[2]] = true
			}
		}
	}
	ref, _, _ := strings.Cut(runtime, "@")
	repo, tag, _ := strings.Cut(ref, ":")
	switch {
	case runtime == "":
		problems = append(problems, "no FROM line")
	case repo != "gcr.io/distroless/static-debian13":
		problems = append(problems, runtime+": the runtime stage is gcr.io/distroless/static-debian13")
	case strings.Contains(tag, "nonroot") || strings.Contains(tag, "debug"):
		problems = append(problems, runtime+": use the default (root) variant")
	}
	return problems
}

func TestImageProblems(t *testing.T) {
	t.Parallel()
	const (
		goPin  = "golang:1.26.7-trixie@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1"
		runPin = "gcr.io/distroless/static-debian13:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0"
	)
	tests := []struct {
		name, dockerfile string
		want             []string
	}{
		{"pinned", "FROM --platform=$BUILDPLATFORM " + goPin + " AS build\nRUN true\nFROM " + runPin + "\nCOPY --from=build /a /a\n", nil},
		{"stage reused", "FROM " + goPin + " AS build\nFROM build AS test\nFROM " + runPin + "\n", nil},
		{"tag only", "FROM golang:1.26-trixie AS build\nFROM " + runPin + "\n",
			[]string{"line 1: golang:1.26-trixie: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"digest without tag", "FROM golang@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1 AS build\nFROM " + runPin + "\n",
			[]string{"line 1: golang@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"short digest", "FROM " + goPin[:len(goPin)-1] + "\nFROM " + runPin + "\n",
			[]string{"line 1: " + goPin[:len(goPin)-1] + ": pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"nonroot runtime", "FROM gcr.io/distroless/static-debian13:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3\n",
			[]string{"gcr.io/distroless/static-debian13:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3: use the default (root) variant"}},
		{"old debian", "FROM gcr.io/distroless/static-debian12:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0\n",
			[]string{"gcr.io/distroless/static-debian12:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0: the runtime stage is gcr.io/distroless/static-debian13"}},
		{"user line", "FROM " + runPin + "\nUSER nonroot\n",
			[]string{"line 2: USER: a container action must run as the default root user"}},
		{"stage named like itself", "FROM build AS build\nFROM " + runPin + "\n",
			[]string{"line 1: build: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"empty", "# nothing\n", []string{"no FROM line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, imageProblems(tt.dockerfile)); diff != "" {
				t.Errorf("imageProblems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDockerfileBaseImagesPinned: the image users run is built from bases pinned
// by index digest, and Dependabot watches them.
func TestDockerfileBaseImagesPinned(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range imageProblems(string(data)) {
		t.Errorf("Dockerfile: %s", p)
	}

	var dependabot struct {
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string `yaml:"directory"`
		} `yaml:"updates"`
	}
	readYAML(t, filepath.Join(root, ".github", "dependabot.yml"), &dependabot)
	var ecosystems []string
	for _, u := range dependabot.Updates {
		if u.Directory == "/" {
			ecosystems = append(ecosystems, u.Ecosystem)
		}
	}
	want := []string{"gomod", "github-actions", "docker"}
	if diff := cmp.Diff(want, ecosystems); diff != "" {
		t.Errorf(".github/dependabot.yml ecosystems at / (-want +got):\n%s", diff)
	}
}

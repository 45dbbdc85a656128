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

// ociLabels are the OCI labels of the image: the Dockerfile's final stage sets
// each from a build argument, and the release (TestReleaseWorkflowShape) passes
// that argument and the same index annotation with the value given here. GHCR
// links the package to the repository through org.opencontainers.image.source.
var ociLabels = []struct{ label, arg, value string }{
	{"org.opencontainers.image.source", "SOURCE", "${{ github.server_url }}/${{ github.repository }}"},
	{"org.opencontainers.image.version", "VERSION", "${{ steps.version.outputs.version }}"},
	{"org.opencontainers.image.revision", "REVISION", "${{ github.sha }}"},
}

// pinnedImageRE is an image named by tag and digest: the tag for the reader and
// for Dependabot, the digest for what is pulled.
var pinnedImageRE = regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

// imageProblems reads a Dockerfile and returns what breaks the image rules: a
// base image without tag and digest, a runtime stage that is not distroless
// static on Debian 13 in its root variant, a USER line (Actions runs a
// container action as root; reference §1.5), or a runtime stage without the
// OCI labels of ociLabels, each set from its build argument.
func imageProblems(dockerfile string) []string {
	var problems []string
	stages := map[string]bool{}
	var runtime string
	labels := map[string]string{} // the runtime stage's LABELs
	args := map[string]bool{}     // the runtime stage's ARGs
	for _, in := range instructions(dockerfile) {
		f := strings.Fields(in.text)
		switch strings.ToUpper(f[0]) {
		case "USER":
			problems = append(problems, fmt.Sprintf("line %d: USER: a container action must run as the default root user", in.line))
		case "FROM":
			labels, args = map[string]string{}, map[string]bool{}
			from := f[1:]
			for len(from) > 0 && strings.HasPrefix(from[0], "--") {
				from = from[1:]
			}
			if len(from) == 0 {
				problems = append(problems, fmt.Sprintf("line %d: FROM without an image", in.line))
				continue
			}
			image := from[0]
			runtime = image
			if !stages[image] && !pinnedImageRE.MatchString(image) {
				problems = append(problems, fmt.Sprintf("line %d: %s: pin by tag and index digest, image:tag@sha256:<64 hex>", in.line, image))
			}
			if len(from) == 3 && strings.EqualFold(from[1], "AS") {
				stages[from[2]] = true
			}
		case "ARG":
			for _, a := range f[1:] {
				name, _, _ := strings.Cut(a, "=")
				args[name] = true
			}
		case "LABEL":
			for _, kv := range words(strings.TrimSpace(in.text[len(f[0]):])) {
				k, v, _ := strings.Cut(kv, "=")
				labels[k] = v
			}
		}
	}
	ref, _, _ := strings.Cut(runtime, "@")
	repo, tag, _ := strings.Cut(ref, ":")
	switch {
	case runtime == "":
		return append(problems, "no FROM line")
	case repo != "gcr.io/distroless/static-debian13":
		problems = append(problems, runtime+": the runtime stage is gcr.io/distroless/static-debian13")
	case strings.Contains(tag, "nonroot") || strings.Contains(tag, "debug"):
		problems = append(problems, runtime+": use the default (root) variant")
	}
	for _, l := range ociLabels {
		v, ok := labels[l.label]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("runtime stage: no LABEL %s=$%s (the release passes it as the build argument %s)", l.label, l.arg, l.arg))
		case v != "$"+l.arg && v != "${"+l.arg+"}":
			problems = append(problems, fmt.Sprintf("runtime stage: LABEL %s=%s, want $%s (the release passes it as the build argument %s)", l.label, v, l.arg, l.arg))
		case !args[l.arg]:
			problems = append(problems, fmt.Sprintf("runtime stage: LABEL %s uses $%s, but the stage has no ARG %s (an ARG before its FROM does not reach it)", l.label, l.arg, l.arg))
		}
	}
	return problems
}

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	line int // where it starts, from 1
	text string
}

// instructions splits a Dockerfile into its instructions: a line ending in a
// backslash continues on the next, comment lines and blank lines are skipped,
// also inside a continuation, as Docker does.
func instructions(dockerfile string) []instruction {
	var out []instruction
	var cur *instruction
	for n, line := range strings.Split(dockerfile, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		body, more := strings.CutSuffix(strings.TrimRight(line, " \t\r"), "\\")
		if cur == nil {
			out = append(out, instruction{line: n + 1})
			cur = &out[len(out)-1]
		}
		cur.text += body + " "
		if !more {
			cur = nil
		}
	}
	return out
}

// words splits a LABEL's arguments at unquoted spaces and removes the double
// quotes (a backslash in quotes escapes the next character), as Docker reads
// key="a value". Single quotes are kept: Docker does not expand $VAR in them.
func words(s string) []string {
	var out []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
		case c == '"':
			quoted, inWord = !quoted, true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				out = append(out, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, w.String())
	}
	return out
}

func TestImageProblems(t *testing.T) {
	t.Parallel()
	const (
		goPin  = "golang:1.26.7-trixie@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1"
		runPin = "gcr.io/distroless/static-debian13:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0"
	)
	// labeled ends a runtime stage as the Dockerfile does: ARGs, one LABEL
	// over several lines with a comment inside, quoted values.
	const labeled = "ARG SOURCE=https://github.com/o/r\nARG VERSION=dev REVISION\n" +
		"LABEL org.opencontainers.image.source=$SOURCE \\\n" +
		"  # a comment inside the instruction\n" +
		"  org.opencontainers.image.version=\"${VERSION}\" \\\n" +
		"  org.opencontainers.image.revision=$REVISION org.opencontainers.image.title=\"notion sync\"\n"
	// without drops one line from labeled.
	without := func(line string) string {
		out := strings.Replace(labeled, line, "", 1)
		if out == labeled {
			t.Fatalf("labeled has no %q", line)
		}
		return out
	}
	tests := []struct {
		name, dockerfile string
		want             []string
	}{
		{"pinned", "FROM --platform=$BUILDPLATFORM " + goPin + " AS build\nRUN true\nFROM " + runPin + "\nCOPY --from=build /a /a\n" + labeled, nil},
		{"stage reused", "FROM " + goPin + " AS build\nFROM build AS test\nFROM " + runPin + "\n" + labeled, nil},
		{"tag only", "FROM golang:1.26-trixie AS build\nFROM " + runPin + "\n" + labeled,
			[]string{"line 1: golang:1.26-trixie: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"digest without tag", "FROM golang@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1 AS build\nFROM " + runPin + "\n" + labeled,
			[]string{"line 1: golang@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"short digest", "FROM " + goPin[:len(goPin)-1] + "\nFROM " + runPin + "\n" + labeled,
			[]string{"line 1: " + goPin[:len(goPin)-1] + ": pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"nonroot runtime", "FROM gcr.io/distroless/static-debian13:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3\n" + labeled,
			[]string{"gcr.io/distroless/static-debian13:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3: use the default (root) variant"}},
		{"old debian", "FROM gcr.io/distroless/static-debian12:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0\n" + labeled,
			[]string{"gcr.io/distroless/static-debian12:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0: the runtime stage is gcr.io/distroless/static-debian13"}},
		{"user line", "FROM " + runPin + "\nUSER nonroot\n" + labeled,
			[]string{"line 2: USER: a container action must run as the default root user"}},
		{"user line after a continuation", "FROM " + runPin + "\n" + labeled + "USER \\\n nonroot\n",
			[]string{"line 8: USER: a container action must run as the default root user"}},
		{"stage named like itself", "FROM build AS build\nFROM " + runPin + "\n" + labeled,
			[]string{"line 1: build: pin by tag and index digest, image:tag@sha256:<64 hex>"}},
		{"empty", "# nothing\n", []string{"no FROM line"}},
		{"no labels", "FROM " + runPin + "\n", []string{
			"runtime stage: no LABEL org.opencontainers.image.source=$SOURCE (the release passes it as the build argument SOURCE)",
			"runtime stage: no LABEL org.opencontainers.image.version=$VERSION (the release passes it as the build argument VERSION)",
			"runtime stage: no LABEL org.opencontainers.image.revision=$REVISION (the release passes it as the build argument REVISION)",
		}},
		{"no source label", "FROM " + runPin + "\n" + without("org.opencontainers.image.source=$SOURCE"), []string{
			"runtime stage: no LABEL org.opencontainers.image.source=$SOURCE (the release passes it as the build argument SOURCE)",
		}},
		{"no revision label", "FROM " + runPin + "\n" + without("org.opencontainers.image.revision=$REVISION"), []string{
			"runtime stage: no LABEL org.opencontainers.image.revision=$REVISION (the release passes it as the build argument REVISION)",
		}},
		{"labels only in the build stage", "FROM " + goPin + " AS build\n" + labeled + "FROM " + runPin + "\n", []string{
			"runtime stage: no LABEL org.opencontainers.image.source=$SOURCE (the release passes it as the build argument SOURCE)",
			"runtime stage: no LABEL org.opencontainers.image.version=$VERSION (the release passes it as the build argument VERSION)",
			"runtime stage: no LABEL org.opencontainers.image.revision=$REVISION (the release passes it as the build argument REVISION)",
		}},
		{"label not from its build argument", "FROM " + runPin + "\n" + strings.Replace(labeled, "=$SOURCE", "=https://github.com/o/r", 1), []string{
			"runtime stage: LABEL org.opencontainers.image.source=https://github.com/o/r, want $SOURCE (the release passes it as the build argument SOURCE)",
		}},
		{"label in single quotes", "FROM " + runPin + "\n" + strings.Replace(labeled, "=$REVISION", "='$REVISION'", 1), []string{
			"runtime stage: LABEL org.opencontainers.image.revision='$REVISION', want $REVISION (the release passes it as the build argument REVISION)",
		}},
		{"ARG before FROM only", "ARG VERSION=dev\nFROM " + runPin + "\n" + strings.Replace(labeled, "ARG VERSION=dev REVISION", "ARG REVISION", 1), []string{
			"runtime stage: LABEL org.opencontainers.image.version uses $VERSION, but the stage has no ARG VERSION (an ARG before its FROM does not reach it)",
		}},
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

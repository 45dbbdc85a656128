package workflowtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
)

const (
	testDigest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testAppToken = "ghs_apptoken"
	// The owner's mixed case is the point: registry names must be lowercase.
	testRepo  = "LukhasAI/Notion-Sync-Action"
	testImage = "ghcr.io/lukhasai/notion-sync-action"
)

// stubs are the commands the release calls that reach the network, replaced by
// scripts that log their arguments (one line per call, NUL-free) and answer as
// the test says: curl prints STUB_HTTP_STATUS for the manifest request, and
// `docker run` exits 1 when STUB_DOCKER_FAIL is "<platform>" and the run is for
// that platform, or "<platform> <word>" and the run's arguments also hold <word>
// (--help, demo), as a broken image would.
var stubs = map[string]string{
	"docker": `printf 'docker %s\n' "$*" >> "$STUB_LOG"
fail="${STUB_DOCKER_FAIL:-}"
[ "$1" = run ] && [ -n "$fail" ] || exit 0
platform="${fail%% *}" word="${fail#"$platform"}"
if [[ " $* " == *" --platform $platform "* && " $* " == *"$word "* ]]; then
  echo "docker stub: $fail fails" >&2
  exit 1
fi`,
	"gh": `printf 'gh GH_TOKEN=%s %s\n' "$GH_TOKEN" "$*" >> "$STUB_LOG"`,
	"curl": `printf 'curl %s\n' "$*" >> "$STUB_LOG"
case "$*" in
  *ghcr.io/token*) printf '{"token":"anonymous-token"}' ;;
  *--head*) printf '%s' "$STUB_HTTP_STATUS" ;;
  *) echo "curl stub: unexpected call" >&2; exit 2 ;;
esac`,
}

// release is one run of the release job, in a temporary folder: a bare
// "origin" and the checkout of its main branch.
type release struct {
	t       *testing.T
	dir     string
	origin  string
	work    string
	log     string
	context map[string]string // expressions the workflow may use, and their values
	// dockerFail is STUB_DOCKER_FAIL: the `docker run` that fails, "" for none.
	dockerFail string
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitEnv keeps the user's and the system's git config out of the test.
func gitEnv(t *testing.T) []string {
	home := filepath.Join(os.TempDir(), "workflowtest-home-does-not-exist")
	return append(os.Environ(),
		"HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_TERMINAL_PROMPT=0")
}

// newRelease makes origin with the repository's real action.yml and reusable
// workflow on main (so the release's sed patterns meet the real files), the
// given earlier tags on older commits, and a clone of main as the checkout.
func newRelease(t *testing.T, version string, earlier ...string) *release {
	t.Helper()
	for _, tool := range []string{"bash", "git", "sed", "sort", "grep"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: the release scripts need it", tool)
		}
	}
	dir := t.TempDir()
	r := &release{t: t, dir: dir, origin: filepath.Join(dir, "origin.git"), work: filepath.Join(dir, "work"), log: filepath.Join(dir, "stub.log")}
	git(t, dir, "init", "-q", "--bare", "-b", "main", r.origin)
	seed := filepath.Join(dir, "seed")
	git(t, dir, "init", "-q", "-b", "main", seed)
	for _, f := range []string{"action.yml", ".github/workflows/notion-sync.yml"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(seed, f), data)
	}
	git(t, seed, "add", ".")
	git(t, seed, "commit", "-q", "-m", "first")
	for i, tag := range earlier {
		mustWrite(t, filepath.Join(seed, "history.txt"), []byte(strings.Repeat("x", i+1)))
		git(t, seed, "add", ".")
		git(t, seed, "commit", "-q", "-m", "release "+tag)
		git(t, seed, "tag", tag)
		git(t, seed, "tag", "-f", strings.SplitN(tag, ".", 2)[0])
	}
	mustWrite(t, filepath.Join(seed, "README.md"), []byte("main moved on\n"))
	git(t, seed, "add", ".")
	git(t, seed, "commit", "-q", "-m", "work after the last release")
	git(t, seed, "remote", "add", "origin", r.origin)
	git(t, seed, "push", "-q", "origin", "main", "--tags")
	git(t, dir, "clone", "-q", "--branch", "main", r.origin, r.work)

	bin := filepath.Join(dir, "bin")
	for name, body := range stubs {
		mustWrite(t, filepath.Join(bin, name), []byte("#!/usr/bin/env bash\nset -eu\n"+body+"\n"))
		if err := os.Chmod(filepath.Join(bin, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r.context = map[string]string{
		"inputs.version":                         version,
		"github.repository":                      testRepo,
		"github.ref":                             "refs/heads/main",
		"github.event.repository.default_branch": "main",
		"github.sha":                             git(t, r.work, "rev-parse", "HEAD"),
		"github.server_url":                      "https://github.com",
		"github.actor":                           "maintainer",
		"github.token":                           "ghs_jobtoken",
	}
	return r
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// outcome is what a run of the job did.
type outcome struct {
	ran     []string // ids of the run: steps that ran, in order
	failed  string   // id of the step that failed, "" when none did
	outputs map[string]map[string]string
	logs    string // the steps' output
	stubLog []string
}

// run runs the release job's steps in order, as the runner does: uses: steps
// are not run (the checkout is r.work; the App token and the build give the
// outputs GitHub would), run: steps go to `bash --noprofile --norc -eo pipefail`
// with the job's and the step's env, expressions resolved from r.context and the
// earlier steps' outputs. The first failing step stops the job.
func (r *release) run(httpStatus string) outcome {
	t := r.t
	t.Helper()
	var w workflow
	readYAML(t, filepath.Join(root, ".github", "workflows", "release.yml"), &w)
	j := w.Jobs["release"]
	if j == nil {
		t.Fatal("release.yml has no release job")
	}
	out := outcome{outputs: map[string]map[string]string{
		"app":   {"token": testAppToken},
		"build": {"digest": testDigest},
	}}
	resolve := func(where, s string) string {
		return exprRE.ReplaceAllStringFunc(s, func(m string) string {
			expr := exprRE.FindStringSubmatch(m)[1]
			if v, ok := r.context[expr]; ok {
				return v
			}
			if name, ok := strings.CutPrefix(expr, "env."); ok {
				if v, ok := j.Env[name]; ok {
					return v
				}
			}
			if p := strings.Split(expr, "."); len(p) == 4 && p[0] == "steps" && p[2] == "outputs" {
				if v, ok := out.outputs[p[1]][p[3]]; ok {
					return v
				}
			}
			t.Fatalf("%s: the test does not know the expression %q", where, expr)
			return ""
		})
	}
	for i, s := range j.Steps {
		if s.Run == "" {
			continue
		}
		if s.ID == "" {
			t.Fatalf("release.yml step %d has no id", i+1)
		}
		script := filepath.Join(r.dir, "step-"+s.ID+".sh")
		mustWrite(t, script, []byte(s.Run))
		ghOutput := filepath.Join(r.dir, "output-"+s.ID)
		mustWrite(t, ghOutput, nil)
		env := append(gitEnv(t),
			"PATH="+filepath.Join(r.dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
			"GITHUB_OUTPUT="+ghOutput, "RUNNER_TEMP="+r.dir, "GITHUB_REPOSITORY="+testRepo,
			"GITHUB_WORKSPACE="+r.work, "STUB_LOG="+r.log, "STUB_HTTP_STATUS="+httpStatus, "STUB_DOCKER_FAIL="+r.dockerFail)
		for k, v := range j.Env {
			env = append(env, k+"="+resolve("job env "+k, v))
		}
		for k, v := range s.Env {
			env = append(env, k+"="+resolve("step "+s.ID+" env "+k, v))
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir, cmd.Env = r.work, env
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		out.logs += "== " + s.ID + "\n" + buf.String()
		out.ran = append(out.ran, s.ID)
		data, rerr := os.ReadFile(ghOutput)
		if rerr != nil {
			t.Fatal(rerr)
		}
		o, perr := actiontest.Outputs(string(data))
		if perr != nil {
			t.Fatalf("step %s: GITHUB_OUTPUT: %v", s.ID, perr)
		}
		out.outputs[s.ID] = o
		if err != nil {
			out.failed = s.ID
			break
		}
	}
	if data, err := os.ReadFile(r.log); err == nil {
		out.stubLog = strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	return out
}

// tags is origin's tags and the commits they point at.
func (r *release) tags() map[string]string {
	out := map[string]string{}
	refs := git(r.t, r.dir, "--git-dir", r.origin, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/tags")
	for _, line := range strings.Split(refs, "\n") {
		if name, _, ok := strings.Cut(line, " "); ok {
			out[name] = git(r.t, r.dir, "--git-dir", r.origin, "rev-parse", name+"^{commit}")
		}
	}
	return out
}

func (r *release) show(rev, file string) string {
	return git(r.t, r.dir, "--git-dir", r.origin, "show", rev+":"+file)
}

func TestReleaseTagsAndMovesMajor(t *testing.T) {
	t.Parallel()
	r := newRelease(t, "v1.1.0", "v1.0.0")
	before := r.tags()
	mainBefore := git(t, r.dir, "--git-dir", r.origin, "rev-parse", "main")
	out := r.run("200")
	if out.failed != "" {
		t.Fatalf("step %s failed:\n%s", out.failed, out.logs)
	}
	if diff := cmp.Diff([]string{"version", "smoke", "public", "tag", "notes", "major"}, out.ran); diff != "" {
		t.Errorf("steps run (-want +got):\n%s", diff)
	}
	wantVersion := map[string]string{"version": "v1.1.0", "major": "v1", "move-major": "true", "image": testImage}
	if diff := cmp.Diff(wantVersion, out.outputs["version"]); diff != "" {
		t.Errorf("version step outputs (-want +got):\n%s", diff)
	}

	tags := r.tags()
	rel := tags["v1.1.0"]
	if rel == "" {
		t.Fatalf("no v1.1.0 tag on origin; tags %v\n%s", tags, out.logs)
	}
	if tags["v1"] != rel {
		t.Errorf("v1 = %s, want v1.1.0's commit %s", tags["v1"], rel)
	}
	if tags["v1.0.0"] != before["v1.0.0"] {
		t.Errorf("v1.0.0 moved")
	}
	if got := git(t, r.dir, "--git-dir", r.origin, "rev-parse", "main"); got != mainBefore {
		t.Errorf("main moved from %s to %s: the release commits belong to the tags only", mainBefore, got)
	}
	// The tag is two commits on top of main: the action commit pins the image,
	// the tag's commit pins the reusable workflow to the action commit.
	actionCommit := git(t, r.dir, "--git-dir", r.origin, "rev-parse", rel+"^")
	if got := git(t, r.dir, "--git-dir", r.origin, "rev-parse", rel+"~2"); got != mainBefore {
		t.Errorf("v1.1.0~2 = %s, want main %s", got, mainBefore)
	}
	wantImage := "  image: docker://" + testImage + "@" + testDigest
	for _, rev := range []string{actionCommit, rel} {
		if a := r.show(rev, "action.yml"); !slices.Contains(strings.Split(a, "\n"), wantImage) || strings.Contains(a, "image: Dockerfile") {
			t.Errorf("action.yml at %s does not run %s", rev, wantImage)
		}
	}
	wantUses := "uses: " + testRepo + "@" + actionCommit + " # v1.1.0"
	if wf := r.show(rel, ".github/workflows/notion-sync.yml"); !strings.Contains(wf, wantUses) || strings.Contains(wf, "notion-sync-release") {
		t.Errorf("the reusable workflow at v1.1.0 does not say %q:\n%s", wantUses, wf)
	}
	if wf := r.show(actionCommit, ".github/workflows/notion-sync.yml"); wf != r.show(mainBefore, ".github/workflows/notion-sync.yml") {
		t.Errorf("the action commit changed the reusable workflow")
	}
	if typ := git(t, r.dir, "--git-dir", r.origin, "cat-file", "-t", "refs/tags/v1.1.0"); typ != "tag" {
		t.Errorf("v1.1.0 is a %s, want an annotated tag", typ)
	}

	// The image name is lowercase wherever it is used, each platform is
	// smoke-tested with --help and the demo, the pullability check sends no
	// credentials of the job, and the release is created with the App token.
	for _, line := range out.stubLog {
		if strings.Contains(strings.ToLower(line), "ghcr.io/lukhasai") && !strings.Contains(line, "ghcr.io/lukhasai/notion-sync-action") {
			t.Errorf("stub call with a mixed-case image name: %s", line)
		}
		if strings.Contains(line, "ghs_jobtoken") {
			t.Errorf("stub call with the job's token: %s", line)
		}
	}
	var docker, curl, gh []string
	for _, line := range out.stubLog {
		switch {
		case strings.HasPrefix(line, "docker "):
			docker = append(docker, line)
		case strings.HasPrefix(line, "curl "):
			curl = append(curl, line)
		case strings.HasPrefix(line, "gh "):
			gh = append(gh, line)
		}
	}
	ref := testImage + "@" + testDigest
	demo := func(platform, arch string) string {
		return "docker run --rm --platform " + platform + " -v " + r.work + "/testdata/example:/example:ro -v " +
			r.dir + "/demo-linux-" + arch + ":/out " + ref + " demo --fast --example /example --out /out/demo"
	}
	wantDocker := []string{
		"docker run --rm --platform linux/amd64 " + ref + " --help", demo("linux/amd64", "amd64"),
		"docker run --rm --platform linux/arm64 " + ref + " --help", demo("linux/arm64", "arm64"),
	}
	if diff := cmp.Diff(wantDocker, docker); diff != "" {
		t.Errorf("docker calls (-want +got):\n%s", diff)
	}
	if len(curl) != 2 || !strings.Contains(curl[0], "https://ghcr.io/token?scope=repository:lukhasai/notion-sync-action:pull") ||
		!strings.Contains(curl[1], "--head") || !strings.Contains(curl[1], "Authorization: Bearer anonymous-token") ||
		!strings.HasSuffix(curl[1], "https://ghcr.io/v2/lukhasai/notion-sync-action/manifests/"+testDigest) {
		t.Errorf("curl calls = %q, want the anonymous token then a HEAD of the manifest by digest", curl)
	}
	if len(gh) != 1 || !strings.HasPrefix(gh[0], "gh GH_TOKEN="+testAppToken+" release create v1.1.0 --verify-tag --title v1.1.0 --generate-notes --notes ") ||
		!strings.Contains(gh[0], ref) {
		t.Errorf("gh calls = %q, want one release create of v1.1.0 with generated notes naming the image", gh)
	}
}

// TestReleaseNotPublic: when the image cannot be pulled anonymously the job
// stops before any tag: no vX.Y.Z, vX where it was, no GitHub Release.
func TestReleaseNotPublic(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"401", "403", "404", "000"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			r := newRelease(t, "v1.1.0", "v1.0.0")
			before := r.tags()
			out := r.run(status)
			if out.failed != "public" {
				t.Fatalf("failed step = %q, want public\n%s", out.failed, out.logs)
			}
			if diff := cmp.Diff(before, r.tags()); diff != "" {
				t.Errorf("origin's tags changed (-before +after):\n%s", diff)
			}
			if !strings.Contains(out.logs, "::error::"+testImage+"@"+testDigest+" cannot be pulled without credentials (HTTP "+status+")") {
				t.Errorf("no error saying why:\n%s", out.logs)
			}
			for _, line := range out.stubLog {
				if strings.HasPrefix(line, "gh ") {
					t.Errorf("GitHub Release created: %s", line)
				}
			}
		})
	}
}

// TestReleaseSmokeFails: when the pushed image fails on one platform, --help or
// the demo, the job stops at the smoke test: no tag created or moved, and no
// call after the failing `docker run` (no other platform, no pullability check,
// no GitHub Release).
func TestReleaseSmokeFails(t *testing.T) {
	t.Parallel()
	for _, fail := range []string{"linux/amd64 --help", "linux/amd64 demo", "linux/arm64 --help", "linux/arm64 demo"} {
		t.Run(strings.ReplaceAll(fail, "/", "-"), func(t *testing.T) {
			t.Parallel()
			r := newRelease(t, "v1.1.0", "v1.0.0")
			r.dockerFail = fail
			before := r.tags()
			out := r.run("200")
			if out.failed != "smoke" {
				t.Fatalf("failed step = %q, want smoke\n%s", out.failed, out.logs)
			}
			if diff := cmp.Diff([]string{"version", "smoke"}, out.ran); diff != "" {
				t.Errorf("steps run (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, r.tags()); diff != "" {
				t.Errorf("origin's tags changed (-before +after):\n%s", diff)
			}
			if !strings.Contains(out.logs, "docker stub: "+fail+" fails") {
				t.Fatalf("the stub's docker run for %q was never made:\n%s", fail, out.logs)
			}
			platform, word, _ := strings.Cut(fail, " ")
			last := out.stubLog[len(out.stubLog)-1]
			if !strings.HasPrefix(last, "docker run --rm --platform "+platform+" ") || !strings.Contains(last, " "+word) {
				t.Errorf("calls after the failing docker run (%s): %q", fail, out.stubLog)
			}
			for _, line := range out.stubLog {
				if !strings.HasPrefix(line, "docker run ") {
					t.Errorf("call after a failed smoke test: %s", line)
				}
			}
		})
	}
}

// TestReleaseOlderLine releases a fix on an older minor line: it is tagged,
// and vX stays on the newer release.
func TestReleaseOlderLine(t *testing.T) {
	t.Parallel()
	r := newRelease(t, "v1.2.5", "v1.2.4", "v1.10.0")
	before := r.tags()
	out := r.run("200")
	if out.failed != "" {
		t.Fatalf("step %s failed:\n%s", out.failed, out.logs)
	}
	if got := out.outputs["version"]["move-major"]; got != "false" {
		t.Errorf("move-major = %q, want false (v1.10.0 is newer than v1.2.5 by version, not by text)", got)
	}
	tags := r.tags()
	if tags["v1.2.5"] == "" {
		t.Errorf("v1.2.5 not tagged")
	}
	if tags["v1"] != before["v1.10.0"] || tags["v1"] != before["v1"] {
		t.Errorf("v1 = %s, want it left on v1.10.0 (%s)", tags["v1"], before["v1.10.0"])
	}
	if !strings.Contains(out.logs, "::notice::v1 stays where it is") {
		t.Errorf("no notice that v1 stays:\n%s", out.logs)
	}
}

// TestReleaseRefuses: a bad version, an existing tag or a run from another
// branch stop at the first step, with nothing pushed or called.
func TestReleaseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, version, ref, wantErr string
	}{
		{name: "not semver", version: "1.2.0", wantErr: "version must look like v1.2.3"},
		{name: "pre-release", version: "v1.2.0-rc1", wantErr: "version must look like v1.2.3"},
		{name: "shell in the version", version: "v1.2.0;$(exit 7)", wantErr: "version must look like v1.2.3"},
		{name: "tag exists", version: "v1.0.0", wantErr: "tag v1.0.0 exists already"},
		{name: "not the default branch", version: "v1.1.0", ref: "refs/heads/feature", wantErr: "run the release from main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRelease(t, tt.version, "v1.0.0")
			if tt.ref != "" {
				r.context["github.ref"] = tt.ref
			}
			before := r.tags()
			out := r.run("200")
			if out.failed != "version" {
				t.Fatalf("failed step = %q, want version\n%s", out.failed, out.logs)
			}
			if !strings.Contains(out.logs, "::error::"+tt.wantErr) {
				t.Errorf("log lacks %q:\n%s", tt.wantErr, out.logs)
			}
			if diff := cmp.Diff(before, r.tags()); diff != "" {
				t.Errorf("tags changed (-before +after):\n%s", diff)
			}
			if len(out.stubLog) != 0 {
				t.Errorf("stubs called: %q", out.stubLog)
			}
		})
	}
}

// TestReleaseWorkflowShape: the job's own permissions (the workflow grants
// none; artifact-metadata: write lets the attestation write its storage record
// in an organisation), a concurrency group that never cancels a release
// half-way, no `contents: write` for the GITHUB_TOKEN: the tags are pushed
// through a checkout holding the App token, the only token that may push a
// change under .github/workflows/. The image gets the OCI labels (build
// arguments of the Dockerfile) and the same index annotations, from which GHCR
// links a multi-platform package to the repository.
func TestReleaseWorkflowShape(t *testing.T) {
	t.Parallel()
	var w workflow
	readYAML(t, filepath.Join(root, ".github", "workflows", "release.yml"), &w)
	var top map[string]string
	if err := w.Permissions.Decode(&top); err != nil || len(top) != 0 {
		t.Errorf("workflow permissions = %v (%v), want {}", top, err)
	}
	j := w.Jobs["release"]
	want := map[string]string{"contents": "read", "packages": "write", "id-token": "write", "attestations": "write", "artifact-metadata": "write"}
	if diff := cmp.Diff(want, j.Permissions); diff != "" {
		t.Errorf("release job permissions (-want +got):\n%s", diff)
	}
	var c concurrency
	if err := j.Concurrency.Decode(&c); err != nil || c.Group == "" || c.CancelInProgress != "false" {
		t.Errorf("release job concurrency = %+v (%v), want a group with cancel-in-progress: false", c, err)
	}
	order := map[string]int{}
	for i, s := range j.Steps {
		order[cmpOr(s.ID, s.Uses)] = i
	}
	for _, pair := range [][2]string{{"smoke", "public"}, {"public", "tag"}, {"tag", "notes"}, {"notes", "major"}} {
		if order[pair[0]] >= order[pair[1]] {
			t.Errorf("step %s must come before %s", pair[0], pair[1])
		}
	}
	checkReleaseToken(t, j.Steps)
	builds := 0
	for _, s := range j.Steps {
		if !strings.HasPrefix(s.Uses, "docker/build-push-action@") {
			continue
		}
		builds++
		if !strings.Contains(s.With["tags"], "steps.version.outputs.image") {
			t.Errorf("the image is tagged %q, not with the lowercased name of the version step", s.With["tags"])
		}
		args, annotations := keyValues(s.With["build-args"]), keyValues(s.With["annotations"])
		for _, l := range ociLabels {
			if got := args[l.arg]; got != l.value {
				t.Errorf("build-args %s=%q, want %s=%s (the Dockerfile's LABEL %s)", l.arg, got, l.arg, l.value, l.label)
			}
			if got := annotations["index:"+l.label]; got != l.value {
				t.Errorf("annotations index:%s=%q, want %s (GHCR reads a multi-platform image's labels from the index)", l.label, got, l.value)
			}
		}
	}
	if builds != 1 {
		t.Errorf("%d docker/build-push-action steps, want 1", builds)
	}
}

// checkReleaseToken checks that every step running `git push` works in a
// checkout whose token is the output of the create-github-app-token step run
// before it, and that the App token is asked for contents: write (the tags) and
// workflows: write (the release commit that changes the reusable workflow).
func checkReleaseToken(t *testing.T, steps []step) {
	t.Helper()
	app, checkout, pushes := -1, -1, 0
	for i, s := range steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/create-github-app-token@"):
			app = i
			for _, p := range []string{"permission-contents", "permission-workflows"} {
				if s.With[p] != "write" {
					t.Errorf("step %d (%s): %s: %q, want write", i+1, s.Uses, p, s.With[p])
				}
			}
		case strings.HasPrefix(s.Uses, "actions/checkout@"):
			checkout = i
		case strings.Contains(s.Run, "git push"):
			pushes++
			if app < 0 || steps[app].ID == "" {
				t.Errorf("step %s pushes, but no create-github-app-token step with an id runs before it", s.ID)
				continue
			}
			if checkout < app {
				t.Errorf("step %s pushes from a checkout made before the App token step %s", s.ID, steps[app].ID)
				continue
			}
			token := regexp.MustCompile(`^\$\{\{\s*steps\.` + regexp.QuoteMeta(steps[app].ID) + `\.outputs\.token\s*\}\}$`)
			c := steps[checkout]
			if !token.MatchString(c.With["token"]) {
				t.Errorf("step %s pushes from a checkout with token %q, want ${{ steps.%s.outputs.token }}: the GITHUB_TOKEN may not push a workflow change", s.ID, c.With["token"], steps[app].ID)
			}
			if c.With["persist-credentials"] == "false" {
				t.Errorf("step %s pushes from a checkout with persist-credentials: false", s.ID)
			}
		}
	}
	if pushes == 0 {
		t.Errorf("no step runs git push")
	}
}

// keyValues reads a newline-separated list of key=value, as build-args and
// annotations of docker/build-push-action are written.
func keyValues(list string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(list, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			out[k] = v
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

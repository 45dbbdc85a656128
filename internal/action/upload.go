package action

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/artifact"
)

// ArtifactName is the artifact-name input, or a name unique per job and
// attempt (GITHUB_JOB, GITHUB_RUN_ATTEMPT): artifact names must be unique in a
// run, and a matrix's legs or a re-run would otherwise collide.
func ArtifactName(input string, getenv func(string) string) string {
	if input != "" {
		return input
	}
	name := "notion-sync"
	for _, part := range []string{getenv("GITHUB_JOB"), getenv("GITHUB_RUN_ATTEMPT")} {
		if part != "" {
			name += "-" + part
		}
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("\":<>|*?\r\n\\/", r) {
			return '_'
		}
		return r
	}, name)
}

// Upload uploads, as the artifact name, the files among paths that exist as
// plain files of the workspace (OwnFile: never what a committed link points
// at), and returns the artifact's id and page; id 0 is nothing uploaded. Every
// failure is a warning, and the files stay in the workspace for a later step.
func (r *Runner) Upload(ctx context.Context, workspace, name string, log *slog.Logger, paths ...string) (id int64, link string) {
	var files, where []string
	for _, p := range paths {
		switch exists, err := OwnFile(workspace, p); {
		case err != nil:
			r.Warning(Annotation{Title: "notion-sync: not uploaded", Message: err.Error()})
		case exists:
			files = append(files, p)
			rel, err := Rel(workspace, p)
			if err != nil {
				rel = p
			}
			where = append(where, rel)
		}
	}
	if len(files) == 0 {
		return 0, ""
	}
	u, ok := artifact.FromEnv(r.getenv)
	if !ok {
		r.Warning(Annotation{Title: "notion-sync: no artifact",
			Message: "ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing (GHES, or not a container action): the files stay at " + strings.Join(where, ", ") + "; upload them with actions/upload-artifact and upload-artifact: false"})
		return 0, ""
	}
	u.Log = log
	u.Mask = r.AddMask // the signed URL's signature, before any log line
	id, err := u.Upload(ctx, name, files)
	if err != nil {
		r.Warning(Annotation{Title: "notion-sync: no artifact",
			Message: fmt.Sprintf("upload artifact %s: %v; the files stay at %s", name, err, strings.Join(where, ", "))})
		return 0, ""
	}
	log.Info("artifact uploaded", "name", name, "id", id, "files", strings.Join(where, ","))
	link, _ = artifact.URL(r.getenv, id)
	return id, link
}

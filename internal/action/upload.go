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

// ArtifactFiles is what OwnFiles found among the paths of an artifact.
type ArtifactFiles struct {
	Paths   []string // the plain files of the workspace, as given
	Names   []string // the same files, workspace-relative: for outputs and messages
	Refused []error  // the paths that are links or lie outside the workspace
}

// OwnFiles sorts paths into the plain files of the workspace (OwnFile: never
// what a committed link points at) and the refused ones; a path that does not
// exist is in neither.
func OwnFiles(workspace string, paths ...string) ArtifactFiles {
	var f ArtifactFiles
	for _, p := range paths {
		switch exists, err := OwnFile(workspace, p); {
		case err != nil:
			f.Refused = append(f.Refused, err)
		case exists:
			f.Paths = append(f.Paths, p)
			rel, err := Rel(workspace, p)
			if err != nil {
				rel = p
			}
			f.Names = append(f.Names, rel)
		}
	}
	return f
}

// Upload uploads f's files as the artifact name and returns the artifact's id
// and page; id 0 is nothing uploaded. Each refused path, and every failure, is
// a warning, and the files stay in the workspace for a later step.
func (r *Runner) Upload(ctx context.Context, name string, log *slog.Logger, f ArtifactFiles) (id int64, link string) {
	for _, err := range f.Refused {
		r.Warning(Annotation{Title: "notion-sync: not uploaded", Message: err.Error()})
	}
	if len(f.Paths) == 0 {
		return 0, ""
	}
	u, ok := artifact.FromEnv(r.getenv)
	if !ok {
		r.Warning(Annotation{Title: "notion-sync: no artifact",
			Message: "ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing (GHES, or not a container action): the files stay at " + strings.Join(f.Names, ", ") + "; upload them with actions/upload-artifact and upload-artifact: false"})
		return 0, ""
	}
	u.Log = log
	u.Mask = r.AddMask // the signed URL's signature, before any log line
	id, err := u.Upload(ctx, name, f.Paths)
	if err != nil {
		r.Warning(Annotation{Title: "notion-sync: no artifact",
			Message: fmt.Sprintf("upload artifact %s: %v; the files stay at %s", name, err, strings.Join(f.Names, ", "))})
		return 0, ""
	}
	log.Info("artifact uploaded", "name", name, "id", id, "files", strings.Join(f.Names, ","))
	link, _ = artifact.URL(r.getenv, id)
	return id, link
}

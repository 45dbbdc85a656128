package prcomment

import (
	"cmp"
	"context"
	"errors"
	"strings"
)

// Marker is the hidden marker of the plan comment, made safe for an HTML
// comment. It names the config, the database and the job, so that two
// workflows, two configs, the legs of a matrix over databases, or two jobs of
// one workflow keep a comment each instead of overwriting one another's.
func Marker(config, db, job string) string {
	// Nothing in a part may end the HTML comment early, or add a part.
	clean := strings.NewReplacer("--", "__", ">", "_", "\n", " ", "\r", " ", "=", "_")
	part := func(s string) string { return strings.ReplaceAll(clean.Replace(s), " ", "_") }
	return "<!-- notion-sync config=" + part(cmp.Or(config, "built-in")) + " db=" + part(db) + " job=" + part(job) + " -->"
}

// Post makes body the sticky comment of pull request number in owner/repo,
// found by marker, with token on the API at apiURL (GITHUB_API_URL), and
// returns the comment's URL. Its errors are worded for the warning the caller
// shows: a missing comment never fails a run, since the plan is in the job
// summary either way and a fork's read-only token must not fail the check.
func Post(ctx context.Context, token, apiURL, owner, repo string, number int, marker, body string) (string, error) {
	if token == "" {
		return "", errors.New("no github-token: the plan is in the job summary only")
	}
	gh, err := NewGitHub(token, apiURL, nil)
	if err != nil {
		return "", err
	}
	url, err := New(gh, owner, repo).Upsert(ctx, number, marker, body)
	switch {
	case err == nil:
		return url, nil
	case IsPermission(err):
		return "", errors.New("GitHub refused the comment (403/404): the token cannot write to pull requests; give the job permissions: pull-requests: write (a fork's pull request gets a read-only token: comment from a workflow_run job). The plan is in the job summary.")
	default:
		return "", errors.New("upsert the plan comment: " + err.Error())
	}
}

// Package prcomment keeps one sticky plan comment on a pull request, updated in place on
// every push instead of a new comment per run (pulumi/actions#633, and an unpaginated
// lookup that "kept creating comments until the limit of 2500 per issue",
// borchero/terraform-plan-comment#53).
//
// The comment is found by a hidden marker (an HTML comment in its body) written by us:
// every page of the pull request's comments is read, 100 at a time, and only comments
// by the token's own user count, so a contributor cannot plant the marker in a comment
// of theirs and have the Action overwrite it. With the Actions GITHUB_TOKEN the token's
// user cannot be looked up (GET /user answers 403 to an installation token), and then a
// comment counts when a bot wrote it (github-actions[bot], or the app whose token it is).
//
// A fork's pull request gets a read-only token, so writing fails with 403 "Resource not
// accessible by integration"; IsPermission tells the caller to warn and go on.
package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// MaxBody is the longest comment body GitHub accepts, in characters.
const MaxBody = 65536

// maxPages bounds the lookup: GitHub allows 2,500 comments on an issue, 25 pages of 100;
// a server that never stops paging must not keep the job running.
const maxPages = 100

// Client upserts one sticky comment per pull request, found by a hidden marker. Create it
// with New; it is safe for concurrent use when the go-github client is.
type Client struct {
	gh    *github.Client
	owner string
	repo  string
}

// New returns a Client for the repository owner/repo (GITHUB_REPOSITORY split at "/").
// gh carries the token; NewGitHub builds one for the runner's API URL.
func New(gh *github.Client, owner, repo string) *Client {
	return &Client{gh: gh, owner: owner, repo: repo}
}

// Upsert makes body the sticky comment on pull request number: it edits the newest
// comment of ours whose body contains marker, or creates one when there is none, and
// returns the comment's html_url. An edit is skipped when the body is already the same.
// Older comments with the marker (from an earlier version or a race between two runs)
// are left alone.
//
// When body does not contain marker, marker is written on a line before it, so the next
// run finds the comment. A body over MaxBody characters is refused before any request:
// render it with a cap (report.MarkdownOptions.MaxChars).
func (c *Client) Upsert(ctx context.Context, number int, marker, body string) (string, error) {
	if strings.TrimSpace(marker) == "" {
		return "", errors.New("upsert comment: empty marker would match every comment")
	}
	if number <= 0 {
		return "", fmt.Errorf("upsert comment: invalid pull request number %d", number)
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	if n := utf8.RuneCountInString(body); n > MaxBody {
		return "", fmt.Errorf("upsert comment on #%d: body is %d characters, GitHub allows %d", number, n, MaxBody)
	}

	existing, err := c.find(ctx, number, marker)
	if err != nil {
		return "", fmt.Errorf("upsert comment on #%d: %w", number, err)
	}
	if existing != nil {
		if existing.GetBody() == body {
			return existing.GetHTMLURL(), nil
		}
		edited, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, existing.GetID(), &github.IssueComment{Body: &body})
		if err == nil {
			return edited.GetHTMLURL(), nil
		}
		if !IsPermission(err) {
			return "", fmt.Errorf("edit comment %d on #%d: %w", existing.GetID(), number, err)
		}
		// Another bot's comment (when the token's user is unknown) cannot be edited
		// with our token: write our own, which the next run finds as the newest. With a
		// read-only token the create fails the same way and says so.
	}
	created, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, &github.IssueComment{Body: &body})
	if err != nil {
		return "", fmt.Errorf("create comment on #%d: %w", number, err)
	}
	return created.GetHTMLURL(), nil
}

// find returns the newest comment on the pull request that carries marker and was
// written by us, or nil.
func (c *Client) find(ctx context.Context, number int, marker string) (*github.IssueComment, error) {
	self := c.self(ctx)
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	var newest *github.IssueComment
	for range maxPages {
		page, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		for _, cm := range page {
			if !strings.Contains(cm.GetBody(), marker) || !ours(cm.GetUser(), self) {
				continue
			}
			if newest == nil || cm.GetID() > newest.GetID() {
				newest = cm
			}
		}
		if resp.NextPage == 0 {
			return newest, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, fmt.Errorf("list comments: more than %d pages", maxPages)
}

// self returns the login of the token's user, or "" when the token cannot say (an
// installation token, like the Actions GITHUB_TOKEN, gets 403 from GET /user).
func (c *Client) self(ctx context.Context) string {
	u, _, err := c.gh.Users.Get(ctx, "")
	if err != nil {
		return ""
	}
	return u.GetLogin()
}

// ours reports whether a comment by u was written with our token: by the token's user
// when known, else by a bot.
func ours(u *github.User, self string) bool {
	if self != "" {
		return strings.EqualFold(u.GetLogin(), self)
	}
	return u.GetType() == "Bot"
}

// IsPermission reports whether err is GitHub refusing the write for want of permission:
// 403 or 404, as a fork's read-only token gets ("Resource not accessible by
// integration"), or a token without pull-requests: write. Rate limits, which GitHub also
// answers with 403, are not permission errors. The caller warns and goes on: the plan
// is still in the job summary.
func IsPermission(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return false
	}
	return er.Response.StatusCode == http.StatusForbidden || er.Response.StatusCode == http.StatusNotFound
}

// NewGitHub builds a go-github client for token and the runner's API URL (GITHUB_API_URL):
// https://api.github.com, or "" for it, on github.com, and https://HOST/api/v3 on GitHub
// Enterprise Server, so GHES works. hc nil means a client with a 30-second timeout, so a
// hung API cannot hold the job. The token is sent only as the Authorization header; it
// is never part of a URL, so it cannot reach an error message.
func NewGitHub(token, apiURL string, hc *http.Client) (*github.Client, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("new github client: empty token")
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	gh := github.NewClient(hc).WithAuthToken(token)
	apiURL = strings.TrimSpace(apiURL)
	if apiURL == "" || strings.TrimSuffix(apiURL, "/") == "https://api.github.com" {
		return gh, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("new github client: invalid API URL %q", apiURL)
	}
	// GHES serves uploads at https://HOST/api/uploads; comments never upload, but give
	// go-github the right URL anyway.
	upload := *u
	upload.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3") + "/api/uploads/"
	gh, err = gh.WithEnterpriseURLs(u.String(), upload.String())
	if err != nil {
		return nil, fmt.Errorf("new github client: %w", err)
	}
	return gh, nil
}

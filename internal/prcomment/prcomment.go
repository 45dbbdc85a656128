// Package prcomment keeps one sticky plan comment on a pull request, updated in place on
// every push instead of a new comment per run (pulumi/actions#633, and an unpaginated
// lookup that "kept creating comments until the limit of 2500 per issue",
// borchero/terraform-plan-comment#53).
//
// The comment is found by a hidden marker (an HTML comment in its body) written by us:
// every page of the pull request's comments is read, 100 at a time, and only comments
// by the token's own user count, so neither a contributor nor another bot can plant the
// marker in a comment of theirs and have the Action overwrite it. GET /user names the
// token's user for a personal token; an installation token (the Actions GITHUB_TOKEN, a
// GitHub App's token) gets 403 there, and GraphQL's viewer names its bot instead. When
// neither answers, only github-actions[bot], the GITHUB_TOKEN's author, counts.
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
		// A comment of ours GitHub will not let us edit (an older token's rights):
		// write a new one, which the next run finds as the newest. With a read-only
		// token the create fails the same way and says so.
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
			if !strings.Contains(cm.GetBody(), marker) || !self.wrote(cm.GetUser()) {
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

// actionsBot is the login of the comments the Actions GITHUB_TOKEN writes.
const actionsBot = "github-actions"

// identity is who the token writes comments as.
type identity struct {
	login string // a user's login, or a bot's without its "[bot]" suffix
	bot   bool   // an installation token: its comments are by the Bot login+"[bot]"
}

// wrote reports whether a comment by u was written with the token.
func (id identity) wrote(u *github.User) bool {
	if !id.bot {
		return strings.EqualFold(u.GetLogin(), id.login)
	}
	return u.GetType() == "Bot" && strings.EqualFold(u.GetLogin(), id.login+"[bot]")
}

// self finds who the token writes as: GET /user for a personal token; GraphQL's
// viewer for an installation token, which GET /user refuses (403) and which
// writes as its app's bot; and github-actions[bot] when neither answers.
func (c *Client) self(ctx context.Context) identity {
	if u, _, err := c.gh.Users.Get(ctx, ""); err == nil && u.GetLogin() != "" {
		return identity{login: trimBot(u.GetLogin()), bot: u.GetType() == "Bot"}
	}
	if login := c.viewer(ctx); login != "" {
		return identity{login: trimBot(login), bot: true}
	}
	return identity{login: actionsBot, bot: true}
}

// viewer asks GraphQL for the token's login, or "" when it cannot say.
func (c *Client) viewer(ctx context.Context) string {
	req, err := c.gh.NewRequest(http.MethodPost, graphQLURL(c.gh.BaseURL), map[string]string{"query": "query { viewer { login } }"})
	if err != nil {
		return ""
	}
	var out struct {
		Data struct {
			Viewer struct {
				Login string `json:"login"`
			} `json:"viewer"`
		} `json:"data"`
	}
	if _, err := c.gh.Do(ctx, req, &out); err != nil {
		return ""
	}
	return out.Data.Viewer.Login
}

// graphQLURL is the GraphQL endpoint next to a REST base URL: /graphql on
// api.github.com, /api/graphql on GitHub Enterprise Server (REST at /api/v3/).
func graphQLURL(base *url.URL) string {
	u := *base
	if p, ok := strings.CutSuffix(u.Path, "/api/v3/"); ok {
		u.Path = p + "/api/graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return u.String()
}

// trimBot drops a "[bot]" suffix: GraphQL may name a bot with or without it.
func trimBot(login string) string {
	if len(login) > len("[bot]") && strings.EqualFold(login[len(login)-len("[bot]"):], "[bot]") {
		return login[:len(login)-len("[bot]")]
	}
	return login
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

// Package workflowtest checks the repository's workflow files (.github/workflows)
// and the example workflows users copy (docs/examples) as GitHub would run them:
// every action pinned by commit sha, the reusable workflow passing every input of
// action.yml, concurrency and permissions as the docs promise, and the release
// workflow's shell steps run against a local git repository with docker, gh and
// curl replaced by stubs, and the release's shape (permissions, the App token
// that pushes the tags, the OCI build arguments and annotations). It also checks
// the Dockerfile's base images: pinned by tag and index digest, watched by
// Dependabot, the runtime stage distroless static on Debian 13 running as root
// with the OCI labels the release fills in. It holds only tests.
package workflowtest

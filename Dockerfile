# notion-sync: a static Go binary on a minimal base image.
#
# Actions runs container actions as root and mounts the workspace owned by the
# runner's user, so there is deliberately no USER line (reference §1.5). The binary
# uses go-git, never the git CLI, so git's "dubious ownership" check does not apply.
#
# The build stage runs on the builder's own platform and cross-compiles, so a
# multi-platform release (linux/amd64, linux/arm64) needs no emulation.
#
# Base images. Both are Debian 13 (trixie): distroless/static-debian12 reaches its
# end of support in 2026. They are pinned by tag only: no digest could be
# verified from where this file was written (no registry access), and a digest
# copied from elsewhere is not one we checked. Pin them once with
#   docker buildx imagetools inspect golang:1.26-trixie
#   docker buildx imagetools inspect gcr.io/distroless/static-debian13
# (the "Digest:" line of the index) as `FROM image:tag@sha256:<digest>`; from then
# on Dependabot (.github/dependabot.yml, docker) proposes each new digest as a
# pull request. docs/release.md says the same.

FROM --platform=$BUILDPLATFORM golang:1.26-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/notion-sync .

FROM gcr.io/distroless/static-debian13

# OCI labels: GHCR links the package to the repository through
# org.opencontainers.image.source. The release passes the real values
# (.github/workflows/release.yml); a local build gets these defaults.
ARG SOURCE=https://github.com/lukhas/notion-sync-action
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.source=$SOURCE \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.revision=$REVISION \
      org.opencontainers.image.title="notion-sync" \
      org.opencontainers.image.description="Keep a Notion database in step with the module.manifest.json files of a monorepo."

COPY --from=build /out/notion-sync /notion-sync
ENTRYPOINT ["/notion-sync"]

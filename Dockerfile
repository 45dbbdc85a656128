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
# end of support in 2026. Both are pinned by the digest of their multi-platform
# index (not of one platform's manifest, which would break the arm64 build), so a
# rebuild of the same commit gets the same bytes; the tag beside the digest is for
# the reader and for Dependabot (.github/dependabot.yml, ecosystem docker), which
# proposes each new digest as a pull request. docs/release.md says where these two
# digests were read and how to re-pin by hand. The runtime image is distroless's
# default (root) variant, not :nonroot: see the USER rule above.
#
# internal/workflowtest checks that every FROM carries a digest.

FROM --platform=$BUILDPLATFORM golang:1.26.7-trixie@sha256:b389f1219965d8ba67776b81d17308ab25fa763be3855e5fe63ebcb10e15f3a1 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/notion-sync .

FROM gcr.io/distroless/static-debian13:latest@sha256:58133991db06659feaabe0f4e97a35cebf15ef4ea08f8a4c6d2ee5f75e4aa6a0

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

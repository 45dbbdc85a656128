# notion-sync: a static Go binary on a minimal base image.
#
# Actions runs container actions as root and mounts the workspace owned by the
# runner's user, so there is deliberately no USER line (reference §1.5). The binary
# uses go-git, never the git CLI, so git's "dubious ownership" check does not apply.
#
# The build stage runs on the builder's own platform and cross-compiles, so a
# multi-platform release (linux/amd64, linux/arm64) needs no emulation.

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/notion-sync .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/notion-sync /notion-sync
ENTRYPOINT ["/notion-sync"]

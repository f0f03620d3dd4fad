# tlsweep container image: a static binary and the CA roots, nothing else.
#
#   docker build -t tlsweep --build-arg VERSION=$(git describe --always) .
#   docker run --rm tlsweep demo
#   docker run --rm tlsweep scan 10.1.0.0/24
#
# The final image has no shell, no package manager and no other files; it
# runs as an unprivileged user. examples/kubernetes uses it as is.
# go test ./examples builds the binary with the flags of the build stage and
# runs it, as that user, in an empty root holding only what the final stage
# copies (run as root; CI does).

# Build stage: Debian with the Go toolchain of go.mod.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/tlsweep/tlsweep/internal/cli.Version=${VERSION}" -o /out/tlsweep .

# Final stage: the binary and the CA roots only.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tlsweep /tlsweep
# 65532: the conventional "nonroot" user of minimal images; no /etc/passwd needed.
USER 65532:65532
ENTRYPOINT ["/tlsweep"]

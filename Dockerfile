# The manager image for those who build with Docker: the same image as
# `make image` (hack/build-image.sh, buildah, no Docker daemon). `make
# docker-build` passes VERSION, REVISION and SOURCE.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=unknown
ARG REVISION=unknown
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/
# Static; CA roots (golang.org/x/crypto/x509roots/fallback) and time zones
# (time/tzdata) are compiled in, so the image needs no other file.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath \
    -ldflags "-s -w -X github.com/servicedesk-operator/servicedesk-operator/internal/version.Version=${VERSION} -X github.com/servicedesk-operator/servicedesk-operator/internal/version.Revision=${REVISION}" \
    -o manager ./cmd

# One layer: the manager, run as a non-root user.
FROM scratch
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=https://github.com/servicedesk-operator/servicedesk-operator
LABEL org.opencontainers.image.title=servicedesk-operator \
      org.opencontainers.image.description="Kubernetes operator for customer complaints: service levels, escalation ladders, signed webhooks" \
      org.opencontainers.image.version=${VERSION} \
      org.opencontainers.image.revision=${REVISION} \
      org.opencontainers.image.source=${SOURCE} \
      org.opencontainers.image.licenses=Apache-2.0
COPY --from=builder /workspace/manager /manager
USER 65532:65532
ENTRYPOINT ["/manager"]

#!/usr/bin/env bash
# Builds the manager image into the local container storage (podman's and
# buildah's: /var/lib/containers/storage as root) without a Docker daemon and
# without pulling a base image: `buildah from scratch`, one layer holding the
# static binary /manager. The CA roots for https webhooks are compiled into
# the binary (golang.org/x/crypto/x509roots/fallback), time zones too
# (time/tzdata), so the image needs no other file. The Dockerfile builds the
# same image where there is Docker.
#
#   IMG=servicedesk-operator:v0.1.0 VERSION=v0.1.0 REVISION=<commit> LDFLAGS=... hack/build-image.sh
#
# ARCHIVE=path.tar also writes the image as a docker-archive (docker save's
# format, which `kind load image-archive` and `docker load` read), tagged
# IMG without podman's localhost/ prefix so that the cluster finds it under
# the name the Deployment uses.
# GOARCH chooses the architecture (default: this machine's).
# SOURCE_DATE_EPOCH (default: the commit's time) dates the image, so that
# the same binary gives the same image digest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

: "${IMG:?IMG, the image name, e.g. servicedesk-operator:v0.1.0}"
: "${VERSION:?VERSION, e.g. v0.1.0}"
: "${REVISION:=$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
: "${LDFLAGS:?LDFLAGS (the Makefile sets them: version and revision through -X)}"
: "${GOARCH:=$(go env GOARCH)}"
: "${SOURCE:=https://github.com/servicedesk-operator/servicedesk-operator}"
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
ARCHIVE="${ARCHIVE:-}"

case "${IMG##*/}" in # the last path part: a registry's :port is no tag
  *:latest | *@*) echo "build-image: IMG=${IMG}: give the image a version tag, not latest or a digest" >&2; exit 2 ;;
  *:*) ;;
  *) echo "build-image: IMG=${IMG} has no tag: name it <name>:<version>" >&2; exit 2 ;;
esac
if ! command -v buildah >/dev/null; then
  echo "build-image: buildah is not installed (Debian/Ubuntu: apt-get install buildah; Fedora: dnf install buildah)" >&2
  exit 1
fi

work="$(mktemp -d)"
ctr=""
cleanup() {
  [ -z "${ctr}" ] || buildah rm "${ctr}" >/dev/null 2>&1 || true
  rm -rf "${work}"
}
trap cleanup EXIT

started=$(date +%s%N)
echo "build-image: go build ./cmd (linux/${GOARCH}, static, ${VERSION})"
CGO_ENABLED=0 GOOS=linux GOARCH="${GOARCH}" go build -trimpath -ldflags "${LDFLAGS}" -o "${work}/manager" ./cmd

ctr="$(buildah from --name "servicedesk-image-$$" scratch)"
buildah copy --quiet --chown 0:0 --chmod 0755 "${ctr}" "${work}/manager" /manager >/dev/null
buildah config \
  --os linux --arch "${GOARCH}" \
  --user 65532:65532 \
  --workingdir / \
  --entrypoint '["/manager"]' --cmd '' \
  --label org.opencontainers.image.title=servicedesk-operator \
  --label org.opencontainers.image.description="Kubernetes operator for customer complaints: service levels, escalation ladders, signed webhooks" \
  --label org.opencontainers.image.version="${VERSION}" \
  --label org.opencontainers.image.revision="${REVISION}" \
  --label org.opencontainers.image.source="${SOURCE}" \
  --label org.opencontainers.image.licenses=Apache-2.0 \
  "${ctr}"
# The image this name had before: removed below once nothing else names it.
previous="$(buildah images --noheading --no-trunc --format '{{.ID}}' "${IMG}" 2>/dev/null | head -1 || true)"
buildah commit --quiet --format oci --identity-label=false --timestamp "${SOURCE_DATE_EPOCH}" --rm "${ctr}" "${IMG}" >/dev/null
ctr=""

id="$(buildah images --noheading --no-trunc --format '{{.ID}}' "${IMG}" | head -1)"
if [ -n "${previous}" ] && [ "${previous}" != "${id}" ]; then
  buildah rmi "${previous}" >/dev/null 2>&1 || true # still tagged otherwise, or in use: kept
fi
size="$(buildah images --noheading --format '{{.Size}}' "${IMG}" | head -1)"
echo "build-image: ${IMG} (${size}, id ${id:0:19}) in $(( ($(date +%s%N) - started) / 1000000 ))ms"

if [ -n "${ARCHIVE}" ]; then
  mkdir -p "$(dirname "${ARCHIVE}")"
  rm -f "${ARCHIVE}"
  buildah push --quiet "${IMG}" "docker-archive:${ARCHIVE}:${IMG}"
  echo "build-image: wrote ${ARCHIVE} ($(du -h "${ARCHIVE}" | cut -f1)): kind load image-archive ${ARCHIVE}"
fi

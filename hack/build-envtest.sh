#!/usr/bin/env bash
# Builds the binaries envtest needs (kube-apiserver, etcd, kubectl) from the Go
# module proxy, because prebuilt envtest archives cannot be downloaded here.
#
# Output: bin/k8s/<k8s-version>-<os>-<arch>/{kube-apiserver,etcd,kubectl}
# The build is skipped when the three binaries are already there. A copy is
# also kept in the user cache (${XDG_CACHE_HOME:-~/.cache}/servicedesk-operator)
# so a fresh clone on the same machine does not build them again.
#
# kube-apiserver and kubectl come from k8s.io/kubernetes, built inside a
# throwaway module that replaces each staging module (./staging/src/k8s.io/...)
# with its published v0.x release; etcd comes from go.etcd.io/etcd/server/v3,
# also inside a throwaway module because `go install` refuses modules with
# replace directives.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GOOS="$(go env GOOS)"
GOARCH="$(go env GOARCH)"
DEST="${ENVTEST_DIR:-${ROOT}/bin/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}}"
CACHE="${XDG_CACHE_HOME:-${HOME}/.cache}/servicedesk-operator/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}-etcd${ETCD_VERSION}"
BINARIES=(kube-apiserver etcd kubectl)

have_all() {
  local dir="$1" b
  for b in "${BINARIES[@]}"; do [ -x "${dir}/${b}" ] || return 1; done
}

if have_all "${DEST}"; then
  echo "${DEST}"
  exit 0
fi
mkdir -p "${DEST}"
if have_all "${CACHE}"; then
  for b in "${BINARIES[@]}"; do cp "${CACHE}/${b}" "${DEST}/${b}"; done
  echo "${DEST}"
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
export GOFLAGS="-mod=mod"
export CGO_ENABLED=0

log() { echo "build-envtest: $*" >&2; }

# --- kube-apiserver and kubectl ------------------------------------------------
log "building kube-apiserver and kubectl v${K8S_VERSION} (first time: several minutes)"
K8S_MOD="$(cd "${WORK}" && go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
STAGING_VERSION="v0.${K8S_VERSION#1.}"
mkdir -p "${WORK}/k8s"
{
  echo "module envtestbuild/k8s"
  echo
  echo "go $(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')"
  echo
  echo "require k8s.io/kubernetes v${K8S_VERSION}"
  echo
  echo "replace ("
  grep -E '^\s*k8s\.io/[^ ]+ => \./staging/' "${K8S_MOD}" | awk -v v="${STAGING_VERSION}" '{print "\t" $1 " => " $1 " " v}'
  echo ")"
} > "${WORK}/k8s/go.mod"
(
  cd "${WORK}/k8s"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v${K8S_VERSION}" "k8s.io/kubernetes/cmd/kubectl@v${K8S_VERSION}" >&2
  MINOR="${K8S_VERSION#1.}"; MINOR="${MINOR%%.*}"
  LDFLAGS="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LDFLAGS+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${MINOR} -X ${pkg}.gitTreeState=clean"
  done
  go build -trimpath -ldflags "${LDFLAGS}" -o "${DEST}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  go build -trimpath -ldflags "${LDFLAGS}" -o "${DEST}/kubectl" k8s.io/kubernetes/cmd/kubectl
)

# --- etcd ---------------------------------------------------------------------
log "building etcd v${ETCD_VERSION}"
mkdir -p "${WORK}/etcd"
cat > "${WORK}/etcd/go.mod" <<MOD
module envtestbuild/etcd

go $(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
MOD
(
  cd "${WORK}/etcd"
  go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >&2
  go build -trimpath -ldflags "-s -w" -o "${DEST}/etcd" go.etcd.io/etcd/server/v3
)

mkdir -p "${CACHE}"
for b in "${BINARIES[@]}"; do cp "${DEST}/${b}" "${CACHE}/${b}"; done
log "done: ${DEST}"
echo "${DEST}"

#!/usr/bin/env bash
# Provides the binaries envtest needs (kube-apiserver, etcd, kubectl) in
# bin/k8s/<k8s-version>-<os>-<arch>/ (ENVTEST_DIR), from the first of:
#   1. that directory, when it already holds them: nothing to do;
#   2. the user cache (${XDG_CACHE_HOME:-~/.cache}/servicedesk-operator/k8s/),
#      filled by an earlier run of this script in any clone on this machine;
#   3. the release binaries, downloaded by controller-runtime's setup-envtest
#      as in every kubebuilder project (about a minute; needs the internet);
#   4. a build from source through the Go module proxy (15-25 minutes on two
#      cores), when the download is not possible.
# The directory is printed as the last line of output; progress goes to stderr.
#
# ENVTEST_DOWNLOAD=false skips the download; ENVTEST_DOWNLOAD_TIMEOUT (seconds,
# default 300) bounds it; ENVTEST_INDEX is setup-envtest's release index.
# ENVTEST_BUILD=false fails rather than building from source.
#
# The source build: kube-apiserver and kubectl come from k8s.io/kubernetes,
# built inside a throwaway module that replaces each staging module
# (./staging/src/k8s.io/...) with its published v0.x release; etcd comes from
# go.etcd.io/etcd/server/v3, also inside a throwaway module because
# `go install` refuses modules with replace directives.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
# setup-envtest's tag on controller-runtime's release branch of go.mod's
# controller-runtime (v0.25.x).
SETUP_ENVTEST_VERSION="${SETUP_ENVTEST_VERSION:-v0.25.1}"
ENVTEST_INDEX="${ENVTEST_INDEX:-https://raw.githubusercontent.com/kubernetes-sigs/controller-tools/HEAD/envtest-releases.yaml}"
ENVTEST_DOWNLOAD_TIMEOUT="${ENVTEST_DOWNLOAD_TIMEOUT:-300}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SETUP_ENVTEST="${ROOT}/bin/setup-envtest-${SETUP_ENVTEST_VERSION}"
GOOS="$(go env GOOS)"
GOARCH="$(go env GOARCH)"
DEST="${ENVTEST_DIR:-${ROOT}/bin/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}}"
CACHE_BASE="${XDG_CACHE_HOME:-${HOME}/.cache}/servicedesk-operator/k8s"
BINARIES=(kube-apiserver etcd kubectl)

log() { echo "build-envtest: $*" >&2; }

have_all() {
  local dir="$1" b
  for b in "${BINARIES[@]}"; do [ -x "${dir}/${b}" ] || return 1; done
}

missing_in() {
  local dir="$1" b
  for b in "${BINARIES[@]}"; do [ -x "${dir}/${b}" ] || echo "${b}"; done
}

done_with() {
  echo "${DEST}"
  exit 0
}

# --- 1. already there ------------------------------------------------------------
if have_all "${DEST}"; then done_with; fi

# --- 2. the user cache: this etcd version first, then any other ---------------------
cached=""
if have_all "${CACHE_BASE}/${K8S_VERSION}-${GOOS}-${GOARCH}-etcd${ETCD_VERSION}"; then
  cached="${CACHE_BASE}/${K8S_VERSION}-${GOOS}-${GOARCH}-etcd${ETCD_VERSION}"
else
  while IFS= read -r d; do
    if have_all "${d}"; then cached="${d}"; break; fi
  done < <(ls -d "${CACHE_BASE}/${K8S_VERSION}-${GOOS}-${GOARCH}-etcd"* 2>/dev/null | sort -rV)
fi
mkdir -p "${DEST}"
if [ -n "${cached}" ]; then
  for b in "${BINARIES[@]}"; do cp "${cached}/${b}" "${DEST}/${b}"; done
  log "copied from the user cache ${cached}"
  done_with
fi

WORK="$(mktemp -d)"
# setup-envtest leaves its store read-only.
trap 'chmod -R u+w "${WORK}" 2>/dev/null; rm -rf "${WORK}"' EXIT

# --- 3. download with setup-envtest ----------------------------------------------
download() {
  if [ "${ENVTEST_DOWNLOAD:-true}" = false ]; then
    why="no download (ENVTEST_DOWNLOAD=false)"
    return 1
  fi
  # A quick look at the index first, so that a machine without the internet
  # falls back at once rather than after the timeout.
  if command -v curl >/dev/null && ! curl -fsSL -o /dev/null --max-time 20 "${ENVTEST_INDEX}" 2>/dev/null; then
    why="no download (cannot reach ${ENVTEST_INDEX})"
    return 1
  fi
  log "downloading kube-apiserver, etcd and kubectl v${K8S_VERSION} with setup-envtest ${SETUP_ENVTEST_VERSION} (about a minute)"
  if [ ! -x "${SETUP_ENVTEST}" ]; then
    if ! GOBIN="${WORK}/gobin" GOFLAGS= go install "sigs.k8s.io/controller-runtime/tools/setup-envtest@${SETUP_ENVTEST_VERSION}" >&2; then
      why="no download (cannot install setup-envtest ${SETUP_ENVTEST_VERSION})"
      return 1
    fi
    mkdir -p "$(dirname "${SETUP_ENVTEST}")"
    mv "${WORK}/gobin/setup-envtest" "${SETUP_ENVTEST}"
  fi
  local limit=() dir
  if command -v timeout >/dev/null; then limit=(timeout "${ENVTEST_DOWNLOAD_TIMEOUT}"); fi
  if ! dir="$(${limit[@]+"${limit[@]}"} "${SETUP_ENVTEST}" use "${K8S_VERSION}" --os "${GOOS}" --arch "${GOARCH}" \
      --bin-dir "${WORK}/envtest" --index "${ENVTEST_INDEX}" -p path)" || [ -z "${dir}" ]; then
    why="no download (setup-envtest could not download v${K8S_VERSION})"
    return 1
  fi
  local b
  for b in "${BINARIES[@]}"; do
    if [ -f "${dir}/${b}" ]; then cp "${dir}/${b}" "${DEST}/${b}" && chmod 0755 "${DEST}/${b}"; fi
  done
}

why=""
if download; then
  if have_all "${DEST}"; then
    log "downloaded into ${DEST}"
  else
    why="the download lacks $(missing_in "${DEST}" | paste -sd ' ' -)"
  fi
fi
if ! have_all "${DEST}"; then
  if [ "${ENVTEST_BUILD:-true}" = false ]; then
    log "${why}, and ENVTEST_BUILD=false: not building from source"
    exit 1
  fi
  log "${why}: building from source instead, 15-25 minutes on two cores (then cached in ${CACHE_BASE})"
fi

export GOFLAGS="-mod=mod"
export CGO_ENABLED=0
GO_LINE="go $(go env GOVERSION | sed 's/^go//; s/\([0-9]*\.[0-9]*\).*/\1/')"

# --- 4a. kube-apiserver and kubectl from source --------------------------------------
build_k8s() { # the k8s.io/kubernetes commands to build, e.g. kube-apiserver kubectl
  log "building $* v${K8S_VERSION} (several minutes)"
  local k8s_mod staging cmd pkgs=()
  k8s_mod="$(cd "${WORK}" && go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  staging="v0.${K8S_VERSION#1.}"
  mkdir -p "${WORK}/k8s"
  {
    echo "module envtestbuild/k8s"
    echo
    echo "${GO_LINE}"
    echo
    echo "require k8s.io/kubernetes v${K8S_VERSION}"
    echo
    echo "replace ("
    grep -E '^\s*k8s\.io/[^ ]+ => \./staging/' "${k8s_mod}" | awk -v v="${staging}" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "${WORK}/k8s/go.mod"
  for cmd in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/${cmd}@v${K8S_VERSION}"); done
  (
    cd "${WORK}/k8s"
    go get "${pkgs[@]}" >&2
    local minor="${K8S_VERSION#1.}" pkg ldflags="-s -w"
    minor="${minor%%.*}"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean"
    done
    for cmd in "$@"; do
      go build -trimpath -ldflags "${ldflags}" -o "${DEST}/${cmd}" "k8s.io/kubernetes/cmd/${cmd}"
    done
  )
}

# --- 4b. etcd from source ---------------------------------------------------------
build_etcd() {
  log "building etcd v${ETCD_VERSION}"
  mkdir -p "${WORK}/etcd"
  printf 'module envtestbuild/etcd\n\n%s\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "${GO_LINE}" "${ETCD_VERSION}" > "${WORK}/etcd/go.mod"
  (
    cd "${WORK}/etcd"
    go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" >&2
    go build -trimpath -ldflags "-s -w" -o "${DEST}/etcd" go.etcd.io/etcd/server/v3
  )
}

k8s_cmds=()
for b in kube-apiserver kubectl; do [ -x "${DEST}/${b}" ] || k8s_cmds+=("${b}"); done
if [ "${#k8s_cmds[@]}" -gt 0 ]; then build_k8s "${k8s_cmds[@]}"; fi
[ -x "${DEST}/etcd" ] || build_etcd

# --- the user cache, named after the etcd version it holds -------------------------------
etcd_version="$("${DEST}/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: *//p' | head -1)"
CACHE="${CACHE_BASE}/${K8S_VERSION}-${GOOS}-${GOARCH}-etcd${etcd_version:-${ETCD_VERSION}}"
mkdir -p "${CACHE}"
for b in "${BINARIES[@]}"; do cp "${DEST}/${b}" "${CACHE}/${b}"; done
log "done: ${DEST} (also cached in ${CACHE})"
echo "${DEST}"

#!/usr/bin/env bash
# Installs the kubectl desk plugin of dist/plugin/ (make dist-plugin) with krew
# itself, as `kubectl krew install` would from the krew index: the archives
# match sha256sums.txt; for every platform of the manifest, krew (KREW_ROOT in
# a temp dir, KREW_OS/KREW_ARCH set to that platform) validates desk.yaml,
# checks the archive's sha256 and installs its binary; the plugin installed
# for this machine's platform runs and prints VERSION.
# `make test-plugin` runs it with KREW, VERSION and PLUGIN_DIST set.
set -euo pipefail

KREW="${KREW:?the krew binary (make krew)}"
VERSION="${VERSION:?the version make dist-plugin packed}"
DIST="${PLUGIN_DIST:-dist/plugin}"
MANIFEST="${DIST}/desk.yaml"
export KREW_NO_UPGRADE_CHECK=1
HOST_OS="$(go env GOOS)"
HOST_ARCH="$(go env GOARCH)"

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT
fail() { echo "test-krew: FAIL: $*" >&2; exit 1; }
# Milliseconds now (bash 5's EPOCHREALTIME; whole seconds elsewhere).
ms() { if [ -n "${EPOCHREALTIME:-}" ]; then local t="${EPOCHREALTIME/[.,]/}"; echo $(( 10#${t} / 1000 )); else echo $(( $(date +%s) * 1000 )); fi; }
elapsed() { echo "$(( $(ms) - $1 ))ms"; }

echo "--- sha256sums.txt"
( cd "${DIST}" && if command -v sha256sum >/dev/null; then sha256sum -c sha256sums.txt; else shasum -a 256 -c sha256sums.txt; fi )

ran_host=false
installed=0
for archive in "${DIST}"/kubectl-desk_"${VERSION}"_*; do
  platform="${archive##*/kubectl-desk_"${VERSION}"_}"
  platform="${platform%.tar.gz}"
  platform="${platform%.zip}"
  os="${platform%_*}"
  arch="${platform#*_}"
  exe=""
  [ "${os}" != windows ] || exe=".exe"
  root="${TMP}/${platform}"
  echo "--- krew install --manifest=${MANIFEST} --archive=${archive} (KREW_OS=${os} KREW_ARCH=${arch})"
  t0=$(ms)
  if ! KREW_ROOT="${root}" KREW_OS="${os}" KREW_ARCH="${arch}" "${KREW}" install --manifest="${MANIFEST}" --archive="${archive}" </dev/null >"${TMP}/install.log" 2>&1; then
    cat "${TMP}/install.log" >&2
    fail "krew install for ${platform}"
  fi
  echo "installed in $(elapsed "${t0}")"
  # (krew list needs the index, which krew install --manifest does not.)
  [ -f "${root}/receipts/desk.yaml" ] || fail "krew wrote no receipt for desk (${platform})"
  [ -f "${root}/store/desk/${VERSION}/LICENSE" ] || fail "no LICENSE in the installed plugin (${platform})"
  [ -e "${root}/bin/kubectl-desk${exe}" ] || fail "no ${root}/bin/kubectl-desk${exe} after install (${platform})"
  installed=$((installed + 1))
  if [ "${os}" = "${HOST_OS}" ] && [ "${arch}" = "${HOST_ARCH}" ]; then
    echo "--- \$KREW_ROOT/bin/kubectl-desk version (${platform}, this machine)"
    out="$("${root}/bin/kubectl-desk" version)" || fail "kubectl-desk version: ${out}"
    echo "${out}"
    json="$("${root}/bin/kubectl-desk" version -o json)" || fail "kubectl-desk version -o json: ${json}"
    grep -q "\"version\": *\"${VERSION}\"" <<<"${json}" || fail "kubectl-desk version -o json does not say ${VERSION}: ${json}"
    ran_host=true
  fi
done
[ "${installed}" -gt 0 ] || fail "no archives kubectl-desk_${VERSION}_* in ${DIST} (make dist-plugin)"
${ran_host} || fail "no archive for this machine (${HOST_OS}/${HOST_ARCH}) in ${DIST}"
echo "test-krew: ok: krew installed ${installed} platforms of kubectl desk ${VERSION}; the ${HOST_OS}/${HOST_ARCH} one runs"

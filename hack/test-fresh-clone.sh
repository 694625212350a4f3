#!/usr/bin/env bash
# The README's first command on a fresh clone: clones this repository's
# committed HEAD into a temp dir (no bin/), runs `make sandbox` there with
# KUBEBUILDER_ASSETS unset, the demo breaching after 1s and
# --until-escalated, and checks that it exits 0 once the first escalation
# webhook reached the demo receiver, having got the control-plane binaries
# into the clone's bin/k8s/ by itself.
#
# The binaries come as for any user on this machine: from the user cache when
# an earlier run (make test, make envtest) filled it, else downloaded with
# setup-envtest (about a minute) or built from source (15-25 minutes).
#   FRESH_CLONE_SOURCE=worktree  copy the working tree (tracked and untracked,
#                                not ignored, files) instead of cloning HEAD:
#                                to try uncommitted work
#   FRESH_CLONE_EMPTY_CACHE=true an empty user cache (XDG_CACHE_HOME in the
#                                temp dir): a first run on a new machine
#   FRESH_CLONE_TIMEOUT          bound of make sandbox (default 45m)
#   FRESH_CLONE_KEEP=true        keep the temp dir
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="${FRESH_CLONE_SOURCE:-head}"
TIMEOUT="${FRESH_CLONE_TIMEOUT:-45m}"
TMP="$(mktemp -d)"
if [ "${FRESH_CLONE_KEEP:-false}" = true ]; then
  trap 'echo "test-fresh-clone: kept ${TMP}"' EXIT
else
  trap 'rm -rf "${TMP}"' EXIT
fi
fail() { echo "test-fresh-clone: FAIL: $*" >&2; exit 1; }
now() { date +%s; }

clone="${TMP}/servicedesk-operator"
started=$(now)
case "${SOURCE}" in
  head)
    echo "--- git clone ${ROOT} (HEAD $(git -C "${ROOT}" rev-parse --short HEAD))"
    git clone --quiet --no-hardlinks "${ROOT}" "${clone}"
    ;;
  worktree)
    echo "--- copy of the working tree of ${ROOT} (tracked and untracked files, not ignored ones)"
    mkdir -p "${clone}"
    (
      cd "${ROOT}"
      git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
        [ -e "${f}" ] && printf '%s\0' "${f}"
      done | tar --null -T - -cf - | tar -C "${clone}" -xf -
    )
    ;;
  *) fail "FRESH_CLONE_SOURCE=${SOURCE}: head or worktree" ;;
esac
[ ! -e "${clone}/bin" ] || fail "the fresh clone has a bin/"
echo "cloned in $(( $(now) - started ))s"

envs=(-u KUBEBUILDER_ASSETS)
if [ "${FRESH_CLONE_EMPTY_CACHE:-false}" = true ]; then
  envs+=("XDG_CACHE_HOME=${TMP}/cache")
  echo "--- with an empty user cache (XDG_CACHE_HOME=${TMP}/cache)"
fi

flags="--port 0 --demo-first-response 1s --until-escalated 3m"
echo "--- make sandbox SANDBOX_FLAGS='${flags}' (timeout ${TIMEOUT}; each line with the seconds since the start)"
log="${TMP}/sandbox.log"
t0=$(now)
set +e
(
  cd "${clone}"
  env "${envs[@]}" timeout -k 30s "${TIMEOUT}" make sandbox SANDBOX_FLAGS="${flags}" </dev/null 2>&1
) | while IFS= read -r line; do
  printf '%5ss %s\n' "$(( $(now) - t0 ))" "${line}"
done | tee "${log}"
rc=${PIPESTATUS[0]}
set -e
took=$(( $(now) - t0 ))

[ "${rc}" -eq 0 ] || fail "make sandbox exited ${rc} after ${took}s"
grep -q 'webhook Escalated(team-lead) demo/late-delivery -> leads (signature verified)' "${log}" ||
  fail "the log does not show the escalation of demo/late-delivery reaching the receiver"
grep -q 'the first escalation reached the receiver (--until-escalated)' "${log}" ||
  fail "the sandbox did not stop on the escalation"
for b in kube-apiserver etcd kubectl; do
  ls "${clone}"/bin/k8s/*/"${b}" >/dev/null 2>&1 || fail "make sandbox left no bin/k8s/*/${b} in the clone"
done
echo "test-fresh-clone: ok: make sandbox on a fresh clone ran to the first escalation and exited 0 in ${took}s (total $(( $(now) - started ))s)"

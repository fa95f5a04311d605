# shellcheck shell=bash
# Shared helpers for scripts/ci/*.sh. Source it; do not run it.
#
# Every script installs the tools it needs at pinned versions (go install / apt-get),
# so it runs on a clean Debian 12 machine that only has Go.

set -euo pipefail

CI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CI_ROOT
# Tools installed with `go install` land here; make sure they are found.
GOBIN_DIR="$(go env GOBIN)"
if [[ -z "$GOBIN_DIR" ]]; then
  GOBIN_DIR="$(go env GOPATH)/bin"
fi
export PATH="$GOBIN_DIR:$PATH"

_ci_script="$(basename "${BASH_SOURCE[1]:-$0}")"
# Microseconds since the epoch (bash 5 EPOCHREALTIME; no bc needed).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
# secs START_US: seconds elapsed since START_US, one decimal.
secs() { local d=$(( $(now_us) - $1 )); printf '%d.%d' $((d / 1000000)) $(((d % 1000000) / 100000)); }
_ci_t0=$(now_us)

log() { printf '[%s %s] %s\n' "$_ci_script" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] FAIL: %s\n' "$_ci_script" "$*" >&2; exit 1; }

# add_cleanup CMD...: run CMD (as one string, eval'd) on exit, last added first.
_ci_cleanups=()
add_cleanup() { _ci_cleanups=("$*" "${_ci_cleanups[@]}"); }

_ci_on_exit() {
  local rc=$? c
  for c in "${_ci_cleanups[@]}"; do
    eval "$c" || true
  done
  if [[ $rc -eq 0 ]]; then
    printf '[%s] OK in %ss\n' "$_ci_script" "$(secs "$_ci_t0")" >&2
  else
    printf '[%s] FAILED (exit %d) after %ss\n' "$_ci_script" "$rc" "$(secs "$_ci_t0")" >&2
  fi
}
trap _ci_on_exit EXIT

# step NAME CMD...: run a command and print how long it took.
step() {
  local name=$1; shift
  local s
  s=$(now_us)
  log "▶ $name"
  "$@"
  printf '[%s] ✔ %s (%ss)\n' "$_ci_script" "$name" "$(secs "$s")" >&2
}

# ensure_go_tool BINARY MODULE_PATH/cmd/x VERSION
# Installs BINARY with `go install PKG@VERSION` unless the binary on PATH was built
# from exactly that module version (checked with `go version -m`).
ensure_go_tool() {
  local bin=$1 pkg=$2 version=$3 path have
  if path=$(command -v "$bin" 2>/dev/null); then
    have=$(go version -m "$path" 2>/dev/null | awk '$1 == "mod" {print $3; exit}')
    if [[ "$have" == "$version" ]]; then
      log "$bin $version already installed ($path)"
      return 0
    fi
    log "$bin at $path is '${have:-unknown}', want $version: reinstalling"
  fi
  step "go install $pkg@$version (cold: minutes; warm: seconds)" go install "$pkg@$version"
  command -v "$bin" >/dev/null || die "$bin not on PATH after go install (GOBIN=$GOBIN_DIR)"
}

# ensure_apt PKG...: apt-get install the missing Debian packages (needs root).
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  step "apt-get update" "${sudo[@]}" apt-get update -qq
  step "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

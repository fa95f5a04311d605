#!/usr/bin/env bash
# Miro's OpenAPI document for the contract tests (contract/), from Miro's public api-clients repository at a
# pinned revision, checked against its SHA-256. It is reference data: never copied into this repository.
#   scripts/ci/openapi-spec.sh fetch [OUT]   download it to OUT (default .cache/miro-openapi.json) unless OUT
#                                             already holds it; print OUT's absolute path on stdout
#   scripts/ci/openapi-spec.sh status        print where the contract tests will find it, or a line
#                                             "contract tests SKIPPED: ..." when they will not (make test)
# Environment: MIRO_OPENAPI_SPEC (a spec to use; status reports it), MIRO_OPENAPI_SPEC_URL (fetch from
# another address, e.g. a mirror or file://), CI=true (status fails instead of reporting a skip).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# The revision of Miro's api-clients repository whose packages/generator/spec.json the contract was written
# against ("Upgrade api-specification (#476)", 2026-04-22); the file is MIT licensed.
REV=3a2506b647611ee729a55b4d99e5d0dc71cc694c
URL=${MIRO_OPENAPI_SPEC_URL:-https://raw.githubusercontent.com/miroapp/api-clients/$REV/packages/generator/spec.json}
SHA256=f0e17b5b43c92ff2d85c7fbe9a84301e39df1d3c14e6738cd939a6d7142f44dd

sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$SHA256" ]]; }

fetch() {
  local out=${1:-"$root/.cache/miro-openapi.json"}
  mkdir -p "$(dirname "$out")"
  out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
  if ! sha_ok "$out"; then
    echo "openapi-spec: fetching $URL" >&2
    curl -fsSL --retry 3 -o "$out.tmp" "$URL"
    if ! sha_ok "$out.tmp"; then
      echo "openapi-spec: $URL has SHA-256 $(sha256sum "$out.tmp" | cut -d' ' -f1), want $SHA256" >&2
      rm -f "$out.tmp"; exit 1
    fi
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# status mirrors contract/spec_test.go's findSpec: MIRO_OPENAPI_SPEC, else shared/miro-openapi.json in
# contract/ or any directory above it.
status() {
  local p=${MIRO_OPENAPI_SPEC:-} dir
  if [[ -z "$p" ]]; then
    dir="$root/contract"
    while :; do
      if [[ -f "$dir/shared/miro-openapi.json" ]]; then p="$dir/shared/miro-openapi.json"; break; fi
      [[ "$dir" == / ]] && break
      dir=$(dirname "$dir")
    done
  fi
  if [[ -n "$p" && -f "$p" ]]; then
    echo "contract tests: Miro's OpenAPI spec at $p"
    return 0
  fi
  local where="MIRO_OPENAPI_SPEC unset, no shared/miro-openapi.json above the checkout"
  [[ -n "${MIRO_OPENAPI_SPEC:-}" ]] && where="MIRO_OPENAPI_SPEC=$MIRO_OPENAPI_SPEC does not exist"
  local why="Miro's OpenAPI spec not found ($where); run: MIRO_OPENAPI_SPEC=\$(scripts/ci/openapi-spec.sh fetch) make test"
  if [[ "${CI:-}" == true ]]; then
    echo "contract tests FAILED: $why" >&2
    return 1
  fi
  echo "contract tests SKIPPED: $why"
}

case "${1:-}" in
  fetch) shift; fetch "$@" ;;
  status) status ;;
  *) echo "usage: $0 fetch [OUT] | status" >&2; exit 2 ;;
esac

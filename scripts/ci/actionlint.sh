#!/usr/bin/env bash
# Lint .github/workflows/*.yaml with actionlint v1.7.12 (+ shellcheck for run:
# scripts and for scripts/ci/*.sh when available). Installs both if missing: actionlint with `go install`
# (~10 s), shellcheck from apt when running as root (optional otherwise).
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_ROOT" || exit 1

ACTIONLINT_VERSION=v1.7.12
ensure_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
if ! command -v shellcheck >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    ensure_apt shellcheck
  else
    log "shellcheck not installed: run: scripts are not checked (apt-get install shellcheck)"
  fi
fi
# actionlint needs a git repository to find .github/workflows.
[[ -e .git ]] || die "not a git checkout: actionlint cannot find the project"
shopt -s nullglob
files=(.github/workflows/*.yaml .github/workflows/*.yml)
[[ ${#files[@]} -gt 0 ]] || die "no workflows in .github/workflows"
step "actionlint (${#files[@]} workflows)" actionlint -no-color "${files[@]}"
if command -v shellcheck >/dev/null; then
  step "shellcheck scripts/ci/*.sh" shellcheck -x scripts/ci/*.sh
fi

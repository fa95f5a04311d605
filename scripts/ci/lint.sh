#!/usr/bin/env bash
# Lint the connector with golangci-lint (config: .golangci.yml).
#   scripts/ci/lint.sh            verify config, lint ./...
#   LINT_FIX=1 scripts/ci/lint.sh also apply formatter fixes (never in CI)
# Installs golangci-lint v2.15.0 with `go install` if missing (~5 min cold, ~15s warm).
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_ROOT" || exit 1

GOLANGCI_LINT_VERSION=v2.15.0
ensure_go_tool golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint "$GOLANGCI_LINT_VERSION"

step "golangci-lint config verify" golangci-lint config verify --config .golangci.yml
if [[ "${LINT_FIX:-0}" == 1 ]]; then
  step "golangci-lint fmt" golangci-lint fmt ./...
fi
# 2 cores here: keep concurrency explicit so timings are comparable.
step "golangci-lint run ./..." golangci-lint run --config .golangci.yml ./...

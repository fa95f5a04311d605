#!/usr/bin/env bash
# Fails when a generated file is stale: conf.gen.go must match the schema, and README.md's command-line
# reference must match `baton-miro --help` (scripts/gen-cli-reference.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp pkg/config/conf.gen.go "$tmp/conf.gen.go"
go generate ./pkg/config
gofmt -w pkg/config/conf.gen.go
if ! diff -u "$tmp/conf.gen.go" pkg/config/conf.gen.go; then
  cp "$tmp/conf.gen.go" pkg/config/conf.gen.go
  echo "pkg/config/conf.gen.go is stale: run 'make generate' and commit the result" >&2
  exit 1
fi
./scripts/gen-cli-reference.sh -check
echo "generated files are up to date"

#!/usr/bin/env bash
# Fails when baton_capabilities.json or config_schema.json at the repository root
# is stale: both must equal what `baton-miro capabilities` and `baton-miro config`
# print now. Run with --update to rewrite them from the current code.
set -euo pipefail
cd "$(dirname "$0")/.."

update=false
case "${1:-}" in
  --update) update=true ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

# The output must not depend on the caller's BATON_* environment.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^BATON_' || true)

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/baton-miro" ./cmd/baton-miro
"$tmp/baton-miro" capabilities >"$tmp/baton_capabilities.json"
"$tmp/baton-miro" config >"$tmp/config_schema.json"

stale=0
for f in baton_capabilities.json config_schema.json; do
  if $update; then
    cp "$tmp/$f" "$f"
    echo "wrote $f"
  elif [[ ! -f $f ]]; then
    echo "$f is missing: run './scripts/check-schemas.sh --update' and commit it" >&2
    stale=1
  elif ! diff -u "$f" "$tmp/$f"; then
    echo "$f is stale: the connector's $( [[ $f == baton_capabilities.json ]] && echo capabilities || echo configuration schema ) changed;" \
      "run './scripts/check-schemas.sh --update' and commit the result" >&2
    stale=1
  fi
done
if [[ $stale == 0 ]] && ! $update; then
  echo "baton_capabilities.json and config_schema.json are up to date"
fi
exit $stale

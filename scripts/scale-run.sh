#!/usr/bin/env bash
# Syncs a simulated org of USERS/TEAMS with the real binary under /usr/bin/time -v
# and prints API calls against the minimum, wall time and peak memory.
# Usage: scripts/scale-run.sh USERS TEAMS WORKERS [extra miro-sim flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
users=$1 teams=$2 workers=$3; shift 3
tmp=$(mktemp -d); sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill -INT "$sim_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
bin/miro-sim --users "$users" --teams "$teams" --credits -1 --ready-file "$tmp/ready" "$@" >"$tmp/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 300); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
base=$(sed -n 's/^base_url=//p' "$tmp/ready"); token=$(sed -n 's/^token=//p' "$tmp/ready")
/usr/bin/time -v bin/baton-miro --miro-api-url "$base" --miro-scim-url "$base/api/v1/scim" \
  --miro-access-token "$token" --workers "$workers" ${BATON_EXTRA_ARGS:-} --log-level error -f "$tmp/sync.c1z" 2>"$tmp/time.log" >/dev/null
grep -E 'Elapsed \(wall|Maximum resident' "$tmp/time.log" | sed 's/^\s*/  /'
echo "  c1z size: $(du -h "$tmp/sync.c1z" | cut -f1)"
kill -INT "$sim_pid"; wait "$sim_pid" || true; sim_pid=""
sed -n '/^requests by route:/,$p' "$tmp/sim.log"

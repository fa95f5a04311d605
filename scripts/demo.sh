#!/usr/bin/env bash
# make demo: start the Miro simulator on loopback, sync it with the real binary
# into sync.c1z, print what the c1z holds, stop the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
USERS=${USERS:-1000}
TEAMS=${TEAMS:-100}
WORKERS=${WORKERS:-4}
OUT=${OUT:-sync.c1z}

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill -INT "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "==> starting the Miro simulator ($USERS users, $TEAMS teams) on loopback"
"$BIN/miro-sim" --users "$USERS" --teams "$TEAMS" --ready-file "$tmp/ready" >"$tmp/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [ -f "$tmp/ready" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$tmp/sim.log"; echo "demo: the simulator exited" >&2; exit 1; }
  sleep 0.1
done
[ -f "$tmp/ready" ] || { echo "demo: the simulator did not start within 10 s" >&2; exit 1; }
base_url=$(sed -n 's/^base_url=//p' "$tmp/ready")
scim_url=$(sed -n 's/^scim_url=//p' "$tmp/ready")
token=$(sed -n 's/^token=//p' "$tmp/ready")
echo "    simulator at $base_url"

rm -f "$OUT"
echo "==> syncing with baton-miro --workers $WORKERS into $OUT"
start=$(date +%s%N)
BATON_MIRO_ACCESS_TOKEN="$token" "$BIN/baton-miro" \
  --miro-api-url "$base_url" --miro-scim-url "$scim_url" \
  --workers "$WORKERS" --log-level warn -f "$OUT"
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf '    sync took %d.%03d s\n\n' $((ms / 1000)) $((ms % 1000))

"$BIN/c1z-summary" "$OUT"
echo
echo "==> simulator request counts"
kill -INT "$sim_pid"; wait "$sim_pid" || true; sim_pid=""
sed -n '/^requests by route:/,$p' "$tmp/sim.log"

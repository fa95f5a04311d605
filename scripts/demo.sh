#!/usr/bin/env bash
# make demo: start the Miro simulator on loopback, sync it with the real binary
# into sync.c1z, print what the c1z holds, stop the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
USERS=${USERS:-1000}
TEAMS=${TEAMS:-100}
WORKERS=${WORKERS:-4}
AUDIT_EVENTS=${AUDIT_EVENTS:-3000}
OUT=${OUT:-sync.c1z}

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill -INT "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "==> starting the Miro simulator ($USERS users, $TEAMS teams) on loopback"
"$BIN/miro-sim" --users "$USERS" --teams "$TEAMS" --audit-events "$AUDIT_EVENTS" --audit-days 30 --ready-file "$tmp/ready" >"$tmp/sim.log" 2>&1 &
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

# The audit-log event feed: the last 7 days, one JSON line per event. --event-feed=true, not a bare
# --event-feed: in baton-sdk v0.25.0 it is a string flag and would swallow the next argument.
since=$(date -u -d '-7 days' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v-7d +%Y-%m-%dT%H:%M:%SZ)
echo "==> reading the audit-log event feed since $since"
BATON_MIRO_ACCESS_TOKEN="$token" "$BIN/baton-miro" \
  --miro-api-url "$base_url" --miro-scim-url "$scim_url" --log-level warn \
  --event-feed=true --event-feed-id miro_audit_log --event-feed-start-at "$since" >"$tmp/events.jsonl"
printf '    %d events: %d usage (sign-ins), %d resource changes, %d grants, %d revokes\n' \
  "$(wc -l <"$tmp/events.jsonl")" "$(grep -c '"usageEvent"' "$tmp/events.jsonl" || true)" \
  "$(grep -c '"resourceChangeEvent"' "$tmp/events.jsonl" || true)" \
  "$(grep -c '"createGrantEvent"' "$tmp/events.jsonl" || true)" "$(grep -c '"createRevokeEvent"' "$tmp/events.jsonl" || true)"
echo "    the first three and the last non-usage event:"
head -n 3 "$tmp/events.jsonl" | cut -c1-220 | sed 's/^/    /'
{ grep -v '"usageEvent"' "$tmp/events.jsonl" || true; } | tail -n 1 | cut -c1-220 | sed 's/^/    /'
echo
echo "==> simulator request counts"
kill -INT "$sim_pid"; wait "$sim_pid" || true; sim_pid=""
sed -n '/^requests by route:/,$p' "$tmp/sim.log"

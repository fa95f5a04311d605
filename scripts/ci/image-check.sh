#!/usr/bin/env bash
# Build the release images (Dockerfile, Dockerfile.lambda) with podman and check them:
#   - image config: user 65532, entrypoint ["/baton-miro"], stop signal SIGTERM;
#   - `--help` and `--version` (the ldflags version reaches the binary);
#   - a real sync against the Miro simulator on the host, hardened the way the
#     Kubernetes manifests run it (read-only root, no capabilities, no new
#     privileges, uid 65532, tmpfs /tmp, c1z written to a mounted volume);
#   - SIGTERM: `podman stop` on a long sync must end it within STOP_BUDGET seconds;
#   - the lambda image: entrypoint ["/baton-miro","lambda"], `lambda --help` runs.
#
# No registry is reachable here, so the base images are stand-ins built from a
# local rootfs and tagged with the real names (gcr.io/distroless/static-debian12:nonroot,
# public.ecr.aws/lambda/provided:al2023); builds use --pull=never. A real base
# image already present locally is used as is.
#
# Needs root (apt-get install podman buildah runc; rootful podman).
# Env: STOP_BUDGET (default 8 s; 0.3-2.6 s measured), KEEP_WORK=1 keeps the temp dir, SIM_USERS/SIM_TEAMS.
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/ci/podman.sh
source "$CI_ROOT/scripts/ci/podman.sh"
cd "$CI_ROOT" || exit 1

STOP_BUDGET=${STOP_BUDGET:-8}
SIM_USERS=${SIM_USERS:-200}
SIM_TEAMS=${SIM_TEAMS:-20}
IMAGE=localhost/baton-miro:ci-$$
LAMBDA_IMAGE=localhost/baton-miro-lambda:ci-$$
VERSION=v0.0.0-imagecheck
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo none)

podman_setup

WORK=$(mktemp -d /tmp/image-check.XXXXXX)
chmod 0755 "$WORK"
# shellcheck disable=SC2016 # expanded at exit, on purpose
add_cleanup '[[ "${KEEP_WORK:-0}" == 1 ]] && log "kept $WORK" || rm -rf "$WORK"'

# ---------------------------------------------------------------- binaries
LDFLAGS="-s -w -X main.version=$VERSION -X main.commit=$COMMIT"
mkdir -p "$WORK/ctx" "$WORK/ctx-lambda" "$WORK/bin"
step "go build static baton-miro (CGO_ENABLED=0)" \
  env CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "$LDFLAGS" -o "$WORK/ctx/baton-miro" ./cmd/baton-miro
step "go build static baton-miro lambda (-tags baton_lambda_support)" \
  env CGO_ENABLED=0 GOOS=linux go build -trimpath -tags baton_lambda_support -ldflags "$LDFLAGS" -o "$WORK/ctx-lambda/baton-miro" ./cmd/baton-miro
step "go build miro-sim" go build -o "$WORK/bin/miro-sim" ./cmd/miro-sim
if command -v ldd >/dev/null && ldd "$WORK/ctx/baton-miro" 2>&1 | grep -q '=>'; then
  die "baton-miro is dynamically linked; the distroless static image cannot run it"
fi
# goreleaser-style build contexts: Dockerfile + binary (+ .dockerignore).
cp Dockerfile .dockerignore "$WORK/ctx/"
cp Dockerfile.lambda .dockerignore "$WORK/ctx-lambda/"

# ---------------------------------------------------------------- stand-in bases
step "base images (stand-ins unless real ones are present)" standin_bases
add_cleanup "podman rmi -f $IMAGE $LAMBDA_IMAGE >/dev/null 2>&1"

# ---------------------------------------------------------------- images
step "podman build Dockerfile" podman build -q --pull=never -t "$IMAGE" -f "$WORK/ctx/Dockerfile" "$WORK/ctx"
step "podman build Dockerfile.lambda" podman build -q --pull=never -t "$LAMBDA_IMAGE" -f "$WORK/ctx-lambda/Dockerfile.lambda" "$WORK/ctx-lambda"

cfg=$(podman image inspect --format '{{.Config.User}}|{{json .Config.Entrypoint}}|{{.Config.StopSignal}}' "$IMAGE")
log "image config: $cfg"
IFS='|' read -r user entrypoint stopsig <<<"$cfg"
[[ "$user" == 65532 || "$user" == 65532:65532 ]] || die "image user is '$user', want 65532"
[[ "$entrypoint" == '["/baton-miro"]' ]] || die "image entrypoint is $entrypoint, want [\"/baton-miro\"]"
[[ -z "$stopsig" || "$stopsig" == SIGTERM ]] || die "image stop signal is $stopsig, want SIGTERM (main cancels on it)"
lentry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$LAMBDA_IMAGE")
[[ "$lentry" == '["/baton-miro","lambda"]' ]] || die "lambda image entrypoint is $lentry, want [\"/baton-miro\",\"lambda\"]"

# Hardened run, as in docs/kubernetes/deployment.yaml.
# shellcheck disable=SC2054 # the commas belong to the --tmpfs option
RUN_ARGS=(--network=host --read-only --cap-drop=ALL --security-opt no-new-privileges
  --user 65532:65532 --tmpfs /tmp:rw,size=256m,mode=1777)

out=$(step "run --help" podman run --rm "${RUN_ARGS[@]}" "$IMAGE" --help)
grep -q -- '--miro-access-token' <<<"$out" || die "--help does not mention --miro-access-token"
out=$(step "run --version" podman run --rm "${RUN_ARGS[@]}" "$IMAGE" --version)
log "--version: $out"
grep -qF "$VERSION" <<<"$out" || die "--version printed '$out', want it to contain $VERSION"
grep -qF "$COMMIT" <<<"$out" || die "--version printed '$out', want it to contain commit $COMMIT"
out=$(step "run lambda image: lambda --help" podman run --rm "${RUN_ARGS[@]}" "$LAMBDA_IMAGE" --help)
grep -q -- '--lambda-client-id' <<<"$out" || die "lambda image: 'lambda --help' does not list --lambda-client-id"

# ---------------------------------------------------------------- simulator
SIM_PIDS=()
# shellcheck disable=SC2016 # expanded at exit, on purpose
add_cleanup 'for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null; done'
# start_sim NAME ARGS...: start the simulator, wait for its ready file, set
# SIM_BASE_URL, SIM_SCIM_URL, SIM_TOKEN, SIM_SCIM_TOKEN.
start_sim() {
  local name=$1; shift
  local ready="$WORK/$name.ready" i
  "$WORK/bin/miro-sim" --addr 127.0.0.1:0 --users "$SIM_USERS" --teams "$SIM_TEAMS" --ready-file "$ready" "$@" \
    >"$WORK/$name.log" 2>&1 &
  SIM_PIDS+=($!)
  for ((i = 0; i < 300; i++)); do
    [[ -s "$ready" ]] && break
    kill -0 "${SIM_PIDS[-1]}" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "miro-sim ($name) exited before it was ready"; }
    sleep 0.1
  done
  [[ -s "$ready" ]] || die "miro-sim ($name) did not write $ready within 30s"
  SIM_BASE_URL=$(sed -n 's/^base_url=//p' "$ready")
  SIM_SCIM_URL=$(sed -n 's/^scim_url=//p' "$ready")
  SIM_TOKEN=$(sed -n 's/^token=//p' "$ready")
  SIM_SCIM_TOKEN=$(sed -n 's/^scim_token=//p' "$ready")
  [[ -n "$SIM_BASE_URL" && -n "$SIM_TOKEN" ]] || die "ready file $ready lacks base_url= or token=: $(cat "$ready")"
  log "miro-sim ($name) at $SIM_BASE_URL"
}

# ---------------------------------------------------------------- sync
start_sim sync
mkdir -p "$WORK/out"
chown 65532:65532 "$WORK/out"
# Tokens go through the environment (-e NAME passes the host value), not argv.
export BATON_MIRO_ACCESS_TOKEN=$SIM_TOKEN BATON_MIRO_SCIM_ACCESS_TOKEN=${SIM_SCIM_TOKEN:-}
SYNC_ARGS=(-f /out/sync.c1z --miro-api-url "$SIM_BASE_URL")
[[ -n "$SIM_SCIM_URL" ]] && SYNC_ARGS+=(--miro-scim-url "$SIM_SCIM_URL")
log "▶ sync $SIM_USERS users / $SIM_TEAMS teams in the hardened container"
t0=$(now_us)
if ! podman run --rm "${RUN_ARGS[@]}" -v "$WORK/out:/out:rw" \
  -e BATON_MIRO_ACCESS_TOKEN -e BATON_MIRO_SCIM_ACCESS_TOKEN -e BATON_LOG_LEVEL=info \
  "$IMAGE" "${SYNC_ARGS[@]}" >"$WORK/sync.log" 2>&1; then
  tail -n 40 "$WORK/sync.log" >&2
  die "containerized sync failed (log above)"
fi
log "✔ sync in the container ($(secs "$t0")s)"
c1z="$WORK/out/sync.c1z"
[[ -s "$c1z" ]] || { tail -n 40 "$WORK/sync.log" >&2; die "sync exited 0 but $c1z is missing or empty"; }
magic=$(head -c 3 "$c1z")
[[ "$magic" == C1Z ]] || die "$c1z does not start with a C1Z magic header (got '$magic')"
log "c1z: $(stat -c %s "$c1z") bytes, owner uid $(stat -c %u "$c1z")"
if grep -q '"level":"error"' "$WORK/sync.log"; then
  grep '"level":"error"' "$WORK/sync.log" | head -5 >&2
  die "sync logged errors"
fi
# Count what the c1z holds (tool from internal/tools, when the tree has it).
if [[ -d internal/tools/c1z-summary ]]; then
  summary=$(go run ./internal/tools/c1z-summary "$c1z") || die "c1z-summary could not read $c1z"
  printf '%s\n' "$summary" >&2
  users=$(awk '$1 == "user" {print $2; exit}' <<<"$summary")
  teams=$(awk '$1 == "team" {print $2; exit}' <<<"$summary")
  [[ "${users:-0}" -eq "$SIM_USERS" ]] || die "c1z holds ${users:-0} users, the simulator has $SIM_USERS"
  [[ "${teams:-0}" -eq "$SIM_TEAMS" ]] || die "c1z holds ${teams:-0} teams, the simulator has $SIM_TEAMS"
fi

# ---------------------------------------------------------------- SIGTERM
# A slow simulator keeps the sync busy; `podman stop` sends the image's stop
# signal (SIGTERM) and would SIGKILL after -t seconds.
start_sim slow --latency 1s
NAME=baton-miro-sigterm-$$
add_cleanup "podman rm -f $NAME >/dev/null 2>&1"
mkdir -p "$WORK/out2" && chown 65532:65532 "$WORK/out2"
podman run -d --name "$NAME" "${RUN_ARGS[@]}" -v "$WORK/out2:/out:rw" \
  -e BATON_MIRO_ACCESS_TOKEN -e BATON_MIRO_SCIM_ACCESS_TOKEN \
  "$IMAGE" -f /out/sync.c1z --miro-api-url "$SIM_BASE_URL" --miro-scim-url "$SIM_SCIM_URL" >/dev/null
# Wait until the sync is really under way (its first page of resources is stored).
for ((i = 0; i < 120; i++)); do
  podman logs "$NAME" 2>&1 | grep -q '"msg":"Synced resources"' && break
  [[ "$(podman inspect --format '{{.State.Running}}' "$NAME")" == true ]] || break
  sleep 0.5
done
if [[ "$(podman inspect --format '{{.State.Running}}' "$NAME")" != true ]] ||
  ! podman logs "$NAME" 2>&1 | grep -q '"msg":"Synced resources"'; then
  podman logs "$NAME" 2>&1 | tail -n 20 >&2
  die "the slow sync was not running mid-sync: the SIGTERM check would prove nothing"
fi
t0=$(now_us)
podman stop -t 30 "$NAME" >/dev/null
took=$(secs "$t0")
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
log "SIGTERM: container stopped in ${took}s with exit code $code"
podman logs "$NAME" >"$WORK/sigterm.log" 2>&1 || true
[[ "$code" != 137 ]] || die "the container was SIGKILLed (exit 137): SIGTERM was ignored"
if grep -q '"msg":"sync data collection complete"' "$WORK/sigterm.log"; then
  die "the slow sync finished before SIGTERM: the check proved nothing (raise the simulator latency)"
fi
(( ${took%.*} < STOP_BUDGET )) || die "SIGTERM took ${took}s to stop the sync (budget ${STOP_BUDGET}s)"

log "images OK: $IMAGE (user $user, entrypoint $entrypoint), $LAMBDA_IMAGE (entrypoint $lentry)"

# Service mode as the Kubernetes manifest runs it (K8S_SMOKE=0 skips it).
if [[ "${K8S_SMOKE:-1}" == 1 ]]; then
  IMAGE=$IMAGE "$CI_ROOT/scripts/ci/k8s-smoke.sh"
fi

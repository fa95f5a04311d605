#!/usr/bin/env bash
# The Kubernetes story, run end to end with podman: the baton-miro image runs the
# way docs/kubernetes/deployment.yaml configures it against local stand-ins of
# ConductorOne's connector API (internal/c1sim) and Miro (internal/mirosim), and must
# do what a pod must do (internal/tools/servicecheck lists the checks):
#   probes 200 within seconds; a full sync task uploads a c1z equal to the org;
#   a grant task is refused while BATON_PROVISIONING=false; a revoked Miro token
#   fails its task with the connector's message while the pod keeps serving;
#   SIGTERM mid-sync stops the pod within terminationGracePeriodSeconds, exit 0,
#   nothing left in /tmp, the task reported or retried by the next pod; with
#   provisioning on, grant and revoke tasks are applied and idempotent.
#
# How the manifest is honoured: docs/kubernetes/cmd/podman-spec decodes
# deployment.yaml and secret.yaml strictly and turns them into podman flags (user,
# --read-only, --cap-drop, no-new-privileges, literal env, memory/cpu limits), the
# probe paths and port, the grace period and the emptyDir size. The pod gets its own
# network namespace (ip netns), /tmp is a host tmpfs of the emptyDir's sizeLimit
# bind-mounted (so leftovers can be inspected after a stop), and `podman stop -t
# <grace>` plays the kubelet. Test-only additions: BATON_C1_API_HOST, SSL_CERT_FILE
# (the stand-in's CA), BATON_MIRO_API_URL/BATON_MIRO_SCIM_URL.
#
# Needs root (podman, ip netns, mount). Env: IMAGE=<existing image> skips the
# image build; KEEP_WORK=1 keeps the work dir; SMOKE_USERS/SMOKE_TEAMS.
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/ci/podman.sh
source "$CI_ROOT/scripts/ci/podman.sh"
cd "$CI_ROOT" || exit 1

SMOKE_USERS=${SMOKE_USERS:-300}
SMOKE_TEAMS=${SMOKE_TEAMS:-30}

podman_setup
command -v ip >/dev/null || ensure_apt iproute2

WORK=$(mktemp -d /tmp/k8s-smoke.XXXXXX)
chmod 0755 "$WORK"
# shellcheck disable=SC2016 # expanded at exit, on purpose
add_cleanup '[[ "${KEEP_WORK:-0}" == 1 ]] && log "kept $WORK" || rm -rf "$WORK"'

if [[ -z "${IMAGE:-}" ]]; then
  IMAGE=localhost/baton-miro:smoke-$$
  mkdir -p "$WORK/ctx"
  step "go build static baton-miro (CGO_ENABLED=0)" \
    env CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=v0.0.0-smoke" -o "$WORK/ctx/baton-miro" ./cmd/baton-miro
  cp Dockerfile .dockerignore "$WORK/ctx/"
  step "base images (stand-ins unless real ones are present)" standin_bases
  add_cleanup "podman rmi -f $IMAGE >/dev/null 2>&1"
  step "podman build Dockerfile" podman build -q --pull=never -t "$IMAGE" -f "$WORK/ctx/Dockerfile" "$WORK/ctx"
fi

step "go build servicecheck" go build -o "$WORK/servicecheck" ./internal/tools/servicecheck
step "podman flags from the manifests" \
  bash -c "cd docs/kubernetes && go run ./cmd/podman-spec deployment.yaml secret.yaml > '$WORK/spec.json'"
log "spec: $(tr -d ' \n' <"$WORK/spec.json")"
size=$(sed -n 's/.*"tmpSizeBytes": *\([0-9]*\).*/\1/p' "$WORK/spec.json")
[[ -n "$size" ]] || die "no tmpSizeBytes in the spec"

NS=baton-miro-smoke-$$
ip netns add "$NS"
add_cleanup "ip netns del $NS"
ip -n "$NS" link set lo up

mkdir -p "$WORK/tmp"
mount -t tmpfs -o "size=$size,mode=1777" tmpfs "$WORK/tmp"
add_cleanup "umount '$WORK/tmp'"

step "service mode in the container, against the stand-ins" \
  "$WORK/servicecheck" --spec "$WORK/spec.json" --image "$IMAGE" --netns "/run/netns/$NS" \
  --work "$WORK" --tmp "$WORK/tmp" --users "$SMOKE_USERS" --teams "$SMOKE_TEAMS"

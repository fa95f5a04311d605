# shellcheck shell=bash
# Podman helpers for image-check.sh and goreleaser-check.sh. Source after lib.sh.
#
#   podman_setup            install podman/buildah/runc if missing, write a
#                           containers.conf that works on these VMs
#   standin_bases           make sure the base images the Dockerfiles name exist
#                           locally (no registry is reachable): stand-ins built
#                           from a local rootfs, for linux/amd64 and linux/arm64,
#                           joined in a manifest list under the real name
#
# A real base image already in local storage is left alone.

STANDIN_LABEL=io.github.conductorone.baton-miro.stand-in
DISTROLESS=gcr.io/distroless/static-debian12:nonroot
LAMBDA_BASE=public.ecr.aws/lambda/provided:al2023

podman_setup() {
  [[ $(id -u) -eq 0 ]] || die "run as root: podman is installed with apt-get and run rootful"
  # Judge by commands, not packages: a runner with Docker's containerd.io already
  # ships runc, and Debian's runc package would conflict with it.
  local need=()
  command -v podman >/dev/null || need+=(podman)
  command -v buildah >/dev/null || need+=(buildah)
  command -v runc >/dev/null || need+=(runc)
  [[ -s /etc/ssl/certs/ca-certificates.crt ]] || need+=(ca-certificates)
  [[ ${#need[@]} -eq 0 ]] || ensure_apt "${need[@]}"
  command -v podman >/dev/null || die "podman missing after apt-get install"

  # crun 1.8 cannot run on these VMs' hybrid cgroup layout, and podman's default
  # rlimits exceed the hard limits (setrlimit: Operation not permitted).
  # A CONTAINERS_CONF set by the caller wins.
  if [[ -z "${CONTAINERS_CONF:-}" ]]; then
    local conf
    conf=$(mktemp /tmp/containers.XXXXXX.conf)
    add_cleanup "rm -f '$conf'"
    cat > "$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    export CONTAINERS_CONF=$conf
  fi
  log "podman $(podman --version | awk '{print $3}'), CONTAINERS_CONF=$CONTAINERS_CONF"
}

# _standin NAME KEY: build the stand-in for NAME unless a real image or a complete
# stand-in is already there. Each architecture's image stays tagged
# (localhost/baton-miro-standin:KEY-ARCH), so no prune can take it from the list.
_standin() {
  local name=$1 key=$2 root arch ok=1
  if podman manifest inspect "$name" >/dev/null 2>&1; then
    for arch in amd64 arm64; do
      [[ "$(podman image inspect --format "{{index .Config.Labels \"$STANDIN_LABEL\"}}" \
        "localhost/baton-miro-standin:$key-$arch" 2>/dev/null)" == true ]] || ok=0
    done
    if [[ $ok == 1 ]] && podman image inspect "$name" >/dev/null 2>&1; then
      log "stand-in $name (amd64+arm64) already built"
      return 0
    fi
  elif podman image exists "$name"; then
    if [[ "$(podman image inspect --format "{{index .Config.Labels \"$STANDIN_LABEL\"}}" "$name" 2>/dev/null)" != true ]]; then
      log "using the real $name found in local storage"
      return 0
    fi
  fi
  podman manifest rm "$name" >/dev/null 2>&1 || true
  podman rmi -f "$name" >/dev/null 2>&1 || true
  root=$(mktemp -d /tmp/standin.XXXXXX)
  mkdir -p "$root/rootfs/etc/ssl/certs" "$root/rootfs/tmp" "$root/home/nonroot"
  # The users of distroless: root, nobody, nonroot (65532).
  cat > "$root/rootfs/etc/passwd" <<'P'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
P
  cat > "$root/rootfs/etc/group" <<'G'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
G
  echo 'hosts: files dns' > "$root/rootfs/etc/nsswitch.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$root/rootfs/etc/ssl/certs/ca-certificates.crt"
  chmod 1777 "$root/rootfs/tmp"
  cat > "$root/Containerfile" <<C
FROM scratch
COPY rootfs/ /
COPY --chown=65532:65532 home/ /home/
LABEL $STANDIN_LABEL=true
USER 65532:65532
WORKDIR /home/nonroot
C
  podman manifest create "$name" >/dev/null
  for arch in amd64 arm64; do
    # --no-cache: the layer cache would hand back the other architecture's image.
    podman build -q --pull=never --no-cache --platform="linux/$arch" \
      -t "localhost/baton-miro-standin:$key-$arch" -f "$root/Containerfile" "$root" >/dev/null
    podman manifest add "$name" "containers-storage:localhost/baton-miro-standin:$key-$arch" >/dev/null
  done
  rm -rf "$root"
  log "built stand-in $name (linux/amd64 + linux/arm64 manifest list)"
}

standin_bases() {
  _standin "$DISTROLESS" distroless
  _standin "$LAMBDA_BASE" lambda
}

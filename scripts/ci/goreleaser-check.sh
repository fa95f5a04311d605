#!/usr/bin/env bash
# Validate .goreleaser.yaml and run a full snapshot release locally (no publish,
# no images): 6 connector binaries + 2 lambda binaries, archives, checksums.
# Then run the host's linux binaries: `--version` must print the snapshot
# version and commit, and the lambda build must know `lambda --help`.
# Installs goreleaser v2.15.1 with `go install` if missing (~8 min cold, ~20 s warm).
# Env: GORELEASER_DOCKER=1 also builds the 4 images (amd64/arm64, plain and lambda)
# through a podman `docker` shim, on stand-in base images (needs root; see podman.sh).
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_ROOT" || exit 1

GORELEASER_VERSION=v2.15.1
ensure_go_tool goreleaser github.com/goreleaser/goreleaser/v2 "$GORELEASER_VERSION"

# goreleaser drops all git info (commit "none") when the clone has no remote.
# Give it a virtual origin through git's environment config; .git/config is untouched.
if git rev-parse --git-dir >/dev/null 2>&1 && [[ -z "$(git remote)" ]]; then
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url \
    GIT_CONFIG_VALUE_0=https://github.com/conductorone/baton-miro.git
  log "no git remote: using a virtual origin for goreleaser"
fi

step "goreleaser check" goreleaser check

skip=publish,docker,announce,validate
if [[ "${GORELEASER_DOCKER:-0}" == 1 ]]; then
  # shellcheck source=scripts/ci/podman.sh
  source "$CI_ROOT/scripts/ci/podman.sh"
  podman_setup
  step "base images (stand-ins unless real ones are present)" standin_bases
  shim=$(mktemp -d)
  add_cleanup "rm -rf '$shim'"
  printf '#!/bin/sh\nexec podman "$@"\n' > "$shim/docker" && chmod +x "$shim/docker"
  export PATH="$shim:$PATH"
  skip=publish,announce,validate
fi
# validate: the tree may be dirty while developers work; snapshots do not need it.
step "goreleaser release --snapshot --skip=$skip" goreleaser release --snapshot --clean --skip="$skip"

# The version goreleaser stamped (dist/metadata.json: {"project_name":..,"tag":..,"previous_tag":..,"version":"..."}).
version=$(grep -o '"version":"[^"]*"' dist/metadata.json | head -1 | cut -d'"' -f4)
[[ -n "$version" ]] || die "no version in dist/metadata.json"
commit=$(git rev-parse HEAD 2>/dev/null || echo "")
log "snapshot version: $version"

# Every expected binary and archive exists.
for t in linux_amd64_v1 linux_arm64_v8.0 darwin_amd64_v1 darwin_arm64_v8.0 windows_amd64_v1 windows_arm64_v8.0; do
  f=dist/baton-miro_${t}/baton-miro
  [[ $t == windows* ]] && f+=.exe
  [[ -s "$f" ]] || die "missing binary $f (dist/: $(find dist -maxdepth 1 -printf '%f '))"
done
for t in linux_amd64_v1 linux_arm64_v8.0; do
  [[ -s dist/baton-miro-lambda_${t}/baton-miro ]] || die "missing lambda binary dist/baton-miro-lambda_${t}/baton-miro"
done
n_archives=$(find dist -maxdepth 1 \( -name '*.tar.gz' -o -name '*.zip' \) | wc -l)
[[ $n_archives -eq 8 ]] || die "want 8 archives (6 connector + 2 lambda), got $n_archives"
[[ -s dist/checksums.txt ]] || die "dist/checksums.txt missing"
(cd dist && sha256sum --quiet -c checksums.txt) || die "checksums.txt does not match the archives"

# Run the binaries built for this host.
case "$(go env GOARCH)" in
  amd64) host=linux_amd64_v1 ;;
  arm64) host=linux_arm64_v8.0 ;;
  *) die "unsupported host arch $(go env GOARCH)" ;;
esac
bin=dist/baton-miro_${host}/baton-miro
if command -v file >/dev/null; then
  file "$bin" | grep -q 'statically linked' || die "$bin is not statically linked: $(file "$bin")"
fi
out=$("$bin" --version)
log "$bin --version: $out"
grep -qF "version $version" <<<"$out" || die "--version printed '$out', want version $version"
if [[ -n "$commit" ]]; then
  grep -qF "$commit" <<<"$out" || die "--version printed '$out', want commit $commit"
fi
lout=$("dist/baton-miro-lambda_${host}/baton-miro" lambda --help) || die "lambda binary: 'lambda --help' failed"
grep -q -- '--lambda-client-id' <<<"$lout" || die "lambda binary: 'lambda --help' does not list --lambda-client-id"
if "$bin" lambda --help >/dev/null 2>&1 && "$bin" lambda --help 2>&1 | grep -q -- '--lambda-client-id'; then
  die "the plain build also has the lambda server: the baton_lambda_support tag leaked"
fi
if [[ "${GORELEASER_DOCKER:-0}" == 1 ]]; then
  podman image exists "ghcr.io/conductorone/baton-miro:${version}-amd64" || die "image ${version}-amd64 was not built"
  out=$(podman run --rm --network=none "ghcr.io/conductorone/baton-miro:${version}-amd64" --version)
  grep -qF "version $version" <<<"$out" || die "image --version printed '$out'"
  log "images built: $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -c "$version") tags for $version"
fi
log "dist: $(find dist -maxdepth 1 -type f | wc -l) files, $(du -sh dist | cut -f1)"

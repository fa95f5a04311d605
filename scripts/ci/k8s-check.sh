#!/usr/bin/env bash
# Check the Kubernetes manifests in docs/kubernetes offline: strict decoding into
# k8s.io/api types (unknown field, wrong type, duplicate key fail), selector/label
# match and the deployment policy (non-root 65532, read-only root, no privilege
# escalation, caps dropped, RuntimeDefault seccomp, probes on /live and /ready,
# startup budget, resources, size-limited /tmp emptyDir, stable BATON_HOST_ID),
# plus mutation tests proving each check fails when it should.
# The checks are a separate Go module (docs/kubernetes/go.mod) so k8s.io stays
# out of the connector's go.mod.
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$CI_ROOT/docs/kubernetes" || exit 1

step "go mod tidy -diff (docs/kubernetes)" go mod tidy -diff
step "go test (docs/kubernetes)" go test -count=1 ./...

# The k8s.io modules must not leak into the connector's module.
if grep -Eq '^\s*(k8s\.io/api|sigs\.k8s\.io/yaml) ' "$CI_ROOT/go.mod"; then
  die "go.mod of the connector requires k8s.io/api or sigs.k8s.io/yaml: keep them in docs/kubernetes/go.mod"
fi

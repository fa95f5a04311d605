# Runtime image for baton-miro (goreleaser style: the static binary is built
# outside and copied in; see .goreleaser.yaml `dockers:` and scripts/ci/image-check.sh).
#   CGO_ENABLED=0 go build -o baton-miro ./cmd/baton-miro && docker build -t baton-miro .
FROM gcr.io/distroless/static-debian12:nonroot

LABEL org.opencontainers.image.title="baton-miro" \
      org.opencontainers.image.description="Baton connector for Miro Enterprise organizations" \
      org.opencontainers.image.source="https://github.com/conductorone/baton-miro"

COPY baton-miro /baton-miro

# distroless "nonroot" user; Kubernetes manifests set runAsUser 65532 to match.
USER 65532:65532
# main() cancels its context on SIGTERM (and SIGINT), so the default stop signal
# lets a sync stop cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/baton-miro"]

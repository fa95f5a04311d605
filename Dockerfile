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
# main() supervises the SDK's process: on SIGTERM it stops it, removes its
# temporary files and exits (0 in service mode, 143 for a one-shot sync).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/baton-miro"]

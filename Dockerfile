# chatemu container image: a single static binary in an empty (scratch) image.
#
# There is no compiler stage. The binary is built on the host first and is
# expected in the build context as the file `chatemu`:
#
#   ctx=$(mktemp -d)
#   CGO_ENABLED=0 go build -trimpath -o "$ctx/chatemu" ./cmd/chatemu
#   cp Dockerfile "$ctx/"
#   podman build --format docker --pull=never --layers=false -t localhost/chatemu "$ctx"
#
# `--format docker` matters with podman/buildah: the default OCI image format
# has no HEALTHCHECK field, so the instruction below is dropped (with a
# warning) unless the docker format is requested. `docker build` always
# keeps it.
#
# Run (the host port is only published on loopback here):
#
#   podman run -d -p 127.0.0.1:8080:8080 localhost/chatemu
#   curl -fsS http://127.0.0.1:8080/_emulator/healthz
#
# The image has no shell, no CA certificates, no time zone data and no /tmp.
# To listen on another port, override both the arguments (--addr) and
# CHATEMU_ADDR, which the `healthcheck` subcommand uses to find the server.
#
# .ci/container-smoke builds, runs and checks this image end to end.

FROM scratch

LABEL org.opencontainers.image.title="chatemu" \
      org.opencontainers.image.description="HTTP API emulator" \
      org.opencontainers.image.source="https://github.com/chatemu/chatemu"

COPY --chmod=0555 chatemu /chatemu

ENV CHATEMU_ADDR=:8080

# Unprivileged uid/gid; no /etc/passwd entry is needed.
USER 65532:65532

EXPOSE 8080

# Exec form: there is no shell in the image. The subcommand requests
# http://127.0.0.1:<port of CHATEMU_ADDR>/_emulator/healthz and exits 0 or 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/chatemu", "healthcheck"]

ENTRYPOINT ["/chatemu"]
CMD ["--addr", ":8080"]

# syntax=docker/dockerfile:1
#
# The csp-upgrades image: a release build of the one binary on a distroless
# base (glibc, no shell, no package manager), running as uid 65532.
#
#   docker build -t csp-upgrades .
#
# Offline build from vendored crates (no network in the build):
#
#   cargo vendor --locked vendor >/dev/null
#   docker build --build-arg CARGO_DEPS=vendored -t csp-upgrades .
#
# Needs BuildKit (the default builder since Docker 23): it builds only the
# dependency stage CARGO_DEPS selects, so `vendor/` may be absent otherwise.

# Builder and runtime must share a Debian release so the binary's glibc
# symbols exist at run time (trixie = debian13 on both lines).
ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-trixie
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian13:nonroot
# registry: crates from crates.io (cached in their own layer);
# vendored: crates from ./vendor, made by `cargo vendor`, with the network off.
ARG CARGO_DEPS=registry

FROM ${RUST_IMAGE} AS toolchain
WORKDIR /build
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0
COPY Cargo.toml Cargo.lock ./
# Stub targets: cargo refuses a manifest without one (or without a target it
# declares, like the [[bench]]), and the real sources
# must not be in this layer or every source edit would refetch and rebuild
# all dependencies.
RUN mkdir src benches \
 && printf 'fn main() {}\n' > src/main.rs \
 && printf 'fn main() {}\n' > build.rs \
 && printf 'fn main() {}\n' > benches/eligibility.rs \
 && touch src/lib.rs

FROM toolchain AS deps-registry
RUN cargo fetch --locked

FROM toolchain AS deps-vendored
COPY vendor ./vendor
# In CARGO_HOME rather than ./.cargo so a project .cargo/config.toml copied
# later is merged with it instead of replacing it.
RUN printf '%s\n' \
      '[source.crates-io]' \
      'replace-with = "vendored-sources"' \
      '[source.vendored-sources]' \
      'directory = "/build/vendor"' \
      > "${CARGO_HOME}/config.toml"
ENV CARGO_NET_OFFLINE=true

# A local stage picked by CARGO_DEPS, not a registry image that needs a tag.
# hadolint ignore=DL3006
FROM deps-${CARGO_DEPS} AS builder
WORKDIR /build
# Every dependency (and build dependency, through the stub build.rs) is
# compiled here once; this layer is reused until Cargo.toml or Cargo.lock change.
RUN cargo build --release --locked \
 && cargo clean --release --package csp-upgrades \
 && rm -rf src build.rs benches
COPY . .
RUN cargo build --release --locked \
 && ./target/release/csp-upgrades --version \
 && install -D -m 0755 target/release/csp-upgrades /out/csp-upgrades \
 && install -d -m 0755 /out/data

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="csp-upgrades" \
      org.opencontainers.image.description="CSP subscription upgrade service (gRPC)"
# The binary stays root-owned (the service cannot rewrite it); only the data
# directory belongs to the service's user.
COPY --from=builder /out/csp-upgrades /usr/local/bin/csp-upgrades
COPY --from=builder --chown=65532:65532 /out/data /var/lib/csp-upgrades
# The binary's defaults suit a developer's machine; these suit a container.
# CSP_DATA_DIR holds the SQLite file and the development key only: with
# Postgres and a JWKS file nothing is written there, so the root file system
# can stay read-only (mount an emptyDir or tmpfs there if SQLite is used).
ENV CSP_LISTEN=0.0.0.0:50051 \
    CSP_METRICS_LISTEN=0.0.0.0:9090 \
    CSP_LOG_FORMAT=json \
    CSP_DATA_DIR=/var/lib/csp-upgrades
# Numeric, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 50051 9090
# No CMD: serving is the binary's default command; `docker run IMAGE token ...`
# passes another one.
ENTRYPOINT ["/usr/local/bin/csp-upgrades"]

# syntax=docker/dockerfile:1
# The Storefront operator image. Build from the repository root:
#   docker build -t ghcr.io/storefront-dev/storefront-operator:0.1.0 .
# The image runs the same esbuild bundle as the `storefront` CLI (scripts/build-cli.ts): a few
# JavaScript files holding the operator and its dependencies, nothing else (see .dockerignore).
# Running the TypeScript sources instead (Node 24's type stripping) costs the process ~40 MiB of
# resident memory for the stripper and the sources it reads (bench:operator measures RSS).

ARG NODE_IMAGE=node:24-bookworm-slim

# --- bundle: every dependency from the lockfile (esbuild is a dev dependency), no install scripts --
FROM ${NODE_IMAGE} AS bundle
WORKDIR /opt/storefront
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY scripts/build-cli.ts ./scripts/
COPY operator ./operator
RUN node scripts/build-cli.ts

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="storefront-operator" \
      org.opencontainers.image.description="Kubernetes operator that turns a Storefront resource into a complete, secure e-commerce stack" \
      org.opencontainers.image.source="https://github.com/storefront-dev/storefront" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /opt/storefront
# Owned by root, read-only to the operator user: the Pod runs with readOnlyRootFilesystem and the
# process writes nothing but stdout (and at most /tmp, an emptyDir in the chart). The bundle
# imports no package at run time, so no node_modules.
COPY --from=bundle /opt/storefront/dist/cli ./dist/cli
# Numeric UID/GID (the distroless "nonroot" ids), so Kubernetes can verify runAsNonRoot.
USER 65532:65532
EXPOSE 8081
# --max-semi-space-size=8 (MiB): V8's young generation may otherwise grow to 3 x 16 MiB during a
# burst of reconciles and keep that memory resident. Smaller is not cheaper: at 4 MiB twice as many
# scavenges ran and the objects of reconciles still in flight were promoted early, so more
# old-generation collections followed (bench:operator, 1,000 Storefronts, operator alone, one run
# each with --trace-gc on a fresh bench cluster,
# 2026-12-03: 8 MiB spent 55.7 ms of CPU per Storefront with 740 scavenges and 33 full collections,
# against 59.8 ms, 1,487 and 39 with 4; RSS idle 77 MiB and peak 191 MiB in both). At 16 MiB the
# operator held 114 MiB idle against 77 (200 Storefronts). The bench starts the operator with
# exactly this ENTRYPOINT.
# --expose-gc lets the operator run one memory-reducing collection once a burst of reconciles is
# over (operator/controller/idle-gc.ts): V8 does not collect an idle process's garbage by itself.
ENTRYPOINT ["node", "--max-semi-space-size=8", "--expose-gc", "dist/cli/storefront.mjs"]
CMD ["operator"]

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
# --max-semi-space-size=4 (MiB): V8's young generation may otherwise grow to 3 x 16 MiB during a
# burst of reconciles and keep that memory resident. Measured with bench:operator, 2026-12-03:
# 16 MiB held 114 MiB idle against 77 (200 Storefronts; 55.6 against 54.9 ms of CPU per
# Storefront). 8 MiB halved the scavenges and saved some CPU at 1,000 Storefronts (55.7 against
# 59.8 ms, operator alone, one run each), but once foreign watch traffic had grown the nursery it
# stayed resident: 1,000 unrelated 100 KB Secrets and ConfigMaps raised RSS by 24.7 and 19.1 MiB
# in two runs (V8 heap used +14.4 and +1.3 MiB), against 9.5 and 10.8 with 4, over issue 19's
# 10 MiB.
# The bench starts the operator with exactly this ENTRYPOINT.
# --expose-gc lets the operator run one memory-reducing collection once a burst of reconciles is
# over (operator/controller/idle-gc.ts): V8 does not collect an idle process's garbage by itself.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--expose-gc", "dist/cli/storefront.mjs"]
CMD ["operator"]

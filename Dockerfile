# syntax=docker/dockerfile:1
# One image, two roles: `recotem train <recipe>` and `recotem serve --recipes <dir>`.
# Base: Node.js 26 (the Active LTS line), Debian bookworm slim, pinned to one release.

FROM node:26.13.0-bookworm-slim AS build
# Lets `docker image prune --filter label=recotem.stage=build` find this stage where a builder
# without BuildKit keeps it as a dangling image.
LABEL recotem.stage=build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Only the build's own scripts, so editing a test script does not rebuild the image.
COPY scripts/build-wasm.mjs scripts/build-vendor.mjs scripts/healthcheck.mjs ./scripts/
COPY bin ./bin
COPY src ./src
# The operator console, built into dist/console by `npm run build`.
COPY console ./console
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# Runtime image diet: no native build intermediates (better-sqlite3 keeps only its addon), no
# type declarations, source maps, TypeScript sources or docs from the dependencies.
RUN cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release && mv /tmp/better_sqlite3.node build/Release/ \
 && cd /src && find node_modules -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
      -o -name '*.md' -o -name '*.markdown' \) ! -iname 'licen*' -delete

FROM node:26.13.0-bookworm-slim AS runtime
ENV NODE_ENV=production \
    RECOTEM_PORT=8080
# tini runs as PID 1: the kernel drops SIGTERM/SIGINT sent to a PID 1 without a handler, so
# `recotem train` (and Ctrl-C in `docker compose run`) would otherwise only stop at SIGKILL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/recotem
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/build ./build
COPY --from=build /src/bin ./bin
COPY --from=build /src/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# The node image's "node" user is uid/gid 1000; it owns the only writable places.
# /workspace/artifacts exists so that an empty named volume mounted there (compose.yaml) starts
# out owned by 1000 instead of root.
RUN ln -s /opt/recotem/bin/recotem.js /usr/local/bin/recotem \
 && mkdir -p /recipes /artifacts /workspace/artifacts \
 && chown 1000:1000 /recipes /artifacts /workspace /workspace/artifacts
USER 1000:1000
WORKDIR /workspace
# No curl in slim images: a small Node script probes /health with Host: localhost. It judges
# serve containers only: in a container running another command (train) it reports healthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/opt/recotem/scripts/healthcheck.mjs"]
# tini forwards SIGTERM to recotem; serve drains and exits 0, train stops and exits 143.
ENTRYPOINT ["/usr/bin/tini", "--", "recotem"]
CMD ["--help"]

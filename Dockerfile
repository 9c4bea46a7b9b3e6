# connector-gateway image: built from source, run from the built tree with production dependencies only.
#   docker build -t connector-gateway:0.1.0 .
#   docker run --read-only --tmpfs /tmp -p 8080:8080 --env-file gateway.env connector-gateway:0.1.0
# No secret is baked in: configuration (and secret files) come from the deployment (docs/deploy/kubernetes.md).
# test/dockerfile.e2e-spec.ts runs these stages' steps in a clean copy and checks this file's structure.
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user: the process writes nothing (a read-only root
# filesystem with an emptyDir on /tmp is enough).
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Numeric, so that Kubernetes' runAsNonRoot can verify it; the node user of the base image.
USER 1000:1000
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
# Exec form: node is PID 1 and receives SIGTERM itself (main.ts drains, then exits 0).
CMD ["node", "dist/main.js"]

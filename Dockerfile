# Basalt's production image. Written to the best of our knowledge: the
# development machines have no Docker engine, so it has not been built here.
# Build: docker build -t basalt .   Run: see compose.yaml and docs/deployment.md.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: see the README (the lock file lists platform builds the registry may lack).
RUN npm install --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=3000 BASALT_DATA_DIR=/var/lib/basalt
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /var/lib/basalt && chown node:node /var/lib/basalt
USER node
EXPOSE 3000
# Liveness only: readiness (database, Redis, jobs) is the load balancer's and the orchestrator's business.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s CMD ["node", "dist/src/cli/check.js", "live", "--url", "http://127.0.0.1:3000"]
# The worker runs the same image with: node dist/src/worker.js
CMD ["node", "dist/src/main.js"]

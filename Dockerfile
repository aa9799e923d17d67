# syntax=docker/dockerfile:1
#
# Paypilot's image: `paypilot serve` by default; the same image runs `worker` and `migrate`
# (docker run IMAGE worker). Configuration is the environment only: see the README's "Deployment"
# section for every variable. PAYPILOT_MASTER_KEY and DATABASE_URL are required in production.
#
# Three stages:
#   deps     the production dependencies, installed from the lock file on the image's own platform
#            (esbuild's binary, pg) — never copied from the build host;
#   web      the payer pages and the merchant console bundled with esbuild inside the image, which
#            also checks them against their size budgets (a build that fails them fails here);
#   runtime  Node 24 and what the server needs, owned by root and run as the unprivileged `node` user.
#
# The server bundles the web assets into memory when it starts (web/build.ts, web/console-build.ts), from the
# same sources and dependencies the `web` stage built and checked, so the image carries those sources.

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies stay out: Node 24 strips the TypeScript types itself, and the base image is the Node 24
# that the `node` dev dependency provides outside a container.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM deps AS web
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN node web/build.ts && node web/console-build.ts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    PAYPILOT_DATA_DIR=/var/lib/paypilot \
    LOG_LEVEL=info
WORKDIR /app
# Read-only to the process: the code and its dependencies belong to root, the process runs as `node` (uid 1000).
COPY --from=deps /app/node_modules ./node_modules
COPY --from=web /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=web /app/bin ./bin
COPY --from=web /app/src ./src
COPY --from=web /app/web ./web
# The only place it writes (archives, exports, a development key outside production): a volume in production.
RUN mkdir -p /var/lib/paypilot && chown node:node /var/lib/paypilot
VOLUME ["/var/lib/paypilot"]
USER node
EXPOSE 4000
# Liveness only: a process waiting for its database or migrations must not be restarted. A load balancer asks /ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown: /ready answers 503, requests in flight get SHUTDOWN_GRACE_SECONDS,
# the worker finishes or releases its jobs. Give `docker stop -t` (or terminationGracePeriodSeconds) more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=16", "--heap-growing-percent=50", "bin/paypilot.js"]
CMD ["serve", "--production"]

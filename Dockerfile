# Conclave's image: `docker build -t conclave .`; `compose.yaml` runs it as the API and as workers.
# Stage 1 installs every dependency (better-sqlite3 compiles its native addon here, with python3/make/g++) and
# builds dist/ and web/dist; stage 2 keeps production dependencies only and runs as the unprivileged `node` user.

FROM node:20-bookworm-slim AS builder
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts run after the sources are in (postinstall builds dist/); native addons are rebuilt explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 esbuild --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN node scripts/build.mjs \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data \
    DATABASE_URL=/data/conclave.db \
    MODEL_PATH=/data/models/trading_model.json \
    REPORTS_DIR=/data/reports \
    ENABLE_MAP_PATH=/data/enable-map.yaml
WORKDIR /app
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/web/dist ./web/dist
# Without a map in /data the built-in default (the same as config/enable-map.yaml) applies; promotions write it there.
COPY config ./config
COPY prompts ./prompts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
# /health is open without a token on any address; 503 when the store or the feed has failed.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The same node flags as `npm start` (bounded heap growth, see README "Bounded memory"); workers override the command.
CMD ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/main.js"]

# syntax=docker/dockerfile:1
# Subspace's image: one image for every role (web, streaming, worker, scheduler, the migration job),
# chosen by the command it runs: `subspace web`, `subspace worker --queues default,ingress`, …
# Build: docker build -t subspace .   Run: see docker-compose.yml and deploy/kubernetes/.

ARG NODE_VERSION=24

# ---- build: dependencies (with their install scripts: sharp, the ffmpeg builds) and the web client
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /opt/subspace
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY client ./client
# `npm ci` also runs the `prepare` script, which builds the web client; it is built again below only
# if that left no build (an install without scripts)
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
RUN test -f client/dist/index.html || npm run build:client
# what runs needs neither the dev dependencies nor the client's sources
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf client/src client/vite.config.ts client/tsconfig.json test bench scripts

# ---- run: Node, ffmpeg, the application, a user of its own
FROM node:${NODE_VERSION}-bookworm-slim AS run
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 991 subspace \
 && useradd --system --uid 991 --gid 991 --home-dir /opt/subspace --shell /usr/sbin/nologin subspace
WORKDIR /opt/subspace
COPY --from=build --chown=root:root /opt/subspace/package.json /opt/subspace/package-lock.json ./
COPY --from=build --chown=root:root /opt/subspace/node_modules ./node_modules
COPY --from=build --chown=root:root /opt/subspace/bin ./bin
COPY --from=build --chown=root:root /opt/subspace/src ./src
COPY --from=build --chown=root:root /opt/subspace/public ./public
COPY --from=build --chown=root:root /opt/subspace/client/dist ./client/dist
RUN mkdir -p /opt/subspace/data && chown subspace:subspace /opt/subspace/data
ENV NODE_ENV=production \
    BIND=0.0.0.0 \
    PORT=3000 \
    SUBSPACE_DATA_DIR=/opt/subspace/data \
    FFMPEG_BINARY=/usr/bin/ffmpeg \
    FFPROBE_BINARY=/usr/bin/ffprobe \
    PATH=/opt/subspace/bin:$PATH
USER subspace
VOLUME ["/opt/subspace/data"]
EXPOSE 3000 4000 9394
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/subspace/bin/subspace"]
CMD ["web"]

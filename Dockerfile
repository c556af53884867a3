# syntax=docker/dockerfile:1
# One image definition, one target per service:
#   docker build --target segmenter -t isr-segmenter .     (docker compose builds all five)
# Stages: toolchain (compilers, libflac-dev) → build (npm ci, tsc, page bundle, then npm ci --omit=dev so
# only production dependencies — with flac-bindings' native addon compiled against libflac-dev — remain)
# → runtime (slim Node, tini, non-root) → one small target per service with only what it needs at run time.
# script/images builds all five; docs/containers.md: docker or podman, a local base image, a proxy's CA.
# NODE_IMAGE: any Debian bookworm image with Node 24 and npm in /usr/local (e.g. a local one, no registry).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
# EXTRA_CA_CERT: PEM text of extra CA certificate(s), for a build behind a TLS-intercepting proxy
# (--build-arg EXTRA_CA_CERT="$(cat proxy-ca.crt)"). Each certificate goes into this stage's trust store (one
# file each, as update-ca-certificates wants) and npm's cafile is pointed at the result. Only here and in the
# build stage: the runtime stages start again from NODE_IMAGE. Empty (the default): nothing changes.
ARG EXTRA_CA_CERT=""
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
      mkdir -p /usr/local/share/ca-certificates \
      && printf '%s\n' "$EXTRA_CA_CERT" | awk '/-----BEGIN CERTIFICATE-----/ { n++; pem = 1 } \
           pem { print > ("/usr/local/share/ca-certificates/isr-extra-ca-" n ".crt") } /-----END CERTIFICATE-----/ { pem = 0 }' \
      && if command -v update-ca-certificates >/dev/null; then update-ca-certificates; fi; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config python3 libflac-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && if [ -n "$EXTRA_CA_CERT" ]; then \
      update-ca-certificates && npm config set --location=global cafile /etc/ssl/certs/ca-certificates.crt; \
    fi
WORKDIR /app

FROM toolchain AS build
# Manifests first, so the dependency layer is cached until a package.json or the lock changes.
COPY package.json package-lock.json ./
COPY packages/contract/package.json packages/contract/
COPY packages/runtime/package.json packages/runtime/
COPY packages/audio/package.json packages/audio/
COPY packages/testkit/package.json packages/testkit/
COPY packages/cli/package.json packages/cli/
COPY services/capture-stream/package.json services/capture-stream/
COPY services/capture-alsa/package.json services/capture-alsa/
COPY services/segmenter/package.json services/segmenter/
COPY services/analyzer/package.json services/analyzer/
COPY services/web/package.json services/web/
# flac-bindings skips building its native addon whenever CI is set (even empty): make sure it is not.
RUN env -u CI npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY packages packages
COPY services services
RUN npm run build
# Production dependencies only (rebuilds the flac-bindings addon against libflac-dev).
RUN env -u CI npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# The V8 options of every service (packages/runtime/src/node-options.ts: keep equal): a capped young generation,
# so resident memory stays flat for months (docs/operations.md, "Memory").
ENV NODE_OPTIONS=--max-semi-space-size=2
# The user node (uid 1000) comes with the official node image; a base image without it gets it here.
# output_directory = recordings resolves against the working directory: /app/recordings (compose mounts ./recordings here).
RUN if ! id -u node >/dev/null 2>&1; then \
      groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/sh --create-home node; \
    fi \
 && mkdir -p /app/recordings && chown node:node /app/recordings
# tini is PID 1: it forwards SIGTERM to Node and reaps children (arecord, ffmpeg).
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS capture-stream
COPY --from=build /app /app
USER node
EXPOSE 9101
CMD ["node", "services/capture-stream/dist/main.js"]

FROM runtime AS capture-alsa
RUN apt-get update && apt-get install -y --no-install-recommends alsa-utils && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
USER node
EXPOSE 9102
CMD ["node", "services/capture-alsa/dist/main.js"]

FROM runtime AS segmenter
# flac-bindings' addon links libFLAC.so.12.
RUN apt-get update && apt-get install -y --no-install-recommends libflac12 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
USER node
EXPOSE 9103
CMD ["node", "services/segmenter/dist/main.js"]

FROM runtime AS analyzer
# The analyzer decodes FLAC with libFLAC (flac-bindings' addon links libFLAC.so.12), MP3, AAC and Ogg with
# ffmpeg/ffprobe (analyzer_ffmpeg, analyzer_ffprobe).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg libflac12 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
USER node
EXPOSE 9104
CMD ["node", "services/analyzer/dist/main.js"]

FROM runtime AS web
# Clips out of FLAC recordings are decoded with the flac tool.
RUN apt-get update && apt-get install -y --no-install-recommends flac && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
USER node
EXPOSE 8080
CMD ["node", "services/web/dist/main.js"]

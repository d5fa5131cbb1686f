# reimage as a container KRM function (kpt `--image`, kustomize `container:`): Node 20 and the bundle,
# dist/bundle/reimage.js (scripts/bundle.js) and the Google clients' chunk beside it (dist/bundle/google.js, loaded
# only by runs that talk to Google), with no node_modules in the image, started through
# dist/bundle/container-main.js (src/cli/container.ts) with a V8 code cache.
#
# On a normal machine, from the public node:20 image, building the bundle inside (needs the npm registry):
#     docker build -t reimage .
#     podman build --build-arg BUNDLE=source -t reimage .   (buildah picks the stage only from an explicit arg)
# Offline, as `npm run image` does (scripts/image.sh): a base built without a registry, the bundle from the context:
#     podman build --build-arg BASE=localhost/reimage-base:KEY --build-arg BUNDLE=prebuilt -t localhost/reimage:dev .
ARG BASE=docker.io/library/node:20-bookworm-slim
ARG BUNDLE=source

FROM ${BASE} AS bundle-source
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.js ./scripts/
COPY src ./src
RUN node scripts/bundle.js

# The bundle built before the image build (npm run bundle), so the build itself needs no network.
FROM scratch AS bundle-prebuilt
COPY dist/bundle/reimage.js dist/bundle/google.js dist/bundle/container-main.js /src/dist/bundle/

FROM bundle-${BUNDLE} AS bundle

FROM ${BASE}
# kpt runs function containers as nobody (65534); credentials are read from $DOCKER_CONFIG/config.json, so mount
# them there: --mount type=bind,src=$HOME/.docker,dst=/home/node/.docker,rw=false
ENV NODE_ENV=production \
    HOME=/home/node \
    DOCKER_CONFIG=/home/node/.docker
COPY --from=bundle /src/dist/bundle/reimage.js /app/reimage.js
COPY --from=bundle /src/dist/bundle/google.js /app/google.js
COPY --from=bundle /src/dist/bundle/container-main.js /app/main.js
# A V8 code cache for the bundle, made by this image's own node (exec form: the offline base has no shell);
# it roughly halves the bundle's start-up. The build arg is only set for this step.
ARG REIMAGE_WRITE_CODE_CACHE=1
RUN ["node", "/app/main.js", "--help"]
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["node", "/app/main.js"]

# reimage as a container KRM function (kpt `--image`, kustomize `container:`).
# The build steps are the ones .ci/run exercises: npm ci, npm run build, a production-only install.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOME=/home/node \
    DOCKER_CONFIG=/home/node/.docker
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY fn-config ./fn-config
# Mount registry credentials read-only at /home/node/.docker (see README: Container form).
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]

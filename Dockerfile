# The license-sync worker: `docker build -t license-sync .`, then `license-sync <command>`
# (default: worker). docker-compose.yml runs it with Postgres and Redis.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# The compiled code starts faster and needs less memory than the sources run through tsx;
# bin/license-sync.js runs it because its digest matches the sources copied below.
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
# A small young generation keeps a sync's resident memory under 200 MB (npm run bench
# measures it) for a little more collection work.
ENV NODE_OPTIONS=--max-semi-space-size=2
WORKDIR /app
COPY package.json package-lock.json ./
# tsx stays a runtime dependency (the stand-in and a changed source run through it). Install
# scripts are not needed: esbuild ships its binary as a package, and msgpackr falls back to
# plain JavaScript.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
# The tsconfigs, drizzle/ and src/ are what the build's digest is taken over.
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY drizzle ./drizzle
COPY src ./src
COPY --from=build /app/dist ./dist
RUN ln -s /app/bin/license-sync.js /usr/local/bin/license-sync
USER node
ENTRYPOINT ["license-sync"]
CMD ["worker"]

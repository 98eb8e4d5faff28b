# The license-sync worker: `docker build -t license-sync .`, then `license-sync <command>`
# (default: worker). docker-compose.yml runs it with Postgres and Redis.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# A build step is optional: today tsx runs the TypeScript sources. Where package.json has a
# `build` script, its dist/ goes into the image; dist/ exists either way for the COPY below.
RUN npm run build --if-present && mkdir -p dist

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# tsx is a runtime dependency (bin/license-sync.js registers it); install scripts are not
# needed: esbuild ships its binary as a package, and msgpackr falls back to plain JavaScript.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY drizzle ./drizzle
COPY src ./src
COPY --from=build /app/dist ./dist
RUN ln -s /app/bin/license-sync.js /usr/local/bin/license-sync
USER node
ENTRYPOINT ["license-sync"]
CMD ["worker"]

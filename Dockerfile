# eventday: build stage compiles TypeScript and better-sqlite3; the runtime stage runs Node 24 (LTS) as `node` with the data folder as a volume.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# better-sqlite3 12 is compiled against the headers of Node 24.18.1 (same ABI as every 24.x):
# from 24.19.0 on, node_object_wrap.h makes an ObjectWrap addon abort at garbage collection
# ("Assertion failed: (env) != nullptr", nodejs/node#65446). The headers come from the npm
# registry's `node` package, as in .ci/run. Built from source, never a prebuilt of unknown headers.
ARG NODE_HEADERS_VERSION=24.18.1
RUN npm install --prefix /opt/node-headers --no-save --no-package-lock --no-audit --no-fund "node@${NODE_HEADERS_VERSION}" \
 && ln -s "$(dirname "$(dirname "$(find /opt/node-headers/node_modules -path '*/node-linux-*/bin/node' -type f -print -quit)")")" /opt/node-headers/dist \
 && test -f /opt/node-headers/dist/include/node/node_api.h \
 && test "$(/opt/node-headers/dist/bin/node -p process.versions.modules)" = "$(node -p process.versions.modules)"
COPY package.json package-lock.json ./
RUN npm_config_nodedir=/opt/node-headers/dist npm_config_build_from_source=true npm ci --no-audit --no-fund \
 && ! grep -aq RemoveEnvironmentCleanupHook node_modules/better-sqlite3/build/Release/better_sqlite3.node
COPY tsconfig.json tsconfig.build.json drizzle.config.ts drizzle.pg.config.ts ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
COPY drizzle ./drizzle
# The build compiles the server and every maintenance script (dist/scripts/*.js): the runtime
# image has no tsx, so `npm run backup` and the others run the compiled JavaScript.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# The key folder (badge signing keys, audit checkpoints) is its own volume: never inside a copy of /data.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 EVENTDAY_DB=/data/eventday.db EVENTDAY_KEY_DIR=/keys
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/drizzle ./drizzle
RUN mkdir -p /data /keys && chown node:node /data /keys && chmod 700 /keys
USER node
VOLUME ["/data", "/keys"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# docker stop sends SIGTERM: /readyz answers 503 for EVENTDAY_DRAIN_MS (5 s), then the graceful close;
# docker stop's own timeout (10 s by default) must exceed the drain plus the close.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]

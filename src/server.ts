// Entry point: configuration → buildApp → listen; SIGTERM/SIGINT close gracefully (sockets get 1001, in-flight requests finish).
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await buildApp(config, { logger });

closeWithGrace({ delay: 10_000, logger }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  else app.log.info({ signal }, 'closing');
  await app.close();
});

await app.listen({ port: config.port, host: config.host });

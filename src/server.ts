// Entry point: configuration → buildApp → listen; SIGTERM drains (/readyz 503 for EVENTDAY_DRAIN_MS), then closes gracefully (sockets get 1001, in-flight requests finish).
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** What the close itself may take once the drain is over (sockets 3 s, in-flight requests, the final flush). */
const CLOSE_MS = 10_000;

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = await buildApp(config, { logger });

closeWithGrace({ delay: config.drainMs + CLOSE_MS, logger }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  // SIGTERM is the orchestrator's (docker stop, Kubernetes): readiness fails first and the load
  // balancer gets the drain to stop sending, while the listener still answers. Ctrl-C does not wait.
  else if (signal === 'SIGTERM' && config.drainMs > 0) {
    app.log.info({ signal, drainMs: config.drainMs }, 'draining: /readyz answers 503, requests are still served');
    await app.drain(config.drainMs);
  }
  if (!err) app.log.info({ signal }, 'closing');
  await app.close();
});

await app.listen({ port: config.port, host: config.host });

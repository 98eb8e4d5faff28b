import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Redis } from 'ioredis';
import type { HttpConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { LicenseQueue } from '../queue/license-queue.js';
import type { Database } from '../store/database.js';
import { mountBoard } from './board.js';
import { mountHealth } from './health.js';
import type { SyncMetrics } from './metrics.js';
import { mountWebhooks } from './webhook-route.js';

/** How long requests in flight may take to answer once the server closes. */
const CLOSE_GRACE_MS = 5_000;

/** What the worker's HTTP server serves from. */
export interface HttpServerParts {
  config: HttpConfig & { port: number };
  queuePrefix: string;
  logger: Logger;
  database: Database;
  redis: Redis;
  queue: LicenseQueue;
  metrics: SyncMetrics;
}

export interface RunningHttpServer {
  /** e.g. `http://0.0.0.0:3000`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves health, readiness and metrics, and, where configured, the queue board and Truto's
 * webhooks. Fails when the port cannot be bound, before the worker takes any job.
 */
export async function startHttpServer(parts: HttpServerParts): Promise<RunningHttpServer> {
  const app = buildApp(parts);
  const { port, host } = parts.config;
  const server = serve({ fetch: app.fetch, port, hostname: host });
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('listening', () => {
      resolve(server.address() as AddressInfo);
    });
    server.once('error', (error) => {
      const message = `Could not serve HTTP on ${host}:${String(port)}; set HTTP_PORT to a free port, or HTTP_PORT=off.`;
      reject(new Error(message, { cause: error }));
    });
  });
  const url = `http://${host}:${String(address.port)}`;
  parts.logger.info({ url }, 'HTTP server listening');

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      // Idle keep-alive connections of scrapers and probes close now; a request in flight
      // (a webhook being acted on) gets a moment to answer before its connection is cut.
      if (!('closeAllConnections' in server)) return;
      server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
      }, CLOSE_GRACE_MS).unref();
    });
  return { url, close };
}

function buildApp(parts: HttpServerParts): Hono {
  const { logger } = parts;
  const app = new Hono();
  app.onError((error, c) => {
    // Hono's own middleware answers by throwing, e.g. Basic auth's 401 with its challenge.
    if (error instanceof HTTPException) return error.getResponse();
    logger.error({ err: error, path: c.req.path }, 'HTTP request failed');
    return c.json({ error: 'internal error; see the worker log' }, 500);
  });

  mountHealth(app, parts);
  app.get('/metrics', async (c) => {
    const { registry } = parts.metrics;
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  mountBoard(app, parts.queue, parts.config.admin, logger);
  mountWebhooks(
    app,
    {
      secret: parts.config.webhookSecret,
      maxAgeMs: parts.config.webhookMaxAgeMs,
      redis: parts.redis,
      queuePrefix: parts.queuePrefix,
    },
    { database: parts.database, queue: parts.queue, logger },
  );
  return app;
}

import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import type { Logger } from '../logging/logger.js';
import type { LicenseQueue } from '../queue/license-queue.js';

export const BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board behind Basic authentication. Without a configured credential the board
 * is not mounted at all: it can retry, remove and promote jobs, and an open one would let
 * anyone who reaches the port do so.
 */
export function mountBoard(
  app: Hono,
  queue: LicenseQueue,
  admin: { username: string; password: string } | null,
  logger: Logger,
): void {
  if (admin === null) {
    logger.info('queue board not served: set ADMIN_USERNAME and ADMIN_PASSWORD to serve it');
    return;
  }
  const adapter = new HonoAdapter(serveStatic).setBasePath(BOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(queue)], serverAdapter: adapter });

  // Hono compares both the user name and the password in constant time.
  const authenticate = basicAuth({ ...admin, realm: 'license-sync queue board' });
  app.use(BOARD_PATH, authenticate);
  app.use(`${BOARD_PATH}/*`, authenticate);
  app.route(BOARD_PATH, adapter.registerPlugin());
}

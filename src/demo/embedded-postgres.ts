import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockFolder } from './folder-lock.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL that the unchanged store code (node-postgres) connects to. */
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The folder PGlite keeps its data in; created on first use, reused after. */
  dataDir: string;
  /** Made the search path of every connection. */
  schema: string;
  /** At least the pool size of whoever connects: one more connection is refused outright. */
  maxConnections: number;
  /** Default 0: a free port. */
  port?: number;
}

/**
 * Postgres compiled to WebAssembly (PGlite), served on a port of 127.0.0.1 through the
 * Postgres wire protocol (pglite-socket), so that the store's pool, its migrations and its
 * advisory locks run unchanged.
 *
 * Note: PGlite is one database session, which the socket server shares among its connections
 * by queueing their messages, and which it gives to one connection alone while that one is in
 * a transaction. So:
 * - a setting made at connection start-up is ignored; the search path is set here, once, for
 *   the session every connection shares;
 * - advisory locks do not exclude one connection from another (they are all one session): two
 *   syncs of one account at once are not prevented. The demo syncs one account at a time, and
 *   only this process can open the folder (see lockFolder).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  // Outside the try: a folder in use is said as it is, not as a failure to start.
  const unlock = await lockFolder(options.dataDir);
  try {
    const pglite = await PGlite.create({ dataDir: options.dataDir });
    await pglite.exec(
      `create schema if not exists "${options.schema}"; set search_path to "${options.schema}"`,
    );
    const server = new PGLiteSocketServer({
      db: pglite,
      host: '127.0.0.1',
      port: options.port ?? 0,
      maxConnections: options.maxConnections,
    });
    await server.start();

    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      close: async () => {
        await server.stop();
        await pglite.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw new Error(`Could not start the embedded Postgres in ${options.dataDir}`, {
      cause: error,
    });
  }
}

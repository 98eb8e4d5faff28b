import { loadConfig, type Config } from './config.js';

/**
 * What `npm run demo` works against. Each half is chosen on its own by whether its variable
 * is set, so a real Truto token can be tried against the embedded database, and the stand-in
 * can feed a real Postgres.
 */
export interface DemoConfig {
  config: Config;
  /** TRUTO_API_TOKEN unset: the bundled stand-in serves a few sample accounts. */
  useStandIn: boolean;
  /** DATABASE_URL unset: an embedded Postgres (PGlite) kept in a local folder. */
  useEmbeddedDatabase: boolean;
}

/**
 * The demo's configuration: the environment as every command reads it, except that the
 * accounts are synced one at a time, and logs stay at `warn` unless LOG_LEVEL is set,
 * so that the JSON lines do not drown the report on the terminal.
 */
export function loadDemoConfig(environment: NodeJS.ProcessEnv = process.env): DemoConfig {
  const config = loadConfig(environment, {
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: environment.LOG_LEVEL === undefined ? 'warn' : undefined,
  });
  // An empty value was refused above, as every command refuses it.
  return {
    config,
    useStandIn: environment.TRUTO_API_TOKEN === undefined,
    useEmbeddedDatabase: environment.DATABASE_URL === undefined,
  };
}

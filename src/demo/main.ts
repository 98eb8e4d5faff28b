/**
 * `npm run demo`: syncs a few sample accounts from the bundled Truto stand-in into an
 * embedded Postgres and shows what was stored; with TRUTO_API_TOKEN and DATABASE_URL set,
 * the real ones. See the README's "See it work".
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { explainStartupError } from '../cli/explain-error.js';
import { ExitCode } from '../cli/exit-codes.js';
import { ConfigError } from '../config/config.js';
import { loadDemoConfig, type DemoConfig } from '../config/demo-config.js';
import { runDemo } from './run-demo.js';
import { serveEmbedded } from './serve-embedded.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_DATA_DIR = path.join(PROJECT_ROOT, '.demo-data', 'pgdata');

const USAGE = `Usage: npm run demo [-- --sql "select …" | --serve <port>] [--data-dir <folder>]

  --sql <query>       run a query on what the demo stored, instead of syncing
  --serve <port>      keep the embedded Postgres open on 127.0.0.1:<port> for psql and other
                      clients, until Ctrl-C
  --data-dir <folder> where the embedded Postgres keeps its data (default .demo-data/pgdata)

Set TRUTO_API_TOKEN to read your Truto accounts instead of the stand-in's samples, and
DATABASE_URL (and DATABASE_SCHEMA) to write into your Postgres instead of the embedded one.`;

interface Arguments {
  sql: string | undefined;
  serve: number | undefined;
  dataDir: string;
}

function readArguments(): Arguments | number {
  try {
    const { values } = parseArgs({
      options: {
        sql: { type: 'string' },
        serve: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      write(USAGE);
      return ExitCode.ok;
    }
    if (values.sql !== undefined && values.serve !== undefined) {
      throw new Error('--sql and --serve do not go together: give one of them');
    }
    return {
      sql: values.sql,
      serve: values.serve === undefined ? undefined : portNumber(values.serve),
      dataDir: path.resolve(values['data-dir'] ?? DEFAULT_DATA_DIR),
    };
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
}

function portNumber(text: string): number {
  const port = Number(text);
  if (Number.isSafeInteger(port) && port >= 1 && port <= 65_535) return port;
  throw new Error(`--serve takes a port number from 1 to 65535, not ${JSON.stringify(text)}`);
}

async function main(): Promise<number> {
  const args = readArguments();
  if (typeof args === 'number') return args;

  let demo: DemoConfig;
  try {
    demo = loadDemoConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(error.message);
    return ExitCode.usage;
  }

  if (args.serve !== undefined && !demo.useEmbeddedDatabase) {
    fail('--serve opens the embedded Postgres; with DATABASE_URL set, connect to that one.');
    return ExitCode.usage;
  }

  try {
    if (args.serve === undefined) return await runDemo(demo, { ...args, print: write, note: fail });
    await serveEmbedded(demo, args.dataDir, args.serve, write);
    return ExitCode.ok;
  } catch (error) {
    fail(demo.useEmbeddedDatabase ? messageChain(error) : explainStartupError(error));
    return ExitCode.failed;
  }
}

/** The error's message with those of its causes, which say what went wrong underneath. */
function messageChain(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    messages.push(current.message);
  }
  return messages.length > 0 ? messages.join(': ') : String(error);
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}

function fail(text: string): void {
  process.stderr.write(`${text}\n`);
}

process.exitCode = await main();

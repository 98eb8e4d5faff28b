import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_ACCOUNT_IDS } from '../src/demo/sample-accounts.js';
import { startTrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { createTestDatabase, dumpAllTables, TEST_DATABASE_URL } from './support/test-database.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** PGlite's first start in a folder runs initdb, which takes seconds on a shared machine. */
const DEMO_TIMEOUT_MS = 180_000;

/** Runs `npm run demo`'s command with only the given variables, so none leak in from here. */
async function demo(args: string[], env: Record<string, string> = {}) {
  const command = ['--import', 'tsx', 'src/demo/main.ts', ...args];
  const environment = { PATH: process.env.PATH, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, command, {
      cwd: PROJECT_ROOT,
      env: environment,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Opens the folder the demo left, to see what it stored without going through the demo. */
async function readFolder<T>(dataDir: string, query: string): Promise<T[]> {
  const pglite = await PGlite.create({ dataDir });
  try {
    return (await pglite.query<T>(query)).rows;
  } finally {
    await pglite.close();
  }
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('No TCP address');
  return address.port;
}

/** Starts `--serve` and waits for the line that says where it listens. */
async function serveFolder(dataDir: string, port: number) {
  const command = ['--import', 'tsx', 'src/demo/main.ts', '--serve', String(port)];
  const child = spawn(process.execPath, [...command, '--data-dir', dataDir], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH },
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  let output = '';
  for await (const chunk of child.stdout) {
    output += String(chunk);
    if (output.includes('Ctrl-C closes it.')) break;
  }
  return { child, exited, output };
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'license-sync-demo-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('npm run demo, with nothing configured', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = path.join(scratch, 'pgdata');
  });

  it(
    'syncs the sample accounts into a new embedded Postgres folder and prints what it stored',
    async () => {
      const result = await demo(['--data-dir', dataDir]);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('from the bundled Truto stand-in, serving sample accounts');
      expect(result.stdout).toContain('into the embedded Postgres (PGlite)');
      expect(result.stdout).toContain('Listed 5 integrated accounts; skipped 1 not active');
      for (const integration of ['microsoft365', 'zoom', 'salesforce', 'atlassian']) {
        expect(result.stdout).toMatch(new RegExp(`^${integration} · `, 'm'));
      }
      expect(result.stdout).toContain('4 records, 4 written, 0 unchanged');
      expect(result.stdout).toMatch(/Microsoft 365 E3 +active +231 \/ 250 +4 +2/);
      expect(result.stdout).toContain('sf-platform, assigned_quantity stored as NULL');
      expect(result.stdout).toContain('a record without a usable id, whole record: id is missing');
      expect(result.stdout).toContain('utilization: 294 of 360 seats assigned (82%), 66 idle');
      expect(result.stdout).toContain('npm run demo -- --sql "select');
      expect(result.stdout).toContain('npm run demo -- --serve 5433');

      const licenses = await readFolder<{ accounts: number; licenses: number }>(
        dataDir,
        `select count(distinct integrated_account_id)::int as accounts,
                count(*)::int as licenses
         from license_sync.licenses`,
      );
      expect(licenses).toEqual([{ accounts: 4, licenses: 12 }]);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'on a second run reuses the folder, rewrites only what changed and marks the dropped license deleted',
    async () => {
      const result = await demo(['--data-dir', dataDir]);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('as they are a day later');
      expect(result.stdout).toContain('4 records, 1 written, 3 unchanged, 0 rejected, 0 deleted');
      expect(result.stdout).toContain('2 records, 0 written, 2 unchanged, 0 rejected, 1 deleted');
      expect(result.stdout).toMatch(/Zoom Webinar 500 +deleted/);

      const zoomWebinar = await readFolder<{ deleted: boolean; runs: number }>(
        dataDir,
        `select deleted_at is not null as deleted,
                (select count(*)::int from license_sync.sync_runs) as runs
         from license_sync.licenses
         where integrated_account_id = '${SAMPLE_ACCOUNT_IDS.zoom}' and id = 'zoom-webinar-500'`,
      );
      expect(zoomWebinar).toEqual([{ deleted: true, runs: 8 }]);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'answers a query on what it stored, and says why a query failed',
    async () => {
      const query = 'select name, assigned_quantity from licenses where id = $$ms-sku-spe-e3$$';
      const answered = await demo(['--data-dir', dataDir, '--sql', query]);
      expect(answered.code).toBe(0);
      expect(answered.stdout).toMatch(/Microsoft 365 E3 +236\n.*\n?\(1 row\)/);

      const failed = await demo(['--data-dir', dataDir, '--sql', 'select no_such_column']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('The query failed: column "no_such_column" does not exist');
    },
    DEMO_TIMEOUT_MS,
  );
  it(
    'keeps the folder open to any Postgres client with --serve, until it is interrupted',
    async () => {
      const port = await freePort();
      const { child, exited, output } = await serveFolder(dataDir, port);
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      expect(output).toContain(`psql "${url}?sslmode=disable"`);

      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        const stored = await client.query('select count(*)::int as licenses from licenses');
        expect(stored.rows).toEqual([{ licenses: 12 }]);
      } finally {
        await client.end();
        child.kill('SIGINT');
      }

      expect(await exited).toEqual([0, null]);
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
    },
    DEMO_TIMEOUT_MS,
  );
});

describe('npm run demo, pointed at a real Postgres and Truto', () => {
  it(
    'writes into the Postgres of DATABASE_URL, in DATABASE_SCHEMA, and never shows its password',
    async () => {
      const database = await createTestDatabase();
      try {
        const url = new URL(TEST_DATABASE_URL);
        url.username ||= 'root';
        url.password = 'pg-secret-7731';
        const dataDir = path.join(scratch, 'unused-pgdata');

        const result = await demo(['--data-dir', dataDir], {
          DATABASE_URL: url.toString(),
          DATABASE_SCHEMA: database.schema,
        });

        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`into Postgres at postgres://root:***@`);
        expect(result.stdout).toContain(`schema "${database.schema}"`);
        expect(`${result.stdout}${result.stderr}`).not.toContain('pg-secret-7731');
        expect(existsSync(dataDir)).toBe(false);
        expect(result.stdout).not.toContain('--serve');
        const stored = await database.pool.query<{ licenses: number }>(
          'select count(*)::int as licenses from licenses',
        );
        expect(stored.rows).toEqual([{ licenses: 12 }]);
      } finally {
        await database.drop();
      }
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'reads the accounts of the Truto that TRUTO_API_TOKEN opens, and never shows or stores the token',
    async () => {
      const token = 'truto-secret-5521';
      const standIn = await startTrutoStandIn({
        token,
        accounts: [
          { id: 'acct-zoom', integration: 'zoom', licenses: 30 },
          { id: 'acct-github', integration: 'github', licenses: 12 },
        ],
      });
      const database = await createTestDatabase();
      try {
        const result = await demo(['--data-dir', path.join(scratch, 'unused')], {
          TRUTO_API_URL: standIn.url,
          TRUTO_API_TOKEN: token,
          DATABASE_URL: TEST_DATABASE_URL,
          DATABASE_SCHEMA: database.schema,
        });

        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`Syncing from Truto at ${standIn.url}`);
        expect(result.stdout).toContain('Listed 2 integrated accounts.');
        expect(result.stdout).toMatch(/^zoom · tenant-acct-zoom · acct-zoom$/m);
        expect(result.stdout).toContain('30 records, 30 written');
        expect(result.stdout).toContain('… and 4 more licenses');
        expect(result.stdout).not.toContain('again: a re-sync');
        expect(`${result.stdout}${result.stderr}`).not.toContain(token);
        expect(await dumpAllTables(database)).not.toContain(token);
      } finally {
        await database.drop();
        await standIn.close();
      }
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'exits 1 when an account fails, after syncing the others, and says why it failed',
    async () => {
      const standIn = await startTrutoStandIn({
        accounts: [
          { id: 'acct-ok', integration: 'zoom', licenses: 3 },
          { id: 'acct-revoked', integration: 'zoom', licenses: 3 },
        ],
      });
      standIn.injectFault({
        kind: 'vendor-unauthorized',
        accountId: 'acct-revoked',
        path: 'licenses',
      });
      const database = await createTestDatabase();
      try {
        const result = await demo(['--data-dir', path.join(scratch, 'unused')], {
          TRUTO_API_URL: standIn.url,
          TRUTO_API_TOKEN: standIn.token,
          DATABASE_URL: TEST_DATABASE_URL,
          DATABASE_SCHEMA: database.schema,
        });

        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/acct-ok\nrun \d+ succeeded/);
        expect(result.stdout).toMatch(
          /acct-revoked\nrun \d+ failed .*\nerror: .*it needs re-authorization/,
        );
      } finally {
        await database.drop();
        await standIn.close();
      }
    },
    DEMO_TIMEOUT_MS,
  );
});

/**
 * Runs the Truto stand-in from the command line, for demos and the benchmark:
 *
 *   npm run stand-in -- --port 4010 --accounts 3 --licenses 1000 [--framing ndjson] [--token T]
 *                       [--host 0.0.0.0] [--prerender]
 */
import { parseArgs } from 'node:util';
import { integerOptions } from './integer-options.js';
import { renderLicense } from './license-generator.js';
import { RawJsonRecord } from './raw-json-record.js';
import type { Framing, StandInAccount } from './truto-stand-in.js';
import { startTrutoStandIn } from './truto-stand-in.js';

const INTEGRATIONS = ['zoom', 'microsoft365', 'salesforce'] as const;
const FRAMINGS: readonly string[] = ['page', 'page-cursor-first', 'array', 'ndjson'];

const USAGE =
  'Usage: npm run stand-in -- [--port 4010] [--host 127.0.0.1] [--accounts 3] ' +
  '[--licenses 1000] [--framing page|page-cursor-first|array|ndjson] [--token T] ' +
  '[--page-size 100] [--seed 1] [--prerender]';

interface Settings {
  port: number;
  host: string;
  accounts: number;
  licenses: number;
  framing: Framing;
  token: string;
  pageSize: number;
  seed: number;
  prerender: boolean;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      accounts: { type: 'string', default: '3' },
      licenses: { type: 'string', default: '1000' },
      framing: { type: 'string', default: 'page' },
      token: { type: 'string', default: 'stand-in-token' },
      'page-size': { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      prerender: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }

  const { integer, problems } = integerOptions();

  const settings = {
    port: integer('port', values.port, 0),
    host: values.host,
    accounts: integer('accounts', values.accounts, 0),
    licenses: integer('licenses', values.licenses, 0),
    framing: values.framing as Framing,
    token: values.token,
    pageSize: integer('page-size', values['page-size'], 1),
    seed: integer('seed', values.seed, 0),
    prerender: values.prerender,
  };
  if (!FRAMINGS.includes(values.framing)) {
    problems.push(`--framing must be one of ${FRAMINGS.join(', ')}, got ${values.framing}`);
  }

  if (problems.length > 0) {
    console.error([...problems, USAGE].join('\n'));
    process.exit(2);
  }
  return settings;
}

function accountId(position: number): string {
  return `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`;
}

function makeAccounts(settings: Settings): StandInAccount[] {
  return Array.from({ length: settings.accounts }, (_, position) => {
    const id = accountId(position + 1);
    const records = settings.prerender ? prerendered(id, settings) : undefined;
    return {
      id,
      integration: INTEGRATIONS[position % INTEGRATIONS.length] ?? 'zoom',
      licenses: settings.licenses,
      seed: settings.seed,
      framing: settings.framing,
      ...(records === undefined ? {} : { records }),
    };
  });
}

/**
 * The account's generated records, rendered once, before the stand-in listens: the same
 * bytes as generated on request, served from memory (about 1.2 KB a license). Generating
 * costs some 15 µs a record, which on a machine of two cores the benchmark's syncs would
 * otherwise share with the stand-in, while the real Truto runs elsewhere.
 */
function prerendered(id: string, settings: Settings): RawJsonRecord[] {
  return Array.from(
    { length: settings.licenses },
    (_, index) => new RawJsonRecord(renderLicense(id, index, settings.seed)),
  );
}

async function main(): Promise<void> {
  const settings = readSettings();
  const accounts = makeAccounts(settings);
  const standIn = await startTrutoStandIn({
    port: settings.port,
    host: settings.host,
    token: settings.token,
    accounts,
    defaultPageSize: settings.pageSize,
  });

  console.log(`Truto stand-in listening on ${standIn.url}`);
  console.log(`token: ${standIn.token}`);
  console.log(`framing for truto_response_format=stream: ${settings.framing}`);
  for (const account of accounts) {
    console.log(
      `account ${account.id} (${account.integration ?? 'zoom'}): ${settings.licenses} licenses`,
    );
  }

  const stop = (signal: string): void => {
    console.log(`${signal}: closing the stand-in`);
    standIn.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Closing the stand-in failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();

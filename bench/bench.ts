import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { integerOptions } from '../src/stand-in/integer-options.js';
import { openDatabase, withDefaultUser } from '../src/store/database.js';
import { runMigrations } from '../src/store/migrate.js';
import type { PhaseInput } from './phases/phase-types.js';
import { measureFanOut } from './fan-out-bench.js';
import { startIdleControl } from './idle-control-process.js';
import { scriptArgs } from './node-script.js';
import { report, type PhaseOutcome, type Round } from './report.js';
import { startStandInProcess, type StandInProcess } from './stand-in-process.js';

const RUN_PHASE = scriptArgs('./run-phase.ts', import.meta.url);
/**
 * The node settings the product runs with in production (the image sets them in
 * NODE_OPTIONS; see the README): young-generation semi-spaces of 2 MB instead of 16 keep the
 * resident memory of a sync under 200 MB, for some more time in garbage collection.
 */
const PRODUCT_NODE_FLAGS = ['--max-semi-space-size=2'];
/**
 * The syncs run with production's settings; the COPY limit holds the whole listing's
 * normalized rows before it times their load, which takes more than node's default heap.
 */
const PHASE_NODE_FLAGS: Record<string, string[]> = {
  sync: PRODUCT_NODE_FLAGS,
  copy: ['--max-old-space-size=8192'],
};
const DATABASE_URL = withDefaultUser(
  process.env.BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres',
);

const { values: options } = parseArgs({
  options: {
    licenses: { type: 'string', default: '100000' },
    'naive-licenses': { type: 'string', default: '5000' },
    'single-response': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'fan-out': { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const { integer, problems } = integerOptions();
const licenses = integer('licenses', options.licenses, 1);
const naiveLicenses = integer('naive-licenses', options['naive-licenses'], 1);
const rounds = integer('rounds', options.rounds, 1);
const fanOut = options['fan-out'];
const fanOutAccounts = fanOut === undefined ? undefined : integer('fan-out', fanOut, 1);
const singleResponse = options['single-response'];
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}

/** Runs one phase in a fresh process and returns the JSON line it ends with. */
function runPhase(name: string, input: PhaseInput): Promise<PhaseOutcome> {
  const flags = PHASE_NODE_FLAGS[name] ?? [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, ...RUN_PHASE, name, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code, signal) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as PhaseOutcome);
      } catch {
        const error = `the phase process ended (${String(code ?? signal)}) without a result`;
        resolve({ ok: false, seconds: 0, peakRssMb: 0, error });
      }
    });
  });
}

/**
 * Runs a phase with the idle control process beside it, whose event-loop delays are the
 * machine's share of the phase's: on a shared machine of two cores a process that does
 * nothing sees blocks of a hundred milliseconds and more.
 */
async function runBesideControl(name: string, phaseInput: PhaseInput): Promise<PhaseOutcome> {
  const control = startIdleControl();
  const outcome = await runPhase(name, phaseInput);
  const delays = await control.stop();
  return { ...outcome, controlMaxBlockMs: delays?.maxMs, controlBlockP99Ms: delays?.p99Ms };
}

function log(message: string): void {
  if (!options.json) console.error(message);
}

async function prepareSchema(): Promise<string> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const database = openDatabase({ url: DATABASE_URL, schema });
  await runMigrations(database);
  await database.close();
  return schema;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

function input(standIn: StandInProcess, schema: string, count: number): PhaseInput {
  return {
    standInUrl: standIn.url,
    token: standIn.token,
    accountId: standIn.accountId,
    databaseUrl: DATABASE_URL,
    schema,
    licenses: count,
    singleResponse,
  };
}

async function main(): Promise<void> {
  log(`license-sync benchmark: ${licenses} licenses${singleResponse ? ', one response' : ''}`);
  const standIn = await startStandInProcess(licenses, singleResponse ? 'array' : 'page');
  try {
    const measuredRounds: Round[] = [];
    for (let index = 1; index <= rounds; index++) {
      measuredRounds.push(await runRound(standIn, `round ${index} of ${rounds}`));
    }
    const schema = await prepareSchema();
    log('JSON.parse limit …');
    const parse = await runPhase('parse', input(standIn, schema, licenses));
    await dropSchema(schema);
    log('naive baseline …');
    const naive = await runNaive(standIn);
    report({ licenses, singleResponse, rounds: measuredRounds, parse, naive }, options.json);
  } finally {
    standIn.stop();
  }
}

/**
 * A first sync, a re-sync of the same day, one of the next day and the COPY limit, back to
 * back in a fresh schema: the syncs' ratios are taken against the limits of their own round.
 */
async function runRound(standIn: StandInProcess, label: string): Promise<Round> {
  const schema = await prepareSchema();
  try {
    log(`${label}: first sync …`);
    const sync = await runBesideControl('sync', input(standIn, schema, licenses));
    log(`${label}: re-sync of unchanged data …`);
    const resync = await runBesideControl('sync', input(standIn, schema, licenses));
    log(`${label}: re-sync of unchanged data, as on the next day …`);
    await moveUsageToDayBefore(schema);
    const nextDay = await runBesideControl('sync', input(standIn, schema, licenses));
    log(`${label}: COPY limit …`);
    const copy = await runPhase('copy', input(standIn, schema, licenses));
    return { sync, resync, nextDay, copy };
  } finally {
    await dropSchema(schema);
  }
}

/**
 * Makes the stored usage a day older, so that the next sync is the first of its day, as
 * each night's is: it records every live license's usage for the day (see the README).
 */
async function moveUsageToDayBefore(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`update ${schema}.license_usage_daily set day = day - 1`);
  await client.query(
    `update ${schema}.integrated_accounts set usage_recorded_for = usage_recorded_for - 1`,
  );
  await client.end();
}

/** In the paged mode the naive baseline gets a smaller listing of its own: it is slow. */
async function runNaive(standIn: StandInProcess): Promise<PhaseOutcome> {
  const naiveSchema = await prepareSchema();
  if (singleResponse) {
    const outcome = await runPhase('naive', input(standIn, naiveSchema, licenses));
    await dropSchema(naiveSchema);
    return outcome;
  }
  const own = await startStandInProcess(naiveLicenses, 'page');
  try {
    return await runPhase('naive', input(own, naiveSchema, naiveLicenses));
  } finally {
    own.stop();
    await dropSchema(naiveSchema);
  }
}

if (fanOutAccounts === undefined) {
  await main();
} else {
  const figures = await measureFanOut(fanOutAccounts, DATABASE_URL);
  console.log(options.json ? JSON.stringify(figures) : figures);
}

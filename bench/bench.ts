import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, withDefaultUser } from '../src/store/database.js';
import { runMigrations } from '../src/store/migrate.js';
import type { PhaseInput } from './phases/phase-types.js';
import { measureFanOut } from './fan-out-bench.js';
import { startIdleControl } from './idle-control-process.js';
import { scriptArgs } from './node-script.js';
import { startStandInProcess, type StandInProcess } from './stand-in-process.js';

const RUN_PHASE = scriptArgs('./run-phase.ts', import.meta.url);
/**
 * The node settings the product runs with in production (the image sets them in
 * NODE_OPTIONS; see the README): young-generation semi-spaces of 2 MB instead of 16 keep the
 * resident memory of a sync under 200 MB, for some more time in garbage collection.
 */
const PRODUCT_NODE_FLAGS = ['--max-semi-space-size=2'];
const DATABASE_URL = withDefaultUser(
  process.env.BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres',
);

interface PhaseOutcome {
  ok: boolean;
  seconds: number;
  peakRssMb: number;
  error?: string;
  [key: string]: unknown;
}

const { values: options } = parseArgs({
  options: {
    licenses: { type: 'string', default: '100000' },
    'naive-licenses': { type: 'string', default: '5000' },
    'single-response': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'fan-out': { type: 'string' },
  },
});
const licenses = Number(options.licenses);
const naiveLicenses = Number(options['naive-licenses']);
const singleResponse = options['single-response'];

/** Runs one phase in a fresh process and returns the JSON line it ends with. */
function runPhase(name: string, input: PhaseInput): Promise<PhaseOutcome> {
  const flags = name === 'sync' ? PRODUCT_NODE_FLAGS : [];
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
  const schema = await prepareSchema();
  try {
    log('first sync …');
    const sync = await runBesideControl('sync', input(standIn, schema, licenses));
    log('re-sync of unchanged data …');
    const resync = await runBesideControl('sync', input(standIn, schema, licenses));
    log('COPY limit …');
    const copy = await runPhase('copy', input(standIn, schema, licenses));
    log('JSON.parse limit …');
    const parse = await runPhase('parse', input(standIn, schema, licenses));
    log('naive baseline …');
    const naive = await runNaive(standIn);
    report({ sync, resync, copy, parse, naive });
  } finally {
    standIn.stop();
    await dropSchema(schema);
  }
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

interface Outcomes {
  sync: PhaseOutcome;
  resync: PhaseOutcome;
  copy: PhaseOutcome;
  parse: PhaseOutcome;
  naive: PhaseOutcome;
}

function rate(count: unknown, outcome: PhaseOutcome): number | null {
  if (!outcome.ok || outcome.seconds <= 0 || typeof count !== 'number') return null;
  return Math.round(count / outcome.seconds);
}

function report(outcomes: Outcomes): void {
  const { sync, resync, copy, parse, naive } = outcomes;
  const resyncCounts = resync.counts as { written?: number } | undefined;
  const figures = {
    licenses,
    single_response: singleResponse,
    sync_seconds: round(sync.seconds),
    sync_licenses_per_s: rate(licenses, sync),
    copy_licenses_per_s: rate(copy.licenses, copy),
    naive_licenses_per_s: rate(naive.licenses, naive),
    naive_error: naive.ok ? null : (naive.error ?? null),
    parse_mb_per_s: parse.ok ? round((parse.megabytes as number) / parse.seconds) : null,
    stream_json_tokenizer_mb_per_s: parse.streamJsonMbPerS ?? null,
    scanner_mb_per_s: parse.scannerMbPerS ?? null,
    scanner_and_record_parse_mb_per_s: parse.scannerAndParseMbPerS ?? null,
    resync_licenses_per_s: rate(licenses, resync),
    resync_rows_written: resyncCounts?.written ?? null,
    peak_rss_mb: Math.max(sync.peakRssMb, resync.peakRssMb),
    max_event_loop_block_ms: largest(sync, resync, 'maxEventLoopBlockMs'),
    control_event_loop_block_ms: largest(sync, resync, 'controlMaxBlockMs'),
    event_loop_block_p99_ms: largest(sync, resync, 'eventLoopBlockP99Ms'),
    control_event_loop_block_p99_ms: largest(sync, resync, 'controlBlockP99Ms'),
    first_request_block_ms: Number(sync.firstRequestBlockMs ?? 0),
    longest_gc_pause_ms: largest(sync, resync, 'longestGcPauseMs'),
    sync_cpu_seconds: sync.cpuSeconds ?? null,
    resync_cpu_seconds: resync.cpuSeconds ?? null,
    sync_peak_rss_mb: sync.peakRssMb,
    resync_peak_rss_mb: resync.peakRssMb,
    resync_seconds: round(resync.seconds),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    errors: Object.fromEntries(
      Object.entries(outcomes as unknown as Record<string, PhaseOutcome>).flatMap(
        ([name, outcome]) => (outcome.ok ? [] : [[name, outcome.error]]),
      ),
    ),
  };
  const checks = targets(figures);
  if (options.json) {
    console.log(JSON.stringify({ ...figures, targets: checks }));
    return;
  }
  printTable(figures, checks);
}

type Figures = Record<string, unknown>;

/** The larger of a figure of the first sync and of the re-sync. */
function largest(sync: PhaseOutcome, resync: PhaseOutcome, key: string): number {
  return Math.max(Number(sync[key] ?? 0), Number(resync[key] ?? 0));
}

function targets(f: Figures): Record<string, boolean | null> {
  const num = (key: string) => (typeof f[key] === 'number' ? f[key] : null);
  const sync = num('sync_licenses_per_s');
  const copy = num('copy_licenses_per_s');
  const naive = num('naive_licenses_per_s');
  const resync = num('resync_licenses_per_s');
  return {
    sync_at_least_half_copy: sync && copy ? sync >= copy / 2 : null,
    sync_at_least_10x_naive: sync && naive ? sync >= naive * 10 : null,
    resync_at_least_2x_sync: resync && sync ? resync >= 2 * sync : null,
    resync_writes_nothing: f.resync_rows_written === 0,
    peak_rss_at_most_200_mb: (num('peak_rss_mb') ?? Infinity) <= 200,
    event_loop_block_above_control_at_most_100_ms: blockAboveControl(f) <= 100,
  };
}

/**
 * The sync's own longest block: its longest, less the longest an idle process saw in the
 * same minutes on the same machine. Not exact (the two need not fall at the same moment), but
 * a block of the sync's own code shows as a sync block above the control's.
 */
function blockAboveControl(f: Figures): number {
  const sync = Number(f.max_event_loop_block_ms ?? Infinity);
  return sync - Number(f.control_event_loop_block_ms ?? 0);
}

function printTable(f: Figures, checks: Record<string, boolean | null>): void {
  const rows: [string, unknown][] = [
    ['licenses', f.licenses],
    ['first sync (licenses/s)', f.sync_licenses_per_s],
    ['COPY limit (licenses/s)', f.copy_licenses_per_s],
    ['naive baseline (licenses/s)', f.naive_licenses_per_s ?? f.naive_error],
    ['JSON.parse limit (MB/s)', f.parse_mb_per_s],
    ['  stream-json tokens, packed (MB/s)', f.stream_json_tokenizer_mb_per_s],
    [
      '  byte scanner / + JSON.parse (MB/s)',
      `${String(f.scanner_mb_per_s)} / ${String(f.scanner_and_record_parse_mb_per_s)}`,
    ],
    ['re-sync, unchanged (licenses/s)', f.resync_licenses_per_s],
    ['re-sync rows written', f.resync_rows_written],
    ['peak RSS of the sync (MB)', f.peak_rss_mb],
    ['longest event-loop block (ms)', f.max_event_loop_block_ms],
    ['  idle control process, longest (ms)', f.control_event_loop_block_ms],
    [
      '  99th percentile, sync / control (ms)',
      `${String(f.event_loop_block_p99_ms)} / ${String(f.control_event_loop_block_p99_ms)}`,
    ],
    ['  once per process, first request', f.first_request_block_ms],
    ['  longest GC pause (ms)', f.longest_gc_pause_ms],
    [
      'CPU of the sync / re-sync (s)',
      `${String(f.sync_cpu_seconds)} / ${String(f.resync_cpu_seconds)}`,
    ],
    [
      'RSS of the sync / re-sync (MB)',
      `${String(f.sync_peak_rss_mb)} / ${String(f.resync_peak_rss_mb)}`,
    ],
    ['machine', f.machine],
  ];
  for (const [label, value] of rows) console.log(`${label.padEnd(38)} ${String(value)}`);
  console.log('');
  for (const [target, ok] of Object.entries(checks)) {
    console.log(`${ok === null ? 'n/a ' : ok ? 'met ' : 'MISS'}  ${target}`);
  }
  const errors = f.errors as Record<string, string>;
  if (Object.keys(errors).length > 0) console.log('errors:', errors);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (options['fan-out'] === undefined) {
  await main();
} else {
  const figures = await measureFanOut(Number(options['fan-out']), DATABASE_URL);
  console.log(options.json ? JSON.stringify(figures) : figures);
}

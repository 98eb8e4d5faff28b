import { cpus, totalmem } from 'node:os';

/** What a phase process printed as its last line. */
export interface PhaseOutcome {
  ok: boolean;
  seconds: number;
  peakRssMb: number;
  error?: string;
  [key: string]: unknown;
}

/**
 * One round, back to back: a first sync, a re-sync of the same data on the same day, one as
 * on the next day (the nightly case: the first pass of its day) and the COPY limit.
 */
export interface Round {
  sync: PhaseOutcome;
  resync: PhaseOutcome;
  nextDay: PhaseOutcome;
  copy: PhaseOutcome;
}

export interface Measured {
  licenses: number;
  singleResponse: boolean;
  rounds: Round[];
  parse: PhaseOutcome;
  naive: PhaseOutcome;
}

/** The figures of one round, and the two ratios that pair its sync with its own limits. */
interface RoundFigures {
  sync_licenses_per_s: number | null;
  copy_licenses_per_s: number | null;
  resync_licenses_per_s: number | null;
  sync_to_copy: number | null;
  resync_to_sync: number | null;
  /** Licenses the re-sync inserted or rewrote, each with its products and roles. */
  resync_rows_written: number | null;
  /**
   * Unchanged licenses whose `last_seen_at` the re-sync set: the mark by which the end of the
   * pass tells which licenses were not listed, and so were deleted.
   */
  resync_last_seen_touches: number | null;
  next_day_resync_licenses_per_s: number | null;
  next_day_resync_to_sync: number | null;
  next_day_resync_rows_written: number | null;
  peak_rss_mb: number;
  max_event_loop_block_ms: number;
  /** The longest block of the first sync, the same-day and the next-day re-sync. */
  max_event_loop_block_by_sync_ms: number[];
  control_event_loop_block_ms: number;
  block_above_control_ms: number;
  event_loop_block_p99_ms: number;
  control_event_loop_block_p99_ms: number;
  longest_gc_pause_ms: number;
  first_request_block_ms: number;
  sync_cpu_seconds: number | null;
  resync_cpu_seconds: number | null;
  next_day_resync_cpu_seconds: number | null;
}

type ScalarKey = Exclude<keyof RoundFigures, 'max_event_loop_block_by_sync_ms'>;
type Figures = ReturnType<typeof figuresOf>;
type Targets = Record<string, boolean | null>;

/** Prints the figures: a table for people, or one JSON line for scripts. */
export function report(measured: Measured, json: boolean): void {
  const figures = figuresOf(measured);
  const checks = targets(figures);
  if (json) console.log(JSON.stringify({ ...figures, targets: checks }));
  else printTable(figures, checks);
}

/**
 * Each round's ratios pair a sync with the COPY limit measured minutes later, so a slow
 * stretch of the machine weighs on both; the median of the rounds' ratios is what the targets
 * are judged on. A single run's ratio moved by a fifth on this shared machine.
 */
function figuresOf(measured: Measured) {
  const { licenses, rounds, parse, naive } = measured;
  const perRound = rounds.map((round) => roundFigures(licenses, round));
  const median = (key: ScalarKey) => medianOf(perRound.map((round) => round[key]));
  const most = (key: ScalarKey) => Math.max(...perRound.map((r) => Number(r[key])));
  const written = perRound.flatMap((r) => [r.resync_rows_written, r.next_day_resync_rows_written]);
  return {
    licenses,
    single_response: measured.singleResponse,
    rounds: rounds.length,
    sync_licenses_per_s: median('sync_licenses_per_s'),
    copy_licenses_per_s: median('copy_licenses_per_s'),
    sync_to_copy_ratio: median('sync_to_copy'),
    naive_licenses_per_s: rate(naive.licenses, naive),
    naive_error: naive.ok ? null : (naive.error ?? null),
    parse_mb_per_s: parse.ok ? round((parse.megabytes as number) / parse.seconds) : null,
    stream_json_tokenizer_mb_per_s: numberOrNull(parse.streamJsonMbPerS),
    scanner_mb_per_s: numberOrNull(parse.scannerMbPerS),
    scanner_and_record_parse_mb_per_s: numberOrNull(parse.scannerAndParseMbPerS),
    resync_licenses_per_s: median('resync_licenses_per_s'),
    resync_to_sync_ratio: median('resync_to_sync'),
    resync_rows_written: written.includes(null) ? null : Math.max(...(written as number[])),
    resync_last_seen_touches: median('resync_last_seen_touches'),
    next_day_resync_licenses_per_s: median('next_day_resync_licenses_per_s'),
    next_day_resync_to_sync_ratio: median('next_day_resync_to_sync'),
    peak_rss_mb: most('peak_rss_mb'),
    max_event_loop_block_ms: most('max_event_loop_block_ms'),
    control_event_loop_block_ms: most('control_event_loop_block_ms'),
    block_above_control_ms: most('block_above_control_ms'),
    event_loop_block_p99_ms: most('event_loop_block_p99_ms'),
    control_event_loop_block_p99_ms: most('control_event_loop_block_p99_ms'),
    longest_gc_pause_ms: most('longest_gc_pause_ms'),
    first_request_block_ms: most('first_request_block_ms'),
    sync_cpu_seconds: median('sync_cpu_seconds'),
    resync_cpu_seconds: median('resync_cpu_seconds'),
    next_day_resync_cpu_seconds: median('next_day_resync_cpu_seconds'),
    per_round: perRound,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    errors: errorsOf(measured),
  };
}

function roundFigures(licenses: number, round: Round): RoundFigures {
  const { sync, resync, nextDay, copy } = round;
  const syncRate = rate(licenses, sync);
  const copyRate = rate(copy.licenses, copy);
  const resyncRate = rate(licenses, resync);
  const nextDayRate = rate(licenses, nextDay);
  const counts = countsOf(resync);
  const syncs = [sync, resync, nextDay];
  const largest = (key: string) => Math.max(...syncs.map((outcome) => Number(outcome[key] ?? 0)));
  const block = largest('maxEventLoopBlockMs');
  const control = largest('controlMaxBlockMs');
  return {
    sync_licenses_per_s: syncRate,
    copy_licenses_per_s: copyRate,
    resync_licenses_per_s: resyncRate,
    sync_to_copy: ratio(syncRate, copyRate),
    resync_to_sync: ratio(resyncRate, syncRate),
    resync_rows_written: counts?.written ?? null,
    resync_last_seen_touches: counts?.unchanged ?? null,
    next_day_resync_licenses_per_s: nextDayRate,
    next_day_resync_to_sync: ratio(nextDayRate, syncRate),
    next_day_resync_rows_written: countsOf(nextDay)?.written ?? null,
    peak_rss_mb: Math.max(...syncs.map((outcome) => outcome.peakRssMb)),
    max_event_loop_block_ms: block,
    max_event_loop_block_by_sync_ms: syncs.map((outcome) => Number(outcome.maxEventLoopBlockMs)),
    control_event_loop_block_ms: control,
    block_above_control_ms: blockAboveControl(...syncs),
    event_loop_block_p99_ms: largest('eventLoopBlockP99Ms'),
    control_event_loop_block_p99_ms: largest('controlBlockP99Ms'),
    longest_gc_pause_ms: largest('longestGcPauseMs'),
    first_request_block_ms: Number(sync.firstRequestBlockMs ?? 0),
    sync_cpu_seconds: numberOrNull(sync.cpuSeconds),
    resync_cpu_seconds: numberOrNull(resync.cpuSeconds),
    next_day_resync_cpu_seconds: numberOrNull(nextDay.cpuSeconds),
  };
}

function countsOf(outcome: PhaseOutcome) {
  return outcome.counts as { written?: number; unchanged?: number } | undefined;
}

/**
 * A sync's own longest block: its longest, less the longest an idle process saw in the same
 * minutes on the same machine. Not exact (the two need not fall at the same moment), but a
 * block of the sync's own code shows as a sync block above the control's.
 */
function blockAboveControl(...syncs: PhaseOutcome[]): number {
  const above = syncs.map((outcome) => {
    const block = Number(outcome.maxEventLoopBlockMs ?? Infinity);
    return block - Number(outcome.controlMaxBlockMs ?? 0);
  });
  return Math.max(...above);
}

function targets(f: Figures): Targets {
  const { sync_to_copy_ratio: toCopy, resync_to_sync_ratio: toSync } = f;
  const nextDay = f.next_day_resync_to_sync_ratio;
  const sync = f.sync_licenses_per_s;
  const naive = f.naive_licenses_per_s;
  return {
    sync_at_least_half_copy: toCopy === null ? null : toCopy >= 0.5,
    sync_at_least_10x_naive: sync && naive ? sync >= naive * 10 : null,
    resync_at_least_2x_sync: toSync === null ? null : toSync >= 2,
    next_day_resync_at_least_2x_sync: nextDay === null ? null : nextDay >= 2,
    resync_writes_nothing: f.resync_rows_written === 0,
    peak_rss_at_most_200_mb: f.peak_rss_mb <= 200,
    event_loop_block_above_control_at_most_100_ms: f.block_above_control_ms <= 100,
  };
}

function printTable(f: Figures, checks: Targets): void {
  const each = (key: keyof RoundFigures) => f.per_round.map((r) => String(r[key])).join(', ');
  const rows: [string, unknown][] = [
    ['licenses', f.licenses],
    ['rounds (median; each round)', f.rounds],
    ['first sync (licenses/s)', `${String(f.sync_licenses_per_s)}; ${each('sync_licenses_per_s')}`],
    ['COPY limit (licenses/s)', `${String(f.copy_licenses_per_s)}; ${each('copy_licenses_per_s')}`],
    ['  first sync ÷ COPY limit', `${String(f.sync_to_copy_ratio)}; ${each('sync_to_copy')}`],
    ['naive baseline (licenses/s)', f.naive_licenses_per_s ?? f.naive_error],
    ['JSON.parse limit (MB/s)', f.parse_mb_per_s],
    ['  stream-json tokens, packed (MB/s)', f.stream_json_tokenizer_mb_per_s],
    [
      '  byte scanner / + JSON.parse (MB/s)',
      `${String(f.scanner_mb_per_s)} / ${String(f.scanner_and_record_parse_mb_per_s)}`,
    ],
    [
      're-sync, unchanged (licenses/s)',
      `${String(f.resync_licenses_per_s)}; ${each('resync_licenses_per_s')}`,
    ],
    ['  re-sync ÷ first sync', `${String(f.resync_to_sync_ratio)}; ${each('resync_to_sync')}`],
    [
      're-sync, next day (licenses/s)',
      `${String(f.next_day_resync_licenses_per_s)}; ${each('next_day_resync_licenses_per_s')}`,
    ],
    [
      '  next-day re-sync ÷ first sync',
      `${String(f.next_day_resync_to_sync_ratio)}; ${each('next_day_resync_to_sync')}`,
    ],
    ['re-syncs: content rows written (most)', f.resync_rows_written],
    ['  licenses whose last_seen_at it set', f.resync_last_seen_touches],
    ['peak RSS of a sync (MB)', f.peak_rss_mb],
    ['longest event-loop block (ms)', f.max_event_loop_block_ms],
    ['  idle control process, longest (ms)', f.control_event_loop_block_ms],
    ['  sync above control, longest (ms)', f.block_above_control_ms],
    [
      '  99th percentile, sync / control (ms)',
      `${String(f.event_loop_block_p99_ms)} / ${String(f.control_event_loop_block_p99_ms)}`,
    ],
    ['  once per process, first request (ms)', f.first_request_block_ms],
    ['  longest GC pause (ms)', f.longest_gc_pause_ms],
    [
      'CPU of the sync / re-sync / next day (s)',
      [f.sync_cpu_seconds, f.resync_cpu_seconds, f.next_day_resync_cpu_seconds]
        .map(String)
        .join(' / '),
    ],
    ['machine', f.machine],
  ];
  for (const [label, value] of rows) console.log(`${label.padEnd(38)} ${String(value)}`);
  console.log('');
  for (const [target, ok] of Object.entries(checks)) {
    console.log(`${ok === null ? 'n/a ' : ok ? 'met ' : 'MISS'}  ${target}`);
  }
  if (Object.keys(f.errors).length > 0) console.log('errors:', f.errors);
}

function errorsOf({ rounds, parse, naive }: Measured): Record<string, string | undefined> {
  const phases = rounds.flatMap((round, index): [string, PhaseOutcome][] => {
    const suffix = ` (round ${String(index + 1)})`;
    return [
      [`sync${suffix}`, round.sync],
      [`resync${suffix}`, round.resync],
      [`next-day resync${suffix}`, round.nextDay],
      [`copy${suffix}`, round.copy],
    ];
  });
  phases.push(['parse', parse], ['naive', naive]);
  return Object.fromEntries(phases.flatMap(([name, o]) => (o.ok ? [] : [[name, o.error]])));
}

function rate(count: unknown, outcome: PhaseOutcome): number | null {
  if (!outcome.ok || outcome.seconds <= 0 || typeof count !== 'number') return null;
  return Math.round(count / outcome.seconds);
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || !denominator) return null;
  return round(numerator / denominator);
}

/** The median of the values, or null when one is missing (a phase failed). */
function medianOf(values: (number | null)[]): number | null {
  if (values.length === 0 || values.includes(null)) return null;
  const sorted = (values as number[]).slice().sort((a, b) => a - b);
  const upper = sorted[sorted.length >> 1] ?? 0;
  const lower = sorted[(sorted.length - 1) >> 1] ?? 0;
  return round((lower + upper) / 2);
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

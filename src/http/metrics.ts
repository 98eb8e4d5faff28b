import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { count, eq } from 'drizzle-orm';
import type { Logger } from '../logging/logger.js';
import type { LicenseQueue } from '../queue/license-queue.js';
import type { Db } from '../store/database.js';
import { integratedAccounts } from '../store/schema.js';
import { withTimeout } from './with-timeout.js';
import type { EndedRun, RunObserver } from '../sync/sync-types.js';
import type { RequestObserver } from '../truto/truto-client.js';

const PREFIX = 'license_sync_';

/** Prometheus gives up on a scrape after 10 s by default; a dead source must not take that. */
const SCRAPE_READ_TIMEOUT_MS = 3_000;

/** The BullMQ states a job can be counted in. */
const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
] as const;

/** From a one-license refresh to a night's listing of a very large account. */
const RUN_DURATION_BUCKETS = [0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400];

/** Where the values read at scrape time come from. */
export interface MetricSources {
  queue: LicenseQueue;
  db: Db;
  logger: Logger;
}

/** The worker's Prometheus metrics, fed by the runs and the Truto client it observes. */
export interface SyncMetrics extends RunObserver, RequestObserver {
  registry: Registry;
}

export function createMetrics(sources: MetricSources): SyncMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  defineScrapedGauges(registry, sources);
  return { registry, ...runCounters(registry), ...requestCounters(registry) };
}

function runCounters(registry: Registry): RunObserver {
  const runs = new Counter({
    name: `${PREFIX}runs_total`,
    help: 'Sync and refresh runs that ended, by outcome and by what asked for them.',
    labelNames: ['outcome', 'trigger'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${PREFIX}run_duration_seconds`,
    help: 'How long runs took, by outcome.',
    labelNames: ['outcome'],
    buckets: RUN_DURATION_BUCKETS,
    registers: [registry],
  });
  const counter = (name: string, help: string) =>
    new Counter({ name: `${PREFIX}${name}`, help, registers: [registry] });
  const written = counter('licenses_written_total', 'Licenses whose content changed.');
  const unchanged = counter('licenses_unchanged_total', 'Licenses listed again unchanged.');
  const rejected = counter('records_rejected_total', 'Records or fields that were rejected.');
  const deleted = counter('licenses_deleted_total', 'Licenses marked deleted.');

  return {
    onRunEnded: (run: EndedRun) => {
      runs.inc({ outcome: run.status, trigger: run.trigger });
      duration.observe({ outcome: run.status }, run.durationMs / 1000);
      written.inc(run.counts.written);
      unchanged.inc(run.counts.unchanged);
      rejected.inc(run.counts.rejected);
      deleted.inc(run.counts.deleted);
    },
  };
}

function requestCounters(registry: Registry): RequestObserver {
  const requests = new Counter({
    name: `${PREFIX}upstream_requests_total`,
    help: 'Requests to Truto by response status; "none" where no response came.',
    labelNames: ['status'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: `${PREFIX}upstream_rate_limited_total`,
    help: 'Requests Truto answered with 429.',
    registers: [registry],
  });
  const retries = new Counter({
    name: `${PREFIX}upstream_retries_total`,
    help: 'Requests to Truto tried again, by the kind of failure.',
    labelNames: ['kind'],
    registers: [registry],
  });

  return {
    onResponse: (status) => {
      requests.inc({ status: status === null ? 'none' : String(status) });
      if (status === 429) rateLimited.inc();
    },
    onRetry: (kind) => {
      retries.inc({ kind });
    },
  };
}

/** Gauges read from Redis and Postgres when Prometheus scrapes, so they are never stale. */
function defineScrapedGauges(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: `${PREFIX}queue_jobs`,
    help: 'Jobs in the queue, by BullMQ state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await readOrWarn(sources, 'queue depth', () =>
        sources.queue.getJobCounts(...QUEUE_STATES),
      );
      if (counts === undefined) return;
      for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}accounts_needing_reauth`,
    help: 'Integrated accounts whose owner must re-authorize them before they sync again.',
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await readOrWarn(sources, 'accounts needing re-authorization', () =>
        sources.db
          .select({ accounts: count() })
          .from(integratedAccounts)
          .where(eq(integratedAccounts.needsReauth, true)),
      );
      if (rows !== undefined) this.set(rows[0]?.accounts ?? 0);
    },
  });
}

/** A source that cannot be read leaves its gauge without a value rather than failing the scrape. */
async function readOrWarn<T>(
  sources: MetricSources,
  what: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await withTimeout(read(), SCRAPE_READ_TIMEOUT_MS, what);
  } catch (error) {
    sources.logger.warn({ err: error, metric: what }, 'could not read a metric; left out');
    return undefined;
  }
}

import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { request } from 'undici';
import { openRuntime, syncDependencies } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { syncAccount } from '../../src/sync/sync-account.js';
import { peakRssMb, type PhaseInput, type PhaseResult } from './phase-types.js';

/**
 * The product itself: one `syncAccount`, as `license-sync sync` runs it. The stand-in has no
 * rate limits, so neither has the sync here; against Truto, its budget of requests per
 * account bounds a paged listing (see the README).
 */
export async function runSyncPhase(input: PhaseInput): Promise<PhaseResult> {
  const config = loadConfig({
    DATABASE_URL: input.databaseUrl,
    DATABASE_SCHEMA: input.schema,
    TRUTO_API_URL: input.standInUrl,
    TRUTO_API_TOKEN: input.token,
    LOG_LEVEL: 'warn',
    TRUTO_PAGE_SIZE: '1000',
  });
  const runtime = openRuntime(config);
  const deps = syncDependencies(runtime);
  const firstRequestBlockMs = await warmUp(input);
  const delay = monitorEventLoopDelay({ resolution: 10 });

  const gc = watchGarbageCollection();
  delay.enable();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await syncAccount(deps, { integratedAccountId: input.accountId, trigger: 'cli' });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  delay.disable();
  gc.stop();

  await deps.truto.close();
  await runtime.close();
  if (result.status !== 'succeeded') throw result.error ?? new Error('the sync failed');
  return {
    seconds,
    peakRssMb: peakRssMb(),
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    maxEventLoopBlockMs: Math.round(delay.max / 1e6),
    eventLoopBlockP99Ms: Math.round(delay.percentile(99) / 1e6),
    longestGcPauseMs: Math.round(gc.longestMs),
    gcSeconds: Math.round(gc.totalMs / 10) / 100,
    firstRequestBlockMs,
    counts: result.counts,
  };
}

/**
 * Garbage-collection pauses, to tell a long event-loop block caused by a collection from one
 * caused by code (or, on a busy machine, by the process waiting for a core).
 */
function watchGarbageCollection() {
  const totals = { longestMs: 0, totalMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      totals.longestMs = Math.max(totals.longestMs, entry.duration);
      totals.totalMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return Object.assign(totals, {
    stop: () => {
      observer.disconnect();
    },
  });
}

/**
 * The first HTTP request of a process compiles undici's HTTP parser (WebAssembly), which
 * holds the event loop once, for a few hundred milliseconds. A worker pays it once at its
 * first request, not in every sync; it is measured here apart from the sync.
 */
async function warmUp(input: PhaseInput): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const url = `${input.standInUrl}/integrated-account/${input.accountId}/capabilities`;
  const response = await request(url, { headers: { authorization: `Bearer ${input.token}` } });
  await response.body.text();
  await new Promise((resolve) => setTimeout(resolve, 20));
  delay.disable();
  return Math.round(delay.max / 1e6);
}

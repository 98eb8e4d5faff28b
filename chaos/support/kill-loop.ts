import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { CliExit, CliProcess } from './cli-process.js';
import type { SeededRandom } from './seeded-random.js';
import { hasCheckpoint, lastRunId, runsOf, waitForNewRun } from './run-history.js';

export interface KillLoop {
  pool: pg.Pool;
  accountId: string;
  kills: number;
  random: SeededRandom;
  /** The longest a kill waits once a run has started, in ms. */
  windowMs: number;
  /** Starts the process that syncs: a `sync`, or a worker. */
  start(): CliProcess;
  /** Called while waiting for a run to start, e.g. to ask for a job when none is queued. */
  whileWaiting?: () => Promise<void>;
  runStartTimeoutMs: number;
}

export interface KillOutcome {
  kills: number;
  /** The process ended by itself before it was killed. */
  endedBy: CliExit | undefined;
  /** For each run the killed processes started: whether a checkpoint was there before. */
  resumedExpected: Map<number, boolean>;
}

/** One in five kills lands during start-up, before any run exists. */
const EARLY_KILL_SHARE = 0.2;

/**
 * Starts the process and kills it with SIGKILL at a random moment, `kills` times. Most kills
 * land at a random point of a running sync; some during start-up (migrations, connecting).
 */
export async function killRepeatedly(loop: KillLoop): Promise<KillOutcome> {
  const resumedExpected = new Map<number, boolean>();
  for (let kills = 0; kills < loop.kills; kills++) {
    const checkpointBefore = await hasCheckpoint(loop.pool, loop.accountId);
    const before = await lastRunId(loop.pool, loop.accountId);
    const child = loop.start();
    let exit: CliExit | undefined;
    void child.done.then((done) => (exit = done));

    await waitForMoment(loop, before, () => exit !== undefined);
    if (exit !== undefined) return { kills, endedBy: exit, resumedExpected };

    child.child.kill('SIGKILL');
    await child.done;
    for (const run of await runsOf(loop.pool, loop.accountId)) {
      if (run.id > before) resumedExpected.set(run.id, checkpointBefore);
    }
  }
  return { kills: loop.kills, endedBy: undefined, resumedExpected };
}

async function waitForMoment(loop: KillLoop, before: number, ended: () => boolean) {
  if (loop.random.next() < EARLY_KILL_SHARE) {
    await sleep(loop.random.between(100, 1500));
    return;
  }
  const delay = loop.random.between(0, loop.windowMs);
  await waitForNewRun(loop.pool, loop.accountId, before, {
    timeoutMs: loop.runStartTimeoutMs,
    stop: ended,
    whileWaiting: loop.whileWaiting,
  });
  await sleep(delay);
}

/** How long after a run starts a kill may land, so that `kills` fit into one listing. */
export function killWindowMs(licenses: number, kills: number): number {
  // About 3 licenses a millisecond on the slow machines this runs on; a kill loses the
  // batch in flight, so a window of the whole share still leaves the listing unfinished.
  return Math.max(100, Math.min(2_000, Math.round(licenses / Math.max(1, kills) / 3)));
}

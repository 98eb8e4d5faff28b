import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { CliExit, CliProcess } from './cli-process.js';
import type { SeededRandom } from './seeded-random.js';
import { hasCheckpoint, lastRunId, pagesDone, runsOf, waitForNewRun } from './run-history.js';

export interface KillLoop {
  pool: pg.Pool;
  accountId: string;
  kills: number;
  random: SeededRandom;
  /** The most pages a run may complete before its kill. */
  maxPagesPerKill: number;
  /** Starts the process that syncs: a `sync`, or a worker. */
  start(): CliProcess;
  /** Called while waiting for a run to start, e.g. to ask for a job when none is queued. */
  whileWaiting?: () => Promise<void>;
  runStartTimeoutMs: number;
}

export interface KillOutcome {
  /** Kills that interrupted something: not those that came after the run had succeeded. */
  kills: number;
  /** The process ended by itself before it was killed. */
  endedBy: CliExit | undefined;
  /** For each run the killed processes started: whether a checkpoint was there before. */
  resumedExpected: Map<number, boolean>;
  /**
   * Runs that had succeeded when their process was killed: a short rest of a listing can end
   * within the random delay before the kill, and the process is killed while it exits.
   */
  finishedBeforeKill: Set<number>;
}

/** One in five kills lands during start-up, before any run exists. */
const EARLY_KILL_SHARE = 0.2;

/**
 * Starts the process and kills it with SIGKILL at a random moment, `kills` times. Most kills
 * land at a random point of a running sync; some during start-up (migrations, connecting).
 */
export async function killRepeatedly(loop: KillLoop): Promise<KillOutcome> {
  const resumedExpected = new Map<number, boolean>();
  const finishedBeforeKill = new Set<number>();
  let kills = 0;
  // A kill that came after the run had succeeded interrupted nothing: another one is tried,
  // against a new pass, up to twice as many times as asked.
  for (let tries = 0; tries < loop.kills * 3 && kills < loop.kills; tries++) {
    const checkpointBefore = await hasCheckpoint(loop.pool, loop.accountId);
    const before = await lastRunId(loop.pool, loop.accountId);
    const child = loop.start();
    let exit: CliExit | undefined;
    void child.done.then((done) => (exit = done));

    await waitForMoment(loop, before, () => exit !== undefined);
    if (exit !== undefined) return { kills, endedBy: exit, resumedExpected, finishedBeforeKill };

    child.child.kill('SIGKILL');
    await child.done;
    let interrupted = true;
    for (const run of await runsOf(loop.pool, loop.accountId)) {
      if (run.id <= before) continue;
      resumedExpected.set(run.id, checkpointBefore);
      if (run.status === 'succeeded') finishedBeforeKill.add(run.id);
      if (run.status === 'succeeded') interrupted = false;
    }
    if (interrupted) kills += 1;
  }
  return { kills, endedBy: undefined, resumedExpected, finishedBeforeKill };
}

/**
 * Waits for the moment of the kill: a random point of start-up, or a random number of pages
 * into the run and then a random part of the next one, so that kills land before, between
 * and inside the batches of a listing that makes progress.
 */
async function waitForMoment(loop: KillLoop, before: number, ended: () => boolean) {
  if (loop.random.next() < EARLY_KILL_SHARE) {
    await sleep(loop.random.between(100, 1500));
    return;
  }
  const pages = loop.random.between(0, loop.maxPagesPerKill);
  // Within a page or so: a page of a few hundred licenses takes tens of milliseconds.
  const delayMs = loop.random.between(0, 60);
  const pagesBefore = await pagesDone(loop.pool, loop.accountId);
  const waiting = { timeoutMs: loop.runStartTimeoutMs, stop: ended };
  await waitForNewRun(loop.pool, loop.accountId, before, {
    ...waiting,
    whileWaiting: loop.whileWaiting,
  });
  const deadline = Date.now() + loop.runStartTimeoutMs;
  while (!ended() && Date.now() < deadline) {
    if ((await pagesDone(loop.pool, loop.accountId)) >= pagesBefore + pages) break;
    await sleep(25);
  }
  await sleep(delayMs);
}

/** How many pages a run may get through before its kill, so that `kills` fit in one listing. */
export function maxPagesPerKill(licenses: number, pageSize: number, kills: number): number {
  const pages = Math.ceil(licenses / pageSize);
  // Half the listing's pages spread over the kills leaves the other half for the last run.
  return Math.max(1, Math.floor(pages / Math.max(1, kills)));
}

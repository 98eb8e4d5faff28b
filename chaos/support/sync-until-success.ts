import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosContext } from './chaos-context.js';
import { runCli, type CliExit } from './cli-process.js';

export interface SyncAttempts {
  /** Runs that ended failed before one succeeded. */
  failed: number;
  succeeded: boolean;
  /** A run that neither finished nor failed within the time limit; it was killed. */
  stuck: boolean;
  /** The highest peak RSS of the runs, in MB. */
  peakRssMb: number;
  exits: CliExit[];
}

/**
 * Runs `license-sync sync` for the account until a run succeeds, as the next night would,
 * at most `maxRuns` times; a run still going after `timeoutMs` counts as stuck and is killed.
 */
export async function syncUntilSuccess(
  context: ChaosContext,
  environment: Record<string, string>,
  accountId: string,
  options: { maxRuns?: number; timeoutMs?: number; args?: string[] } = {},
): Promise<SyncAttempts> {
  const attempts: SyncAttempts = {
    failed: 0,
    succeeded: false,
    stuck: false,
    peakRssMb: 0,
    exits: [],
  };
  for (let run = 0; run < (options.maxRuns ?? 4) && !attempts.succeeded; run++) {
    const args = ['sync', '--account', accountId, '--json', ...(options.args ?? [])];
    const child = runCli(args, environment, context.output);
    const timeout = sleep(options.timeoutMs ?? 60_000).then(() => 'timeout' as const);
    const ended = await Promise.race([child.done, timeout]);
    if (ended === 'timeout') {
      attempts.stuck = true;
      child.child.kill('SIGKILL');
    }
    const exit = await child.done;
    attempts.exits.push(exit);
    attempts.peakRssMb = Math.max(attempts.peakRssMb, exit.peakRssMb);
    if (exit.code === 0) attempts.succeeded = true;
    else attempts.failed += 1;
  }
  return attempts;
}

import { Command, Option } from 'commander';
import { openRuntime, type Runtime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import {
  enqueueAccountSync,
  enqueueLicenseRefresh,
  enqueueSyncAll,
  withLicenseQueue,
  type EnqueueResult,
  type LicenseQueue,
} from '../../queue/license-queue.js';
import { waitForRun, type FinishedRun } from '../../queue/wait-for-run.js';
import { runMigrations } from '../../store/migrate.js';
import { databaseNow } from '../../store/runs.js';
import { ExitCode } from '../exit-codes.js';
import { describeCounts } from '../progress.js';

interface EnqueueOptions {
  account?: string;
  all?: boolean;
  license?: string;
  integration?: string;
  full?: boolean;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

export function registerEnqueueCommand(program: Command): void {
  program
    .command('enqueue')
    .description('Ask the workers for a sync of one account, of every account, or of one license.')
    .addOption(new Option('-a, --account <id>', 'the integrated account to sync').conflicts('all'))
    .option('--all', 'sync every active account that lists licenses (the nightly fan-out, now)')
    .option('-l, --license <id>', 'with --account: read only this license again')
    .option('-i, --integration <name>', 'the account’s integration, for its query parameters')
    .option('--full', 'ignore the account’s checkpoint and list it from the first page')
    .option('-w, --wait', 'wait for the run that serves the request and print its outcome')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '3600')
    .option('--json', 'print the outcome as one JSON object')
    .addHelpText(
      'after',
      `
On-demand requests go before the nightly work. A request for an account that already has a
sync waiting joins it; one made while it syncs is kept once and runs right after.
With --wait, exits 0 when the run succeeded and 1 when it failed or the time ran out.

Examples:
  $ license-sync enqueue --account 3f0c…e1 --wait
  $ license-sync enqueue --account 3f0c…e1 --license sku-123
  $ license-sync enqueue --all`,
    )
    .action(async (options: EnqueueOptions, command: Command) => {
      process.exitCode = await runEnqueue(options, command);
    });
}

async function runEnqueue(options: EnqueueOptions, command: Command): Promise<number> {
  if (options.license !== undefined && options.account === undefined) {
    command.error('error: --license needs --account', { exitCode: ExitCode.usage });
  }
  if (options.all !== true && options.account === undefined) {
    command.error('error: give --account <id> or --all', { exitCode: ExitCode.usage });
  }
  const runtime = openRuntime(loadConfig());
  const { redisUrl, queue: queueConfig } = runtime.config;
  try {
    await runMigrations(runtime.database);
    const since = await databaseNow(runtime.database.db);
    const result = await withLicenseQueue(redisUrl, queueConfig, (queue) => submit(queue, options));
    report(result, options);
    if (options.wait !== true || options.all === true) return ExitCode.ok;
    return await waitAndReport(runtime, options, since);
  } finally {
    await runtime.close();
  }
}

function submit(queue: LicenseQueue, options: EnqueueOptions): Promise<EnqueueResult> {
  const trigger = 'on-demand' as const;
  const integration = options.integration ?? null;
  if (options.account === undefined) return enqueueSyncAll(queue, trigger);
  if (options.license !== undefined) {
    const data = { integratedAccountId: options.account, licenseId: options.license };
    return enqueueLicenseRefresh(queue, { ...data, integration, trigger });
  }
  return enqueueAccountSync(queue, {
    integratedAccountId: options.account,
    integration,
    full: options.full === true,
    trigger,
    // Asked for by a person: runs even for an account held for re-authorization.
    force: true,
  });
}

function report(result: EnqueueResult, options: EnqueueOptions): void {
  if (options.json === true && options.wait !== true) {
    console.log(JSON.stringify(result));
    return;
  }
  const how = result.merged ? 'joined job' : 'queued job';
  console.error(`${how} ${result.jobId}`);
  if (options.json !== true) console.log(result.jobId);
}

async function waitAndReport(
  runtime: Runtime,
  options: EnqueueOptions,
  since: string,
): Promise<number> {
  const run = await waitForRun(runtime.database.db, {
    integratedAccountId: options.account ?? '',
    licenseId: options.license,
    since,
    timeoutMs: Number(options.timeout) * 1000,
  });
  if (run === null) {
    console.error(`No run finished within ${options.timeout}s; the job is still queued.`);
    return ExitCode.failed;
  }
  console.log(options.json === true ? JSON.stringify(runJson(run, options)) : describeRun(run));
  return run.status === 'succeeded' ? ExitCode.ok : ExitCode.failed;
}

/** The keys `sync --json` prints too, so that scripts read both alike. */
function runJson(run: FinishedRun, options: EnqueueOptions) {
  const { id, status, error, ...counts } = run;
  const request = { integratedAccountId: options.account, licenseId: options.license ?? null };
  return { runId: id, ...request, status, counts, error };
}

function describeRun(run: FinishedRun): string {
  const error = run.error === null ? '' : ` — ${run.error}`;
  return `run ${run.id} ${run.status}: ${describeCounts(run)}${error}`;
}

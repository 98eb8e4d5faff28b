import type pg from 'pg';
import type { StandInAccount } from '../../src/stand-in/truto-stand-in.js';
import { addComparison, emptyTally, type ScenarioResult, type Tally } from '../report.js';
import type { ChaosContext } from './chaos-context.js';
import { compareDigests, digestAccount, isExact } from './table-digest.js';

export interface Scenario {
  name: string;
  /** Whether it starts throw-away servers (never part of the fast run inside `npm test`). */
  needsOwnServers?: boolean;
  run(context: ChaosContext, record: ScenarioRecord): Promise<void>;
}

/** What a scenario fills in as it goes; a thrown error becomes one more problem. */
export interface ScenarioRecord {
  tally: Tally;
  problems: string[];
  notes: string[];
}

export async function runScenario(
  context: ChaosContext,
  scenario: Scenario,
): Promise<ScenarioResult> {
  const started = performance.now();
  const record: ScenarioRecord = { tally: emptyTally(), problems: [], notes: [] };
  context.log(`scenario ${scenario.name}`);
  try {
    await scenario.run(context, record);
  } catch (error) {
    record.problems.push(`stopped by an error: ${describe(error)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { name: scenario.name, seconds, ...record };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/**
 * Compares an account's rows with a clean sync of the same data, adds what differs to the
 * tally, and says so as a problem. Returns whether the rows are exactly the expected ones.
 */
export async function checkAgainstReference(
  context: ChaosContext,
  record: ScenarioRecord,
  pool: pg.Pool,
  account: StandInAccount,
  label = account.id,
): Promise<boolean> {
  const expected = await context.reference.expected(account);
  const actual = await digestAccount(pool, account.id);
  const comparison = compareDigests(expected, actual);
  addComparison(record.tally, comparison);
  if (isExact(comparison)) return true;
  record.problems.push(
    `${label}: the tables differ from a clean sync: ${JSON.stringify(comparison)}`,
  );
  return false;
}

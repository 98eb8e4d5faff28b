import type { Fault } from '../../src/stand-in/truto-stand-in.js';
import type { ChaosContext } from '../support/chaos-context.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { syncUntilSuccess } from '../support/sync-until-success.js';

/** A fault before it is aimed at the case's account. */
type FaultWithoutAccount = Fault extends infer F
  ? F extends unknown
    ? Omit<F, 'accountId'>
    : never
  : never;

interface FaultCase {
  name: string;
  /** Given the seeded randomness: how many requests pass before the fault. */
  faults: (skip: number) => FaultWithoutAccount[];
}

/** Every fault of the stand-in that a listing can meet, each on an account of its own. */
export const FAULT_CASES: readonly FaultCase[] = [
  {
    name: 'burst of 429 (Retry-After)',
    faults: (skip) => [{ kind: 'rate-limit', retryAfterSeconds: 1, afterRequests: skip, times: 3 }],
  },
  {
    name: 'burst of 429 (ratelimit-reset, HTTP date)',
    faults: (skip) => [
      { kind: 'rate-limit', ratelimitResetSeconds: 1, afterRequests: skip, times: 2 },
      { kind: 'rate-limit', retryAfterDate: true, retryAfterSeconds: 1, times: 2 },
    ],
  },
  {
    name: '5xx storm longer than the retries',
    faults: (skip) => [
      { kind: 'status', status: 500, afterRequests: skip, times: 3 },
      { kind: 'status', status: 502, times: 3 },
      { kind: 'status', status: 504, times: 3 },
    ],
  },
  {
    name: 'truncated bodies',
    faults: (skip) => [{ kind: 'truncate', afterRecords: 37, afterRequests: skip, times: 3 }],
  },
  {
    name: 'stalled bodies',
    faults: (skip) => [{ kind: 'stall', afterRecords: 11, afterRequests: skip, times: 2 }],
  },
  {
    name: 'headers later than the time-out',
    faults: (skip) => [{ kind: 'slow-headers', delayMs: 4_000, afterRequests: skip, times: 2 }],
  },
  {
    name: 'slow trickle of bytes',
    faults: (skip) => [
      { kind: 'trickle', bytesPerChunk: 512, delayMs: 5, afterRequests: skip, times: 4 },
    ],
  },
  {
    name: 'invalid JSON',
    faults: (skip) => [{ kind: 'invalid-json', afterRequests: skip, times: 3 }],
  },
  {
    name: 'wrong content type',
    faults: (skip) => [{ kind: 'wrong-content-type', afterRequests: skip, times: 3 }],
  },
  {
    // On a page with a cursor: on the first page the fault hands out a cursor to that page
    // itself, so the listing really returns its licenses twice, and listed_twice_at says so.
    name: 'repeating cursor',
    faults: (skip) => [{ kind: 'repeat-cursor', withCursor: true, afterRequests: skip, times: 1 }],
  },
  {
    name: 'expired cursor mid-listing and on resume',
    faults: (skip) => [{ kind: 'expired-cursor', withCursor: true, afterRequests: skip, times: 2 }],
  },
  {
    name: 'a body that never ends',
    faults: (skip) => [{ kind: 'endless', afterRequests: skip, times: 1 }],
  },
];

const LICENSES = 1_000;
const PAGE_SIZE = 100;

/**
 * Each fault on an account of its own, synced with `license-sync sync` until a run succeeds
 * (retries within a run, or a later run); the tables must then equal a clean sync's.
 */
export function upstreamFaults(cases: readonly FaultCase[] = FAULT_CASES): Scenario {
  return {
    name: 'upstream-faults',
    async run(context: ChaosContext, record: ScenarioRecord) {
      const database = await context.createSchema('upstream');
      const standIn = await context.startStandIn([], PAGE_SIZE);
      const environment = context.environment({ schema: database.schema }, standIn, {
        TRUTO_PAGE_SIZE: String(PAGE_SIZE),
      });

      for (const [index, faultCase] of cases.entries()) {
        const account = { id: `chaos-upstream-${index + 1}`, licenses: LICENSES };
        standIn.setAccount(account);
        const faults = faultCase.faults(context.random.between(0, 6));
        for (const fault of faults) standIn.injectFault({ ...fault, accountId: account.id });
        record.tally.faultsInjected += faults.reduce((sum, fault) => sum + (fault.times ?? 1), 0);

        const attempts = await syncUntilSuccess(context, environment, account.id);
        const label = `${faultCase.name} (${account.id})`;
        if (attempts.stuck) record.problems.push(`${label}: a run was stuck and had to be killed`);
        if (!attempts.succeeded) {
          record.problems.push(`${label}: no run succeeded in ${attempts.exits.length}`);
        }
        const exact = await checkAgainstReference(context, record, database.pool, account, label);
        if (exact && attempts.succeeded) record.tally.runsRecovered += attempts.failed;
        record.notes.push(`${label}: ${attempts.failed} failed run(s) before success`);
      }
    },
  };
}

import { describe, expect, it } from 'vitest';
import { runChaos } from '../chaos/chaos.js';
import { passed, sumTallies } from '../chaos/report.js';
import { badInput } from '../chaos/scenarios/bad-input.js';
import { crashInline } from '../chaos/scenarios/crash-inline.js';
import { secretScan } from '../chaos/scenarios/secret-scan.js';
import { FAULT_CASES, upstreamFaults } from '../chaos/scenarios/upstream-faults.js';

/**
 * The fast part of `npm run chaos`: a few kills over a small listing, two upstream faults,
 * every bad input and the secret scan, on the shared services only (no restarts).
 */
describe('the chaos suite, reduced', () => {
  it('loses, duplicates, changes and leaks nothing through kills, faults and bad input', async () => {
    const twoFaults = FAULT_CASES.filter((faultCase) =>
      ['5xx storm longer than the retries', 'a body that never ends'].includes(faultCase.name),
    );
    const options = {
      licenses: 4_000,
      kills: 3,
      seed: 1,
      json: false,
      only: [],
      ownServers: false,
    };
    const results = await runChaos(options, [
      crashInline,
      upstreamFaults(twoFaults),
      badInput,
      secretScan,
    ]);

    expect(results.flatMap((result) => result.problems)).toEqual([]);
    const total = sumTallies(results);
    expect(total).toMatchObject({
      kills: 3,
      rowsLost: 0,
      rowsDuplicated: 0,
      rowsDiffering: 0,
      falseDeletions: 0,
      tokenLeaks: 0,
    });
    expect(total.faultsInjected).toBeGreaterThan(0);
    expect(total.badInputsTried).toBeGreaterThan(20);
    expect(passed(results)).toBe(true);
  }, 120_000);
});

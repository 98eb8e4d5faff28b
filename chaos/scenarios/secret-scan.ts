import type { ChaosContext } from '../support/chaos-context.js';
import type { Scenario, ScenarioRecord } from '../support/scenario.js';
import { occurrences, scanDatabase, scanRedis } from '../support/secret-scan.js';

/**
 * After every other scenario: the API token every child was given must appear in none of
 * their output, in no key or value under the suite's queue prefixes, and in no row of its
 * schemas. (Scenarios with throw-away servers scan those before they stop them.)
 */
export const secretScan: Scenario = {
  name: 'secret-scan',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const output = context.output.join('\n');
    const inOutput = occurrences(output, context.token);
    const redis = await scanRedis(context.redisUrl, context.prefixes, context.token);
    let rows = 0;
    let inDatabase = 0;
    for (const database of context.schemas) {
      const scanned = await scanDatabase(database, context.token);
      rows += scanned.rows;
      inDatabase += scanned.found;
    }

    record.tally.tokenLeaks += inOutput + redis.found + inDatabase;
    record.notes.push(
      `scanned ${(output.length / 1e6).toFixed(1)} MB of output from ` +
        `${context.output.length / 2} children, ${redis.keys} Redis keys, ` +
        `${rows} rows in ${context.schemas.length} schemas`,
    );
    if (inOutput > 0) record.problems.push(`the token appears ${inOutput} times in the output`);
    if (redis.found > 0) record.problems.push(`the token appears ${redis.found} times in Redis`);
    if (inDatabase > 0) record.problems.push(`the token appears ${inDatabase} times in Postgres`);
    if (output.length === 0) record.problems.push('no child output was captured to scan');
  },
};

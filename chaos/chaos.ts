/**
 * The crash, fault and bad-input suite: drives the real command line and workers against the
 * Truto stand-in, a real Postgres and a real Redis, and reports what survived.
 *
 *   npm run chaos -- [--licenses 50000] [--kills 20] [--seed S] [--only a,b] [--no-own-servers] [--json]
 */
import { parseArgs } from 'node:util';
import { integerOptions } from '../src/stand-in/integer-options.js';
import { formatReport, passed, reportJson, type ScenarioResult } from './report.js';
import { ChaosContext, type ChaosOptions } from './support/chaos-context.js';
import { runScenario, type Scenario } from './support/scenario.js';
import { SCENARIOS } from './scenarios/all-scenarios.js';

/** Runs the chosen scenarios in order, then removes everything they made. */
export async function runChaos(
  options: ChaosOptions,
  scenarios: readonly Scenario[] = chosen(options),
): Promise<ScenarioResult[]> {
  const context = new ChaosContext(options);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      results.push(await runScenario(context, scenario));
    }
  } finally {
    await context.close();
  }
  return results;
}

function chosen(options: ChaosOptions): Scenario[] {
  const unknown = options.only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    const known = SCENARIOS.map((scenario) => scenario.name).join(', ');
    throw new Error(`Unknown scenario ${unknown.join(', ')}; choose from ${known}`);
  }
  return SCENARIOS.filter(
    (scenario) =>
      (options.only.length === 0 || options.only.includes(scenario.name)) &&
      (options.ownServers || scenario.needsOwnServers !== true),
  );
}

function readOptions(): ChaosOptions {
  const { values } = parseArgs({
    options: {
      licenses: { type: 'string', default: '50000' },
      kills: { type: 'string', default: '20' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      only: { type: 'string', default: '' },
      'no-own-servers': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const { integer, problems } = integerOptions();
  const options = {
    licenses: integer('licenses', values.licenses, 100),
    kills: integer('kills', values.kills, 1),
    seed: integer('seed', values.seed, 0),
    json: values.json,
    only: values.only.split(',').filter(Boolean),
    ownServers: !values['no-own-servers'],
  };
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return options;
}

async function main(): Promise<void> {
  const options = readOptions();
  const results = await runChaos(options);
  console.log(formatReport(results, options.seed));
  if (options.json) console.log(reportJson(results, options.seed));
  process.exitCode = passed(results) ? 0 : 1;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  await main();
}

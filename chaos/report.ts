import type { DigestComparison } from './support/table-digest.js';

/** What the suite tried and what survived, summed over its scenarios. */
export interface Tally {
  kills: number;
  faultsInjected: number;
  badInputsTried: number;
  /** Runs that failed (killed or faulted) and whose account a later run brought to the right state. */
  runsRecovered: number;
  rowsLost: number;
  rowsDuplicated: number;
  /** Rows stored with other content than the clean run stored. */
  rowsDiffering: number;
  falseDeletions: number;
  tokenLeaks: number;
}

export interface ScenarioResult {
  name: string;
  /** Each sentence is a way the scenario failed; none means it passed. */
  problems: string[];
  tally: Tally;
  seconds: number;
  /** Figures worth reading beside the tally, e.g. the peak memory of a child. */
  notes: string[];
}

export const emptyTally = (): Tally => ({
  kills: 0,
  faultsInjected: 0,
  badInputsTried: 0,
  runsRecovered: 0,
  rowsLost: 0,
  rowsDuplicated: 0,
  rowsDiffering: 0,
  falseDeletions: 0,
  tokenLeaks: 0,
});

export function addComparison(tally: Tally, comparison: DigestComparison): void {
  tally.rowsLost += comparison.lost;
  tally.rowsDuplicated += comparison.duplicated;
  tally.rowsDiffering += comparison.differing;
  tally.falseDeletions += comparison.falseDeletions;
}

export function sumTallies(results: readonly ScenarioResult[]): Tally {
  const total = emptyTally();
  for (const { tally } of results) {
    for (const key of Object.keys(total) as (keyof Tally)[]) total[key] += tally[key];
  }
  return total;
}

/** Whether the suite passed: nothing lost, duplicated, changed, falsely deleted or leaked. */
export function passed(results: readonly ScenarioResult[]): boolean {
  const total = sumTallies(results);
  const damage = total.rowsLost + total.rowsDuplicated + total.rowsDiffering + total.falseDeletions;
  return damage + total.tokenLeaks === 0 && results.every((result) => result.problems.length === 0);
}

/** The closing table as text: one line per scenario, then the totals. */
export function formatReport(results: readonly ScenarioResult[], seed: number): string {
  const lines = [`license-sync chaos suite, seed ${seed}`, ''];
  for (const result of results) {
    const verdict = result.problems.length === 0 ? 'ok    ' : 'FAILED';
    lines.push(`${verdict} ${result.name} (${result.seconds.toFixed(1)} s)`);
    for (const note of result.notes) lines.push(`         ${note}`);
    for (const problem of result.problems) lines.push(`         problem: ${problem}`);
  }

  const total = sumTallies(results);
  const rows: [string, number][] = [
    ['kills', total.kills],
    ['faults injected', total.faultsInjected],
    ['bad inputs tried', total.badInputsTried],
    ['runs recovered', total.runsRecovered],
    ['rows lost', total.rowsLost],
    ['rows duplicated', total.rowsDuplicated],
    ['rows differing', total.rowsDiffering],
    ['false deletions', total.falseDeletions],
    ['token leaks', total.tokenLeaks],
  ];
  lines.push('', '| figure | count |', '| --- | --- |');
  for (const [label, count] of rows) lines.push(`| ${label} | ${count} |`);
  lines.push('', passed(results) ? 'PASSED' : 'FAILED');
  return lines.join('\n');
}

/** The closing table as one JSON object, for the last line of `--json`. */
export function reportJson(results: readonly ScenarioResult[], seed: number): string {
  const total = sumTallies(results);
  return JSON.stringify({
    kills: total.kills,
    faults_injected: total.faultsInjected,
    bad_inputs_tried: total.badInputsTried,
    runs_recovered: total.runsRecovered,
    rows_lost: total.rowsLost,
    rows_duplicated: total.rowsDuplicated,
    rows_differing: total.rowsDiffering,
    false_deletions: total.falseDeletions,
    token_leaks: total.tokenLeaks,
    seed,
    passed: passed(results),
    scenarios: results.map((result) => ({
      name: result.name,
      ok: result.problems.length === 0,
      seconds: Number(result.seconds.toFixed(1)),
      problems: result.problems,
    })),
  });
}

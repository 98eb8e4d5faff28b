import { runCopyPhase } from './phases/copy-phase.js';
import { runNaivePhase } from './phases/naive-phase.js';
import { runParsePhase } from './phases/parse-phase.js';
import { peakRssMb, type PhaseInput, type PhaseResult } from './phases/phase-types.js';
import { runSyncPhase } from './phases/sync-phase.js';

/**
 * Runs one phase of the benchmark in this process and prints its result as the last line,
 * so that each phase's peak memory is its own.
 */
const phases: Record<string, (input: PhaseInput) => Promise<PhaseResult>> = {
  sync: runSyncPhase,
  copy: runCopyPhase,
  parse: runParsePhase,
  naive: runNaivePhase,
};

const [name, json] = process.argv.slice(2);
const phase = name === undefined ? undefined : phases[name];
if (phase === undefined || json === undefined) {
  console.error(`usage: run-phase.ts <${Object.keys(phases).join('|')}> <input as JSON>`);
  process.exit(2);
}
try {
  const result = await phase(JSON.parse(json) as PhaseInput);
  console.log(JSON.stringify({ ok: true, ...result }));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const failure = { ok: false, error: message.slice(0, 300), peakRssMb: peakRssMb(), seconds: 0 };
  console.log(JSON.stringify(failure));
}

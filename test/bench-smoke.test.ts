import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * `npm run bench` on a listing small enough for the test suite: it checks that every phase
 * runs and that the JSON line holds what the README and the issue promise, not the figures
 * themselves, which a test on a shared machine cannot judge.
 */
function runBench(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bench.ts', ...args], {
    encoding: 'utf8',
    timeout: 150_000,
  });
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  return { status: result.status, stderr: result.stderr, lastLine };
}

const REQUIRED_FIGURES = [
  'sync_licenses_per_s',
  'copy_licenses_per_s',
  'naive_licenses_per_s',
  'parse_mb_per_s',
  'resync_licenses_per_s',
  'peak_rss_mb',
  'max_event_loop_block_ms',
  'sync_to_copy_ratio',
  'resync_to_sync_ratio',
];

describe('npm run bench', () => {
  it("runs every phase in each round and judges the ratios on the rounds' median", () => {
    const args = ['--licenses', '1000', '--naive-licenses', '50', '--rounds', '3', '--json'];
    const run = runBench(args);
    const figures = JSON.parse(run.lastLine.length > 0 ? run.lastLine : '{}') as Record<
      string,
      unknown
    > & { per_round?: { sync_to_copy: number; resync_rows_written: number }[] };

    expect(run.status).toBe(0);
    expect(figures).toMatchObject({ licenses: 1000, rounds: 3, resync_rows_written: 0 });
    expect(figures.errors).toEqual({});
    for (const key of REQUIRED_FIGURES) expect(figures[key], key).toBeGreaterThan(0);
    expect(Object.keys(figures.targets as object)).toHaveLength(7);
    const ratios = (figures.per_round ?? []).map((round) => round.sync_to_copy);
    expect(ratios).toHaveLength(3);
    expect(figures.sync_to_copy_ratio).toBe(ratios.sort((a, b) => a - b)[1]);
  }, 180_000);

  it('refuses bad options before starting anything', () => {
    const run = runBench(['--rounds', '0', '--licenses', 'many', '--json']);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--rounds must be an integer >= 1, got "0"');
    expect(run.stderr).toContain('--licenses must be an integer >= 1, got "many"');
    expect(run.lastLine).toBe('');
  });
});

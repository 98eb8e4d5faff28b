import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryRateLimits,
  createRedisRateLimits,
  tokenFingerprint,
  type RateLimitGate,
  type RateLimitOptions,
} from '../src/truto/redis-rate-limits.js';
import { sliceBudget } from '../src/truto/rate-slices.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const PREFIX = `test-rate-${randomUUID().slice(0, 8)}`;
const WINDOW_MS = 1_000;
// Two connections, as two worker processes would have.
const workerA = new Redis(REDIS);
const workerB = new Redis(REDIS);

afterAll(async () => {
  for (const key of await keysUnder(PREFIX)) await workerA.del(key);
  await Promise.all([workerA.quit(), workerB.quit()]);
});

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await workerA.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

function options(overrides: Partial<RateLimitOptions>): RateLimitOptions {
  return {
    perAccount: 100,
    perToken: 100,
    windowMs: WINDOW_MS,
    keyPrefix: PREFIX,
    tokenFingerprint: tokenFingerprint(randomUUID()),
    ...overrides,
  };
}

/** Starts every call at once and notes when each was let through, in ms from the start. */
async function release(calls: [RateLimitGate, string | null][]): Promise<number[]> {
  const start = performance.now();
  return Promise.all(
    calls.map(async ([gate, account]) => {
      await gate.acquire(account);
      return performance.now() - start;
    }),
  );
}

/** The most calls let through within any stretch of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  return Math.max(
    ...times.map((from) => times.filter((t) => t >= from && t < from + windowMs).length),
  );
}

/** Two gates on separate connections, as two worker processes would have; call `i` uses one. */
function twoWorkers(shared: RateLimitOptions): (i: number) => RateLimitGate {
  const onA = createRedisRateLimits(workerA, shared);
  const onB = createRedisRateLimits(workerB, shared);
  return (i) => (i % 2 === 0 ? onA : onB);
}

function repeat<T>(count: number, make: (index: number) => T): T[] {
  return Array.from({ length: count }, (_, index) => make(index));
}

describe('sliceBudget', () => {
  it("spreads Truto's budgets over one-second slices", () => {
    expect(sliceBudget('perToken', 500, 10_000)).toEqual({ points: 45, sliceSeconds: 1 });
    expect(sliceBudget('perAccount', 50, 10_000)).toEqual({ points: 4, sliceSeconds: 1 });
  });

  it('never lets more than the limit into any window', () => {
    for (const windowMs of [300, 1_000, 1_500, 2_000, 7_300, 10_000, 60_000]) {
      for (const limit of [2, 3, 5, 9, 44, 50, 101, 500]) {
        const { points, sliceSeconds } = sliceBudget('limit', limit, windowMs);
        const touched = Math.ceil(windowMs / (sliceSeconds * 1_000)) + 1;
        expect(points).toBeGreaterThanOrEqual(1);
        expect(points * touched).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('refuses a budget it cannot hold, naming the setting', () => {
    expect(() => sliceBudget('perAccount', 1, 10_000)).toThrow(/perAccount .* got 1/);
    expect(() => sliceBudget('perToken', 2.5, 10_000)).toThrow(/perToken/);
    expect(() => sliceBudget('perToken', 50, 0)).toThrow(/windowMs/);
  });
});

describe('Redis rate limits', () => {
  it('lets at most N requests of one account through per window, across clients', async () => {
    const perAccount = 6;
    const shared = options({ perAccount });
    const gate = twoWorkers(shared);

    const times = await release(repeat(3 * perAccount, (i) => [gate(i), 'acct-1']));

    expect(times).toHaveLength(3 * perAccount);
    expect(times.filter((t) => t < WINDOW_MS).length).toBeLessThanOrEqual(perAccount);
    expect(busiestWindow(times, WINDOW_MS)).toBeLessThanOrEqual(perAccount);
  });

  it('holds the token budget across accounts', async () => {
    const perToken = 6;
    const shared = options({ perToken });
    const gate = twoWorkers(shared);

    const accounts = ['acct-a', 'acct-b', null];
    const times = await release(repeat(3 * perToken, (i) => [gate(i), accounts[i % 3] ?? null]));

    expect(times.filter((t) => t < WINDOW_MS).length).toBeLessThanOrEqual(perToken);
    expect(busiestWindow(times, WINDOW_MS)).toBeLessThanOrEqual(perToken);
  });

  it("does not spend the token's budget on an account that must wait", async () => {
    // 2 per slice for each account, 6 for the token: were the busy account's waiters to take
    // token points, its 8 calls would leave none for the quiet account until the next slice.
    const gate = createRedisRateLimits(workerA, options({ perAccount: 4, perToken: 12 }));
    const busy = release(repeat(8, () => [gate, 'busy']));
    const quiet = await release(repeat(2, () => [gate, 'quiet']));

    expect(Math.max(...quiet)).toBeLessThan(WINDOW_MS);
    await busy;
  });

  it('gives back the account point of a request the token budget held back', async () => {
    // One token point per 10 s slice, already spent, so the account call has to wait.
    const keyPrefix = `${PREFIX}:refund`;
    const gate = createRedisRateLimits(
      workerA,
      options({ keyPrefix, perToken: 2, perAccount: 4, windowMs: 10_000 }),
    );
    await gate.acquire(null);

    const waiting = gate.acquire('acct-1', AbortSignal.timeout(200));

    await expect(waiting).rejects.toThrow();
    expect(await workerA.get(`${keyPrefix}:truto-rate:account:acct-1`)).toBe('0');
  });

  it('an abort signal ends the wait', async () => {
    const gate = createRedisRateLimits(workerA, options({ perAccount: 2, windowMs: 10_000 }));
    await gate.acquire('acct-1');
    const controller = new AbortController();
    const reason = new Error('job cancelled');

    const waiting = gate.acquire('acct-1', controller.signal);
    setTimeout(() => {
      controller.abort(reason);
    }, 50);

    await expect(waiting).rejects.toBe(reason);
    await expect(gate.acquire('acct-1', AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('the token never reaches Redis', async () => {
    const token = `secret-${randomUUID()}`;
    const keyPrefix = `${PREFIX}:secrecy`;
    const gate = createRedisRateLimits(
      workerA,
      options({ keyPrefix, tokenFingerprint: tokenFingerprint(token) }),
    );
    await Promise.all([gate.acquire('acct-1'), gate.acquire(null), gate.acquire('acct-2')]);

    const keys = await keysUnder(keyPrefix);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      expect(key).not.toContain(token);
      expect(await workerA.type(key)).toBe('string');
      expect(await workerA.get(key)).not.toContain(token);
    }
    expect(() => createRedisRateLimits(workerA, options({ tokenFingerprint: token }))).toThrow(
      /never the API token itself/,
    );
  });

  it('a Redis failure is an error, not a silent pass', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const gate = createRedisRateLimits(dead, options({}));

    const failure = await gate.acquire('acct-1').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/Could not check the Truto rate limits/);
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(gate.stats().acquired).toBe(0);
    dead.disconnect();
  });
});

describe('in-process rate limits', () => {
  it('lets at most N requests of one account through per window', async () => {
    const gate = createMemoryRateLimits({ perAccount: 6, perToken: 100, windowMs: WINDOW_MS });

    const times = await release(repeat(12, () => [gate, 'acct-1']));

    expect(busiestWindow(times, WINDOW_MS)).toBeLessThanOrEqual(6);
    expect(gate.stats()).toMatchObject({ acquired: 12 });
    expect(gate.stats().waits).toBeGreaterThan(0);
  });
});

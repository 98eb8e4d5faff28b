import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { sleep } from './abortable-sleep.js';
import { sliceBudget, type SlicedBudget } from './rate-slices.js';
import type { RequestGate } from './truto-client.js';

/** Truto's budgets, as its operator documentation states them. */
export interface RateLimitBudgets {
  /** Requests per window for one integrated account, whichever token makes them. */
  perAccount: number;
  /** Requests per window for one API token, over all its accounts. */
  perToken: number;
  windowMs: number;
}

export interface RateLimitOptions extends RateLimitBudgets {
  /** Starts every Redis key, e.g. the queue prefix, so that installations never share keys. */
  keyPrefix: string;
  /** Names the token's budget without holding the token: what `tokenFingerprint` returns. */
  tokenFingerprint: string;
}

export interface RateLimitGate extends RequestGate {
  /** What each limiter lets through per slice; see `sliceBudget`. */
  readonly slices: { account: SlicedBudget; token: SlicedBudget };
  /** Counts since the gate was made, for metrics. */
  stats(): RateLimitStats;
}

export interface RateLimitStats {
  /** Requests let through. */
  acquired: number;
  /** Times a request found a budget used up and waited. */
  waits: number;
  waitedMs: number;
}

interface Limiters {
  account: RateLimiterAbstract;
  token: RateLimiterAbstract;
}

/** Spreads waiters that found the same budget full, so they do not all come back at once. */
const MAX_JITTER_MS = 50;
/** Keeps a limiter that reports no wait from being asked again in a tight loop. */
const MIN_WAIT_MS = 5;
/** How long a slice must still have to run for an unused point to be given back safely. */
const REFUND_MARGIN_MS = 250;

/**
 * A gate shared by every process on one Redis: it holds each request until both the token's
 * and the account's budgets have room. The count lives in Redis, so its clock is Redis's.
 *
 * Note: an ioredis client that queues commands while offline makes requests wait for Redis to
 * come back; one with `enableOfflineQueue: false` makes them fail at once.
 */
export function createRedisRateLimits(redis: Redis, options: RateLimitOptions): RateLimitGate {
  assertFingerprint(options.tokenFingerprint);
  const limiter = (budget: string, slice: SlicedBudget) =>
    new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: false,
      keyPrefix: `${options.keyPrefix}:truto-rate:${budget}`,
      points: slice.points,
      duration: slice.sliceSeconds,
    });
  return createGate(options, limiter, options.tokenFingerprint);
}

/** The same gate within one process, for the foreground `sync` command, which has no Redis. */
export function createMemoryRateLimits(budgets: RateLimitBudgets): RateLimitGate {
  const limiter = (_budget: string, slice: SlicedBudget) =>
    new RateLimiterMemory({ points: slice.points, duration: slice.sliceSeconds });
  return createGate(budgets, limiter, 'token');
}

/** A short, stable name for an API token's budget, from which the token cannot be read back. */
export function tokenFingerprint(apiToken: string): string {
  if (apiToken.length === 0) throw new Error('tokenFingerprint needs a non-empty API token');
  return createHash('sha256').update(apiToken).digest('hex').slice(0, 16);
}

function createGate(
  budgets: RateLimitBudgets,
  limiter: (budget: string, slice: SlicedBudget) => RateLimiterAbstract,
  tokenKey: string,
): RateLimitGate {
  const slices = {
    account: sliceBudget('perAccount', budgets.perAccount, budgets.windowMs),
    token: sliceBudget('perToken', budgets.perToken, budgets.windowMs),
  };
  const limiters = {
    account: limiter('account', slices.account),
    token: limiter('token', slices.token),
  };
  const stats: RateLimitStats = { acquired: 0, waits: 0, waitedMs: 0 };

  async function acquire(integratedAccountId: string | null, signal?: AbortSignal) {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = await tryAcquire(limiters, tokenKey, integratedAccountId);
      if (waitMs === 0) {
        stats.acquired += 1;
        return;
      }

      const jittered = Math.max(waitMs, MIN_WAIT_MS) + Math.random() * MAX_JITTER_MS;
      stats.waits += 1;
      stats.waitedMs += jittered;
      await sleep(jittered, signal);
    }
  }

  return { acquire, slices, stats: () => ({ ...stats }) };
}

/** Takes a point from each budget the request counts against: 0 if it may go, else ms to wait. */
async function tryAcquire(
  limiters: Limiters,
  tokenKey: string,
  integratedAccountId: string | null,
): Promise<number> {
  // The account first: a request its own account holds back then waits without spending the
  // token's budget, which every other account needs.
  const startedAt = performance.now();
  const account =
    integratedAccountId === null ? null : await take(limiters.account, integratedAccountId);
  if (account && !account.admitted) return account.msBeforeNext;

  const token = await take(limiters.token, tokenKey);
  if (token.admitted) return 0;

  if (account && integratedAccountId !== null) {
    const msLeft = account.msBeforeNext - (performance.now() - startedAt);
    await refund(limiters.account, integratedAccountId, msLeft);
  }
  return token.msBeforeNext;
}

async function take(limiter: RateLimiterAbstract, key: string) {
  try {
    const res = await limiter.consume(key);
    return { admitted: true, msBeforeNext: res.msBeforeNext };
  } catch (rejection) {
    // A used-up budget rejects with its state rather than an Error; anything else is the store.
    if (rejection instanceof RateLimiterRes) {
      return { admitted: false, msBeforeNext: rejection.msBeforeNext };
    }
    throw storeError(rejection);
  }
}

/**
 * Gives back the account point of a request the token's budget turned away, but only while
 * the account's slice surely runs on: given back after its key expired, the point would start
 * the next slice one over budget. Kept otherwise, the point is only a request not made.
 */
async function refund(limiter: RateLimiterAbstract, key: string, msLeft: number) {
  if (msLeft < REFUND_MARGIN_MS) return;
  try {
    await limiter.reward(key);
  } catch (error) {
    throw storeError(error);
  }
}

function storeError(cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `Could not check the Truto rate limits (${detail}), so no request was sent; ` +
      'workers keep these limits in Redis: check that it is reachable at REDIS_URL.',
    { cause },
  );
}

function assertFingerprint(fingerprint: string): void {
  // Only a hash may name the budget, so a token passed here by mistake never reaches Redis.
  if (!/^[0-9a-f]{8,64}$/.test(fingerprint)) {
    throw new Error(
      'tokenFingerprint must be the hex digest from tokenFingerprint(apiToken), ' +
        'never the API token itself',
    );
  }
}

/** What a fixed-window limiter is set to so that a budget holds over every window. */
export interface SlicedBudget {
  /** Requests let through per slice. */
  points: number;
  /** Length of one slice, in the whole seconds that rate-limiter-flexible keys expire by. */
  sliceSeconds: number;
}

/**
 * Turns "at most `limit` requests in any `windowMs`" into settings for a fixed-window limiter.
 *
 * A fixed window alone is not enough: its windows start when its key is first used, not when
 * Truto's do, so a full window's worth at the end of one and again at the start of the next
 * would put twice the limit into one of Truto's windows. Instead the budget is spread over
 * slices of `sliceSeconds`. A stretch of `windowMs` touches at most `ceil(windowMs / slice) + 1`
 * slices, however they fall (they never overlap, and there may be gaps between them), so
 * `points = floor(limit / that count)` keeps every stretch of `windowMs`, wherever it starts,
 * within `limit`. Of the whole-second slice lengths up to the window, the one that lets the
 * most through over time wins; for 500 per 10 s that is 45 per second (450 per 10 s), for 50
 * per 10 s 4 per second (40 per 10 s).
 *
 * Note: a window shorter than a second still gets one-second slices, since a key cannot expire
 * sooner; that is safe, only slower than the limit allows.
 */
export function sliceBudget(name: string, limit: number, windowMs: number): SlicedBudget {
  if (!Number.isInteger(limit) || limit < 2) {
    throw new RangeError(
      `${name} must be a whole number of at least 2 requests per window ` +
        `(a budget of 1 cannot be held by fixed windows); got ${String(limit)}`,
    );
  }
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`windowMs must be a positive number of milliseconds; got ${windowMs}`);
  }

  // One slice as long as the window (rounded up to a second) is touched twice by any window.
  const windowSeconds = Math.ceil(windowMs / 1000);
  let best: SlicedBudget = { points: Math.floor(limit / 2), sliceSeconds: windowSeconds };
  for (let sliceSeconds = 1; sliceSeconds < windowSeconds; sliceSeconds++) {
    const touched = Math.ceil(windowMs / (sliceSeconds * 1000)) + 1;
    const points = Math.floor(limit / touched);
    if (points / sliceSeconds > best.points / best.sliceSeconds) best = { points, sliceSeconds };
  }
  return best;
}

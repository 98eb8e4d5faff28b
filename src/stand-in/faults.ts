/**
 * Faults the stand-in injects on demand. They are the only source of failure for the
 * product's tests, the benchmark and the demo: nothing in the product switches on tests.
 */
export type RoutePath = 'licenses' | 'license' | 'accounts' | 'capabilities';

export interface FaultMatch {
  accountId?: string;
  path?: RoutePath;
  /** `true`: only requests that carry a `next_cursor`; `false`: only first pages. */
  withCursor?: boolean;
  /** Let this many matching requests through untouched first. */
  afterRequests?: number;
}

export type FaultKind =
  /** 429; only the headers given are sent (none given: no delay headers at all). */
  | {
      kind: 'rate-limit';
      retryAfterSeconds?: number;
      /** Send `Retry-After` as an HTTP date `retryAfterSeconds` (default 0) from now. */
      retryAfterDate?: boolean;
      /** Sends `ratelimit-reset` with `ratelimit-limit` and `ratelimit-remaining: 0`. */
      ratelimitResetSeconds?: number;
    }
  /** Any error status with Truto's error body; `remote` adds `truto_is_remote_error`. */
  | { kind: 'status'; status: number; remote?: boolean; message?: string }
  /** 401 with `truto_is_remote_error`: the vendor refused the account's credentials. */
  | { kind: 'vendor-unauthorized' }
  /** 503: the integrated account is blocked. */
  | { kind: 'blocked' }
  /**
   * 400 from the vendor for a `next_cursor` it no longer honours, as Truto passes on a
   * refused vendor token. Meant for requests that carry a cursor (`withCursor: true`).
   */
  | { kind: 'expired-cursor' }
  /** 200, writes the head and N records (default 1), then destroys the socket. */
  | { kind: 'truncate'; afterRecords?: number }
  /** 200, writes the head and N records (default 1), then nothing until close(). */
  | { kind: 'stall'; afterRecords?: number }
  /** Waits before sending the status and headers; the body then comes as usual. */
  | { kind: 'slow-headers'; delayMs: number }
  /** The usual body, in slices of `bytesPerChunk` bytes with a pause after each. */
  | { kind: 'trickle'; bytesPerChunk: number; delayMs: number }
  /** 200 application/json whose JSON breaks partway, then ends cleanly. */
  | { kind: 'invalid-json' }
  /**
   * A normal page whose `next_cursor` is the cursor the request came with. A first request
   * (no cursor) gets a sticky cursor to its own first page: requested again, with or without
   * the fault, that page always hands the same sticky cursor back. Listings only.
   */
  | { kind: 'repeat-cursor' }
  /** A normal page with `is_partial_response: true`. License pages only. */
  | { kind: 'partial' }
  /** 200 text/html, a proxy's error page. */
  | { kind: 'wrong-content-type' }
  /**
   * 200 and a result array that never ends: records are generated past the account's count
   * until the client closes the socket. License listings only.
   */
  | { kind: 'endless' };

export type Fault = FaultMatch & {
  /** How many matching requests get it; default 1, `Infinity` allowed. */
  times?: number;
} & FaultKind;

/** What a request is matched on. */
export interface FaultTarget {
  path: RoutePath | null;
  accountId: string | null;
  hasCursor: boolean;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
  skipped: number;
}

/**
 * Faults in the order they were injected. A request takes the first one that matches it and
 * is past its `afterRequests`; a matching fault still skipping counts the request and lets
 * later faults have it.
 */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  add(fault: Fault): void {
    validateFault(fault);
    this.#queue.push({ fault: { ...fault }, remaining: fault.times ?? 1, skipped: 0 });
  }

  clear(): void {
    this.#queue = [];
  }

  take(target: FaultTarget): Fault | undefined {
    for (const queued of this.#queue) {
      if (!matches(queued.fault, target)) {
        continue;
      }

      if (queued.skipped < (queued.fault.afterRequests ?? 0)) {
        queued.skipped += 1;
        continue;
      }

      queued.remaining -= 1;
      if (queued.remaining <= 0) {
        this.#queue = this.#queue.filter((other) => other !== queued);
      }
      return queued.fault;
    }
    return undefined;
  }
}

function matches(fault: FaultMatch, target: FaultTarget): boolean {
  return (
    (fault.path === undefined || fault.path === target.path) &&
    (fault.accountId === undefined || fault.accountId === target.accountId) &&
    (fault.withCursor === undefined || fault.withCursor === target.hasCursor)
  );
}

/** Rejects a fault a test could not have meant, saying what was expected and what came. */
function validateFault(fault: Fault): void {
  const problems: string[] = [];

  const times = fault.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    problems.push(`times must be a positive integer or Infinity, got ${String(fault.times)}`);
  }

  const after = fault.afterRequests ?? 0;
  if (!Number.isInteger(after) || after < 0) {
    problems.push(`afterRequests must be an integer >= 0, got ${String(fault.afterRequests)}`);
  }

  const status = fault.kind === 'status' ? fault.status : 400;
  if (!(Number.isInteger(status) && status >= 400 && status <= 599)) {
    problems.push(`status must be an error status from 400 to 599, got ${status}`);
  }

  if (fault.kind === 'trickle' && !(fault.bytesPerChunk >= 1 && fault.delayMs >= 0)) {
    problems.push(`bytesPerChunk must be >= 1 and delayMs >= 0`);
  }

  if (problems.length > 0) {
    throw new Error(`Fault ${JSON.stringify(fault.kind)}: ${problems.join('; ')}`);
  }
}

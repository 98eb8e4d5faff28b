/** What Truto documents as the wait when a 429 names none. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;

type HeaderValue = string | string[] | undefined;

/**
 * How long a 429 asks us to wait: `Retry-After` (seconds or an HTTP date), else the vendor's
 * `ratelimit-reset` (seconds), else Truto's documented default.
 */
export function rateLimitWaitMs(
  headers: Record<string, HeaderValue>,
  now: number = Date.now(),
): number {
  const retryAfter = first(headers['retry-after']);
  if (retryAfter !== undefined) {
    const wait = parseRetryAfter(retryAfter, now);
    if (wait !== undefined) return wait;
  }
  const reset = Number(first(headers['ratelimit-reset']));
  if (first(headers['ratelimit-reset']) !== undefined && Number.isFinite(reset) && reset >= 0) {
    return Math.ceil(reset * 1000);
  }
  return DEFAULT_RATE_LIMIT_WAIT_MS;
}

function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

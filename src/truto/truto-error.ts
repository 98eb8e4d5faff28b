/**
 * What went wrong with a call to Truto, in the terms its callers branch on: retry it, give up
 * on this run, or give up on the account until a person acts.
 */
export type TrutoErrorKind =
  | 'rate-limited' // 429: retry after the delay Truto asks for
  | 'server' // 500, 502, 504: retry with backoff
  | 'network' // refused, reset, a time-out, a body cut off: retry with backoff
  | 'bad-body' // a body that is not the JSON it should be: retry with backoff
  | 'token-rejected' // 401 from Truto itself: our API token is wrong
  | 'needs-reauth' // 401 from the vendor: the account's owner must reconnect it
  | 'blocked' // 503: the account is blocked in Truto
  | 'rejected'; // other 4xx: the request itself is wrong; retrying cannot help

const RETRYABLE: ReadonlySet<TrutoErrorKind> = new Set([
  'rate-limited',
  'server',
  'network',
  'bad-body',
]);

export interface TrutoErrorDetails {
  kind: TrutoErrorKind;
  status?: number;
  /** For `rate-limited`: how long Truto asked us to wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class TrutoError extends Error {
  override name = 'TrutoError';
  readonly kind: TrutoErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: TrutoErrorDetails) {
    super(message, { cause: details.cause });
    this.kind = details.kind;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

/** The parts of Truto's error body worth reporting. */
export interface TrutoErrorBody {
  message?: string;
  isRemote: boolean;
}

const MAX_MESSAGE = 300;

/** Reads the error body leniently: it may be empty, HTML from a proxy, or cut off. */
export function parseErrorBody(text: string): TrutoErrorBody {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const raw = body.raw_response === undefined ? undefined : JSON.stringify(body.raw_response);
    const message = typeof body.message === 'string' && body.message ? body.message : raw;
    return {
      message: message?.slice(0, MAX_MESSAGE),
      isRemote: body.truto_is_remote_error === true,
    };
  } catch {
    return { isRemote: false };
  }
}

/**
 * Turns an error status into the error its callers act on, with advice on what to do.
 * `subject` names what was asked for, e.g. "integrated account 3f0c…".
 */
export function errorForStatus(
  status: number,
  body: TrutoErrorBody,
  subject: string,
  retryAfterMs: number,
): TrutoError {
  const said = body.message ? ` Truto said: ${body.message}` : '';
  const account = subject;

  if (status === 401 && body.isRemote) {
    return new TrutoError(
      `The vendor rejected the credentials of ${account}: it needs re-authorization. ` +
        `Ask its owner to reconnect it in Truto, then sync again.${said}`,
      { kind: 'needs-reauth', status },
    );
  }
  if (status === 401) {
    return new TrutoError(
      `Truto refused the API token (401) when asked for ${account}. Check TRUTO_API_TOKEN: ` +
        `it must be a valid token of the account's environment.${said}`,
      { kind: 'token-rejected', status },
    );
  }
  if (status === 503) {
    return new TrutoError(
      `${capitalize(account)} is blocked in Truto (503); unblock it there before syncing.${said}`,
      { kind: 'blocked', status },
    );
  }
  if (status === 429) {
    return new TrutoError(`Truto rate-limited the request for ${account} (429).${said}`, {
      kind: 'rate-limited',
      status,
      retryAfterMs,
    });
  }
  if (status >= 500) {
    return new TrutoError(`Truto failed to answer for ${account} (${status}).${said}`, {
      kind: 'server',
      status,
    });
  }
  return new TrutoError(
    `Truto rejected the request for ${account} (${status}); check the account id and its ` +
      `configured query parameters.${said}`,
    { kind: 'rejected', status },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

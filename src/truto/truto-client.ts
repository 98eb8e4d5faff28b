import pRetry from 'p-retry';
import { Agent, request, type Dispatcher } from 'undici';
import type { Logger } from '../logging/logger.js';
import type { TrutoConfig } from '../config/config.js';
import type { QueryParams } from '../config/query-params.js';
import { BodyFormatError, LicenseBodyParser, type BodySummary } from './license-body-parser.js';
import type { ListedRecord, RecordLimits } from './listed-record.js';
import { sleep } from './abortable-sleep.js';
import { EventLoopSlices } from './event-loop-slices.js';
import { rateLimitWaitMs } from './retry-delay.js';
import { errorForStatus, parseErrorBody, TrutoError } from './truto-error.js';

/** The Truto settings of the configuration, with the token it must have to call Truto. */
export interface TrutoClientOptions extends Omit<TrutoConfig, 'apiToken' | 'queryParams'> {
  apiToken: string;
  recordLimits: RecordLimits;
  logger: Logger;
  /** Waits for a slot under the shared rate limits before each request, where there are any. */
  gate?: RequestGate;
  /** Told of every response and retry, e.g. for metrics; nothing is told without one. */
  observer?: RequestObserver;
}

/** What the client tells of its traffic. Calls must return at once and never throw. */
export interface RequestObserver {
  /** A response arrived with this status, or `null`: none did (network error, time-out). */
  onResponse(status: number | null): void;
  /** A failed request is about to be tried again; `kind` is the TrutoError kind. */
  onRetry(kind: string): void;
}

/** Holds each request until the rate limits it counts against have room for it. */
export interface RequestGate {
  acquire(integratedAccountId: string | null, signal?: AbortSignal): Promise<void>;
}

/** What one call is about, for rate limits and for error messages. */
interface CallContext {
  integratedAccountId: string | null;
  /** Names what was asked for, e.g. "integrated account 3f0c…". */
  subject: string;
  signal?: AbortSignal;
}

export type { CallContext };

export interface PageRequest {
  integratedAccountId: string;
  /** `null` for the first page of a listing. */
  cursor: string | null;
  extraParams: QueryParams;
  signal?: AbortSignal;
}

export interface PageResult extends BodySummary {
  records: number;
}

/** Receives records as the body is read; the body waits while the returned promise runs. */
export type RecordSink = (records: ListedRecord[]) => Promise<void> | void;

const LICENSES_PATH = '/unified/user-directory/licenses';
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The longest the body loop runs before it lets timers and I/O in. */
const EVENT_LOOP_SLICE_MS = 10;
/** The most of a body scanned at once, so that the clock is looked at between pieces. */
const PARSE_PIECE_BYTES = 16 * 1024;

/**
 * Talks to Truto's licenses endpoints: one page at a time, each body parsed as it arrives,
 * each request retried on its own for what a retry can fix. The API token goes into the
 * Authorization header and nowhere else: no URL, log line or error message holds it.
 */
export class TrutoClient {
  readonly #options: TrutoClientOptions;
  readonly #agent: Agent;

  constructor(options: TrutoClientOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyIdleTimeoutMs,
    });
  }

  /**
   * Reads one page and hands its records to `sink` as they are parsed. When an attempt fails
   * part-way and is retried, the records the sink already had are skipped on the next
   * attempt, so that each record of the page reaches it once.
   */
  async listPage(page: PageRequest, sink: RecordSink): Promise<PageResult> {
    let delivered = 0;
    const url = this.#licensesUrl(page);
    const context = accountContext(page.integratedAccountId, page.signal);

    return this.#withRetries(context, async () => {
      let index = 0;
      const skipping: RecordSink = async (records) => {
        const fresh = records.filter(() => index++ >= delivered);
        if (fresh.length === 0) return;
        await sink(fresh);
        delivered += fresh.length;
      };
      const summary = await this.#streamBody(url, context, skipping);
      return { ...summary, records: index };
    });
  }

  /** Reads one license by id; a 404 comes back as a `rejected` TrutoError with that status. */
  async getLicense(
    integratedAccountId: string,
    licenseId: string,
    extraParams: QueryParams,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const path = `${LICENSES_PATH}/${encodeURIComponent(licenseId)}`;
    const params = { integrated_account_id: integratedAccountId, ...extraParams };
    return this.getJson(path, params, accountContext(integratedAccountId, signal));
  }

  /**
   * GETs a JSON document of bounded size (an error past the record size limit), with the
   * same retries as a page. For the small endpoints: one license, accounts, capabilities.
   */
  async getJson(path: string, params: QueryParams, context: CallContext): Promise<unknown> {
    const url = this.#url(path, params);
    return this.#withRetries(context, async () => {
      const response = await this.#send(url, context);
      const text = await readText(response.body, this.#options.recordLimits.maxChars);
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw badBody(context.subject, error);
      }
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #streamBody(url: string, context: CallContext, sink: RecordSink): Promise<BodySummary> {
    const response = await this.#send(url, context);
    const contentType = header(response.headers['content-type']);
    const parser = new LicenseBodyParser(contentType, this.#options.recordLimits);
    let parsed = 0;
    try {
      const slices = new EventLoopSlices(EVENT_LOOP_SLICE_MS);
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        // What arrived while a write was awaited comes as one chunk (150 KB and more) and is
        // handed over as microtasks: it is parsed in pieces, with a break whenever a slice of
        // time is used up. Without the break the loop held the event loop for hundreds of
        // milliseconds, long enough for a queue lock to go unrenewed.
        for (let offset = 0; offset < chunk.length; offset += PARSE_PIECE_BYTES) {
          const records = parser.push(chunk.subarray(offset, offset + PARSE_PIECE_BYTES));
          parsed += records.length;
          this.#refuseOverfullPage(parser, parsed);
          if (records.length > 0) await sink(records);
          await slices.pause();
        }
      }
      const last = parser.end();
      if (last.records.length > 0) await sink(last.records);
      return last.summary;
    } catch (error) {
      response.body.destroy();
      if (error instanceof BodyFormatError) throw badBody(context.subject, error);
      throw asNetworkError(error, context.subject, this.#options.apiUrl);
    }
  }

  /**
   * A page object holds at most the `limit` asked for ("the vendor may return fewer"); one
   * that goes on past it is a body that may never end, whose records would be stored as
   * licenses. Bare arrays and NDJSON are the whole listing and have no such bound.
   *
   * Note: a vendor that ignored `limit` and sent larger pages would fail every run here;
   * none is known, and a TRUTO_PAGE_SIZE as large as its pages would lift it.
   */
  #refuseOverfullPage(parser: LicenseBodyParser, parsed: number): void {
    const limit = this.#options.pageSize;
    if (parser.framing === 'page' && parsed > limit) {
      throw new BodyFormatError(`the page holds more than the ${limit} records asked for`);
    }
  }

  /** Sends the request and returns a 2xx response; any other status becomes a TrutoError. */
  async #send(url: string, context: CallContext): Promise<Dispatcher.ResponseData> {
    await this.#options.gate?.acquire(context.integratedAccountId, context.signal);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        dispatcher: this.#agent,
        method: 'GET',
        headers: {
          authorization: `Bearer ${this.#options.apiToken}`,
          accept: 'application/json, application/x-ndjson',
        },
        signal: context.signal,
      });
    } catch (error) {
      this.#options.observer?.onResponse(null);
      throw asNetworkError(error, context.subject, this.#options.apiUrl);
    }
    this.#options.observer?.onResponse(response.statusCode);
    if (response.statusCode >= 200 && response.statusCode < 300) return response;

    const text = await readText(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
    const wait = rateLimitWaitMs(response.headers);
    throw errorForStatus(response.statusCode, parseErrorBody(text), context.subject, wait);
  }

  /**
   * Retries what a retry can fix. A 429 waits what Truto asks for and does not use up the
   * backoff attempts, but is bounded by the same count; a wait longer than `maxRetryAfterMs`
   * is handed to the caller, whose queue can hold a job for that long without a process.
   */
  async #withRetries<T>(context: CallContext, attempt: () => Promise<T>): Promise<T> {
    const options = this.#options;
    let rateLimitWaits = 0;
    return pRetry(attempt, {
      retries: options.retries,
      minTimeout: options.retryMinDelayMs,
      maxTimeout: options.retryMaxDelayMs,
      factor: 2,
      randomize: true,
      signal: context.signal,
      shouldRetry: ({ error }) => error instanceof TrutoError && error.retryable,
      shouldConsumeRetry: ({ error }) => !isRateLimit(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof TrutoError) || !error.retryable) return;
        const log = { err: error, attempt: attemptNumber, status: error.status };
        if (!isRateLimit(error)) {
          if (retriesLeft > 0) options.observer?.onRetry(error.kind);
          options.logger.warn({ ...log, kind: error.kind }, 'Truto request failed; retrying');
          return;
        }
        const waitMs = error.retryAfterMs ?? 0;
        rateLimitWaits += 1;
        if (waitMs > options.maxRetryAfterMs || rateLimitWaits > options.retries) throw error;
        options.observer?.onRetry(error.kind);
        options.logger.warn({ ...log, waitMs }, 'Truto rate-limited the request; waiting');
        await sleep(waitMs, context.signal);
      },
    });
  }

  #licensesUrl(page: PageRequest): string {
    const params: QueryParams = {
      integrated_account_id: page.integratedAccountId,
      limit: String(this.#options.pageSize),
      truto_response_format: this.#options.responseFormat,
      ...page.extraParams,
    };
    if (page.cursor !== null) params.next_cursor = page.cursor;
    return this.#url(LICENSES_PATH, params);
  }

  #url(path: string, params: QueryParams): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(name, item);
    }
    return `${this.#options.apiUrl}${path}?${query.toString()}`;
  }
}

function isRateLimit(error: unknown): boolean {
  return error instanceof TrutoError && error.kind === 'rate-limited';
}

function accountContext(integratedAccountId: string, signal?: AbortSignal): CallContext {
  return { integratedAccountId, subject: `integrated account ${integratedAccountId}`, signal };
}

function badBody(subject: string, cause: unknown): TrutoError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new TrutoError(`Truto sent an unreadable response for ${subject}${detail}`, {
    kind: 'bad-body',
    cause,
  });
}

function asNetworkError(error: unknown, subject: string, apiUrl: string): unknown {
  if (error instanceof TrutoError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = (error as { code?: unknown }).code;
  const what = typeof code === 'string' ? code : error instanceof Error ? error.message : 'error';
  return new TrutoError(
    `The request to Truto at ${apiUrl} for ${subject} ` +
      `failed (${what}); it is retried, and if this persists check the network and TRUTO_API_URL.`,
    { kind: 'network', cause: error },
  );
}

async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

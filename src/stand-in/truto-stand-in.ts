import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveAccount, type ResolvedAccount, type StandInAccount } from './accounts.js';
import { getCapabilities, listAccounts } from './account-routes.js';
import { ClientGoneError, sendReply } from './body-writer.js';
import {
  faultReply,
  isListingFault,
  isReplacingFault,
  type DeliveryFault,
} from './fault-replies.js';
import { FaultQueue, type Fault, type RoutePath } from './faults.js';
import { getLicense, listLicenses } from './license-routes.js';
import { parseQuery, queryValue, type Query } from './query.js';
import { errorReply, Rejection, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';

export type { StandInAccount } from './accounts.js';
export type { Fault, FaultMatch } from './faults.js';
export type { Framing } from './framings.js';
export { generateLicense } from './license-generator.js';
export { RawJsonRecord } from './raw-json-record.js';

export interface StandInOptions {
  /** The accepted bearer token (default 'stand-in-token'). */
  token?: string;
  accounts?: StandInAccount[];
  /** Licenses per page when the request has no `limit` (default 100). */
  defaultPageSize?: number;
  /** Name of the array in `GET /integrated-account` (default 'result'). */
  accountsArrayKey?: 'result' | 'results';
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1; 0.0.0.0 where other containers must reach it. */
  host?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Query;
  hasCursor: boolean;
  accountId: string | null;
  /** The status the stand-in answered with (0 while it has not decided yet). */
  status: number;
  /** When the request arrived, in milliseconds since the epoch. */
  at: number;
}

export interface TrutoStandIn {
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  token: string;
  /** Every request served, in order; headers are never recorded, so neither is the token. */
  requests: RecordedRequest[];
  /** Adds an account, or replaces the one with the same id. */
  setAccount(account: StandInAccount): void;
  removeAccount(id: string): void;
  /** Queues a fault; a request takes the first queued fault that matches it. */
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Stops listening and destroys open sockets, stalled ones included. */
  close(): Promise<void>;
}

interface Route {
  path: RoutePath;
  /** The account or license id taken from the path. */
  id?: string;
}

interface StandInState {
  token: string;
  accounts: Map<string, ResolvedAccount>;
  faults: FaultQueue;
  requests: RecordedRequest[];
  defaultPageSize: number;
  accountsArrayKey: 'result' | 'results';
  /** Aborted by close(), so that pauses (slow headers, trickle) end at once. */
  closing: AbortController;
}

/** Starts a local stand-in for Truto's API, on 127.0.0.1 unless told otherwise. */
export async function startTrutoStandIn(options: StandInOptions = {}): Promise<TrutoStandIn> {
  const state = createState(options);
  const server = createServer((req, res) => {
    // A failure of the stand-in itself cuts the connection, so the client sees it fail
    // instead of waiting; the stand-in has no logger to say more.
    serve(state, req, res).catch(() => {
      res.destroy();
    });
  });

  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  return {
    url: `http://127.0.0.1:${port}`,
    token: state.token,
    requests: state.requests,
    setAccount: (account) => state.accounts.set(account.id, resolveAccount(account)),
    removeAccount: (id) => state.accounts.delete(id),
    injectFault: (fault) => {
      state.faults.add(fault);
    },
    clearFaults: () => {
      state.faults.clear();
    },
    close: () => close(server, state),
  };
}

function createState(options: StandInOptions): StandInState {
  const token = options.token ?? 'stand-in-token';
  if (token === '') {
    throw new Error('Stand-in token must not be empty');
  }

  const defaultPageSize = options.defaultPageSize ?? 100;
  if (!Number.isSafeInteger(defaultPageSize) || defaultPageSize < 1) {
    throw new Error(`defaultPageSize must be a positive integer, got ${String(defaultPageSize)}`);
  }

  const accounts = new Map<string, ResolvedAccount>();
  for (const account of options.accounts ?? []) {
    accounts.set(account.id, resolveAccount(account));
  }

  return {
    token,
    accounts,
    faults: new FaultQueue(),
    requests: [],
    defaultPageSize,
    accountsArrayKey: options.accountsArrayKey ?? 'result',
    closing: new AbortController(),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function close(server: Server, state: StandInState): Promise<void> {
  state.closing.abort();
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });

  // close() alone waits for every connection to end, and a stalled one never does.
  server.closeAllConnections();
  await closed;
}

async function serve(
  state: StandInState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const route = matchRoute(req.method ?? 'GET', url.pathname);
  const recorded = recordRequest(req, url, route);
  state.requests.push(recorded);

  const { reply, delivery } = respond(state, req, route, recorded);
  recorded.status = reply.status;

  try {
    await sendReply(res, reply, delivery, state.closing.signal);
  } catch (error) {
    // The client left or the stand-in is closing: nobody is left to tell.
    if (!(error instanceof ClientGoneError) && !isAbortError(error)) {
      throw error;
    }
  }
}

/** The request as tests see it; headers are left out, so the token never is recorded. */
function recordRequest(req: IncomingMessage, url: URL, route: Route | null): RecordedRequest {
  const query = parseQuery(url.searchParams);
  const accountId =
    route?.path === 'capabilities' ? route.id : queryValue(query, 'integrated_account_id');

  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    hasCursor: (queryValue(query, 'next_cursor') ?? '') !== '',
    accountId: accountId ?? null,
    status: 0,
    at: Date.now(),
  };
}

/** Decides the reply: authentication first, then a queued fault, then the route itself. */
function respond(
  state: StandInState,
  req: IncomingMessage,
  route: Route | null,
  recorded: RecordedRequest,
): { reply: Reply; delivery?: DeliveryFault } {
  if (!isAuthorized(req, state.token)) {
    return { reply: errorReply(401, 'Invalid API token') };
  }

  const fault = state.faults.take({
    path: route?.path ?? null,
    accountId: recorded.accountId,
    hasCursor: recorded.hasCursor,
  });
  if (fault !== undefined && isReplacingFault(fault)) {
    return { reply: faultReply(fault) };
  }

  const context: RouteContext = {
    query: recorded.query,
    accounts: state.accounts,
    defaultPageSize: state.defaultPageSize,
    accountsArrayKey: state.accountsArrayKey,
    listingFault: fault !== undefined && isListingFault(fault) ? fault : undefined,
  };
  const reply = routeReply(route, context);
  const delivery = fault === undefined || isListingFault(fault) ? undefined : fault;
  return { reply, delivery };
}

function routeReply(route: Route | null, context: RouteContext): Reply {
  try {
    switch (route?.path) {
      case 'licenses':
        return listLicenses(context);
      case 'license':
        return getLicense(context, route.id ?? '');
      case 'accounts':
        return listAccounts(context);
      case 'capabilities':
        return getCapabilities(context, route.id ?? '');
      case undefined:
        return errorReply(404, 'No such route');
    }
  } catch (error) {
    if (error instanceof Rejection) {
      return error.reply;
    }
    const message = error instanceof Error ? error.message : String(error);
    return errorReply(500, `Stand-in failed: ${message}`);
  }
}

const ROUTES: [RegExp, RoutePath][] = [
  [/^\/unified\/user-directory\/licenses\/?$/, 'licenses'],
  [/^\/unified\/user-directory\/licenses\/([^/]+)\/?$/, 'license'],
  [/^\/integrated-account\/?$/, 'accounts'],
  [/^\/integrated-account\/([^/]+)\/capabilities\/?$/, 'capabilities'],
];

function matchRoute(method: string, pathname: string): Route | null {
  if (method !== 'GET') {
    return null;
  }

  for (const [pattern, path] of ROUTES) {
    const match = pattern.exec(pathname);
    if (match === null) {
      continue;
    }

    const id = match[1] === undefined ? undefined : safeDecode(match[1]);
    return id === null ? null : { path, ...(id === undefined ? {} : { id }) };
  }
  return null;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function isAuthorized(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] === token;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

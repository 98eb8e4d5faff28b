import type { TrutoClient } from './truto-client.js';
import { TrutoError } from './truto-error.js';

/** One connected account as the listing describes it; only the id is sure to be there. */
export interface ListedAccount {
  id: string;
  tenantId: string | null;
  integration: string | null;
  status: string | null;
}

const ACCOUNTS_PATH = '/integrated-account';

/**
 * Accounts asked for per page. Each page is parsed whole (`getJson`), so it must stay well
 * under the body size limit; a hundred accounts are tens of kilobytes.
 */
const ACCOUNTS_PAGE_SIZE = '100';

/**
 * Lists the environment's integrated accounts page by page, so that a caller can act on each
 * page and let it go. With no filters every account is listed, whatever its status.
 *
 * Entries without a string id are left out of the pages; `onWithoutId` hears how many each
 * page had, so that the caller can count them. A cursor Truto already gave ends the listing
 * with an error: following it would loop forever.
 */
export async function* listIntegratedAccounts(
  client: TrutoClient,
  filters: Record<string, string> = {},
  signal?: AbortSignal,
  onWithoutId?: (count: number) => void,
): AsyncGenerator<ListedAccount[]> {
  const seenCursors = new Set<string>();
  let cursor: string | null = null;

  do {
    const params: Record<string, string> = { limit: ACCOUNTS_PAGE_SIZE, ...filters };
    if (cursor !== null) params.next_cursor = cursor;
    const body = await client.getJson(ACCOUNTS_PATH, params, {
      integratedAccountId: null,
      subject: 'the integrated accounts listing',
      signal,
    });

    const page = readAccountsPage(body);
    cursor = page.nextCursor;
    if (cursor !== null) {
      // Checked before the page is handed on: a listing that loops cannot be trusted to
      // have been complete, so nothing more of it is used.
      if (seenCursors.has(cursor)) throw repeatedCursor(seenCursors.size + 1);
      seenCursors.add(cursor);
    }
    if (page.withoutId > 0) onWithoutId?.(page.withoutId);
    yield page.accounts;
  } while (cursor !== null);
}

/**
 * Whether the account's integration can list licenses, as its capabilities say. A 404 (the
 * account is gone) comes back as a `rejected` TrutoError with that status.
 */
export async function supportsLicenses(
  client: TrutoClient,
  accountId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const path = `${ACCOUNTS_PATH}/${encodeURIComponent(accountId)}/capabilities`;
  const body = await client.getJson(
    path,
    { type: 'unified', resource: 'licenses' },
    {
      integratedAccountId: accountId,
      subject: `the capabilities of integrated account ${accountId}`,
      signal,
    },
  );

  const unified = isObject(body) ? body.unified : undefined;
  if (!Array.isArray(unified)) return false;
  return unified.some(
    (entry) =>
      isObject(entry) &&
      entry.resource === 'licenses' &&
      Array.isArray(entry.methods) &&
      entry.methods.includes('list'),
  );
}

interface AccountsPage {
  accounts: ListedAccount[];
  /** Entries without a string id: they can be neither stored nor synced, only counted. */
  withoutId: number;
  nextCursor: string | null;
}

/** Reads one page; the array is `result` in some of Truto's answers and `results` in others. */
function readAccountsPage(body: unknown): AccountsPage {
  const entries = isObject(body) ? (body.result ?? body.results) : undefined;
  if (!isObject(body) || !Array.isArray(entries)) {
    throw new TrutoError(
      'Truto answered the integrated accounts listing without a `result` or `results` array',
      { kind: 'bad-body' },
    );
  }

  const accounts: ListedAccount[] = [];
  for (const entry of entries) {
    const account = readAccount(entry);
    if (account !== null) accounts.push(account);
  }

  const next = body.next_cursor;
  return {
    accounts,
    withoutId: entries.length - accounts.length,
    nextCursor: typeof next === 'string' && next !== '' ? next : null,
  };
}

function readAccount(entry: unknown): ListedAccount | null {
  if (!isObject(entry) || typeof entry.id !== 'string' || entry.id === '') return null;
  const integration = isObject(entry.integration) ? entry.integration.name : undefined;
  return {
    id: entry.id,
    tenantId: stringOrNull(entry.tenant_id),
    integration: stringOrNull(integration),
    status: stringOrNull(entry.status),
  };
}

/**
 * A plain Error, not a TrutoError: no HTTP call failed, so the client's retries do not apply,
 * while the job that listed may well be retried later.
 */
function repeatedCursor(page: number): Error {
  return new Error(
    `Truto repeated a next_cursor on page ${page} of the integrated accounts listing; the ` +
      'listing was stopped instead of looping. If this persists, report it to Truto.',
  );
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

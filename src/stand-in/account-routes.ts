import { accountJson, capabilitiesJson } from './accounts.js';
import { pageReply } from './framings.js';
import { nextCursor, pageRange, readPaging } from './paging.js';
import { queryValue } from './query.js';
import { jsonReply, rejection, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';

/** Accounts are listed 100 to a page unless `limit` says otherwise. */
const ACCOUNTS_PAGE_SIZE = 100;

/** `GET /integrated-account`: the accounts, optionally of one `status`, paged by cursor. */
export function listAccounts(context: RouteContext): Reply {
  const status = queryValue(context.query, 'status');
  const accounts = [...context.accounts.values()].filter(
    (account) => status === undefined || account.status === status,
  );

  const page = readPaging(context.query, ACCOUNTS_PAGE_SIZE);
  const { from, to } = pageRange(page, accounts.length);
  const repeat = context.listingFault?.kind === 'repeat-cursor';
  const records = accounts.slice(from, to).map((account) => JSON.stringify(accountJson(account)));

  const scalars = { next_cursor: nextCursor(page, accounts.length, repeat) };
  return pageReply(context.accountsArrayKey, records, scalars, false);
}

/** `GET /integrated-account/{id}/capabilities`. */
export function getCapabilities(context: RouteContext, id: string): Reply {
  const account = context.accounts.get(id);
  if (account === undefined) {
    throw rejection(404, `Integrated account ${id} not found`);
  }
  return jsonReply(200, capabilitiesJson(account));
}

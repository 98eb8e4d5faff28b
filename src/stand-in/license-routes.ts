import { licenseCount, type ResolvedAccount } from './accounts.js';
import { arrayReply, ndjsonReply, pageReply } from './framings.js';
import { nextCursor, pageRange, readPaging } from './paging.js';
import { queryValue } from './query.js';
import { findRecordIndex, omittedFields, renderRecord, renderRecords } from './record-source.js';
import { jsonTextReply, rejection, remoteErrorFields, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';

/** `GET /unified/user-directory/licenses`: one page, or the whole listing for array/ndjson. */
export function listLicenses(context: RouteContext): Reply {
  const account = readableAccount(context);
  const omit = omittedFields(context.query);
  const page = readPaging(context.query, context.defaultPageSize);
  const endless = context.listingFault?.kind === 'endless';

  // Only the stream format takes the account's framing; every other format is a page object
  // with the cursor after the records.
  const stream = queryValue(context.query, 'truto_response_format') === 'stream';
  const framing = stream ? account.framing : 'page';
  const total = licenseCount(account);

  if (framing === 'array' || framing === 'ndjson') {
    const records = renderRecords(account, 0, endless ? Infinity : total, omit);
    return framing === 'array' ? arrayReply(records) : ndjsonReply(records);
  }

  const { from, to } = pageRange(page, total);
  const scalars = {
    next_cursor: nextCursor(page, total, context.listingFault?.kind === 'repeat-cursor'),
    prev_cursor: null,
    result_count: endless ? page.limit : to - from,
    is_partial_response: context.listingFault?.kind === 'partial',
  };
  const records = renderRecords(account, from, endless ? Infinity : to, omit);
  return pageReply('result', records, scalars, framing === 'page-cursor-first');
}

/** `GET /unified/user-directory/licenses/{id}`: the record itself, not wrapped. */
export function getLicense(context: RouteContext, id: string): Reply {
  const account = readableAccount(context);
  const index = findRecordIndex(account, id);
  if (index === undefined) {
    throw rejection(404, `License ${id} not found in integrated account ${account.id}`);
  }
  return jsonTextReply(renderRecord(account, index, omittedFields(context.query)));
}

/** The account named by `integrated_account_id`, if it exists and can be read. */
function readableAccount(context: RouteContext): ResolvedAccount {
  const id = queryValue(context.query, 'integrated_account_id');
  if (id === undefined || id === '') {
    throw rejection(400, 'Missing required query parameter: integrated_account_id', {
      truto_error_insight: { missing_required_query_parameters: ['integrated_account_id'] },
    });
  }

  const account = context.accounts.get(id);
  if (account === undefined) {
    throw rejection(404, `Integrated account ${id} not found`);
  }

  // needs_reauth is the vendor refusing the credentials; the other states are ours.
  if (account.status === 'needs_reauth') {
    const message = `Integrated account ${id} needs to be reconnected`;
    throw rejection(401, message, remoteErrorFields('invalid_grant'));
  }
  if (account.status !== 'active') {
    throw rejection(400, `Integrated account ${id} is ${account.status}, not active`);
  }

  return account;
}

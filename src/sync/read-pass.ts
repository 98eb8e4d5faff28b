import { queryParamsFor } from '../config/query-params.js';
import type { PageResult } from '../truto/truto-client.js';
import type { BatchWriter } from './batch-writer.js';
import { isRefusedCursor, RefusedCheckpointError, RepeatedCursorError } from './sync-errors.js';
import type { Pass, SyncDependencies, SyncRequest } from './sync-types.js';

/**
 * Reads pages from the checkpoint (or the first page) to the end of the listing. Each page's
 * last batch commits the cursor of the page after it; the next page is read meanwhile, and
 * the read returns once every batch is written. A checkpoint cursor that Truto refuses
 * ends the read with a RefusedCheckpointError, before anything was written.
 */
export async function readPass(
  deps: SyncDependencies,
  request: SyncRequest,
  pass: Pass,
  writer: BatchWriter,
): Promise<{ sawPartialResponse: boolean }> {
  const extraParams = queryParamsFor(
    deps.queryParams,
    request.integratedAccountId,
    request.integration,
  );
  let cursor = pass.checkpoint?.nextCursor ?? null;
  let pages = pass.checkpoint?.pagesDone ?? 0;
  let sawPartialResponse = pass.checkpoint?.sawPartialResponse ?? false;
  let resuming = cursor !== null;
  const cursorsSeen = new Set<string>(cursor === null ? [] : [cursor]);

  for (;;) {
    const pageRequest = {
      integratedAccountId: request.integratedAccountId,
      cursor,
      extraParams,
      signal: pass.signal,
    };
    let page: PageResult;
    try {
      page = await deps.source.listPage(pageRequest, (records) => writer.add(records));
    } catch (error) {
      if (resuming && isRefusedCursor(error)) throw new RefusedCheckpointError(error);
      throw error;
    }
    resuming = false;
    pages += 1;
    sawPartialResponse ||= page.isPartialResponse;

    const next = page.nextCursor;
    if (next !== null && cursorsSeen.has(next)) {
      await writer.finishPage(undefined);
      await writer.drain();
      throw new RepeatedCursorError(request.integratedAccountId, pages);
    }
    const checkpoint =
      next === null
        ? undefined
        : {
            passStartedAt: pass.passStartedAt,
            nextCursor: next,
            pagesDone: pages,
            sawPartialResponse,
          };
    await writer.finishPage(checkpoint);
    if (next === null) {
      await writer.drain();
      return { sawPartialResponse };
    }
    cursorsSeen.add(next);
    cursor = next;
  }
}

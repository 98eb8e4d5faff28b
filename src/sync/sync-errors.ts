import { TrutoError } from '../truto/truto-error.js';

/** Truto answered a page with the cursor it was asked for, or an earlier one: a loop. */
export class RepeatedCursorError extends Error {
  override name = 'RepeatedCursorError';

  constructor(integratedAccountId: string, page: number) {
    super(
      `Truto returned a cursor it had already returned, on page ${page} of integrated account ` +
        `${integratedAccountId}; the listing would never end. The checkpoint is cleared, so the ` +
        'next run starts over; if this repeats, report it to Truto with the account id.',
    );
  }
}

/** Truto refused the cursor of the checkpoint a run went on from: the listing must start over. */
export class RefusedCheckpointError extends Error {
  override name = 'RefusedCheckpointError';

  constructor(cause: unknown) {
    super('Truto refused the checkpoint cursor, which has probably expired', { cause });
  }
}

/** Statuses with which Truto refuses a cursor it no longer knows. */
const REFUSED_CURSOR_STATUSES = new Set([400, 404, 410, 422]);

export function isRefusedCursor(error: unknown): boolean {
  return (
    error instanceof TrutoError &&
    error.kind === 'rejected' &&
    error.status !== undefined &&
    REFUSED_CURSOR_STATUSES.has(error.status)
  );
}

/**
 * The sentence stored in `sync_runs.error`. Database errors are reduced to Postgres's own
 * message: drizzle's wraps the query and its bound values, which hold license data.
 */
export function describeFailure(error: Error): string {
  if (error.name === 'DrizzleQueryError' && error.cause instanceof Error) {
    return `Postgres refused a write: ${error.cause.message}`;
  }
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    const reason = error.message ? `: ${error.message}` : '';
    return `interrupted before the listing was complete${reason}`;
  }
  return error.message;
}

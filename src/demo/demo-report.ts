import { describeCounts } from '../cli/progress.js';
import { formatTable } from '../cli/table.js';
import type { FanOutSummary } from '../queue/fan-out.js';
import type { RunResult } from '../sync/sync-account.js';
import type { StoredAccount, StoredLicense, StoredReject } from './stored-account.js';

/** Licenses shown per account; the rest are one `--sql` away. */
export const LICENSE_ROWS = 8;

const number = new Intl.NumberFormat('en-US');

/** One account's block: its run, its licenses as stored, what was rejected, its seat use. */
export function formatAccount(run: RunResult, stored: StoredAccount): string {
  const name = [stored.integration ?? 'unknown integration', stored.tenantId].filter(Boolean);
  const seconds = (run.durationMs / 1000).toFixed(1);
  const lines = [
    `${name.join(' · ')} · ${run.integratedAccountId}`,
    `run ${run.runId} ${run.status} in ${seconds}s: ${describeCounts(run.counts)}`,
  ];
  if (run.error !== undefined) lines.push(`error: ${run.error.message}`);

  lines.push(licenseTable(stored.licenses));
  const hidden = stored.licenseCount - stored.licenses.length;
  if (hidden > 0) lines.push(`… and ${number.format(hidden)} more licenses`);
  lines.push(...rejectLines(stored.rejects), utilizationLine(stored.seats));
  return lines.join('\n');
}

/** Why accounts of the listing were not synced, e.g. `skipped 1: not active: needs_reauth`. */
export function formatListing(listing: FanOutSummary): string {
  const listed = `Listed ${number.format(listing.listed)} integrated accounts`;
  const reasons = Object.entries(listing.skipped).map(([reason, count]) => `${count} ${reason}`);
  return reasons.length === 0 ? `${listed}.` : `${listed}; skipped ${reasons.join(', ')}.`;
}

function licenseTable(licenses: StoredLicense[]): string {
  if (licenses.length === 0) return '(no licenses stored)';
  const rows = licenses.map((license) => [
    license.name ?? license.id,
    license.deleted ? 'deleted' : (license.status ?? '—'),
    `${license.assigned ?? '?'} / ${license.available ?? '?'}`,
    license.products,
    license.roles,
  ]);
  return formatTable(['license', 'status', 'seats used', 'products', 'roles'], rows);
}

function rejectLines(rejects: StoredReject[]): string[] {
  if (rejects.length === 0) return ['rejected: none'];
  return [
    `rejected: ${rejects.length} (in sync_rejects)`,
    ...rejects.map((reject) => {
      const what = reject.licenseId ?? 'a record without a usable id';
      const where = reject.field === null ? 'whole record' : `${reject.field} stored as NULL`;
      return `  ${what}, ${where}: ${reject.reason}`;
    }),
  ];
}

function utilizationLine(seats: { assigned: number; available: number }): string {
  if (seats.available === 0) return 'utilization: no seat counts to go by';
  const share = Math.round((100 * seats.assigned) / seats.available);
  const idle = seats.available - seats.assigned;
  return (
    `utilization: ${number.format(seats.assigned)} of ${number.format(seats.available)} ` +
    `seats assigned (${share}%), ${number.format(idle)} idle`
  );
}

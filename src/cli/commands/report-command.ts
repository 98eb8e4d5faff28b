import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { readAccountUsage, type AccountUsage } from '../../store/usage-summary.js';
import { formatTable } from '../table.js';

interface ReportOptions {
  account?: string;
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Show seat utilization and monthly cost per account, from the stored licenses.')
    .option('-a, --account <id>', 'only this integrated account')
    .option('--json', 'print the rows as one JSON object')
    .addHelpText(
      'after',
      `
One row per account and currency, over its live licenses. Seats count where a license's
assigned and available quantities are both known; costs take unit_amount as a monthly price.
Reads only: it needs no Redis and no API token, and never migrates (run migrate first).

Examples:
  $ license-sync report
  $ license-sync report --account 3f0c…e1
  $ license-sync report --json | jq '.accounts[] | select(.utilization < 0.5)'`,
    )
    .action(async (options: ReportOptions) => {
      const runtime = openRuntime(loadConfig());
      try {
        const rows = await readAccountUsage(runtime.database.db, options.account);
        if (options.json === true) console.log(JSON.stringify({ accounts: rows.map(toJson) }));
        else printTable(rows, options.account);
      } finally {
        await runtime.close();
      }
    });
}

function printTable(rows: AccountUsage[], account: string | undefined): void {
  if (rows.length === 0) {
    const which = account === undefined ? 'any account' : `account ${account}`;
    const sync = `license-sync sync --account ${account ?? '<id>'}`;
    console.error(`No live licenses are stored for ${which}; sync it first: ${sync}`);
    return;
  }
  const headers = ['account', 'integration', 'currency', 'licenses', 'seats known', 'priced'];
  const seats = ['assigned', 'available', 'idle', 'used', 'cost/month', 'idle cost/month'];
  console.log(formatTable([...headers, ...seats], rows.map(tableRow)));
}

function tableRow(row: AccountUsage): (string | number | null)[] {
  return [
    row.integratedAccountId,
    row.integration,
    row.currency,
    row.licenses,
    row.licensesWithSeats,
    row.pricedLicenses,
    row.assignedSeats,
    row.availableSeats,
    row.idleSeats,
    row.utilization === null ? null : `${(Number(row.utilization) * 100).toFixed(1)}%`,
    money(row.assignedMonthlyCost),
    money(row.idleMonthlyCost),
  ];
}

function money(amount: string | null): string | null {
  if (amount === null) return null;
  return Number(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

/** Costs stay decimal strings, exact as Postgres keeps them; the ratio becomes a number. */
function toJson(row: AccountUsage) {
  return { ...row, utilization: row.utilization === null ? null : Number(row.utilization) };
}

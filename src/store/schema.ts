import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * The tables live in the schema named by DATABASE_SCHEMA: they are declared without one and
 * every connection sets its `search_path`, so one database can hold several installations
 * (and every test file its own).
 *
 * Note: products and roles carry no foreign key to their license. The sync is their only
 * writer and replaces them in the same transaction as the license; a key would cost a lookup
 * per row on the hot path and protect nothing that transaction does not.
 */

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const licenses = pgTable(
  'licenses',
  {
    integratedAccountId: text('integrated_account_id').notNull(),
    id: text('id').notNull(),
    name: text('name'),
    description: text('description'),
    status: text('status'),
    isPaid: boolean('is_paid'),
    currency: text('currency'),
    unitAmount: numeric('unit_amount'),
    assignedQuantity: bigint('assigned_quantity', { mode: 'bigint' }),
    availableQuantity: bigint('available_quantity', { mode: 'bigint' }),
    remoteCreatedAt: timestamptz('remote_created_at'),
    remoteUpdatedAt: timestamptz('remote_updated_at'),
    remoteData: jsonb('remote_data'),
    contentHash: text('content_hash').notNull(),
    /**
     * Digest of the record's JSON bytes as the listing sent them, when they became exactly
     * these rows: a later record with the same digest is stored already and is not parsed.
     * NULL where the record had field issues (so that they are reported again) or came from
     * a refresh.
     */
    sourceHash: text('source_hash'),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    syncedAt: timestamptz('synced_at').notNull().defaultNow(),
    deletedAt: timestamptz('deleted_at'),
    listedTwiceAt: timestamptz('listed_twice_at'),
  },
  (table) => [
    primaryKey({ columns: [table.integratedAccountId, table.id] }),
    index('licenses_synced_at_idx').on(table.syncedAt),
  ],
);

export const licenseProducts = pgTable(
  'license_products',
  {
    integratedAccountId: text('integrated_account_id').notNull(),
    licenseId: text('license_id').notNull(),
    id: text('id').notNull(),
    name: text('name'),
    status: text('status'),
  },
  (table) => [
    primaryKey({ columns: [table.integratedAccountId, table.licenseId, table.id] }),
    index('license_products_product_idx').on(table.integratedAccountId, table.id),
  ],
);

export const licenseRoles = pgTable(
  'license_roles',
  {
    integratedAccountId: text('integrated_account_id').notNull(),
    licenseId: text('license_id').notNull(),
    id: text('id').notNull(),
    name: text('name'),
  },
  (table) => [primaryKey({ columns: [table.integratedAccountId, table.licenseId, table.id] })],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    integratedAccountId: text('integrated_account_id').notNull(),
    trigger: text('trigger').notNull(),
    status: text('status').notNull().default('running'),
    startedAt: timestamptz('started_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
    /** Set for a refresh of one license; null for a run over the whole account. */
    licenseId: text('license_id'),
    resumed: boolean('resumed').notNull().default(false),
    passStartedAt: timestamptz('pass_started_at').notNull(),
    pages: integer('pages').notNull().default(0),
    recordsSeen: integer('records_seen').notNull().default(0),
    written: integer('written').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    error: text('error'),
  },
  (table) => [
    check('sync_runs_status_check', sql`${table.status} in ('running', 'succeeded', 'failed')`),
    index('sync_runs_account_idx').on(table.integratedAccountId, table.startedAt),
  ],
);

export const syncRejects = pgTable(
  'sync_rejects',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    integratedAccountId: text('integrated_account_id').notNull(),
    licenseId: text('license_id'),
    field: text('field'),
    reason: text('reason').notNull(),
    value: text('value').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('sync_rejects_run_idx').on(table.runId),
    index('sync_rejects_account_idx').on(table.integratedAccountId, table.createdAt),
  ],
);

export const syncCheckpoints = pgTable('sync_checkpoints', {
  integratedAccountId: text('integrated_account_id').primaryKey(),
  passStartedAt: timestamptz('pass_started_at').notNull(),
  nextCursor: text('next_cursor').notNull(),
  pagesDone: integer('pages_done').notNull(),
  sawPartialResponse: boolean('saw_partial_response').notNull().default(false),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/**
 * Records of licenses that a listing is known to return more than once, held until the pass
 * ends: then the last one wins, and the license is written only if that one differs from
 * what is stored. Writing each copy as it came would move `synced_at` on every pass.
 */
export const syncHeldLicenses = pgTable(
  'sync_held_licenses',
  {
    integratedAccountId: text('integrated_account_id').notNull(),
    licenseId: text('license_id').notNull(),
    passStartedAt: timestamptz('pass_started_at').notNull(),
    license: jsonb('license').notNull(),
  },
  (table) => [primaryKey({ columns: [table.integratedAccountId, table.licenseId] })],
);

/** What is known of each connected account, kept current by the fan-out and by every run. */
export const integratedAccounts = pgTable(
  'integrated_accounts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id'),
    integration: text('integration'),
    /** Truto's status: active, connecting, post_install_error, validation_error, needs_reauth. */
    trutoStatus: text('truto_status'),
    /** Whether the integration lists licenses; null until the fan-out has asked. */
    supportsLicenses: boolean('supports_licenses'),
    needsReauth: boolean('needs_reauth').notNull().default(false),
    lastRunId: bigint('last_run_id', { mode: 'number' }),
    lastRunAt: timestamptz('last_run_at'),
    lastRunStatus: text('last_run_status'),
    lastSuccessAt: timestamptz('last_success_at'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
    listedAt: timestamptz('listed_at'),
    /**
     * The day whose rows in `license_usage_daily` match the account's licenses as stored;
     * null once a license was written or deleted since they were recorded.
     */
    usageRecordedFor: date('usage_recorded_for', { mode: 'string' }),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [index('integrated_accounts_integration_idx').on(table.integration)],
);

/**
 * One row per live license, account and day: what the last successful run of that day found.
 * The day is the UTC date on which the run's pass started. Rows are written in the run's
 * completing transaction; a license deleted by that day's pass has no row for it.
 */
export const licenseUsageDaily = pgTable(
  'license_usage_daily',
  {
    integratedAccountId: text('integrated_account_id').notNull(),
    licenseId: text('license_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    name: text('name'),
    status: text('status'),
    isPaid: boolean('is_paid'),
    currency: text('currency'),
    unitAmount: numeric('unit_amount'),
    assignedQuantity: bigint('assigned_quantity', { mode: 'bigint' }),
    availableQuantity: bigint('available_quantity', { mode: 'bigint' }),
    /** The run that last changed the figures of the row. */
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    recordedAt: timestamptz('recorded_at').notNull().defaultNow(),
  },
  // The day leads the key: each night's rows go in at its end, where a key led by the
  // account put each beside the license's row of the day before, all over an index that
  // grows every day (with 30 days kept, 0.9-1.1 s a night for 100,000 licenses, against
  // 0.4-0.5 s). The same key serves queries by day and account, so no other index is kept.
  (table) => [primaryKey({ columns: [table.day, table.integratedAccountId, table.licenseId] })],
);

/*
 * The views and the seat and cost functions they share are created by the hand-written
 * migration drizzle/0002_usage_views.sql: drizzle-kit would create views in schema "public",
 * where the tables live in DATABASE_SCHEMA. `.existing()` keeps drizzle-kit from generating
 * them, and keeps them typed for queries. The third view, license_usage_trend (the daily rows
 * with the same derived columns), is for analysts only and not declared here.
 */

/** Every live license with its idle seats, utilization and monthly costs. */
export const licenseUtilization = pgView('license_utilization', {
  integratedAccountId: text('integrated_account_id').notNull(),
  licenseId: text('license_id').notNull(),
  name: text('name'),
  status: text('status'),
  isPaid: boolean('is_paid'),
  currency: text('currency'),
  unitAmount: numeric('unit_amount'),
  assignedQuantity: bigint('assigned_quantity', { mode: 'number' }),
  availableQuantity: bigint('available_quantity', { mode: 'number' }),
  idleSeats: bigint('idle_seats', { mode: 'number' }),
  utilization: numeric('utilization'),
  assignedMonthlyCost: numeric('assigned_monthly_cost'),
  idleMonthlyCost: numeric('idle_monthly_cost'),
  lastSeenAt: timestamptz('last_seen_at').notNull(),
}).existing();

/** Per account and currency: the live licenses' seats, utilization and monthly costs. */
export const licenseAccountSummary = pgView('license_account_summary', {
  integratedAccountId: text('integrated_account_id').notNull(),
  integration: text('integration'),
  currency: text('currency'),
  licenses: bigint('licenses', { mode: 'number' }).notNull(),
  licensesWithSeats: bigint('licenses_with_seats', { mode: 'number' }).notNull(),
  pricedLicenses: bigint('priced_licenses', { mode: 'number' }).notNull(),
  assignedSeats: bigint('assigned_seats', { mode: 'number' }),
  availableSeats: bigint('available_seats', { mode: 'number' }),
  idleSeats: bigint('idle_seats', { mode: 'number' }),
  utilization: numeric('utilization'),
  assignedMonthlyCost: numeric('assigned_monthly_cost'),
  idleMonthlyCost: numeric('idle_monthly_cost'),
}).existing();

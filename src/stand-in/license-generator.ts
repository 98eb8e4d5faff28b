/**
 * Deterministic license records of about 1 KB each, shaped like what Truto's unified
 * user-directory API returns, including the type bends real payloads show (numeric strings,
 * two date formats). The same (account, index, seed) always gives the same bytes; another
 * seed changes every record's content but keeps its id, so a re-sync sees updates, not new rows.
 *
 * Records are rendered straight to JSON text with template strings: building an object and
 * calling JSON.stringify costs several times more, and the benchmark serves a million records.
 */

const SKUS = [
  { part: 'ENTERPRISEPACK', name: 'Office 365 E3' },
  { part: 'SPE_E5', name: 'Microsoft 365 E5' },
  { part: 'ZOOM_PRO', name: 'Zoom Pro' },
  { part: 'ZOOM_BUSINESS', name: 'Zoom Business' },
  { part: 'SFDC_SALES_CLOUD', name: 'Sales Cloud Enterprise' },
  { part: 'SFDC_PLATFORM', name: 'Salesforce Platform' },
  { part: 'ATL_JIRA_STD', name: 'Jira Software Standard' },
  { part: 'GH_ENTERPRISE', name: 'GitHub Enterprise' },
] as const;

const PLANS = [
  'EXCHANGE_S_ENTERPRISE',
  'SHAREPOINTENTERPRISE',
  'TEAMS1',
  'MCOSTANDARD',
  'INTUNE_A',
  'WEBINAR_ADDON',
  'CLOUD_RECORDING',
  'API_ACCESS',
  'SANDBOX_FULL',
  'ADVANCED_SECURITY',
] as const;

const PRODUCT_STATUSES = [
  'active',
  'inactive',
  'errored',
  'needs_input',
  'needs_confirmation',
  'pending',
] as const;

const VENDOR_STATES = ['Enabled', 'Warning', 'Suspended', 'LockedOut'] as const;

const ROLES = ['Member', 'Admin', 'Owner', 'Billing Admin', 'Viewer', 'Licensed User'] as const;

const NO_FIELDS: ReadonlySet<string> = new Set();

/** 2023-01-01T00:00:00Z: generated times fall in the three years after it. */
const EPOCH_MS = Date.UTC(2023, 0, 1);
const DAY_SECONDS = 86_400;
const DAYS = Array.from({ length: 3 * 366 }, (_, day) =>
  new Date(EPOCH_MS + day * DAY_SECONDS * 1000).toISOString().slice(0, 10),
);

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const HEX_BYTES = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

/** The record as an object; for tests and tools. Serving uses {@link renderLicense}. */
export function generateLicense(
  accountId: string,
  index: number,
  seed: number,
): Record<string, unknown> {
  return JSON.parse(renderLicense(accountId, index, seed)) as Record<string, unknown>;
}

/**
 * The record as compact JSON text, without the top-level fields named in `omit`. The text is
 * exactly what JSON.stringify would write for the same record.
 */
export function renderLicense(
  accountId: string,
  index: number,
  seed: number,
  omit: ReadonlySet<string> = NO_FIELDS,
): string {
  reseed(hashString(accountId) ^ Math.imul(seed, 0x85ebca77), index);
  const sku = pick(SKUS, next());

  const cents = 100 + (next() % 9900);
  const available = 5 + (next() % 500);
  const assigned = next() % (available + 1);
  const createdSeconds = next() % (2 * 365 * DAY_SECONDS);
  const updatedSeconds = createdSeconds + (next() % (300 * DAY_SECONDS));

  // Bend a fixed share of records the way real payloads do, by index so that tests can
  // find them: amounts as "12.50", quantities as numeric strings, SQL-style timestamps.
  const amount = index % 7 === 3 ? `"${(cents / 100).toFixed(2)}"` : String(cents / 100);
  const quote = index % 5 === 2 ? '"' : '';
  const sqlDates = index % 2 === 1;

  const fields =
    field(omit, 'id', `"lic-${index}"`) +
    field(omit, 'name', `"${sku.name}"`) +
    field(omit, 'description', `"${sku.name} seats ${hex(next())} for workspace ${hex(next())}"`) +
    field(omit, 'status', next() % 10 < 8 ? '"active"' : '"inactive"') +
    field(omit, 'is_paid', next() % 4 !== 0 ? 'true' : 'false') +
    field(omit, 'currency', '"USD"') +
    field(omit, 'unit_amount', amount) +
    field(omit, 'assigned_quantity', `${quote}${assigned}${quote}`) +
    field(omit, 'available_quantity', `${quote}${available}${quote}`) +
    field(omit, 'products', `[${product(0)},${product(1)},${product(2)}]`) +
    field(omit, 'roles', `[${role(0)},${role(1)}]`) +
    field(omit, 'created_at', `"${formatTime(createdSeconds, sqlDates)}"`) +
    field(omit, 'updated_at', `"${formatTime(updatedSeconds, sqlDates)}"`) +
    (omit.has('remote_data') ? '' : `,"remote_data":${remoteData(sku.part, assigned)}`);

  return `{${fields.slice(1)}}`;
}

function field(omit: ReadonlySet<string>, key: string, json: string): string {
  return omit.has(key) ? '' : `,"${key}":${json}`;
}

function product(position: number): string {
  const id = `prd-${position}-${hex(next())}`;
  const name = pick(PLANS, next());
  return `{"id":"${id}","name":"${name}","status":"${pick(PRODUCT_STATUSES, next())}"}`;
}

function role(position: number): string {
  return `{"id":"role-${position}-${hex(next())}","name":"${pick(ROLES, next())}"}`;
}

/** A vendor record in the style of Microsoft Graph's subscribedSku, sized to reach ~1 KB. */
function remoteData(part: string, assigned: number): string {
  const units = `{"enabled":${assigned + (next() % 50)},"suspended":${next() % 3},"lockedOut":0}`;

  return (
    `{"skuId":"${uuid()}","skuPartNumber":"${part}","accountId":"${uuid()}",` +
    `"capabilityStatus":"${pick(VENDOR_STATES, next())}","consumedUnits":${assigned},` +
    `"prepaidUnits":${units},"servicePlans":[${servicePlan('User')},${servicePlan('Company')}],` +
    `"subscriptionIds":["${uuid()}"],"etag":"W/\\"${hex(next())}${hex(next())}\\""}`
  );
}

function servicePlan(appliesTo: string): string {
  return (
    `{"servicePlanId":"${uuid()}","servicePlanName":"${pick(PLANS, next())}",` +
    `"appliesTo":"${appliesTo}"}`
  );
}

/** Seconds after EPOCH as ISO 8601 or as '2024-09-01 10:00:00', without Date objects. */
function formatTime(seconds: number, sql: boolean): string {
  const day = DAYS[Math.floor(seconds / DAY_SECONDS)] ?? '2099-12-31';
  const inDay = seconds % DAY_SECONDS;
  const hh = TWO_DIGITS[Math.floor(inDay / 3600)] ?? '00';
  const mm = TWO_DIGITS[Math.floor(inDay / 60) % 60] ?? '00';
  const ss = TWO_DIGITS[inDay % 60] ?? '00';
  return sql ? `${day} ${hh}:${mm}:${ss}` : `${day}T${hh}:${mm}:${ss}.000Z`;
}

function pick<T>(values: readonly T[], random: number): T {
  return values[random % values.length] as T;
}

function hex(value: number): string {
  return (
    (HEX_BYTES[value >>> 24] ?? '') +
    (HEX_BYTES[(value >>> 16) & 255] ?? '') +
    (HEX_BYTES[(value >>> 8) & 255] ?? '') +
    (HEX_BYTES[value & 255] ?? '')
  );
}

function uuid(): string {
  const a = hex(next());
  const b = hex(next());
  const c = hex(next());
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-8${c.slice(1, 4)}-${c.slice(4)}${hex(next())}`;
}

/** FNV-1a: cheap, stable across runs and platforms, good enough to spread account ids. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A splitmix32-style generator: a few integer operations per number, fully determined by its
 * inputs (never Math.random), so a record can be rebuilt from its index alone. The state is
 * module-wide because rendering is synchronous, and a closure per record cost more than the
 * record's JSON on these machines.
 */
let prngState = 0;

function reseed(base: number, index: number): void {
  prngState = (base ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

function next(): number {
  prngState = (prngState + 0x9e3779b9) | 0;
  let z = prngState;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

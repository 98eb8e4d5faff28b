import type pg from 'pg';
import { RawJsonRecord } from '../../src/stand-in/truto-stand-in.js';
import type { ChaosContext } from '../support/chaos-context.js';
import type { Scenario, ScenarioRecord } from '../support/scenario.js';
import { syncUntilSuccess } from '../support/sync-until-success.js';

const TEN_MB = 10 * 1024 * 1024;

/** Nesting as JSON text: JSON.stringify of 10,000 levels would overflow the stand-in's stack. */
function nestedArrays(depth: number): RawJsonRecord {
  return new RawJsonRecord(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function deepRemoteData(id: string, depth: number): RawJsonRecord {
  const inner = `${'{"next":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
  return new RawJsonRecord(`{"id":${JSON.stringify(id)},"remote_data":${inner}}`);
}

/** Records no integration should send, each one of a kind; `id` where one can be read. */
export const BAD_INPUTS: readonly { label: string; record: unknown; id?: string }[] = [
  { label: 'a number', record: 42 },
  { label: 'a string', record: 'not a license' },
  { label: 'null', record: null },
  { label: 'an array', record: [1, 2, 3] },
  { label: 'a boolean', record: true },
  { label: 'arrays 10,000 deep', record: nestedArrays(10_000) },
  { label: 'no id', record: { name: 'nameless' } },
  { label: 'an empty id', record: { id: '', name: 'empty id' } },
  { label: 'a numeric id', record: { id: 12345, name: 'numeric id' } },
  { label: 'an object id', record: { id: { nested: true } } },
  { label: 'an id of 200,000 characters', record: { id: 'i'.repeat(200_000) } },
  { label: 'an id of 3,000 characters', record: { id: 'k'.repeat(3_000) } },
  {
    label: 'a 10 MB name',
    id: 'ten-mb-name',
    record: { id: 'ten-mb-name', name: 'x'.repeat(TEN_MB) },
  },
  {
    label: 'a 10 MB remote_data string',
    id: 'ten-mb-remote',
    record: { id: 'ten-mb-remote', remote_data: { blob: 'y'.repeat(TEN_MB) } },
  },
  {
    label: 'remote_data 10,000 levels deep',
    id: 'deep',
    record: deepRemoteData('deep', 10_000),
  },
  {
    label: 'NUL characters',
    id: 'nul',
    record: {
      id: 'nul',
      name: 'a\u0000b',
      description: '\u0000',
      remote_data: { text: 'x\u0000y', 'key\u0000': 1 },
      products: [{ id: 'p\u0000', name: 'n\u0000' }],
    },
  },
  { label: 'a NUL in the id', id: 'id-with-nul\u0000', record: { id: 'id-with-nul\u0000' } },
  {
    label: 'lone surrogates',
    id: 'surrogates',
    record: {
      id: 'surrogates',
      name: '\ud800',
      description: 'ok\udfffend',
      remote_data: { text: '\udbff', '\udc00': 'key' },
      roles: [{ id: 'r\ud800', name: '\udfff' }],
    },
  },
  { label: 'a lone surrogate in the id', id: 'lone-\ud800', record: { id: 'lone-\ud800' } },
  {
    label: 'numbers out of range',
    id: 'huge-numbers',
    record: new RawJsonRecord(
      '{"id":"huge-numbers","unit_amount":1e400,' +
        '"assigned_quantity":123456789012345678901234567890,"available_quantity":-1e309,' +
        '"remote_data":{"n":1e400,"m":-1e-400}}',
    ),
  },
  {
    label: 'odd numbers',
    id: 'odd-numbers',
    record: {
      id: 'odd-numbers',
      assigned_quantity: -5,
      available_quantity: 1.5,
      unit_amount: 'NaN',
    },
  },
  {
    label: 'unknown fields and statuses',
    id: 'unknown-fields',
    record: {
      id: 'unknown-fields',
      status: 'frozen-by-vendor',
      colour: 'blue',
      is_paid: 'maybe',
      products: [{ id: 'p1', status: 'on-fire' }],
    },
  },
  {
    label: 'products and roles of the wrong shape',
    id: 'bad-related',
    record: {
      id: 'bad-related',
      products: [{ id: '' }, { name: 'no id' }, { id: { x: 1 } }, 'a string', null],
      roles: { id: 'not an array' },
    },
  },
  {
    label: 'SQL in text fields',
    id: "'); drop table licenses; --",
    record: {
      id: "'); drop table licenses; --",
      name: "Robert'); DROP TABLE license_roles;--",
      description: "$1 $$ \\ E'\\x00' ::text; select pg_sleep(10)",
      remote_data: { "'; delete from sync_runs; --": 1 },
    },
  },
  {
    label: 'impossible dates',
    id: 'bad-dates',
    record: { id: 'bad-dates', created_at: '2024-02-30T25:61:00Z', updated_at: 'yesterday' },
  },
  {
    label: 'a __proto__ key and repeated keys',
    id: 'proto',
    record: new RawJsonRecord('{"id":"proto","__proto__":{"polluted":true},"name":"a","name":"b"}'),
  },
];

const GOOD_RECORDS = 20;

/** The child's peak memory must stay under this: a record is never held whole past the limit. */
const PEAK_RSS_LIMIT_MB = 400;

/**
 * Every bad input in one listing among good records. Each must end as a rejection
 * (sync_rejects) or a stored value; the run must succeed, twice, in bounded memory.
 */
export const badInput: Scenario = {
  name: 'bad-input',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const database = await context.createSchema('bad_input');
    const records = [...BAD_INPUTS.map((input) => input.record), ...goodRecords()];
    const account = { id: 'chaos-bad-input', records };
    const standIn = await context.startStandIn([account], 7);
    const environment = context.environment({ schema: database.schema }, standIn, {
      TRUTO_PAGE_SIZE: '7',
    });
    record.tally.badInputsTried += BAD_INPUTS.length;

    for (const pass of ['first', 'second']) {
      const attempts = await syncUntilSuccess(context, environment, account.id, { maxRuns: 1 });
      record.notes.push(`${pass} run: peak RSS ${attempts.peakRssMb.toFixed(0)} MB`);
      if (!attempts.succeeded || attempts.stuck) {
        const tail = attempts.exits.at(-1)?.stderr.split('\n').slice(-3).join(' ') ?? '';
        record.problems.push(`the ${pass} run did not succeed: ${tail.slice(0, 500)}`);
      }
      if (attempts.peakRssMb > PEAK_RSS_LIMIT_MB) {
        record.problems.push(`the ${pass} run peaked at ${attempts.peakRssMb.toFixed(0)} MB`);
      }
    }
    const outcome = await unaccounted(database.pool, account.id);
    record.problems.push(...outcome.problems);
    record.notes.push(
      `${outcome.rejects} rejections in sync_rejects, ${outcome.stored} licenses stored`,
    );
  },
};

function goodRecords(): unknown[] {
  return Array.from({ length: GOOD_RECORDS }, (_, index) => ({
    id: `good-${index}`,
    name: `Good license ${index}`,
    status: 'active',
    unit_amount: '12.50',
  }));
}

/** Bad inputs that are neither stored nor rejected, and good records that are not stored. */
async function unaccounted(
  pool: pg.Pool,
  accountId: string,
): Promise<{ problems: string[]; rejects: number; stored: number }> {
  const stored = await pool.query<{ id: string }>(
    'select id from licenses where integrated_account_id = $1',
    [accountId],
  );
  const rejected = await pool.query<{ license_id: string | null; field: string | null }>(
    'select license_id, field from sync_rejects where integrated_account_id = $1',
    [accountId],
  );
  const storedIds = new Set(stored.rows.map((row) => row.id));
  const rejectedIds = new Set(rejected.rows.map((row) => row.license_id));
  const problems: string[] = [];

  for (const input of BAD_INPUTS) {
    if (input.id === undefined) continue;
    const clean = input.id.replaceAll('\u0000', '');
    const known = [input.id, clean, Buffer.from(clean).toString()];
    if (!known.some((id) => storedIds.has(id) || rejectedIds.has(id))) {
      problems.push(`${input.label}: neither stored nor rejected`);
    }
  }
  const withoutId = BAD_INPUTS.filter((input) => input.id === undefined).length;
  const wholeRejects = rejected.rows.filter((row) => row.field === null).length;
  const storedOthers = [...storedIds].filter(
    (id) => !id.startsWith('good-') && !BAD_INPUTS.some((input) => input.id === id),
  ).length;
  if (wholeRejects + storedOthers < withoutId) {
    problems.push(
      `${withoutId} inputs without a usable id, but only ${wholeRejects} whole-record ` +
        `rejections and ${storedOthers} other licenses`,
    );
  }
  for (let index = 0; index < GOOD_RECORDS; index++) {
    if (!storedIds.has(`good-${index}`)) problems.push(`good-${index} was not stored`);
  }
  return { problems, rejects: rejected.rows.length, stored: storedIds.size };
}

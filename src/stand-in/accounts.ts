import type { Framing } from './framings.js';

export type AccountStatus =
  'active' | 'connecting' | 'post_install_error' | 'validation_error' | 'needs_reauth';

export interface StandInAccount {
  /** Integrated account id (uuid-like). */
  id: string;
  /** Default `tenant-${id}`. */
  tenantId?: string;
  /** Default 'zoom'. */
  integration?: string;
  /** Default 'active'; any other status makes its licenses unreadable. */
  status?: AccountStatus;
  /** How many licenses are generated (default 0); lowering it deletes the tail. */
  licenses?: number;
  /** Generation seed (default 1): the same seed and index give the same record bytes. */
  seed?: number;
  /** Served instead of generated licenses; any JSON values, non-objects too, or RawJsonRecord. */
  records?: unknown[];
  /** How `truto_response_format=stream` responses are framed (default 'page'). */
  framing?: Framing;
  /** Whether the capabilities endpoint lists licenses (default true). */
  supportsLicenses?: boolean;
}

export type ResolvedAccount = Required<Omit<StandInAccount, 'records'>> & {
  records: unknown[] | undefined;
};

const STATUSES = new Set([
  'active',
  'connecting',
  'post_install_error',
  'validation_error',
  'needs_reauth',
]);
const FRAMINGS = new Set(['page', 'page-cursor-first', 'array', 'ndjson']);

/** Fills in the defaults, and rejects a definition a test could not have meant. */
export function resolveAccount(account: StandInAccount): ResolvedAccount {
  const problems = accountProblems(account);
  if (problems.length > 0) {
    throw new Error(`Stand-in account ${JSON.stringify(account.id)}: ${problems.join('; ')}`);
  }

  return {
    id: account.id,
    tenantId: account.tenantId ?? `tenant-${account.id}`,
    integration: account.integration ?? 'zoom',
    status: account.status ?? 'active',
    licenses: account.licenses ?? 0,
    seed: account.seed ?? 1,
    records: account.records,
    framing: account.framing ?? 'page',
    supportsLicenses: account.supportsLicenses ?? true,
  };
}

function accountProblems(account: StandInAccount): string[] {
  const problems: string[] = [];

  if (typeof account.id !== 'string' || account.id === '') {
    problems.push('id must be a non-empty string');
  }
  if (account.status !== undefined && !STATUSES.has(account.status)) {
    problems.push(`status must be one of ${[...STATUSES].join(', ')}, got ${account.status}`);
  }
  if (account.framing !== undefined && !FRAMINGS.has(account.framing)) {
    problems.push(`framing must be one of ${[...FRAMINGS].join(', ')}, got ${account.framing}`);
  }
  if (
    account.licenses !== undefined &&
    !(Number.isSafeInteger(account.licenses) && account.licenses >= 0)
  ) {
    problems.push(`licenses must be a non-negative integer, got ${String(account.licenses)}`);
  }
  if (account.seed !== undefined && !Number.isSafeInteger(account.seed)) {
    problems.push(`seed must be an integer, got ${String(account.seed)}`);
  }

  return problems;
}

/** How many licenses the account has: its explicit records, else the generated count. */
export function licenseCount(account: ResolvedAccount): number {
  return account.records?.length ?? account.licenses;
}

/** The account as `GET /integrated-account` lists it. */
export function accountJson(account: ResolvedAccount): Record<string, unknown> {
  return {
    id: account.id,
    tenant_id: account.tenantId,
    status: account.status,
    integration: { name: account.integration, category: 'user-directory' },
    is_sandbox: false,
    created_at: '2024-05-02T08:15:00.000Z',
    updated_at: '2024-09-01T10:00:00.000Z',
  };
}

/** `GET /integrated-account/{id}/capabilities` for the licenses resource. */
export function capabilitiesJson(account: ResolvedAccount): Record<string, unknown> {
  const licenses = { model: 'user-directory', resource: 'licenses', methods: ['list', 'get'] };
  return {
    unified: account.supportsLicenses ? [licenses] : [],
    account: {
      id: account.id,
      status: account.status,
      authentication_method: 'oauth2',
      is_blocked: false,
    },
  };
}

import { z } from 'zod';

/**
 * Extra query parameters some integrations need on every licenses request: Microsoft 365
 * wants `product`, GitHub `organization_id`, and any vendor may take `remote_query[…]`.
 * They are configured per integration name and per integrated account; an account's own
 * parameters win over its integration's.
 */

export type QueryParams = Record<string, string | string[]>;

export interface QueryParamRules {
  integrations: Record<string, QueryParams>;
  accounts: Record<string, QueryParams>;
}

const FIXED_NAMES = new Set(['product', 'organization_id', 'truto_ignore_remote_data']);
const LIST_NAMES = new Set(['truto_exclude_fields[]']);
const REMOTE_QUERY = /^remote_query\[[^\]]+\]$/;

function isAllowedName(name: string): boolean {
  return FIXED_NAMES.has(name) || LIST_NAMES.has(name) || REMOTE_QUERY.test(name);
}

const allowedNames = [...FIXED_NAMES, ...LIST_NAMES, 'remote_query[<key>]'].join(', ');

const paramsSchema = z
  .record(z.string(), z.union([z.string(), z.array(z.string())]))
  .superRefine((params, context) => {
    for (const name of Object.keys(params)) {
      if (isAllowedName(name)) continue;
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `only these query parameters can be configured: ${allowedNames}`,
      });
    }
  });

export const queryParamRulesSchema = z
  .object({
    integrations: z.record(z.string(), paramsSchema).default({}),
    accounts: z.record(z.string(), paramsSchema).default({}),
  })
  .strict();

/** The parameters for one account, given its integration where that is known. */
export function queryParamsFor(
  rules: QueryParamRules,
  integratedAccountId: string,
  integration: string | undefined,
): QueryParams {
  const byIntegration = integration === undefined ? {} : rules.integrations[integration];
  return { ...byIntegration, ...rules.accounts[integratedAccountId] };
}

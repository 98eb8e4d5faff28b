import { and, count, eq, inArray } from 'drizzle-orm';
import { requireApiToken, type TrutoConfig } from '../config/config.js';
import type { DemoConfig } from '../config/demo-config.js';
import { startTrutoStandIn } from '../stand-in/truto-stand-in.js';
import type { Db } from '../store/database.js';
import { syncRuns } from '../store/schema.js';
import { SAMPLE_ACCOUNT_IDS, sampleAccounts, type SampleEdition } from './sample-accounts.js';

/** Where the demo reads licenses: Truto itself, or the stand-in serving sample accounts. */
export interface DemoSource {
  truto: TrutoConfig;
  description: string;
  close(): Promise<void>;
}

const EDITION_DESCRIPTIONS: Record<SampleEdition, string> = {
  first: 'the bundled Truto stand-in, serving sample accounts',
  later:
    'the bundled Truto stand-in, serving the sample accounts as they are a day later ' +
    '(one seat count moved, one Zoom license dropped)',
};

/** Truto when TRUTO_API_TOKEN is set; else the stand-in, in the edition the store calls for. */
export async function openDemoSource(demo: DemoConfig, db: Db): Promise<DemoSource> {
  const { truto } = demo.config;
  if (!demo.useStandIn) {
    return {
      truto: { ...truto, apiToken: requireApiToken(demo.config) },
      description: `Truto at ${truto.apiUrl}`,
      close: () => Promise.resolve(),
    };
  }

  const edition = await sampleEdition(db);
  const standIn = await startTrutoStandIn({ accounts: sampleAccounts(edition) });
  return {
    truto: { ...truto, apiUrl: standIn.url, apiToken: standIn.token },
    description: EDITION_DESCRIPTIONS[edition],
    close: () => standIn.close(),
  };
}

/** The first edition until the store holds a succeeded sync of a sample account. */
async function sampleEdition(db: Db): Promise<SampleEdition> {
  const [row] = await db
    .select({ runs: count() })
    .from(syncRuns)
    .where(
      and(
        inArray(syncRuns.integratedAccountId, Object.values(SAMPLE_ACCOUNT_IDS)),
        eq(syncRuns.status, 'succeeded'),
      ),
    );
  return (row?.runs ?? 0) > 0 ? 'later' : 'first';
}

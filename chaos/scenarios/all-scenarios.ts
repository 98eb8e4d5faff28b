import type { Scenario } from '../support/scenario.js';
import { badInput } from './bad-input.js';
import { concurrency } from './concurrency.js';
import { crashInline } from './crash-inline.js';
import { crashWorker } from './crash-worker.js';
import { databaseFaults } from './database-faults.js';
import { lostJobLock } from './lost-job-lock.js';
import { queueFaults } from './queue-faults.js';
import { secretScan } from './secret-scan.js';
import { upstreamFaults } from './upstream-faults.js';

/** Every scenario, in the order the suite runs them; the secret scan comes last. */
export const SCENARIOS: readonly Scenario[] = [
  crashInline,
  crashWorker,
  upstreamFaults(),
  databaseFaults,
  queueFaults,
  lostJobLock,
  badInput,
  concurrency,
  secretScan,
];

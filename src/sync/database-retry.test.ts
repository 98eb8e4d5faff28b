import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/capture-logger.js';
import { isTransientDatabaseError, withDatabaseRetries } from './database-retry.js';

const pgError = (code: string) => Object.assign(new Error(`postgres ${code}`), { code });

describe('isTransientDatabaseError', () => {
  it('retries a lost connection, a restarting server and conflicts between transactions', () => {
    for (const code of ['08006', '57P01', '57P03', '40001', '40P01', 'ECONNRESET']) {
      expect(isTransientDatabaseError(pgError(code)), code).toBe(true);
    }
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('finds the cause behind a wrapping error, as drizzle wraps them', () => {
    const wrapped = new Error('Failed query: insert …', { cause: pgError('57P01') });
    expect(isTransientDatabaseError(wrapped)).toBe(true);
  });

  it('does not retry what a retry cannot fix', () => {
    for (const code of ['23505', '22P02', '42P01']) {
      expect(isTransientDatabaseError(pgError(code)), code).toBe(false);
    }
    expect(isTransientDatabaseError(new TypeError('x is not a function'))).toBe(false);
  });
});

describe('withDatabaseRetries', () => {
  it('tries again after a transient failure and logs it without the query', async () => {
    const { logger, lines } = captureLogger();
    let attempts = 0;
    const result = await withDatabaseRetries(() => {
      attempts += 1;
      if (attempts === 1) {
        const cause = pgError('57P01');
        return Promise.reject(new Error('Failed query: select $1 params: secret', { cause }));
      }
      return Promise.resolve('done');
    }, logger);
    expect(result).toBe('done');
    expect(attempts).toBe(2);
    expect(lines.join('\n')).toContain('57P01');
    expect(lines.join('\n')).not.toContain('params: secret');
  });

  it('gives up at once on a permanent failure', async () => {
    const { logger } = captureLogger();
    let attempts = 0;
    const failing = withDatabaseRetries(() => {
      attempts += 1;
      return Promise.reject(pgError('23505'));
    }, logger);
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
  });
});

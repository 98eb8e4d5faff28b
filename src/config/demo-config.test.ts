import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { loadDemoConfig } from './demo-config.js';

describe('loadDemoConfig', () => {
  it('uses the stand-in and the embedded Postgres when nothing is set', () => {
    const demo = loadDemoConfig({});
    expect(demo).toMatchObject({ useStandIn: true, useEmbeddedDatabase: true });
    expect(demo.config.queue.concurrency).toBe(1);
    expect(demo.config.logLevel).toBe('warn');
  });

  it('switches each half on its own variable', () => {
    expect(loadDemoConfig({ TRUTO_API_TOKEN: 'token' })).toMatchObject({
      useStandIn: false,
      useEmbeddedDatabase: true,
    });
    expect(loadDemoConfig({ DATABASE_URL: 'postgres://db/x' })).toMatchObject({
      useStandIn: true,
      useEmbeddedDatabase: false,
    });
  });

  it('refuses an empty TRUTO_API_TOKEN, as every command does, instead of guessing', () => {
    expect(() => loadDemoConfig({ TRUTO_API_TOKEN: '' })).toThrow(ConfigError);
  });

  it('keeps the log level and settings the environment gives, but syncs one account at a time', () => {
    const demo = loadDemoConfig({
      LOG_LEVEL: 'debug',
      WORKER_CONCURRENCY: '8',
      SYNC_BATCH_SIZE: '7',
    });
    expect(demo.config.logLevel).toBe('debug');
    expect(demo.config.sync.batchSize).toBe(7);
    expect(demo.config.queue.concurrency).toBe(1);
  });
});

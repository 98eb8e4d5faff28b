import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireApiToken } from './config.js';
import { queryParamsFor } from './query-params.js';

describe('loadConfig', () => {
  it('fills every setting with its default from an empty environment', () => {
    const config = loadConfig({});
    expect(config.truto).toMatchObject({
      apiUrl: 'https://api.truto.one',
      apiToken: undefined,
      responseFormat: 'stream',
      pageSize: 500,
    });
    expect(config.databaseSchema).toBe('license_sync');
    expect(config.sync.batchSize).toBe(4_000);
  });

  it('names every malformed variable in one error', () => {
    const environment = {
      TRUTO_PAGE_SIZE: 'lots',
      TRUTO_RESPONSE_FORMAT: 'xml',
      DATABASE_URL: 'mysql://somewhere',
      LOG_LEVEL: 'loud',
    };
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    try {
      loadConfig(environment);
    } catch (error) {
      const message = (error as Error).message;
      for (const name of Object.keys(environment)) expect(message).toContain(name);
    }
  });

  it('never echoes a malformed value, which may be a secret', () => {
    const environment = { DATABASE_URL: 'mysql://admin:hunter2@db', TRUTO_API_URL: 'tok-9931' };
    expect(() => loadConfig(environment)).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/hunter2|tok-9931/) }),
    );
  });

  it('asks for the API token only where Truto is called', () => {
    const config = loadConfig({});
    expect(() => requireApiToken(config)).toThrow(/TRUTO_API_TOKEN/);
    expect(requireApiToken(loadConfig({ TRUTO_API_TOKEN: 't' }))).toBe('t');
  });

  it('drops a trailing slash from the API URL', () => {
    expect(loadConfig({ TRUTO_API_URL: 'http://127.0.0.1:4010/' }).truto.apiUrl).toBe(
      'http://127.0.0.1:4010',
    );
  });

  it('refuses a minimum retry delay above the maximum', () => {
    const environment = { TRUTO_RETRY_MIN_DELAY_MS: '5000', TRUTO_RETRY_MAX_DELAY_MS: '100' };
    expect(() => loadConfig(environment)).toThrow(/TRUTO_RETRY_MIN_DELAY_MS/);
  });
});

describe('TRUTO_QUERY_PARAMS', () => {
  const rules = {
    integrations: { microsoft365: { product: 'azure_active_directory' } },
    accounts: { a1: { product: 'onedrive', 'truto_exclude_fields[]': ['description'] } },
  };

  it('gives an account its own parameters over its integration', () => {
    const config = loadConfig({ TRUTO_QUERY_PARAMS: JSON.stringify(rules) });
    const { queryParams } = config.truto;
    expect(queryParamsFor(queryParams, 'a1', 'microsoft365')).toEqual({
      product: 'onedrive',
      'truto_exclude_fields[]': ['description'],
    });
    expect(queryParamsFor(queryParams, 'a2', 'microsoft365')).toEqual({
      product: 'azure_active_directory',
    });
    expect(queryParamsFor(queryParams, 'a2', undefined)).toEqual({});
  });

  it('accepts remote_query parameters', () => {
    const value = JSON.stringify({ accounts: { a: { 'remote_query[team]': 'x' } } });
    expect(loadConfig({ TRUTO_QUERY_PARAMS: value }).truto.queryParams.accounts).toEqual({
      a: { 'remote_query[team]': 'x' },
    });
  });

  it('refuses parameters the sync sets itself', () => {
    const value = JSON.stringify({ accounts: { a: { next_cursor: 'x' } } });
    expect(() => loadConfig({ TRUTO_QUERY_PARAMS: value })).toThrow(/only these query parameters/);
  });

  it('says so when the value is not JSON', () => {
    expect(() => loadConfig({ TRUTO_QUERY_PARAMS: '{oops' })).toThrow(/TRUTO_QUERY_PARAMS.*JSON/);
  });
});

describe('the HTTP settings', () => {
  it('serve on 0.0.0.0:3000 with neither board nor webhooks by default', () => {
    expect(loadConfig({}).http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      admin: null,
      webhookSecret: undefined,
      webhookMaxAgeMs: 300_000,
    });
  });

  it('turn the server off with HTTP_PORT=off, and refuse a port that is not one', () => {
    expect(loadConfig({ HTTP_PORT: 'off' }).http.port).toBeNull();
    expect(loadConfig({ HTTP_PORT: '0' }).http.port).toBe(0);
    expect(() => loadConfig({ HTTP_PORT: '70000' })).toThrow(/HTTP_PORT/);
  });

  it('ask for both admin settings or neither, without echoing the password', () => {
    const password = 'a-long-admin-password';
    expect(() => loadConfig({ ADMIN_PASSWORD: password })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/ADMIN_USERNAME, ADMIN_PASSWORD: set both/) as string,
      }),
    );
    expect(() => loadConfig({ ADMIN_PASSWORD: password })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(password) as string }),
    );
    const config = loadConfig({ ADMIN_USERNAME: 'ops', ADMIN_PASSWORD: password });
    expect(config.http.admin).toEqual({ username: 'ops', password });
  });

  it('refuse a short admin password or webhook secret without echoing it', () => {
    const environment = {
      ADMIN_USERNAME: 'ops',
      ADMIN_PASSWORD: 'short',
      TRUTO_WEBHOOK_SECRET: 'tiny',
    };
    expect(() => loadConfig(environment)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/ADMIN_PASSWORD[\s\S]*TRUTO_WEBHOOK_SECRET/) as string,
      }),
    );
    expect(() => loadConfig(environment)).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/short|tiny/) as string }),
    );
  });
});

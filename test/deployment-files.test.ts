/**
 * Docker cannot run on the machines these tests run on, so the compose file, the Dockerfile
 * and .env.example are checked as files: what they declare, and that they agree with the
 * configuration and the repository. `docker compose config` and a real `docker compose up`
 * remain to be run where Docker is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariableNames, loadConfig } from '../src/config/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] };
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** `NAME=value` and `# NAME=value` lines: the settings and the commented-out defaults. */
function exampleSettings(): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) settings.set(match[1], match[2] ?? '');
  }
  return settings;
}

describe('docker-compose.yml', () => {
  it('runs Postgres 16, Redis 7 with an append-only file, and the worker, each with a health check', () => {
    expect(service('postgres').image).toBe('postgres:16');
    expect(service('redis').image).toBe('redis:7');
    expect(service('redis').command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    for (const [name, { healthcheck }] of Object.entries(services)) {
      expect(healthcheck?.test, `${name} has a health check`).toBeDefined();
    }
  });

  it('builds the worker from the Dockerfile, migrates, then runs it once Postgres and Redis are healthy', () => {
    const worker = service('worker');
    expect(worker.build).toBe('.');
    expect(worker.entrypoint?.join(' ')).toContain(
      'license-sync migrate && exec license-sync worker',
    );
    expect(worker.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'stand-in': { condition: 'service_healthy', required: false },
    });
    expect(worker.environment).toMatchObject({
      DATABASE_URL: expect.stringMatching(/@postgres:5432\//),
      REDIS_URL: 'redis://redis:6379',
    });
    expect(worker.healthcheck?.test.join(' ')).toContain('/healthz');
  });

  it('starts the stand-in only under its profile, listening where the worker can reach it', () => {
    const standIn = service('stand-in');
    expect(standIn.profiles).toEqual(['stand-in']);
    expect(standIn.entrypoint).toEqual(['node', '--import', 'tsx', 'src/stand-in/main.ts']);
    expect(standIn.command?.join(' ')).toContain('--host 0.0.0.0 --port 4010');
    expect(read('docker-compose.yml')).toContain('TRUTO_API_URL=http://stand-in:4010');
  });
});

describe('.env.example', () => {
  it('documents every variable the configuration reads and every one docker-compose.yml uses', () => {
    const documented = [...exampleSettings().keys()];
    const interpolated = [...read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map(
      (match) => match[1],
    );

    expect(documented).toEqual(expect.arrayContaining(configVariableNames()));
    expect(documented).toEqual(expect.arrayContaining(interpolated));
  });

  it('holds only values the configuration accepts, and no real secret', () => {
    const settings = exampleSettings();
    expect(() => loadConfig(Object.fromEntries(settings))).not.toThrow();
    expect(settings.get('TRUTO_API_TOKEN')).toMatch(/^replace-with-/);
    expect(settings.get('POSTGRES_PASSWORD')).toMatch(/^replace-with-/);
  });
});

describe('Dockerfile', () => {
  it('copies only paths that exist and that .dockerignore lets into the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));
    const copied = read('Dockerfile')
      .split('\n')
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));

    expect(copied).toEqual(expect.arrayContaining(['bin', 'drizzle', 'src']));
    for (const source of copied.filter((entry) => entry !== '.')) {
      expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
      expect(ignored, `${source} reaches the build context`).not.toContain(source);
    }
  });
});

import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A Postgres cluster of the suite's own, in a temporary directory on a free port, that may be
 * restarted at will: the shared server never is.
 */
export interface ThrowawayPostgres {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBin();
  const directory = mkdtempSync(join(tmpdir(), 'chaos-pg-'));
  const data = join(directory, 'data');
  // initdb refuses to run as root; the cluster then belongs to the postgres user.
  const asUser = userInfo().uid === 0 ? await postgresUser(directory) : [];
  const tool = (name: string, args: string[]) =>
    asUser.length === 0
      ? run(join(bin, name), args)
      : run('runuser', [...asUser, join(bin, name), ...args]);

  await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'root', '--no-sync']);
  const port = await freePort();
  const settings = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const log = join(directory, 'server.log');
  await tool('pg_ctl', ['-D', data, '-o', settings, '-l', log, '-w', 'start']);

  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    restart: async () => {
      // Without -l the new server would write to pg_ctl's output, which then never closes.
      await tool('pg_ctl', ['-D', data, '-m', 'fast', '-l', log, '-w', 'restart']);
    },
    stop: async () => {
      await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (newest === undefined) throw new Error(`No Postgres under ${root}; install postgresql`);
  return join(root, newest, 'bin');
}

async function postgresUser(directory: string): Promise<string[]> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: group } = await run('id', ['-g', 'postgres']);
  chownSync(directory, Number(stdout.trim()), Number(group.trim()));
  return ['-u', 'postgres', '--'];
}

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFolder } from './folder-lock.js';

let scratch: string;
let folder: string;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'folder-lock-'));
  folder = path.join(scratch, 'pgdata');
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function goneProcessId(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

describe('lockFolder', () => {
  it('claims a free folder with our pid and lets it go again', async () => {
    const unlock = await lockFolder(folder);
    expect(await readFile(`${folder}.lock`, 'utf8')).toBe(String(process.pid));

    await unlock();
    expect(existsSync(`${folder}.lock`)).toBe(false);
  });

  it('refuses a folder that a running process holds, naming that process', async () => {
    const unlock = await lockFolder(folder);
    try {
      await expect(lockFolder(folder)).rejects.toThrow(
        `${folder} is in use by process ${process.pid}`,
      );
    } finally {
      await unlock();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    await writeFile(`${folder}.lock`, String(goneProcessId()));

    const unlock = await lockFolder(folder);
    expect(await readFile(`${folder}.lock`, 'utf8')).toBe(String(process.pid));
    await unlock();
  });

  it('takes over a lock file that holds no pid', async () => {
    await writeFile(`${folder}.lock`, '');

    const unlock = await lockFolder(folder);
    expect(await readFile(`${folder}.lock`, 'utf8')).toBe(String(process.pid));
    await unlock();
  });
});

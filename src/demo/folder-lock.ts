import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Claims a folder for this process with a `<folder>.lock` file beside it holding our pid, and
 * returns the function that lets it go.
 *
 * PGlite does not guard its data folder: two processes can open the same one at once, and
 * each then overwrites what the other wrote (two demos inserting into one table lost a third
 * of the rows in a trial). A lock left by a process that no longer runs is taken over.
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  const lockPath = `${folder}.lock`;
  await mkdir(path.dirname(lockPath), { recursive: true });

  if (!(await tryCreate(lockPath))) {
    const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
    if (isRunning(holder)) {
      throw new Error(
        `${folder} is in use by process ${holder}, another demo; wait for it to finish, ` +
          'or give the demo another folder with --data-dir.',
      );
    }
    // Its holder is gone (killed, or the machine restarted): the lock is stale.
    await rm(lockPath, { force: true });
    if (!(await tryCreate(lockPath))) {
      throw new Error(`${folder} was claimed by another demo just now; try again.`);
    }
  }

  return () => rm(lockPath, { force: true });
}

async function tryCreate(lockPath: string): Promise<boolean> {
  try {
    await writeFile(lockPath, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`Could not create the lock file ${lockPath}`, { cause: error });
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    // Signal 0 only asks whether the process exists.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

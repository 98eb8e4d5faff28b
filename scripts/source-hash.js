import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the build compiles or copies: a change to any of it makes the build stale. */
const INPUTS = ['src', 'drizzle', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * A digest of what the build is made from, by content rather than modification time, so that
 * a checkout, a `touch` or a clock change can neither hide an edit nor force a rebuild.
 * Hashing the few hundred kilobytes takes a few milliseconds.
 */
export function sourceHash(root) {
  const hash = createHash('sha1');
  for (const file of INPUTS.flatMap((input) => filesUnder(root, input)).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
  }
  return hash.digest('hex');
}

function filesUnder(root, relative) {
  const full = path.join(root, relative);
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

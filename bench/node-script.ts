import { fileURLToPath } from 'node:url';

/**
 * The node arguments that run a script of this project: the compiled one when the benchmark
 * itself runs compiled (`npm run bench` builds first), so that no phase carries tsx's loader,
 * and the TypeScript source through tsx otherwise.
 */
export function scriptArgs(relativeTs: string, base: string): string[] {
  const compiled = base.endsWith('.js');
  const file = fileURLToPath(
    new URL(compiled ? relativeTs.replace(/\.ts$/, '.js') : relativeTs, base),
  );
  return compiled ? [file] : ['--import', 'tsx', file];
}

/** A file of the project, by its path from the project's root, compiled or not. */
export function projectFile(fromRoot: string, base: string): string {
  return fileURLToPath(new URL(`${base.endsWith('.js') ? '../../' : '../'}${fromRoot}`, base));
}

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/license-sync.js', import.meta.url));

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child's peak resident set size (VmHWM), in MB; 0 where /proc cannot say. */
  peakRssMb: number;
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliExit>;
}

/** Where every child's output is kept, so that the secret scan can read all of it. */
export type OutputSink = string[];

/**
 * Runs `license-sync <args>` as a child process with exactly the environment given (no
 * inherited variables but PATH), keeping its output and sampling its peak memory.
 */
export function runCli(
  args: string[],
  environment: Record<string, string>,
  sink: OutputSink,
): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  let peakRssMb = 0;
  const sample = () => {
    peakRssMb = Math.max(peakRssMb, readPeakRssMb(child.pid));
  };
  const sampler = setInterval(sample, 100);

  const done = new Promise<CliExit>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      // Output can still be in the pipes when the process exits; 'close' waits for it.
      child.once('close', () => {
        sink.push(stdout, stderr);
        resolve({ code, signal, stdout, stderr, peakRssMb });
      });
    });
  });
  return { child, done };
}

/** Runs a command to its end and fails when it exits with another code than expected. */
export async function runCliToEnd(
  args: string[],
  environment: Record<string, string>,
  sink: OutputSink,
  expectedCodes: readonly number[] = [0],
): Promise<CliExit> {
  const exit = await runCli(args, environment, sink).done;
  if (exit.code === null || !expectedCodes.includes(exit.code)) {
    const tail = exit.stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(
      `license-sync ${args.join(' ')} exited with ${String(exit.code ?? exit.signal)}:\n${tail}`,
    );
  }
  return exit;
}

function readPeakRssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match?.[1] === undefined ? 0 : Number(match[1]) / 1024;
  } catch {
    // The process ended between two samples; its last sample stands.
    return 0;
  }
}

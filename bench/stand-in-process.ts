import { spawn, type ChildProcess } from 'node:child_process';
import { scriptArgs } from './node-script.js';

const MAIN = scriptArgs('../src/stand-in/main.ts', import.meta.url);

export interface StandInProcess {
  url: string;
  token: string;
  accountId: string;
  stop(): void;
}

/**
 * Runs the Truto stand-in in a process of its own, so that serving the listing neither takes
 * the measured process's CPU nor counts in its memory. Its records are rendered before it
 * listens (`--prerender`), so that no phase shares the cores with generating them.
 */
export async function startStandInProcess(
  licenses: number,
  framing: 'page' | 'array',
  accounts = 1,
): Promise<StandInProcess> {
  const args = [
    '--accounts',
    String(accounts),
    '--licenses',
    String(licenses),
    '--framing',
    framing,
    '--prerender',
  ];
  const child = spawn(process.execPath, [...MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await readUrl(child);
  return {
    url,
    token: 'stand-in-token',
    accountId: '00000000-0000-4000-8000-000000000001',
    stop: () => child.kill('SIGTERM'),
  };
}

function readUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => {
      reject(new Error(`The stand-in exited (${String(code)}) before listening`));
    });
  });
}

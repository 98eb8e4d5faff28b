import { spawn } from 'node:child_process';
import { scriptArgs } from './node-script.js';

const CONTROL = scriptArgs('./idle-control.ts', import.meta.url);

/** The event-loop delays an idle process saw while a phase ran. */
export interface ControlDelays {
  maxMs: number;
  p99Ms: number;
}

/** Starts the idle control process (see idle-control.ts); `stop` ends it and reads it. */
export function startIdleControl(): { stop(): Promise<ControlDelays | null> } {
  const child = spawn(process.execPath, CONTROL, { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );

  return {
    async stop() {
      child.stdin.end();
      await exited;
      try {
        return JSON.parse(output.trim()) as ControlDelays;
      } catch {
        return null;
      }
    },
  };
}

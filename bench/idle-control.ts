import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A process that does nothing but keep a timer, run beside a measured phase: the delays it
 * sees are what the machine alone (other processes, a core not given back in time) does to an
 * event loop, the floor against which the phase's own blocks are judged. It measures with the
 * same instrument and resolution as the phase, and prints its figures when its standard input
 * closes.
 */
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const keepAlive = setInterval(() => undefined, 5);

process.stdin.resume();
process.stdin.on('end', () => {
  delay.disable();
  clearInterval(keepAlive);
  const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e6);
  console.log(JSON.stringify({ maxMs: ms(delay.max), p99Ms: ms(delay.percentile(99)) }));
  process.exit(0);
});

import { setImmediate } from 'node:timers/promises';

/**
 * Cuts a long piece of CPU work into slices, letting timers and I/O in between: a queue
 * lock's renewal, or a COPY that streams its text to Postgres only when the event loop comes
 * round. Reading a body and parsing a batch both run in slices.
 */
export class EventLoopSlices {
  readonly #sliceMs: number;
  #started = performance.now();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** Lets the event loop come round if the slice is used up; else returns at once. */
  async pause(): Promise<void> {
    if (performance.now() - this.#started < this.#sliceMs) return;
    await setImmediate();
    this.#started = performance.now();
  }
}

import type { RunCounts } from '../store/runs.js';

const number = new Intl.NumberFormat('en-US');

/** One line that rewrites itself on a terminal; silent when standard error is not one. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr) {
  const active = stream.isTTY;
  return {
    update(counts: RunCounts): void {
      if (!active) return;
      stream.write(`\r\x1b[2K  ${describeCounts(counts)}`);
    },
    clear(): void {
      if (active) stream.write('\r\x1b[2K');
    },
  };
}

export function describeCounts(counts: RunCounts): string {
  const parts = [
    `${number.format(counts.pages)} pages`,
    `${number.format(counts.recordsSeen)} records`,
    `${number.format(counts.written)} written`,
    `${number.format(counts.unchanged)} unchanged`,
    `${number.format(counts.rejected)} rejected`,
    `${number.format(counts.deleted)} deleted`,
  ];
  return parts.join(', ');
}

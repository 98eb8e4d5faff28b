import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { CopyRows } from './copy-rows.js';

/** Where one license's lines lie in each table's text: three [start, end) byte ranges. */
type Spans = [number, number, number, number, number, number];

/**
 * Makes the COPY text of new licenses one license at a time, into byte buffers outside the
 * JavaScript heap. A batch's licenses used to be kept as objects until the batch was parsed
 * whole; at some 2 KB each they outlived a young generation of 2 MB, were copied into the
 * old one and collected there: a sixth of a first sync's CPU went to that. Written out as
 * they come, each license is garbage before the next collection.
 *
 * The same id added twice keeps its later license, as a batch does: `drop` takes out the
 * earlier one's lines.
 */
export class CopyRowsBuilder {
  readonly #account: string;
  readonly #licenses = new ByteSink();
  readonly #products = new ByteSink();
  readonly #roles = new ByteSink();
  readonly #spans = new Map<string, Spans>();
  readonly #dropped: Spans[] = [];

  constructor(accountId: string) {
    this.#account = copyText(accountId);
  }

  get size(): number {
    return this.#spans.size;
  }

  has(id: string): boolean {
    return this.#spans.has(id);
  }

  add(item: NormalizedLicense): void {
    const id = item.license.id;
    if (this.#spans.has(id)) this.drop(id);
    const starts = [this.#licenses.length, this.#products.length, this.#roles.length];
    this.#licenses.write(this.#licenseLine(item));
    const owner = `${this.#account}\t${copyText(id)}\t`;
    for (const p of item.products) {
      this.#products.write(
        `${owner}${copyText(p.id)}\t${nullable(p.name)}\t${nullable(p.status)}\n`,
      );
    }
    for (const r of item.roles)
      this.#roles.write(`${owner}${copyText(r.id)}\t${nullable(r.name)}\n`);
    const [l, p, r] = starts as [number, number, number];
    this.#spans.set(id, [
      l,
      this.#licenses.length,
      p,
      this.#products.length,
      r,
      this.#roles.length,
    ]);
  }

  /** Takes a license's lines out again; false where it has none. */
  drop(id: string): boolean {
    const spans = this.#spans.get(id);
    if (spans === undefined) return false;
    this.#spans.delete(id);
    this.#dropped.push(spans);
    return true;
  }

  finish(): CopyRows {
    const dropped = this.#dropped;
    return {
      ids: new Set(this.#spans.keys()),
      licenses: this.#licenses.bytesWithout(dropped.map((spans) => [spans[0], spans[1]])),
      products: this.#products.bytesWithout(dropped.map((spans) => [spans[2], spans[3]])),
      roles: this.#roles.bytesWithout(dropped.map((spans) => [spans[4], spans[5]])),
    };
  }

  #licenseLine({ license: l, sourceHash }: NormalizedLicense): string {
    return (
      `${this.#account}\t${copyText(l.id)}\t${nullable(l.name)}\t${nullable(l.description)}\t` +
      `${nullable(l.status)}\t${l.isPaid === null ? '\\N' : l.isPaid ? 't' : 'f'}\t` +
      `${nullable(l.currency)}\t${nullable(l.unitAmount)}\t` +
      `${nullable(l.assignedQuantity)}\t${nullable(l.availableQuantity)}\t` +
      `${nullable(l.remoteCreatedAt)}\t${nullable(l.remoteUpdatedAt)}\t` +
      `${nullable(l.remoteData)}\t${copyText(l.contentHash)}\t${nullable(sourceHash)}\n`
    );
  }
}

/** A growing byte buffer that text is written to as UTF-8. */
class ByteSink {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  write(text: string): void {
    // A UTF-16 code unit takes at most three bytes in UTF-8; room is made for the worst.
    this.#reserve(text.length * 3);
    this.length += this.#buffer.write(text, this.length, 'utf8');
  }

  /** The bytes written, less the given ranges (which the caller keeps from overlapping). */
  bytesWithout(ranges: [number, number][]): Buffer {
    const written = this.#buffer.subarray(0, this.length);
    if (ranges.length === 0) return written;
    const kept: Buffer[] = [];
    let from = 0;
    for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
      kept.push(written.subarray(from, start));
      from = end;
    }
    kept.push(written.subarray(from));
    return Buffer.concat(kept);
  }

  #reserve(bytes: number): void {
    if (this.length + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.length + bytes));
    this.#buffer.copy(grown, 0, 0, this.length);
    this.#buffer = grown;
  }
}

function nullable(value: string | null): string {
  return value === null ? '\\N' : copyText(value);
}

/** COPY's text format escapes backslash, tab, newline and carriage return. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c] ?? c) : value;
}

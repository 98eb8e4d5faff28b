/**
 * Collects the bytes of one value as a body arrives in pieces: a value that lies within one
 * piece is a view of it, without a copy; one that spans pieces is joined when it ends. Past
 * `limit` bytes it stops keeping what follows, but still counts it, so that a 10 MB value
 * costs no more memory than its first `limit` bytes.
 */
export class ByteCapture {
  #pieces: Buffer[] = [];
  #kept = 0;
  #length = 0;
  /** Where the value starts in the current piece: 0 once it has run into a later one. */
  #startInPiece = 0;
  #limit = 0;
  #active = false;

  /** Starts a value at index `at` of the current piece. */
  begin(at: number, limit: number): void {
    this.#pieces = [];
    this.#kept = 0;
    this.#length = 0;
    this.#startInPiece = at;
    this.#limit = limit;
    this.#active = true;
  }

  /** The value's offset of index `at` of the current piece. */
  offsetOf(at: number): number {
    return this.#length + (at - this.#startInPiece);
  }

  /** Takes in the rest of the current piece, before the next one comes. */
  endPiece(piece: Buffer): void {
    if (!this.#active) return;
    this.#keep(piece, piece.length);
    this.#startInPiece = 0;
  }

  /** Ends the value before index `end` of the current piece; returns the bytes kept. */
  finish(piece: Buffer, end: number): Buffer {
    this.#keep(piece, end);
    this.#active = false;
    const pieces = this.#pieces;
    this.#pieces = [];
    if (pieces.length === 1 && pieces[0] !== undefined) return pieces[0];
    return Buffer.concat(pieces, this.#kept);
  }

  /** Drops the value: what it kept is not needed. */
  cancel(): void {
    this.#pieces = [];
    this.#active = false;
  }

  /** The bytes kept so far and up to index `end` of the current piece, the value going on. */
  peek(piece: Buffer, end: number): Buffer {
    const room = Math.max(this.#limit - this.#kept, 0);
    const tail = piece.subarray(this.#startInPiece, Math.min(end, this.#startInPiece + room));
    return Buffer.concat([...this.#pieces, tail]);
  }

  /** Whether bytes were dropped past the limit. */
  get overflowed(): boolean {
    return this.#length > this.#limit;
  }

  #keep(piece: Buffer, end: number): void {
    const size = end - this.#startInPiece;
    const room = this.#limit - this.#kept;
    if (size > 0 && room > 0) {
      this.#pieces.push(
        piece.subarray(this.#startInPiece, this.#startInPiece + Math.min(size, room)),
      );
      this.#kept += Math.min(size, room);
    }
    this.#length += Math.max(size, 0);
  }
}

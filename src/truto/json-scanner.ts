/** What a scan reports: where values and keys begin and end, by index in the current piece. */
export interface ScanHandler {
  /** A value begins at `at`; `depth` is the number of containers open around it. */
  valueStart(depth: number, at: number): void;
  /** The value that began at `depth` ends before `end`. */
  valueEnd(depth: number, end: number): void;
  /** A key of an object begins at `at` (its opening quote); `depth` counts that object. */
  keyStart(depth: number, at: number): void;
  /** The key ends before `end`, just past its closing quote. */
  keyEnd(depth: number, end: number): void;
}

const OBJECT = 1;
const ARRAY = 2;

// Where the scan stands between bytes.
const TOP = 0; // between top-level values
const VALUE = 1; // a value must come: after a colon, or a comma in an array
const VALUE_OR_END = 2; // just after `[`
const KEY_OR_END = 3; // just after `{`
const KEY = 4; // after a comma in an object
const COLON = 5;
const COMMA_OR_END = 6; // after a value inside a container
const STRING = 7;
const NUMBER = 8;
const LITERAL = 9;

// Where a number stands; see https://www.json.org for the grammar.
const N_MINUS = 0;
const N_ZERO = 1;
const N_INT = 2;
const N_DOT = 3;
const N_FRACTION = 4;
const N_E = 5;
const N_E_SIGN = 6;
const N_EXPONENT = 7;
const NUMBER_MAY_END = [false, true, true, false, true, false, false, true];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LITERALS: Record<number, Buffer> = {
  0x74: Buffer.from('true'),
  0x66: Buffer.from('false'),
  0x6e: Buffer.from('null'),
};

/**
 * Checks the structure of a stream of JSON values byte by byte, and tells its handler where
 * each value and key lies, so that the handler can take a value's bytes whole without
 * building it. Brackets, commas, colons, numbers and literals are checked as JSON has them;
 * the inside of a string is not, for it is most of the bytes and a quote found by `indexOf`
 * is enough to know where the string ends: `JSON.parse` of a value checks the rest.
 *
 * It works on bytes, not characters: no byte of a UTF-8 sequence past the first is below 128,
 * so none of them can be taken for a quote or a bracket. Errors are `SyntaxError`s.
 */
export class JsonScanner {
  readonly #handler: ScanHandler;
  readonly #stack: number[] = [];
  #state = TOP;
  #stringIsKey = false;
  /** The previous piece ended on a backslash inside a string: the first byte is escaped. */
  #escaped = false;
  #number = N_MINUS;
  #literal: Buffer = Buffer.alloc(0);
  #literalAt = 0;

  constructor(handler: ScanHandler) {
    this.#handler = handler;
  }

  /** Scans the next piece of the stream. */
  scan(piece: Buffer): void {
    const n = piece.length;
    let i = 0;
    while (i < n) {
      const state = this.#state;
      if (state === STRING) i = this.#inString(piece, i);
      else if (state === NUMBER) i = this.#inNumber(piece, i);
      else if (state === LITERAL) i = this.#inLiteral(piece, i);
      else i = this.#between(piece, i);
    }
  }

  /** Ends the stream: a number at the top level ends with it; anything else open is an error. */
  end(): void {
    if (this.#state === NUMBER && this.#stack.length === 0) this.#endNumber(0);
    if (this.#state !== TOP) throw new SyntaxError('the JSON ended in the middle of a value');
  }

  #between(piece: Buffer, i: number): number {
    const byte = piece[i] ?? 0;
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) return i + 1;
    switch (this.#state) {
      case TOP:
      case VALUE:
        return this.#startValue(i, byte);
      case VALUE_OR_END:
        return byte === 0x5d ? this.#close(ARRAY, i) : this.#startValue(i, byte);
      case KEY_OR_END:
        return byte === 0x7d ? this.#close(OBJECT, i) : this.#startKey(i, byte);
      case KEY:
        return this.#startKey(i, byte);
      case COLON:
        if (byte !== 0x3a) throw unexpected(byte, 'a colon');
        this.#state = VALUE;
        return i + 1;
      default:
        return this.#afterValue(i, byte);
    }
  }

  #afterValue(i: number, byte: number): number {
    const container = this.#stack.at(-1);
    if (byte === 0x2c) {
      this.#state = container === OBJECT ? KEY : VALUE;
      return i + 1;
    }
    if (byte === 0x7d) return this.#close(OBJECT, i);
    if (byte === 0x5d) return this.#close(ARRAY, i);
    throw unexpected(byte, 'a comma or the end of the container');
  }

  #startValue(i: number, byte: number): number {
    this.#handler.valueStart(this.#stack.length, i);
    if (byte === 0x7b || byte === 0x5b) {
      this.#stack.push(byte === 0x7b ? OBJECT : ARRAY);
      this.#state = byte === 0x7b ? KEY_OR_END : VALUE_OR_END;
    } else if (byte === QUOTE) {
      this.#stringIsKey = false;
      this.#state = STRING;
    } else if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
      this.#number = byte === 0x2d ? N_MINUS : byte === 0x30 ? N_ZERO : N_INT;
      this.#state = NUMBER;
    } else {
      const literal = LITERALS[byte];
      if (literal === undefined) throw unexpected(byte, 'a value');
      this.#literal = literal;
      this.#literalAt = 1;
      this.#state = LITERAL;
    }
    return i + 1;
  }

  #startKey(i: number, byte: number): number {
    if (byte !== QUOTE) throw unexpected(byte, 'a key in quotes');
    this.#handler.keyStart(this.#stack.length, i);
    this.#stringIsKey = true;
    this.#state = STRING;
    return i + 1;
  }

  #close(kind: number, i: number): number {
    if (this.#stack.pop() !== kind) {
      throw unexpected(kind === OBJECT ? 0x7d : 0x5d, 'the end of the container it is in');
    }
    this.#handler.valueEnd(this.#stack.length, i + 1);
    this.#valueDone();
    return i + 1;
  }

  #valueDone(): void {
    this.#state = this.#stack.length === 0 ? TOP : COMMA_OR_END;
  }

  #inString(piece: Buffer, from: number): number {
    let i = from;
    if (this.#escaped) {
      this.#escaped = false;
      i += 1;
    }
    const n = piece.length;
    for (;;) {
      if (i >= n) return n;
      const quote = piece.indexOf(QUOTE, i);
      if (quote === -1) {
        this.#escaped = backslashesBefore(piece, i, n) % 2 === 1;
        return n;
      }
      if (backslashesBefore(piece, i, quote) % 2 === 0) {
        this.#endString(quote + 1);
        return quote + 1;
      }
      i = quote + 1;
    }
  }

  #endString(end: number): void {
    const depth = this.#stack.length;
    if (this.#stringIsKey) {
      this.#handler.keyEnd(depth, end);
      this.#state = COLON;
      return;
    }
    this.#handler.valueEnd(depth, end);
    this.#valueDone();
  }

  #inNumber(piece: Buffer, from: number): number {
    const n = piece.length;
    let state = this.#number;
    for (let i = from; i < n; i += 1) {
      const byte = piece[i] ?? 0;
      const next = nextNumberState(state, byte);
      if (next === -1) {
        if (!NUMBER_MAY_END[state]) throw unexpected(byte, 'the rest of a number');
        this.#number = state;
        this.#endNumber(i);
        return i;
      }
      state = next;
    }
    this.#number = state;
    return n;
  }

  #endNumber(end: number): void {
    if (!NUMBER_MAY_END[this.#number]) throw new SyntaxError('a number ends too early');
    this.#handler.valueEnd(this.#stack.length, end);
    this.#valueDone();
  }

  #inLiteral(piece: Buffer, from: number): number {
    const n = piece.length;
    const literal = this.#literal;
    for (let i = from; i < n; i += 1) {
      const byte = piece[i] ?? 0;
      if (byte !== literal[this.#literalAt])
        throw unexpected(byte, `the rest of ${String(literal)}`);
      this.#literalAt += 1;
      if (this.#literalAt === literal.length) {
        this.#handler.valueEnd(this.#stack.length, i + 1);
        this.#valueDone();
        return i + 1;
      }
    }
    return n;
  }
}

/** Where a number goes with the next byte; -1 when the byte is not part of it. */
function nextNumberState(state: number, byte: number): number {
  const digit = byte >= 0x30 && byte <= 0x39;
  switch (state) {
    case N_MINUS:
      if (byte === 0x30) return N_ZERO;
      return digit ? N_INT : -1;
    case N_ZERO:
    case N_INT:
      if (digit) return state === N_INT ? N_INT : -1;
      if (byte === 0x2e) return N_DOT;
      return byte === 0x65 || byte === 0x45 ? N_E : -1;
    case N_DOT:
    case N_FRACTION:
      if (digit) return N_FRACTION;
      if (state === N_DOT) return -1;
      return byte === 0x65 || byte === 0x45 ? N_E : -1;
    case N_E:
      if (byte === 0x2b || byte === 0x2d) return N_E_SIGN;
      return digit ? N_EXPONENT : -1;
    default:
      return digit ? N_EXPONENT : -1;
  }
}

/** How many backslashes run back from just before `end`, not looking before `start`. */
function backslashesBefore(piece: Buffer, start: number, end: number): number {
  let count = 0;
  while (end - count - 1 >= start && piece[end - count - 1] === BACKSLASH) count += 1;
  return count;
}

function unexpected(byte: number, expected: string): SyntaxError {
  const shown = byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte ${byte}`;
  return new SyntaxError(`found ${shown} where JSON has ${expected}`);
}

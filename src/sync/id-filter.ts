/**
 * A set of strings that answers "maybe" or "certainly not", in four bytes an entry: it keeps
 * a 32-bit digest of each string, not the string. A million license ids take 8 MB, where a
 * `Set` of them would take some 60 MB. For a string never added, a "maybe" comes about once
 * in four thousand times when the set holds a million.
 */
export class IdFilter {
  #slots = new Uint32Array(1 << 12);
  #size = 0;

  add(id: string): void {
    if (this.#size * 2 >= this.#slots.length) this.#grow();
    if (insert(this.#slots, digestOf(id))) this.#size += 1;
  }

  addAll(ids: Iterable<string>): void {
    for (const id of ids) this.add(id);
  }

  /** `false` when `id` was certainly never added. */
  mayHave(id: string): boolean {
    const slots = this.#slots;
    const digest = digestOf(id);
    const mask = slots.length - 1;
    for (let slot = digest & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (slots[slot] === digest) return true;
    }
    return false;
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    for (const digest of old) if (digest !== 0) insert(this.#slots, digest);
  }
}

/** Adds a digest to an open-addressed table with room; `false` when it was there. */
function insert(slots: Uint32Array, digest: number): boolean {
  const mask = slots.length - 1;
  let slot = digest & mask;
  while (slots[slot] !== 0) {
    if (slots[slot] === digest) return false;
    slot = (slot + 1) & mask;
  }
  slots[slot] = digest;
  return true;
}

/** FNV-1a over the UTF-16 code units, never 0 (0 marks an empty slot). */
function digestOf(id: string): number {
  let digest = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    digest ^= id.charCodeAt(index);
    digest = Math.imul(digest, 0x01000193);
  }
  return digest >>> 0 || 1;
}

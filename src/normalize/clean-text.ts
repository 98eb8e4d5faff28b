/** ES2024 methods that Node 20 has but the ES2023 library this project compiles with lacks. */
interface WellFormedMethods {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Makes text storable in Postgres: removes NUL (U+0000), which `text` and `jsonb` cannot hold,
 * and replaces lone UTF-16 surrogates, which have no UTF-8 form, with U+FFFD. Everything else,
 * whitespace included, stays as it came.
 */
export function cleanText(text: string): string {
  const checked = text as string & WellFormedMethods;
  const hasNul = text.includes('\0');
  if (!hasNul && checked.isWellFormed()) return text;

  // Surrogates first, so that removing a NUL cannot join two lone halves into a character
  // the vendor never sent.
  const wellFormed = checked.toWellFormed();
  return hasNul ? wellFormed.replaceAll('\0', '') : wellFormed;
}

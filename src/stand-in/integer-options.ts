/**
 * Reads integer options of a script beside the product (the stand-in, the chaos suite),
 * collecting every problem instead of stopping at the first, so that one run shows all that
 * needs fixing.
 */
export function integerOptions() {
  const problems: string[] = [];
  const integer = (name: string, text: string, min: number): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min) {
      problems.push(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  return { integer, problems };
}

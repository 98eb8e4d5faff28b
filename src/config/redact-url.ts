/**
 * A connection URL fit for a message: the password, where there is one, becomes `***`, so
 * that saying which server could not be reached never prints the secret in its URL.
 */
export function redactUrl(url: string, fallback: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return fallback;
  }
}

import { peakRssMb, type PhaseInput, type PhaseResult } from './phase-types.js';

/** Pages of this size are read whole, so that no string nears V8's limit of about 512 MB. */
const PAGE_SIZE = 1_000;
/** The parse limit is a rate; this many licenses measure it well enough. */
const MAX_LICENSES = 100_000;

/**
 * The parse limit: `JSON.parse` of the same bytes, each page held whole. Only the parsing is
 * timed, not the fetching.
 */
export async function runParsePhase(input: PhaseInput): Promise<PhaseResult> {
  let cursor: string | null = null;
  let bytes = 0;
  let parsing = 0;
  let licenses = 0;
  do {
    const text = await fetchPage(input, cursor);
    const started = performance.now();
    const page = JSON.parse(text) as { result: unknown[]; next_cursor: string | null };
    parsing += performance.now() - started;
    bytes += Buffer.byteLength(text);
    licenses += page.result.length;
    cursor = licenses >= MAX_LICENSES ? null : page.next_cursor;
  } while (cursor);

  const seconds = parsing / 1000;
  return { seconds, peakRssMb: peakRssMb(), megabytes: bytes / 1e6, licenses };
}

async function fetchPage(input: PhaseInput, cursor: string | null): Promise<string> {
  const url = new URL('/unified/user-directory/licenses', input.standInUrl);
  url.searchParams.set('integrated_account_id', input.accountId);
  url.searchParams.set('limit', String(PAGE_SIZE));
  if (cursor) url.searchParams.set('next_cursor', cursor);
  const response = await fetch(url, { headers: { authorization: `Bearer ${input.token}` } });
  return response.text();
}

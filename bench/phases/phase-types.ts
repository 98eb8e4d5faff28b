/** What every measured phase gets: where to read from and where to write to. */
export interface PhaseInput {
  standInUrl: string;
  token: string;
  accountId: string;
  databaseUrl: string;
  schema: string;
  licenses: number;
  singleResponse: boolean;
}

export interface PhaseResult {
  seconds: number;
  /** Peak resident memory of the phase's own process. */
  peakRssMb: number;
  [key: string]: unknown;
}

export function peakRssMb(): number {
  // maxRSS is in kilobytes on Linux.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

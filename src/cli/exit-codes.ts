/** Exit codes of every command, as the README documents them. */
export const ExitCode = {
  ok: 0,
  /** The run failed, or the command could not do its work (Postgres unreachable, …). */
  failed: 1,
  /** The configuration or the command line is wrong; nothing was done. */
  usage: 2,
  /** Another process is syncing the account; nothing was done. */
  busy: 3,
} as const;

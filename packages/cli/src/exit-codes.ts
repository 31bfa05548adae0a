/** Exit codes of the `edge` CLI, documented in docs/operations.md (CLI). */
export const EXIT = Object.freeze({
  /** Done (help and --version included). */
  ok: 0,
  /** The command ran and failed: a service refused or did not answer; stderr says why. */
  failed: 1,
  /** Misuse: unknown command or option, missing or bad argument; nothing was done. */
  usage: 2,
  /** A check ran and found what it guards against (`schema check`: a live client breaks). */
  rejected: 3,
});

/** Per-call metadata that must reach the services: request id and trace context. */
export type CallHeaders = Record<string, string>;

/** A last good value served in place of a fresh one, reported so the client can be told. */
export interface StaleMark {
  service: string;
  /** Age of the served value when it was served. */
  ageMs: number;
}

/** What one GraphQL request passes to every upstream read it makes. */
export interface CallOptions {
  headers: CallHeaders;
  /**
   * Who the request is for (`user:<id>`, `partner:<id>`): its calls share one slice of each
   * upstream's concurrency (`UpstreamPolicy.callerShare`), however many aliases or batched
   * operations make them.
   */
  caller?: string;
  /** Called once per value served from the stale cache instead of the upstream. */
  onStale?: (mark: StaleMark) => void;
  /**
   * Whether a last good value read by id may be served to this caller. One it could not read
   * fresh (another tenant's order) is refused like one never cached: otherwise, while the
   * service fails, "stale" against "unavailable" told callers which ids others read recently.
   */
  mayServeStale?: (service: string, value: unknown) => boolean;
}

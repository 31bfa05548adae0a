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
  /** Called once per value served from the stale cache instead of the upstream. */
  onStale?: (mark: StaleMark) => void;
}

import type { StaleMark } from '@edge/upstream';

/** What a response tells its client about stale parts: per service, the oldest value served. */
export interface StaleNotice {
  service: string;
  ageMs: number;
}

/** Collects, for one request, every value served from the stale cache. */
export class StaleRecorder {
  private readonly oldest = new Map<string, number>();

  readonly record = (mark: StaleMark): void => {
    const seen = this.oldest.get(mark.service) ?? 0;
    this.oldest.set(mark.service, Math.max(seen, Math.round(mark.ageMs)));
  };

  notices(): StaleNotice[] {
    return [...this.oldest].map(([service, ageMs]) => ({ service, ageMs }));
  }
}

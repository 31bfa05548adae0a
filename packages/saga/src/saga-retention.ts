import { isTerminal, type Saga } from './saga.js';

/** How long a finished saga (completed, compensated, resolved) is kept: 30 days. */
export const DEFAULT_SAGA_RETENTION_MS = 30 * 24 * 60 * 60_000;

/**
 * Epoch ms since which the saga has been compensating (the last `compensation_required` or
 * `replayed` event), or null when it is not compensating. The age of the oldest such saga is
 * what the "compensation pending too long" alert watches.
 */
export function compensatingSince(saga: Saga): number | null {
  if (saga.state.status !== 'compensating') return null;
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (event?.type === 'compensation_required' || event?.type === 'replayed') {
      return Date.parse(event.at);
    }
  }
  return Date.parse(saga.updatedAt);
}

/** When a finished saga may be deleted, or null while it is not finished. */
export function expiresAt(saga: Saga, retentionMs: number): number | null {
  return isTerminal(saga.state.status) ? Date.parse(saga.updatedAt) + retentionMs : null;
}

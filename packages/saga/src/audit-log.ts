import type { Saga, StepEdit } from './saga.js';

/** One operator or customer action on a saga, as the audit view lists it. */
export interface AuditRecord {
  at: string;
  /** The authenticated subject (operator token `sub`, or the edge identity's scope). */
  actor: string;
  action: 'replayed' | 'resolved' | 'cancel_requested';
  sagaId: string;
  orderId: string | null;
  reason: string;
  /** A replay's edit of a step's input: the step and each field's `before -> after`. */
  edit?: Pick<StepEdit, 'step' | 'changes'>;
}

/**
 * The audit trail is the sagas' own append-only history (the events carry who and why), so it
 * cannot disagree with what happened; this view gathers it across sagas, newest first.
 */
export function auditRecords(sagas: readonly Saga[], limit: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const saga of sagas) {
    for (const event of saga.history) {
      if (
        event.type === 'replayed' ||
        event.type === 'resolved' ||
        event.type === 'cancel_requested'
      ) {
        records.push({
          at: event.at,
          actor: event.actor,
          action: event.type,
          sagaId: saga.id,
          orderId: saga.context.orderId ?? null,
          reason: event.reason,
          ...(event.type === 'replayed' && event.edit
            ? { edit: { step: event.edit.step, changes: event.edit.changes } }
            : {}),
        });
      }
    }
  }
  return records.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
}

import type { z } from 'zod';
import type { Saga, StepName } from './saga.js';

/** A value a step's request carries: amounts in cents, or text. */
export type InputValue = string | number;

/** One field of a step's request, as the replay dialog and `GET /sagas/:id/editable` show it. */
export interface EditableField {
  name: string;
  label: string;
  kind: 'cents' | 'text';
  /** What the step sends now, after any earlier edit; null when the request leaves it out. */
  value: InputValue | null;
  /** Shown so the operator sees what the request is about; an edit naming it is refused. */
  readOnly: boolean;
  /** The largest amount accepted (cents fields). */
  max?: number;
  hint: string;
}

/**
 * What an operator may change in one step's request before a replay. A step without one is not
 * editable at all: nothing in it is an operator's call (a status, an id the provider gave).
 */
export interface EditableInput {
  fields(saga: Saga): EditableField[];
  /** A strict schema of an edit for this saga: its limits depend on what the saga did. */
  schema(saga: Saga): z.ZodType<Partial<Record<string, InputValue>>>;
}

/** The input the latest operator edit set for a step; undefined while never edited. */
export function editedInput(saga: Saga, step: StepName): Record<string, InputValue> | undefined {
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (event?.type === 'replayed' && event.edit?.step === step) return event.edit.input;
  }
  return undefined;
}

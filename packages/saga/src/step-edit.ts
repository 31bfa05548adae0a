import { AppError, ErrorCode } from '@edge/common';
import type { z } from 'zod';
import { type EditableField, editedInput, type InputValue } from './editable-input.js';
import { editableInputOf } from './order-saga.js';
import { ABOVE_CHARGED } from './refund-edit.js';
import {
  type FieldChange,
  isForwardStep,
  type Saga,
  STEP_NAMES,
  type StepEdit,
  type StepName,
} from './saga.js';
import type { StepEditRequest } from './saga-api-schemas.js';
import { compensationsOwed } from './saga-decision.js';

/**
 * Why an edit before a replay is refused (400 `BAD_REQUEST`, `reason` in the error body); each
 * is listed in docs/saga-api.md's table of refusals.
 */
export const EDIT_REFUSALS = [
  'edit_step_not_editable',
  'edit_step_not_pending',
  'edit_field_not_editable',
  'edit_amount_above_charged',
  'edit_invalid',
  'edit_no_change',
] as const;
export type EditRefusal = (typeof EDIT_REFUSALS)[number];

/** Steps whose request an operator may edit (for messages and docs). */
export const EDITABLE_STEPS: readonly StepName[] = STEP_NAMES.filter((s) => editableInputOf(s));

function refuse(reason: EditRefusal, message: string, problems?: string[]): AppError {
  return new AppError(ErrorCode.BAD_REQUEST, message, {
    details: { reason, ...(problems ? { problems } : {}) },
  });
}

/** The steps of a dead-lettered saga that are still to run when it is replayed. */
function pendingSteps(saga: Saga): StepName[] {
  const done = new Set(
    saga.history.flatMap((e) =>
      e.type === 'step_succeeded' || e.type === 'compensation_succeeded' ? [e.step] : [],
    ),
  );
  const state = saga.state;
  const owed: StepName[] =
    state.status === 'dead_lettered' && state.phase === 'compensating'
      ? compensationsOwed(saga)
      : STEP_NAMES.filter(isForwardStep);
  return owed.filter((step) => !done.has(step));
}

function refusalOf(issues: readonly z.core.$ZodIssue[]): EditRefusal {
  if (issues.some((i) => i.code === 'unrecognized_keys')) return 'edit_field_not_editable';
  const above = issues.some(
    (i) =>
      i.code === 'custom' &&
      (i.params as { refusal?: string } | undefined)?.refusal === ABOVE_CHARGED,
  );
  return above ? 'edit_amount_above_charged' : 'edit_invalid';
}

/**
 * Check an operator's edit of a dead-lettered saga against the step's editable schema and turn
 * it into the input the step sends from now on, with the diff the audit keeps.
 */
export function prepareStepEdit(saga: Saga, request: StepEditRequest): StepEdit {
  const step = STEP_NAMES.find((s) => s === request.step);
  const editable = step && editableInputOf(step);
  if (!step || !editable) {
    throw refuse(
      'edit_step_not_editable',
      `Step ${request.step} has no editable input; editable: ${EDITABLE_STEPS.join(', ')}`,
    );
  }
  if (!pendingSteps(saga).includes(step)) {
    throw refuse(
      'edit_step_not_pending',
      `Step ${step} is not left to run in saga ${saga.id}: editing it would change nothing`,
    );
  }
  const fields = editable.fields(saga);
  const parsed = editable.schema(saga).safeParse(request.input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || step}: ${i.message}`);
    const editableNames = fields.filter((f) => !f.readOnly).map((f) => f.name);
    throw refuse(
      refusalOf(parsed.error.issues),
      `Edit of ${step} refused: ${problems.join('; ')} (editable: ${editableNames.join(', ')})`,
      problems,
    );
  }
  // Fields never edited stay out of the request, so the provider's default still applies to them
  // (no amount: refund what is still refundable).
  const input: Record<string, InputValue> = { ...editedInput(saga, step) };
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const after = parsed.data[field.name];
    if (field.readOnly || after === undefined || after === field.value) continue;
    input[field.name] = after;
    changes.push({ field: field.name, before: field.value, after });
  }
  if (changes.length === 0) {
    throw refuse('edit_no_change', `The edit of ${step} changes nothing; replay without an edit`);
  }
  return { step, input, changes };
}

/** `amountCents: 5000 -> 2500`, as the audit log and the page show a change. */
export function describeChange(change: FieldChange): string {
  const show = (v: InputValue | null) => (v === null ? '(none)' : JSON.stringify(v));
  return `${change.field}: ${show(change.before)} -> ${show(change.after)}`;
}

/** A step an operator may edit before replaying, with its fields as they stand. */
export interface EditableStep {
  step: StepName;
  fields: EditableField[];
}

/** Every editable step still to run in a dead-lettered saga, for the replay dialog and its API. */
export function editableStepsOf(saga: Saga): EditableStep[] {
  if (saga.state.status !== 'dead_lettered') return [];
  return pendingSteps(saga).flatMap((step) => {
    const editable = editableInputOf(step);
    return editable ? [{ step, fields: editable.fields(saga) }] : [];
  });
}

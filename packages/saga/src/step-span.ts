import { recordFailure, startSpan, tracingEnabled } from '@edge/common';
import type { CallOutcome } from './provider-client.js';
import type { Saga } from './saga.js';

/** Which way a step runs. */
export type StepPhase = 'forward' | 'compensation';

/**
 * One span per provider call of a saga step, a child of the request that created the saga (its
 * stored `traceparent`), so a trace shows the steps whichever worker ran them and however long
 * after. Off, it adds one check.
 */
export async function traceStep<T extends { outcome: CallOutcome } | CallOutcome>(
  saga: Saga,
  step: { phase: StepPhase; name: string; attempt: number; worker: string },
  run: () => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return run();
  const span = startSpan(`saga ${step.phase} ${step.name}`, saga.traceparent, {
    attributes: {
      'saga.id': saga.id,
      'saga.step': step.name,
      'saga.phase': step.phase,
      'saga.attempt': step.attempt,
      'saga.worker': step.worker,
    },
  });
  try {
    const result = await run();
    const outcome: CallOutcome = 'kind' in result ? result : result.outcome;
    span.setAttribute('saga.outcome', outcome.kind);
    if (outcome.kind !== 'ok') recordFailure(span, new Error(`${step.name} ${outcome.kind}`));
    return result;
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

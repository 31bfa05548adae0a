import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSUMER_OPTIONS } from '../src/consumer-runtime';
import type { ClassifiedFailure } from '../src/handler-failure';
import { planRetry, type RetrySchedule } from '../src/retry-schedule';

const d = DEFAULT_CONSUMER_OPTIONS;
const schedule = (random: number): RetrySchedule => ({
  maxRejections: d.maxDeliveries,
  retryDelayMs: d.retryDelayMs,
  retryMaxDelayMs: d.retryMaxDelayMs,
  retryHorizonMs: d.retryHorizonMs,
  random: () => random,
});
const transient: ClassifiedFailure = { kind: 'transient', message: '503', retryAfterMs: undefined };
const definite: ClassifiedFailure = { kind: 'definite', message: '422', retryAfterMs: undefined };
const now = 1_000_000;

describe('consumer retry schedule (defaults)', () => {
  it('a transient failure backs off exponentially with full jitter, capped at 30 s', () => {
    const plan = (failures: number, random: number) =>
      planRetry(
        { failures, rejections: 0, firstFailedAt: now, dueAt: now, settled: failures },
        transient,
        now,
        schedule(random),
      );
    expect(plan(0, 0.999)).toMatchObject({ kind: 'retry', delayMs: 999 });
    expect(plan(3, 0.999)).toMatchObject({ kind: 'retry', delayMs: 7_992 });
    expect(plan(20, 0.999)).toMatchObject({ kind: 'retry', delayMs: 29_970 });
    expect(plan(20, 0)).toMatchObject({ kind: 'retry', delayMs: 0 });
  });

  it("the provider's Retry-After is honoured and keeps jitter after it", () => {
    const asked = { ...transient, retryAfterMs: 120_000 };
    expect(planRetry(undefined, asked, now, schedule(0))).toMatchObject({ delayMs: 120_000 });
    expect(planRetry(undefined, asked, now, schedule(0.5))).toMatchObject({ delayMs: 135_000 });
  });

  it('transient failures go on until the horizon: a backoff past its end is cut to a last try there, a failure after it dead-letters', () => {
    const first = now - d.retryHorizonMs + 100;
    const late = planRetry(
      { failures: 40, rejections: 0, firstFailedAt: first, dueAt: now, settled: 40 },
      transient,
      now,
      schedule(0.999),
    );
    expect(late).toMatchObject({ kind: 'retry', delayMs: 100 });
    const over = planRetry(
      { failures: 41, rejections: 0, firstFailedAt: first, dueAt: now, settled: 41 },
      transient,
      now + 100,
      schedule(0.5),
    );
    expect(over).toEqual({
      kind: 'dead_letter',
      reason: '503 (still failing when its retry horizon of 24 h ended)',
    });
  });

  it('a definite rejection waits the retry delay and its fifth dead-letters, however many transient failures came before', () => {
    const retry = { failures: 30, rejections: 3, firstFailedAt: now, dueAt: now, settled: 33 };
    expect(planRetry(retry, definite, now, schedule(0.5))).toEqual({
      kind: 'retry',
      retry: { failures: 31, rejections: 4, firstFailedAt: now, dueAt: now + 1_000 },
      delayMs: 1_000,
    });
    expect(planRetry({ ...retry, rejections: 4 }, definite, now, schedule(0.5))).toEqual({
      kind: 'dead_letter',
      reason: '422',
    });
  });
});

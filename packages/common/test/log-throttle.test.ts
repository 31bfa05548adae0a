import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogThrottle } from '../src/log-throttle';
import { capturingLogger } from './log-lines';

describe('log throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a repeated error is logged once at once, then once per window with how often it repeated', () => {
    vi.useFakeTimers();
    const { log, lines } = capturingLogger();
    const throttle = createLogThrottle(log, 60_000);
    for (let i = 0; i < 500; i++) throttle.warn({ err: 'ECONNREFUSED' }, 'saga Redis error');
    throttle.warn({ err: 'ETIMEDOUT' }, 'saga Redis error');
    expect(lines.map((l) => [l['err'], l['repeated']])).toEqual([
      ['ECONNREFUSED', undefined],
      ['ETIMEDOUT', undefined],
    ]);

    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ err: 'ECONNREFUSED', repeated: 499, windowMs: 60_000 });

    // A window without repeats closes silently; the next occurrence is logged at once again.
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(3);
    throttle.warn({ err: 'ECONNREFUSED' }, 'saga Redis error');
    expect(lines).toHaveLength(4);
    expect(lines[3]?.['repeated']).toBeUndefined();
  });
});

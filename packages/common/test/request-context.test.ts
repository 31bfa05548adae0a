import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { traceparentFrom } from '../src/request-context';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('traceparentFrom', () => {
  it('starts distinct traces and spans from pooled entropy, across pool refills', () => {
    const seen = new Set<string>();
    // 1,000 calls use 24 bytes each: several refills of the 4 KiB pool.
    for (let i = 0; i < 1000; i++) {
      const value = traceparentFrom(request({}));
      expect(value).toMatch(FORMAT);
      seen.add(value);
    }
    expect(seen.size).toBe(1000);
  });

  it("keeps the caller's trace id and flags, with a new span id", () => {
    const incoming = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
    const value = traceparentFrom(request({ traceparent: incoming }));
    expect(value.startsWith(`00-${'a'.repeat(32)}-`)).toBe(true);
    expect(value.endsWith('-00')).toBe(true);
    expect(value).not.toContain('b'.repeat(16));
  });

  it('restarts a trace whose trace or parent id is all zeros (invalid in W3C trace context)', () => {
    for (const incoming of [
      `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
      `00-${'a'.repeat(32)}-${'0'.repeat(16)}-01`,
    ]) {
      const value = traceparentFrom(request({ traceparent: incoming }));
      expect(value).toMatch(FORMAT);
      expect(value).not.toContain('0'.repeat(32));
      expect(value).not.toContain('a'.repeat(32));
    }
  });
});

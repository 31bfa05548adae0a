import { createMetrics } from '@edge/common';
import { describe, expect, it } from 'vitest';
import { createEdgeMetrics } from '../src/edge-metrics';

describe('edge metrics', () => {
  it('operation names are bounded per surface: names past the limit count as __other', async () => {
    const { registry } = createMetrics('test');
    const metrics = createEdgeMetrics(registry, 2);
    for (const operation of ['A', 'B', 'C', 'D', 'A']) {
      metrics.observe({ surface: 'web', operation, code: 'OK', seconds: 0.01 });
    }
    metrics.observe({ surface: 'mobile', operation: 'C', code: 'OK', seconds: 0.01 });
    metrics.observe({ surface: 'mobile', operation: 'C', code: 'RATE_LIMITED', seconds: 0.01 });
    const text = await registry.metrics();
    const count = (labels: string) =>
      new RegExp(`edge_request_duration_seconds_count\\{[^}]*${labels}[^}]*\\} (\\d+)`).exec(
        text,
      )?.[1];
    expect(count('surface="web",operation="A",code="OK"')).toBe('2');
    expect(count('surface="web",operation="B",code="OK"')).toBe('1');
    expect(count('surface="web",operation="__other",code="OK"')).toBe('2');
    expect(count('surface="mobile",operation="C",code="RATE_LIMITED"')).toBe('1');
    expect(text).toMatch(
      /edge_refusals_total\{[^}]*surface="mobile",reason="RATE_LIMITED"[^}]*\} 1/,
    );
  });

  it('a name a client made long, or first sent on a refused request, never becomes a label', async () => {
    const { registry } = createMetrics('test');
    const metrics = createEdgeMetrics(registry, 100);
    const long = `Op_${'Z'.repeat(120 * 1024)}`;
    for (let i = 0; i < 10; i++) {
      metrics.observe({ surface: 'web', operation: `${long}${i}`, code: 'OK', seconds: 0.01 });
    }
    // Ten refused requests do not take ten of the surface's 100 names.
    for (let i = 0; i < 10; i++) {
      metrics.observe({ surface: 'web', operation: `Probe${i}`, code: 'RATE_LIMITED', seconds: 0 });
    }
    metrics.observe({ surface: 'web', operation: 'Probe0', code: 'OK', seconds: 0.01 });
    const text = await registry.metrics();
    expect(text.length).toBeLessThan(20_000);
    expect(text).not.toContain('ZZZZ');
    expect(text).toMatch(/operation="__other",code="OK"\} 10/);
    expect(text).toMatch(/operation="__other",code="RATE_LIMITED"\} 10/);
    expect(text).toMatch(/operation="Probe0",code="OK"\} 1/);
  });
});

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
});

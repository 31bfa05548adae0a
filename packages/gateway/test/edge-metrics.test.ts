import { createMetrics } from '@edge/common';
import { describe, expect, it } from 'vitest';
import { createEdgeMetrics } from '../src/edge-metrics';

describe('edge metrics', () => {
  it('operation names are bounded per surface: names past the limit count as __other', async () => {
    const { registry } = createMetrics('test');
    const metrics = createEdgeMetrics(registry, { maxOperationNames: 2 });
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
    const metrics = createEdgeMetrics(registry);
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

  it('one caller adds at most 5 names to a surface: junk names from one user cannot take the slots of everyone else', async () => {
    const { registry } = createMetrics('test');
    const metrics = createEdgeMetrics(registry);
    for (let i = 0; i < 100; i++) {
      metrics.observe({
        surface: 'web',
        operation: `Junk${i}`,
        caller: 'user:attacker',
        code: 'OK',
        seconds: 0,
      });
    }
    metrics.observe({
      surface: 'web',
      operation: 'MyOrders',
      caller: 'user:u-1',
      code: 'OK',
      seconds: 0,
    });
    // A name already kept is counted under itself whoever sends it.
    metrics.observe({
      surface: 'web',
      operation: 'Junk0',
      caller: 'user:u-1',
      code: 'OK',
      seconds: 0,
    });
    const text = await registry.metrics();
    const labelled = new Set(
      [...text.matchAll(/edge_request_duration_seconds_count\{[^}]*operation="([^"]+)"/g)].map(
        (m) => m[1],
      ),
    );
    expect([...labelled].sort()).toEqual(
      ['Junk0', 'Junk1', 'Junk2', 'Junk3', 'Junk4', 'MyOrders', '__other'].sort(),
    );
    expect(text).toMatch(/operation="__other",code="OK"\} 95/);
    expect(text).toMatch(/operation="Junk0",code="OK"\} 2/);
  });
});

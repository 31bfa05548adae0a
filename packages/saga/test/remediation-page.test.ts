import { describe, expect, it } from 'vitest';
import { renderRemediationPage } from '../src/remediation-page';
import { type SagaSummary, type SearchResult, searchQuery } from '../src/saga-search';

const HOSTILE = '</script><script>alert(1)</script>';

const summary: SagaSummary = {
  id: 'sg-1',
  status: 'dead_lettered',
  stuck: false,
  orderId: 'o-1',
  userId: 'u-1',
  partnerId: null,
  amountCents: 12_345,
  currency: 'EUR',
  step: 'refund_payment',
  provider: 'payment',
  reason: `refund_payment: ${HOSTILE}`,
  lastProblem: null,
  parkedUntil: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const result: SearchResult = {
  items: [summary],
  sagas: [],
  counts: {
    pending: 0,
    running: 0,
    compensating: 0,
    completed: 0,
    compensated: 0,
    dead_lettered: 1,
    resolved: 0,
    stuck: 0,
  },
  truncated: [],
  exact: { matched: true, stuck: true },
  matched: 1,
  totals: { EUR: 12_345 },
  matchedIds: ['sg-1', HOSTILE],
  nextCursor: null,
};

const render = (role: 'viewer' | 'operator', shown: SearchResult = result) =>
  renderRemediationPage({
    frame: { nonce: 'n0nce', csrf: 'c5rf', subject: 'alice@example.com', role },
    editable: {},
    query: searchQuery.parse({}),
    rawQuery: new URLSearchParams(),
    result: shown,
    now: Date.parse('2026-01-01T00:05:00.000Z'),
    findings: undefined,
  });

describe('operator page rendering', () => {
  it('operators get replay, resolve and the bulk replay stating count and total', () => {
    const html = render('operator');
    expect(html).toContain('data-action="replay"');
    expect(html).toContain('data-action="resolve"');
    expect(html).toContain('data-total="123.45 EUR"');
    expect(html).toContain('Replay all 1 matching');
  });

  it('viewers get no action at all', () => {
    const html = render('viewer');
    expect(html).not.toContain('data-action=');
    expect(html).toContain('(viewer)');
  });

  it('provider and operator text cannot break out of the page, and only nonce-tagged code runs', () => {
    const html = render('operator');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // The JSON data block escapes `<`, so `</script>` inside data cannot close it.
    expect(html).toContain('\\u003c/script>');
    for (const tag of html.match(/<(script|style)\b[^>]*>/g) ?? []) {
      expect(tag).toContain('nonce="n0nce"');
    }
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toContain('style="');
  });

  it('a search that read part of a status shows its matches and stuck count as N+ and names what the bulk replay covers', () => {
    const html = render('operator', {
      ...result,
      counts: { ...result.counts, dead_lettered: 12_000, compensating: 7_000, stuck: 5_000 },
      truncated: ['compensating', 'dead_lettered'],
      exact: { matched: false, stuck: false },
      matched: 10_000,
    });
    expect(html).toContain('data-count="attention">needs attention <strong>17000+</strong>');
    expect(html).toContain('data-count="stuck">stuck <strong>5000+</strong>');
    expect(html).toContain('data-count="dead_lettered">dead lettered <strong>12000</strong>');
    expect(html).toContain('10000+ matching');
    expect(html).toContain('Replay the 10000 read of 10000+ matching');
    expect(html).toContain('5000 of each of compensating (7000), dead lettered (12000) were read');
  });
});

import { describe, expect, it } from 'vitest';
import { renderAuditPage, renderEventsPage, renderRemediationPage } from '../src/remediation-page';
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
  compensatingSince: null,
  replayable: true,
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
  matched: 2,
  totals: { EUR: 12_345 },
  replayable: { ids: ['sg-1', HOSTILE], totals: { EUR: 12_345 } },
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
    reconciliation: undefined,
  });

describe('operator page rendering', () => {
  it('the reconciliation panel says as of when, and that the last run failed and why', () => {
    const html = renderRemediationPage({
      frame: { nonce: 'n0nce', csrf: 'c5rf', subject: 'alice@example.com', role: 'viewer' },
      editable: {},
      query: searchQuery.parse({}),
      rawQuery: new URLSearchParams(),
      result,
      now: Date.parse('2026-01-01T00:05:00.000Z'),
      reconciliation: {
        at: '2026-01-01T00:00:00.000Z',
        findings: [],
        lastFailure: {
          at: '2026-01-01T00:04:00.000Z',
          error: 'could not read payment /__ledger: paced',
          afterReport: true,
        },
      },
    });
    expect(html).toContain('No drift between sagas and providers.');
    expect(html).toContain('As of 2026-01-01T00:00:00.000Z (5 min ago).');
    expect(html).toMatch(
      /The last reconciliation run, at 2026-01-01T00:04:00.000Z \(60 s ago\), failed: could not read payment \/__ledger: paced\. The findings below are older than that run/,
    );
  });

  it('operators get replay, resolve and the bulk replay stating count and total', () => {
    const html = render('operator');
    expect(html).toContain('data-action="replay"');
    expect(html).toContain('data-action="resolve"');
    expect(html).toContain('data-total="123.45 EUR"');
    expect(html).toContain('Replay all 2 matching');
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

  it('records written before their text was checked read as stored: controls and overrides shown as codes', () => {
    const html = renderAuditPage({ nonce: 'n0nce', csrf: 'c', subject: 'ops', role: 'viewer' }, [
      {
        at: '2026-01-01T00:00:00.000Z',
        actor: 'alice\u202e@evil.com\u202c',
        action: 'resolved',
        sagaId: 'sg-1',
        orderId: 'o-1',
        reason: 'refunded 10 USD \u202eDSU 0001\u202c\u001b[2J\nby hand',
      },
    ]);
    expect(html).toContain('alice\\u202e@evil.com\\u202c');
    expect(html).toContain('refunded 10 USD \\u202eDSU 0001\\u202c\\u001b[2J\nby hand');
    expect(html).not.toMatch(/(?![\t\n\r])[\u202a-\u202e\u2066-\u2069\p{Cc}]/u);
  });

  it('a search that read part of a status shows its matches and stuck count as N+ and names what the bulk replay covers', () => {
    const html = render('operator', {
      ...result,
      counts: { ...result.counts, dead_lettered: 12_000, compensating: 7_000, stuck: 5_000 },
      truncated: ['compensating', 'dead_lettered'],
      exact: { matched: false, stuck: false },
      matched: 10_000,
      replayable: { ids: Array.from({ length: 10_000 }, (_, n) => `sg-${n}`), totals: {} },
    });
    expect(html).toContain('data-count="attention">needs attention <strong>17000+</strong>');
    expect(html).toContain('data-count="stuck">stuck <strong>5000+</strong>');
    expect(html).toContain('data-count="dead_lettered">dead lettered <strong>12000</strong>');
    expect(html).toContain('10000+ matching');
    expect(html).toContain('Replay the 10000 read of 10000+ matching');
    expect(html).toContain('5000 of each of compensating (7000), dead lettered (12000) were read');
  });

  it('a filter matching only sagas no replay accepts (status=completed) offers no bulk replay', () => {
    const completed: SagaSummary = {
      ...summary,
      status: 'completed',
      reason: null,
      replayable: false,
    };
    const html = render('operator', {
      ...result,
      items: [completed],
      matched: 7,
      totals: { USD: 273_093 },
      replayable: { ids: [], totals: {} },
    });
    expect(html).toContain('7 matching, total 2730.93 USD');
    expect(html).not.toContain('id="bulk-replay"');
    expect(html).not.toContain('data-action="replay"');
  });

  it('a filter matching replayable and settled sagas offers, counts and totals only the replayable ones', () => {
    const html = render('operator', {
      ...result,
      matched: 5,
      totals: { EUR: 50_000 },
      replayable: { ids: ['sg-1', 'sg-2'], totals: { EUR: 20_000 } },
    });
    expect(html).toContain('Replay the 2 replayable of 5 matching…');
    expect(html).toContain('data-total="200.00 EUR"');
    expect(html).toContain(
      '<script type="application/json" id="replayable" nonce="n0nce">["sg-1","sg-2"]</script>',
    );
  });
});

describe('event dead letters page rendering', () => {
  const frame = {
    nonce: 'n0nce',
    csrf: 'c5rf',
    subject: 'alice@example.com',
    role: 'operator',
  } as const;

  it("shows a group's backlog in words: consumers with heartbeat ages, lag, oldest age, dead letters", () => {
    const html = renderEventsPage(frame, [
      {
        group: 'notification',
        lag: 3,
        oldestUnprocessedAgeMs: 125_000,
        dlqDepth: 1,
        consumers: [
          { consumer: 'notification-1', heartbeatAgeMs: 4_200 },
          { consumer: HOSTILE, heartbeatAgeMs: 3 * 3_600_000 },
        ],
        items: [{ id: 'dl-1', error: 'mail relay 500' }],
      },
      { group: 'fraud', lag: 0, oldestUnprocessedAgeMs: 0, dlqDepth: 0, consumers: [], items: [] },
    ]);
    const stats = (group: string) =>
      html.split(`class="bar group-stats" data-group="${group}">`)[1]?.split('</p>')[0] ?? '';
    expect(html).not.toContain('[object Object]');
    expect(html).not.toMatch(/oldestUnprocessedAgeMs|dlqDepth|heartbeatAgeMs/);
    expect(stats('notification')).toContain('unprocessed events: <strong>3</strong>');
    expect(stats('notification')).toContain('oldest unprocessed: <strong>2 min</strong>');
    expect(stats('notification')).toContain('dead letters: <strong>1</strong>');
    expect(stats('notification')).toContain('notification-1 (heartbeat 4 s ago)');
    expect(stats('notification')).toContain(
      '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; (heartbeat 3 h ago)',
    );
    expect(stats('fraud')).toContain('oldest unprocessed: <strong>none</strong>');
    expect(stats('fraud')).toContain('consumers: <strong>none yet</strong>');
    expect(html).not.toContain(HOSTILE);
  });

  it('marks each consumer live or dead as the consumers process reports it', () => {
    const html = renderEventsPage(frame, [
      {
        group: 'notification',
        lag: 0,
        oldestUnprocessedAgeMs: 0,
        dlqDepth: 0,
        consumers: [
          { consumer: 'vm-4070', heartbeatAgeMs: 2_000, live: true },
          { consumer: 'vm-7721', heartbeatAgeMs: 25 * 60_000, live: false },
        ],
        items: [],
      },
    ]);
    expect(html).toContain('<span data-consumer="live">vm-4070 (live, heartbeat 2 s ago)</span>');
    expect(html).toContain(
      '<span class="muted" data-consumer="dead">vm-7721 (dead, last heartbeat 25 min ago)</span>',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { groupView } from '../src/consumer-routes';

describe('GET /groups consumers', () => {
  it('marks each consumer live or dead by CONSUMER_DEAD_AFTER_MS, live ones first, and counts the live', () => {
    const view = groupView(
      'notification',
      {
        lag: 0,
        oldestUnprocessedAgeMs: 0,
        dlqDepth: 0,
        // Heartbeats are kept a day: earlier runs' consumers are still listed.
        consumers: [
          { consumer: 'vm-7721', heartbeatAgeMs: 25 * 60_000 },
          { consumer: 'vm-4070', heartbeatAgeMs: 2_000 },
          { consumer: 'vm-318', heartbeatAgeMs: 11 * 60_000 },
          { consumer: 'vm-9', heartbeatAgeMs: 10_000 },
        ],
      },
      10_000,
    );
    expect(view.liveConsumers).toBe(2);
    expect(view.consumers).toEqual([
      { consumer: 'vm-4070', heartbeatAgeMs: 2_000, live: true },
      { consumer: 'vm-9', heartbeatAgeMs: 10_000, live: true },
      { consumer: 'vm-318', heartbeatAgeMs: 11 * 60_000, live: false },
      { consumer: 'vm-7721', heartbeatAgeMs: 25 * 60_000, live: false },
    ]);
    expect(view.group).toBe('notification');
  });
});

import { describe, expect, it } from 'vitest';
import { createAlertChannel } from '../src/alerts';
import { capturingLogger } from './log-lines';

describe('alert channel', () => {
  it('says at start, once, when its alerts reach no one', async () => {
    const unrouted = capturingLogger();
    const channel = createAlertChannel({ webhookUrl: undefined, log: unrouted.log });
    expect(await channel.send({ alert: 'saga_dlq_depth' })).toBe(true);
    expect(unrouted.lines).toHaveLength(1);
    expect(unrouted.lines[0]).toMatchObject({ level: 40 });
    expect(String(unrouted.lines[0]?.['msg'])).toContain('set ALERT_WEBHOOK_URL');

    const routed = capturingLogger();
    createAlertChannel({ webhookUrl: 'http://127.0.0.1:9/hook', log: routed.log });
    expect(routed.lines).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * Keys a JSON line holds twice in one object, at any depth. Read from the raw text because
 * JSON.parse keeps the last of each and hides the duplicate; log tools disagree on which wins.
 */
function repeatedKeys(line: string): string[] {
  const repeated: string[] = [];
  const open: ('[' | Set<string>)[] = [];
  // Strings come first in the alternation, so a brace or colon inside one is never punctuation.
  const tokens = line.match(/"(?:[^"\\]|\\.)*"|[{}[\]:]/g) ?? [];
  tokens.forEach((token, i) => {
    if (token === '{') open.push(new Set());
    else if (token === '[') open.push('[');
    else if (token === '}' || token === ']') open.pop();
    else if (token !== ':' && tokens[i + 1] === ':') {
      const seen = open.at(-1);
      const key = JSON.parse(token) as string;
      if (seen instanceof Set && seen.has(key)) repeated.push(key);
      else if (seen instanceof Set) seen.add(key);
    }
  });
  return repeated;
}

/**
 * A process writing the lines the operator found doubled: an alert whose payload names the
 * service (as every webhook body must), and a consumer's lines (started, a dead letter, a
 * failed handler, a failed log round, a failed heartbeat) over an event log that fails on cue.
 */
const SCRIPT = `
import { createLogger, ThresholdAlert } from '@edge/common';
import { startConsumer } from '@edge/consumers';
const logger = createLogger({ service: 'consumers', level: 'debug' });
const alert = new ThresholdAlert({
  name: 'saga DLQ alert', channel: { send: async () => true }, log: logger, repeatMs: 1000,
});
await alert.update(true, 0, (state) => ({ alert: 'saga_dlq_depth', state, service: 'consumers' }));
await alert.update(false, 1, (state) => ({ alert: 'saga_dlq_depth', state, service: 'consumers' }));
const event = { id: 'e-1', data: { orderId: 'o-1' } };
let reads = 0;
let done;
const finished = new Promise((resolve) => { done = resolve; });
const log = {
  ensureGroup: async () => {},
  claimIdle: async () => [],
  readNew: async () => {
    reads++;
    if (reads === 1) return [
      { entryId: '1-0', decoded: { ok: false, error: 'not JSON' }, raw: 'x', deliveries: 1 },
      { entryId: '1-1', decoded: { ok: true, event }, raw: '{}', deliveries: 1 },
    ];
    if (reads === 2) throw new Error('log down');
    done();
    return [];
  },
  ack: async () => {},
  isDone: async () => false,
  complete: async () => {},
  retryLater: async () => {},
  deadLetter: async () => {},
  heartbeat: async () => { throw new Error('heartbeat refused'); },
};
const consumer = startConsumer({
  log, group: 'email', consumer: 'c-1', logger, maxDeliveries: 3, blockMs: 10,
  handle: async () => { throw new Error('smtp down'); },
});
await finished;
await consumer.stop();
process.exit(0);
`;

function run(script: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out.split('\n').filter((l) => l !== '')));
  });
}

describe('log lines', () => {
  it('alert and consumer lines name each field once (service, group, consumer)', async () => {
    const lines = await run(SCRIPT);
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual(
      expect.arrayContaining([
        'saga DLQ alert',
        'saga DLQ alert resolved',
        'consumer started',
        'event dead-lettered',
        'event handler failed; retrying',
        'event log round failed; retrying',
        'heartbeat failed',
      ]),
    );
    expect(lines.filter((l) => repeatedKeys(l).length > 0)).toEqual([]);
    const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'heartbeat failed');
    expect(failed).toMatchObject({ service: 'consumers', group: 'email', consumer: 'c-1' });
  });

  it('the duplicate check itself sees a repeated key JSON.parse would hide', () => {
    expect(repeatedKeys('{"a":1,"b":{"a":"{:}"},"c":[{"a":1},{"a":2}],"a":3}')).toEqual(['a']);
  });
});

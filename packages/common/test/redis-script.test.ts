import { createHash, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_URL, Redis } from '../src/redis';
import { defineScript } from '../src/redis-script';

const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
afterAll(() => redis.quit());

describe('Lua scripts by SHA1', () => {
  it('a script the server does not know runs once in full, then by its SHA1', async () => {
    // A source no server has seen (the shared Redis's script cache is never flushed here).
    const marker = randomUUID();
    const source = `-- ${marker}\nreturn {KEYS[1], ARGV[1]}`;
    const script = defineScript(source);
    const known = async () =>
      (
        (await redis.script('EXISTS', createHash('sha1').update(source).digest('hex'))) as number[]
      )[0];
    expect(await known()).toBe(0);
    expect(await script(redis, [`k-${marker}`], ['a'])).toEqual([`k-${marker}`, 'a']);
    expect(await known()).toBe(1);
    expect(await script(redis, [`k-${marker}`], [2])).toEqual([`k-${marker}`, '2']);
  });

  it("an error raised by the script is the caller's, not retried as NOSCRIPT", async () => {
    const script = defineScript(`-- ${randomUUID()}\nreturn redis.error_reply('NOPE bad input')`);
    await expect(script(redis, [], [])).rejects.toThrow('NOPE bad input');
  });
});

import { describe, expect, it } from 'vitest';
import { parseClusterNodes, probeRedis, redisTarget } from '../src/redis';

describe('Redis target from configuration', () => {
  it('no cluster nodes means the single node at REDIS_URL', () => {
    expect(redisTarget('redis://10.0.0.5:6379', [])).toEqual({
      kind: 'single',
      url: 'redis://10.0.0.5:6379',
    });
  });

  it('cluster nodes take credentials and TLS from REDIS_URL', () => {
    const nodes = parseClusterNodes(' 10.0.0.5:6379, redis-2.internal:7000 ,');
    expect(nodes).toEqual([
      { host: '10.0.0.5', port: 6379 },
      { host: 'redis-2.internal', port: 7000 },
    ]);
    expect(redisTarget('rediss://edge:s%40cret@ignored:6379', nodes)).toEqual({
      kind: 'cluster',
      nodes,
      username: 'edge',
      password: 's@cret',
      tls: true,
    });
  });

  it('a malformed cluster node is refused with its text', () => {
    expect(() => parseClusterNodes('10.0.0.5')).toThrow('"10.0.0.5" is not host:port');
    expect(() => parseClusterNodes('host:70000')).toThrow('is not host:port');
  });

  it('a cluster nobody answers for probes false, quickly', async () => {
    const started = Date.now();
    const target = redisTarget('redis://127.0.0.1:1', parseClusterNodes('127.0.0.1:1'));
    expect(await probeRedis(target, 200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

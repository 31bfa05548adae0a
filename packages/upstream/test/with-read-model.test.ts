import { describe, expect, it } from 'vitest';
import type { CallOptions } from '../src/call-options';
import {
  type EntityReadModel,
  type ReadModelFallbackReason,
  withReadModel,
} from '../src/with-read-model';
import type { ReadMany } from '../src/with-stale-cache';

interface Item {
  id: string;
  from: 'model' | 'service';
}

const call: CallOptions = { headers: {} };

function fixture(model: { fresh: boolean; has: string[]; fails?: boolean }, serviceFails = false) {
  const serviceCalls: string[][] = [];
  const fallbacks: [ReadModelFallbackReason, number][] = [];
  const service: ReadMany<Item> = async (ids) => {
    serviceCalls.push([...ids]);
    if (serviceFails) throw new Error('service down');
    return ids.map((id) => ({ id, from: 'service' }));
  };
  const readModel: EntityReadModel<Item> = {
    isFresh: async () => model.fresh,
    getMany: async (ids) => {
      if (model.fails) throw new Error('redis down');
      const items = ids.map((id) =>
        model.has.includes(id) ? { id, from: 'model' as const } : undefined,
      );
      return { items, misses: ids.filter((id) => !model.has.includes(id)) };
    },
  };
  const read = withReadModel(service, readModel, {
    onFallback: (reason, count) => fallbacks.push([reason, count]),
  });
  return { read, serviceCalls, fallbacks };
}

describe('withReadModel', () => {
  it('fresh read model with every id makes no service call', async () => {
    const f = fixture({ fresh: true, has: ['a', 'b'] });
    expect(await f.read(['a', 'b'], call)).toEqual([
      { id: 'a', from: 'model' },
      { id: 'b', from: 'model' },
    ]);
    expect(f.serviceCalls).toEqual([]);
    expect(f.fallbacks).toEqual([]);
  });

  it('misses go to the service in one call, answers stay in key order', async () => {
    const f = fixture({ fresh: true, has: ['b'] });
    expect(await f.read(['a', 'b', 'c'], call)).toEqual([
      { id: 'a', from: 'service' },
      { id: 'b', from: 'model' },
      { id: 'c', from: 'service' },
    ]);
    expect(f.serviceCalls).toEqual([['a', 'c']]);
    expect(f.fallbacks).toEqual([['miss', 2]]);
  });

  it('stale read model is not read: the whole batch goes to the service, counted as stale', async () => {
    const f = fixture({ fresh: false, has: ['a', 'b'] });
    const items = await f.read(['a', 'b'], call);
    expect(items.map((i) => (i instanceof Error ? i : i.from))).toEqual(['service', 'service']);
    expect(f.serviceCalls).toEqual([['a', 'b']]);
    expect(f.fallbacks).toEqual([['stale', 2]]);
  });

  it('failing read model falls back for the whole batch, counted as error', async () => {
    const f = fixture({ fresh: true, has: ['a'], fails: true });
    await f.read(['a', 'b'], call);
    expect(f.serviceCalls).toEqual([['a', 'b']]);
    expect(f.fallbacks).toEqual([['error', 2]]);
  });

  it('failing service fails only the misses: read-model answers still serve', async () => {
    const f = fixture({ fresh: true, has: ['a'] }, true);
    const [a, b] = await f.read(['a', 'b'], call);
    expect(a).toEqual({ id: 'a', from: 'model' });
    expect(b).toBeInstanceOf(Error);
  });
});

import { describe, expect, it } from 'vitest';
import { withCostExtension } from '../src/cost-extension';

const cost = {
  requestedQueryCost: 2,
  throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 998, restoreRate: 16.67 },
};
const add = (body: string) => withCostExtension(Buffer.from(body), cost).toString('utf8');

describe('withCostExtension', () => {
  it('appends extensions.cost to an answer without extensions (no re-serialising)', () => {
    const body = '{"data":{"orders":[{"id":"o-1","note":"}"}]}}';
    expect(JSON.parse(add(body))).toEqual({
      data: { orders: [{ id: 'o-1', note: '}' }] },
      extensions: { cost },
    });
  });

  it('merges into existing extensions', () => {
    expect(JSON.parse(add('{"data":null,"extensions":{"stale":["product"]}}'))).toEqual({
      data: null,
      extensions: { stale: ['product'], cost },
    });
  });

  it('an empty object gets the member without a leading comma', () => {
    expect(JSON.parse(add('{}'))).toEqual({ extensions: { cost } });
  });

  it('an answer that is not a JSON object passes through untouched', () => {
    expect(add('<html>bad gateway</html>')).toBe('<html>bad gateway</html>');
    expect(add('[1,2]')).toBe('[1,2]');
  });
});

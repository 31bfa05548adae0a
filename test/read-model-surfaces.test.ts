import { DEFAULT_PROJECTOR_OPTIONS } from '@edge/projection';
import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BFFS, type Bff, type CatalogueSurfaces, catalogueSurfaces } from './catalogue-surfaces';
import { startTestStack, type TestStack } from './harness';

/** Lag threshold for this stack: the BFFs' fallback (READ_MODEL_MAX_LAG_MS) and the alert. */
const LAG_MS = 2000;
/** Heartbeats well inside the threshold, so a running projection always reads as fresh. */
const HEARTBEAT_MS = 250;
/** The read client reuses one freshness answer for up to 1 s (freshnessCacheMs). */
const FRESHNESS_CACHE_MS = 1000;

describe('catalogue read model behind every surface', () => {
  let stack: TestStack;
  let surfaces: CatalogueSurfaces;
  const prices = () => surfaces.prices();
  const setPrice = (cents: number) => surfaces.setPrice(cents);
  const fallbacks = (bff: Bff, reason: string) => surfaces.fallbacks(bff, reason);

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        READ_MODEL_MAX_LAG_MS: String(LAG_MS),
        PROJECTION_LAG_THRESHOLD_MS: String(LAG_MS),
        PRODUCT_HEARTBEAT_MS: String(HEARTBEAT_MS),
      },
    });
    surfaces = await catalogueSurfaces(stack);
    await waitUntil(
      'read model fresh on every BFF',
      () => surfaces.readModelFresh(LAG_MS / 2),
      15_000,
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a price change is visible on web, mobile and partner within the lag threshold', async () => {
    const before = await prices();
    const next = before.web + 111;
    const started = performance.now();
    await setPrice(next);
    const seen = await waitUntil(
      'new price on every surface',
      async () => {
        const now = await prices();
        return Object.values(now).every((p) => p === next)
          ? performance.now() - started
          : undefined;
      },
      LAG_MS,
    );
    console.info(`price change visible on web, mobile and partner after ${seen.toFixed(0)} ms`);
    expect(seen).toBeLessThan(LAG_MS);
  });

  it('with the read model fresh, product reads make no call to the product service', async () => {
    await stack.mock.resetCalls('product');
    const stale = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    await prices();
    expect(await stack.mock.calls('product')).toEqual({});
    expect(await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')))).toEqual(stale);
  });

  it('projection killed: past the lag threshold reads fall back to the product service, still answer, and the fallback metric rises', async () => {
    const expected = await prices();
    const stale = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    await stack.mock.resetCalls('product');
    await stack.kill('projection');
    const killed = performance.now();
    const fellBack = await waitUntil(
      'reads fall back',
      async () => {
        // Every surface keeps answering with the right price the whole time.
        expect(await prices()).toEqual(expected);
        const calls = (await stack.mock.calls('product'))['GET /products'] ?? 0;
        return calls > 0 ? performance.now() - killed : undefined;
      },
      LAG_MS + FRESHNESS_CACHE_MS + 3000,
    );
    console.info(
      `projection killed: first fallback to the product service after ${fellBack.toFixed(0)} ms`,
    );
    // Not before the last point it recorded has aged past the threshold: a beat at most
    // HEARTBEAT_MS old, read once a round (at most the projector's blockMs apart).
    expect(fellBack).toBeGreaterThanOrEqual(
      LAG_MS - HEARTBEAT_MS - DEFAULT_PROJECTOR_OPTIONS.blockMs - 100,
    );
    // Wait out the freshness cache of every BFF, then each one has counted its fallback.
    await new Promise((r) => setTimeout(r, FRESHNESS_CACHE_MS));
    expect(await prices()).toEqual(expected);
    const after = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    after.forEach((n, i) => {
      expect(n).toBeGreaterThan(stale[i] ?? Number.NaN);
    });
  });
});

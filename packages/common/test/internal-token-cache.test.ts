import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { internalAudience, signInternalToken } from '../src/internal-token';
import { createCachedTokenVerifier } from '../src/internal-token-cache';
import { loadOrCreateSigningKey, loadPublicKey } from '../src/keys';

async function keys() {
  const file = join(mkdtempSync(join(tmpdir(), 'token-cache-')), 'edge.json');
  const signing = await loadOrCreateSigningKey(file);
  return { signing, verifying: (await loadPublicKey(file)).key };
}

describe('cached internal token verifier', () => {
  afterEach(() => vi.useRealTimers());

  it('a cached token is refused once it expired', async () => {
    const { signing, verifying } = await keys();
    const verify = createCachedTokenVerifier(verifying, [internalAudience('web')]);
    const identity = { surface: 'web' as const, userId: 'u-1' };
    const token = await signInternalToken(identity, signing, 'web', 60);
    expect(await verify(token)).toEqual(identity);
    expect(await verify(token)).toEqual(identity);
    vi.useFakeTimers({ now: Date.now() + 120_000, toFake: ['Date'] });
    await expect(verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a token for another audience is refused and stays refused', async () => {
    const { signing, verifying } = await keys();
    const verify = createCachedTokenVerifier(verifying, [internalAudience('web')]);
    const token = await signInternalToken(
      { surface: 'partner', partnerId: 'p', keyId: 'k', tier: 't', version: 'v1' },
      signing,
      'partner',
    );
    await expect(verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

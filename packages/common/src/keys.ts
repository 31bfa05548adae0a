import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

/** Signing algorithm for every key this project generates: small keys, fast verification. */
export const SIGNING_ALG = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Load a private JWK from `file`, creating it (mode 0600) on first use. Creation uses an
 * exclusive open, so two processes starting together end up with the same key.
 */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const fresh = await exportJWK(privateKey);
    fresh.kid = await calculateJwkThumbprint(fresh);
    fresh.alg = SIGNING_ALG;
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, JSON.stringify(fresh), { flag: 'wx', mode: 0o600 });
      jwk = fresh;
    } catch (writeErr) {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw writeErr;
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    }
  }
  const { d: _private, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  return { kid: jwk.kid ?? '', privateKey, publicJwk: { ...publicJwk, use: 'sig' } };
}

/** Read only the public half of a key file (what a verifier needs). */
export async function loadPublicKey(file: string): Promise<{ kid: string; key: CryptoKey }> {
  const { d: _private, ...publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  return { kid: publicJwk.kid ?? '', key: (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey };
}

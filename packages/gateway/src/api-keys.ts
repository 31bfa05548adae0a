import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from '@edge/common';
import type { ApiVersion, KeyStore, PartnerKeyRecord, Tier } from './key-store.js';

/**
 * Key format `edgepk_<keyId>_<secret>_<check>`: the typed prefix lets secret scanners find
 * leaked keys, the key id finds the record without revealing the secret, and the checksum
 * rejects typos without a store lookup.
 */
const KEY_PATTERN = /^edgepk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})_([A-Za-z0-9_-]{6})$/;

/** How long a rotated key keeps working next to its replacement; default 24 h. */
export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const checksum = (keyId: string, secret: string) =>
  sha256(`${keyId}_${secret}`).toString('base64url').slice(0, 6);

export interface NewKeyOptions {
  partnerId: string;
  versions: ApiVersion[];
  tier: Tier;
  /** ISO expiry; none by default. */
  expiresAt?: string | null;
}

export interface IssuedKey {
  key: string;
  record: PartnerKeyRecord;
}

export async function createKey(store: KeyStore, options: NewKeyOptions): Promise<IssuedKey> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: PartnerKeyRecord = {
    keyId,
    partnerId: options.partnerId,
    versions: options.versions,
    tier: options.tier,
    secretHash: sha256(secret).toString('hex'),
    createdAt: new Date().toISOString(),
    expiresAt: options.expiresAt ?? null,
    revokedAt: null,
    replacedBy: null,
  };
  await store.put(record);
  return { key: `edgepk_${keyId}_${secret}_${checksum(keyId, secret)}`, record };
}

async function existing(store: KeyStore, keyId: string): Promise<PartnerKeyRecord> {
  const record = await store.get(keyId);
  if (!record) throw new AppError(ErrorCode.NOT_FOUND, `No key ${keyId}`);
  return record;
}

/** Issue a replacement; the old key stays valid for `graceMs`, then expires. */
export async function rotateKey(
  store: KeyStore,
  keyId: string,
  graceMs = DEFAULT_ROTATION_GRACE_MS,
): Promise<IssuedKey> {
  const old = await existing(store, keyId);
  const issued = await createKey(store, {
    partnerId: old.partnerId,
    versions: old.versions,
    tier: old.tier,
    expiresAt: old.expiresAt,
  });
  const graceEnd = new Date(Date.now() + graceMs).toISOString();
  const expiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
  await store.put({ ...old, expiresAt, replacedBy: issued.record.keyId });
  return issued;
}

export async function revokeKey(store: KeyStore, keyId: string): Promise<PartnerKeyRecord> {
  const old = await existing(store, keyId);
  const revoked = { ...old, revokedAt: old.revokedAt ?? new Date().toISOString() };
  await store.put(revoked);
  return revoked;
}

/** Unknown, revoked, expired and mistyped keys get the same answer: nothing to probe. */
const invalidKey = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid API key');

/** Resolve a presented key to its record, or throw UNAUTHENTICATED. */
export async function verifyKey(store: KeyStore, presented: string): Promise<PartnerKeyRecord> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) throw invalidKey();
  const [, keyId = '', secret = '', check = ''] = match;
  if (checksum(keyId, secret) !== check) throw invalidKey();
  const record = await store.get(keyId);
  if (!record) throw invalidKey();
  const expected = Buffer.from(record.secretHash, 'hex');
  const actual = sha256(secret);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw invalidKey();
  if (record.revokedAt) throw invalidKey();
  if (record.expiresAt && Date.parse(record.expiresAt) <= Date.now()) throw invalidKey();
  return record;
}

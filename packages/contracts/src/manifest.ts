import { createHash } from 'node:crypto';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** What a GraphQL operation does; Apollo's manifest names it `type`. */
export type OperationType = 'query' | 'mutation' | 'subscription';

/** One operation of an Apollo persisted-query manifest, its id checked against its body. */
export interface ManifestOperation {
  /** SHA-256 (hex, lower case) of `body`. */
  id: string;
  name: string;
  type: OperationType;
  body: string;
}

const OPERATION_TYPES: readonly string[] = ['query', 'mutation', 'subscription'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Read Apollo's persisted-query manifest
 * (`{ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id, name, type, body }] }`)
 * or a plain `{ "<sha256>": "<document>" }` map. Every id must be the SHA-256 of its body:
 * the edge looks documents up by that hash, so a wrong id would register an unreachable
 * document, or worse, one another body claims. `source` names the input in error messages.
 */
export function parseManifest(raw: unknown, source: string): ManifestOperation[] {
  if (!isObject(raw)) throw new Error(`${source}: a manifest is a JSON object`);
  const operations: ManifestOperation[] = [];
  if ('operations' in raw) {
    if (raw['format'] !== undefined && raw['format'] !== 'apollo-persisted-query-manifest') {
      throw new Error(`${source}: unknown manifest format ${String(raw['format'])}`);
    }
    const listed = raw['operations'];
    if (!Array.isArray(listed)) throw new Error(`${source}: "operations" must be an array`);
    for (const op of listed as unknown[]) {
      if (!isObject(op) || typeof op['id'] !== 'string' || typeof op['body'] !== 'string') {
        throw new Error(`${source}: every operation needs string "id" and "body"`);
      }
      const type = op['type'] ?? 'query';
      if (typeof type !== 'string' || !OPERATION_TYPES.includes(type)) {
        throw new Error(`${source}: operation ${op['id']} has an unknown type ${String(type)}`);
      }
      operations.push({
        id: op['id'].toLowerCase(),
        name: typeof op['name'] === 'string' ? op['name'] : '',
        type: type as OperationType,
        body: op['body'],
      });
    }
  } else {
    for (const [id, body] of Object.entries(raw)) {
      if (typeof body !== 'string') throw new Error(`${source}: ${id} must map to a document`);
      operations.push({ id: id.toLowerCase(), name: '', type: 'query', body });
    }
  }
  for (const op of operations) {
    if (sha256Hex(op.body) !== op.id) {
      throw new Error(`${source}: id ${op.id} is not the SHA-256 of its document`);
    }
  }
  return operations;
}

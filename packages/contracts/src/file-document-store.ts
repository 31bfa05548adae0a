import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientVersion, DocumentStore } from './document-store.js';
import { versionKey } from './document-store.js';
import { usageFrom } from './redis-document-store.js';

interface Registry {
  versions: Record<string, ClientVersion>;
  documents: Record<string, string>;
}

interface Uses {
  uses: Record<string, number>;
  seen: Record<string, number>;
}

function readJson<T>(file: string, empty: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    throw err;
  }
}

/** Written through a rename, so a reader never sees half a file. */
function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, file);
}

/**
 * Embedded store under `dir` (`.data/contracts/`): the registry, written by the CLI, and the
 * uses, written by the edge, are two files, so neither writer can lose the other's update. The
 * stamp is the registry file's modification time and size: no counter to keep in step.
 */
export function createFileDocumentStore(dir: string): DocumentStore {
  const registryFile = join(dir, 'documents.json');
  const usesFile = join(dir, 'document-uses.json');
  const registry = () => readJson<Registry>(registryFile, { versions: {}, documents: {} });
  const save = (value: Registry) => {
    mkdirSync(dir, { recursive: true });
    writeJson(registryFile, value);
  };
  return {
    push: async (target, operations) => {
      const all = registry();
      const record: ClientVersion = {
        ...target,
        pushedAt: new Date().toISOString(),
        retiredAt: null,
        operations: operations.map(({ id, name, type }) => ({ id, name, type })),
      };
      for (const op of operations) all.documents[op.id] = op.body;
      all.versions[versionKey(target.client, target.version)] = record;
      save(all);
      return record;
    },
    retire: async (client, version) => {
      const all = registry();
      const record = all.versions[versionKey(client, version)];
      if (!record) return undefined;
      record.retiredAt ??= new Date().toISOString();
      save(all);
      return record;
    },
    versions: async () => Object.values(registry().versions),
    bodies: async (ids) => {
      const { documents } = registry();
      const bodies = new Map<string, string>();
      for (const id of ids) {
        const body = documents[id];
        if (body !== undefined) bodies.set(id, body);
      }
      return bodies;
    },
    stamp: async () => {
      try {
        const stat = statSync(registryFile);
        return `${stat.mtimeMs}:${stat.size}`;
      } catch {
        return '0';
      }
    },
    recordUses: async (uses, at) => {
      if (uses.length === 0) return;
      const all = readJson<Uses>(usesFile, { uses: {}, seen: {} });
      for (const use of uses) {
        const version = versionKey(use.client, use.version);
        const field = `${version}#${use.id}`;
        all.uses[field] = (all.uses[field] ?? 0) + use.count;
        all.seen[version] = at;
      }
      mkdirSync(dir, { recursive: true });
      writeJson(usesFile, all);
    },
    usage: async () => {
      const { uses, seen } = readJson<Uses>(usesFile, { uses: {}, seen: {} });
      return usageFrom(uses, seen);
    },
    close: async () => {},
  };
}

import { type GraphQLSchema, parse } from 'graphql/index.js';
import { deprecatedFieldsByOperation } from './deprecated-fields.js';
import { type DocumentStore, versionKey } from './document-store.js';

/** One registered operation of a live version that selects deprecated fields, with its use. */
export interface DeprecatedUse {
  client: string;
  version: string;
  operation: string;
  fields: readonly string[];
  /** Runs the edge counted for this document by this version. */
  uses: number;
}

/**
 * Who still selects deprecated fields: every live version of `surface`, each registered
 * operation's deprecated fields under `schema`, and how often the edge ran it. This is the list
 * to work through before a Sunset date (the edge's `edge_deprecated_field_requests_total`
 * metric shows the same per client, live).
 */
export async function deprecationReport(
  store: DocumentStore,
  surface: string,
  schema: GraphQLSchema,
): Promise<DeprecatedUse[]> {
  const live = (await store.versions()).filter(
    (v) => v.surface === surface && v.retiredAt === null,
  );
  const bodies = await store.bodies([
    ...new Set(live.flatMap((v) => v.operations.map((o) => o.id))),
  ]);
  const usage = new Map((await store.usage()).map((u) => [versionKey(u.client, u.version), u]));
  const fieldsOf = new Map<string, readonly string[]>();
  const deprecatedIn = (id: string): readonly string[] => {
    let fields = fieldsOf.get(id);
    if (!fields) {
      const body = bodies.get(id);
      fields = [];
      if (body !== undefined) {
        try {
          fields = [
            ...new Set([...deprecatedFieldsByOperation(schema, parse(body)).values()].flat()),
          ].sort();
        } catch {
          // A document that no longer parses is `schema check`'s business, not this report's.
        }
      }
      fieldsOf.set(id, fields);
    }
    return fields;
  };
  return live.flatMap((v) =>
    v.operations.flatMap((op) => {
      const fields = deprecatedIn(op.id);
      if (fields.length === 0) return [];
      const uses = usage.get(versionKey(v.client, v.version))?.byDocument[op.id] ?? 0;
      const operation = op.name || op.id.slice(0, 12);
      return [{ client: v.client, version: v.version, operation, fields, uses }];
    }),
  );
}

import {
  buildASTSchema,
  type DocumentNode,
  type GraphQLSchema,
  Kind,
  parse,
  specifiedRules,
  validate,
} from 'graphql/index.js';
import type { ClientVersion, DocumentStore } from './document-store.js';

// graphql by its CommonJS entry, as the edge and @apollo/subgraph load it: graphql-js refuses a
// schema built by another copy of itself, and the BFFs hand their subgraph schema in here.

/** One registered operation of a live client version that the schema no longer serves. */
export interface BrokenOperation {
  client: string;
  version: string;
  surface: string;
  operation: string;
  id: string;
  errors: string[];
}

export interface CheckResult {
  versions: number;
  operations: number;
  broken: BrokenOperation[];
}

/**
 * A schema from BFF SDL files: federation's `extend schema @link(...)` and directives such as
 * `@shareable` are kept as written but not checked (assumeValidSDL), since the check is about
 * the types and fields clients select, which federation does not change.
 */
export function schemaFromSdl(sdl: string): GraphQLSchema {
  const document = parse(sdl);
  const definitions = document.definitions.filter((d) => d.kind !== Kind.SCHEMA_EXTENSION);
  return buildASTSchema({ ...document, definitions } as DocumentNode, { assumeValidSDL: true });
}

/**
 * Validate every registered operation of every live (not retired) version of `surface` against
 * `schema` with graphql-js's own rules: exactly what the edge will run on them. A removed
 * field, a changed argument or type, a field made non-nullable in an input all surface as
 * validation errors naming the place; additions never do. Retired versions do not block.
 */
export async function checkLiveDocuments(
  store: DocumentStore,
  surface: string,
  schema: GraphQLSchema,
): Promise<CheckResult> {
  const live = (await store.versions()).filter(
    (v) => v.surface === surface && v.retiredAt === null,
  );
  const bodies = await store.bodies([
    ...new Set(live.flatMap((v) => v.operations.map((o) => o.id))),
  ]);
  const verdicts = new Map<string, string[]>();
  const errorsOf = (id: string): string[] => {
    let errors = verdicts.get(id);
    if (!errors) {
      const body = bodies.get(id);
      errors =
        body === undefined ? ['document body missing from the store'] : validateBody(schema, body);
      verdicts.set(id, errors);
    }
    return errors;
  };
  const broken = live.flatMap((v: ClientVersion) =>
    v.operations.flatMap((op) => {
      const errors = errorsOf(op.id);
      return errors.length === 0
        ? []
        : [
            {
              client: v.client,
              version: v.version,
              surface: v.surface,
              operation: op.name || op.id.slice(0, 12),
              id: op.id,
              errors,
            },
          ];
    }),
  );
  return {
    versions: live.length,
    operations: live.reduce((n, v) => n + v.operations.length, 0),
    broken,
  };
}

function validateBody(schema: GraphQLSchema, body: string): string[] {
  try {
    return validate(schema, parse(body), specifiedRules).map((e) => e.message);
  } catch (err) {
    return [(err as Error).message];
  }
}

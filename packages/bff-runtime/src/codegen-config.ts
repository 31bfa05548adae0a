import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

/** Repository root, so the config works from any working directory (tests, `pnpm codegen`). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Order mutations every surface answers (order-mutations.ts). */
const ORDER_MUTATIONS = 'packages/bff-runtime/src/order-mutations.graphql';

/** Where each BFF schema's resolver types are generated, and from which schema files. */
export const CODEGEN_TARGETS = [
  {
    output: 'packages/bff-web/src/generated/resolvers-types.ts',
    schema: [
      'packages/bff-web/src/schema.graphql',
      'packages/bff-web/src/schema-preview.graphql',
      ORDER_MUTATIONS,
    ],
    mappers: {
      Order: '@edge/upstream#Order',
      Product: '@edge/upstream#Product',
      OrderItem: '@edge/bff-runtime#PricedItem',
      User: '../models#UserRef',
      OrderSaga: '@edge/bff-runtime#SagaRef',
    },
  },
  {
    output: 'packages/bff-mobile/src/generated/resolvers-types.ts',
    schema: ['packages/bff-mobile/src/schema.graphql', ORDER_MUTATIONS],
    mappers: {
      OrderSummary: '@edge/upstream#Order',
      ProductCard: '@edge/upstream#Product',
      Home: '../models#HomeModel',
      OrderSaga: '@edge/bff-runtime#SagaRef',
    },
  },
  {
    output: 'packages/bff-partner/src/generated/v1-types.ts',
    schema: ['packages/bff-partner/src/schema-v1.graphql', ORDER_MUTATIONS],
    mappers: {
      PartnerOrder: '@edge/upstream#Order',
      PartnerOrderItem: '@edge/bff-runtime#PricedItem',
      OrderSaga: '@edge/bff-runtime#SagaRef',
    },
  },
  {
    output: 'packages/bff-partner/src/generated/v2-types.ts',
    schema: ['packages/bff-partner/src/schema-v2.graphql', ORDER_MUTATIONS],
    mappers: {
      PartnerOrder: '@edge/upstream#Order',
      PartnerProduct: '@edge/upstream#Product',
      PartnerOrderItem: '@edge/bff-runtime#PricedItem',
      OrderSaga: '@edge/bff-runtime#SagaRef',
    },
  },
] as const;

/**
 * The Apollo federation link directive the schemas open with; declared here only so the
 * generator can read the SDL (buildSubgraphSchema knows it natively).
 */
const FEDERATION_DIRECTIVES = `
  scalar link__Import
  directive @link(url: String!, import: [link__Import]) repeatable on SCHEMA
`;

type Target = (typeof CODEGEN_TARGETS)[number];

/** One generated file: resolver types for `schemaFiles`, with the target's model mappers. */
export function generatedFile(target: Target, schemaFiles: readonly string[]) {
  return {
    schema: [...schemaFiles, FEDERATION_DIRECTIVES],
    plugins: ['typescript', 'typescript-resolvers'],
    config: {
      contextType: '@edge/bff-runtime#BffContext',
      mappers: target.mappers,
      mapperTypeSuffix: 'Model',
      useTypeImports: true,
      enumsAsTypes: true,
      useIndexSignature: false,
      avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: true },
    },
  };
}

/** One GraphQL Code Generator config for every BFF; `outDir` replaces the root (for checks). */
export function codegenConfig(outDir = ROOT): CodegenConfig {
  return {
    overwrite: true,
    silent: true,
    generates: Object.fromEntries(
      CODEGEN_TARGETS.map((t) => [
        join(outDir, t.output),
        generatedFile(
          t,
          t.schema.map((s) => join(ROOT, s)),
        ),
      ]),
    ),
  };
}

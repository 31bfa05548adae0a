import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from './codegen-config.js';

// `pnpm codegen`: regenerate every BFF's resolver types in place.
await generate(codegenConfig(), true);

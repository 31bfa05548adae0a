import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { CODEGEN_TARGETS, codegenConfig, generatedFile } from '../src/codegen-config';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

describe('generated resolver types', () => {
  it('are up to date with the schema files (run `pnpm codegen` when this fails)', async () => {
    const out = mkdtempSync(join(ROOT, '.codegen-check-'));
    try {
      const files: { filename: string; content: string }[] = await generate(
        codegenConfig(out),
        false,
      );
      expect(files.map((f) => relative(out, f.filename)).sort()).toEqual(
        CODEGEN_TARGETS.map((t) => t.output).sort(),
      );
      for (const file of files) {
        const committed = readFileSync(join(ROOT, relative(out, file.filename)), 'utf8');
        expect(file.content, relative(out, file.filename)).toBe(committed);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a schema change that breaks a resolver fails type-checking', async () => {
    // A copy of bff-web's sources inside the workspace (so @edge/* resolve), with the product
    // argument renamed in its schema and the types regenerated from that schema.
    const copy = mkdtempSync(join(ROOT, 'packages', 'bff-web', '.codegen-break-'));
    try {
      cpSync(join(ROOT, 'packages', 'bff-web', 'src'), copy, {
        recursive: true,
        filter: (src) => !src.endsWith('.test.ts'),
      });
      const schemaFile = join(copy, 'schema.graphql');
      const schema = readFileSync(schemaFile, 'utf8');
      expect(schema).toContain('product(id: ID!): Product');
      writeFileSync(schemaFile, schema.replace('product(id: ID!)', 'product(productId: ID!)'));
      const [web] = CODEGEN_TARGETS;
      if (!web) throw new Error('no web target');
      await generate(
        {
          silent: true,
          generates: {
            [join(copy, 'generated', 'resolvers-types.ts')]: generatedFile(web, [
              schemaFile,
              join(copy, 'schema-preview.graphql'),
            ]),
          },
        },
        true,
      );
      const tsconfig = join(copy, 'tsconfig.json');
      writeFileSync(
        tsconfig,
        JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: ['./**/*.ts'] }),
      );
      const checked = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig]).then(
        () => '',
        (err: { stdout?: string }) => err.stdout ?? 'failed',
      );
      expect(checked).toMatch(/resolvers\.ts.*Property 'id' does not exist/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
});

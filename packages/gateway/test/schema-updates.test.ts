import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, loadOrCreateSigningKey } from '@edge/common';
import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompositionCache } from '../src/composition-cache';
import { createInternalSigner } from '../src/internal-signer';
import { createSchemaComposer, type SchemaComposer } from '../src/schema-composition';
import { loadSurfaceSchema, SDL_MAX_BYTES, type SurfaceSchema } from '../src/schema-registry';
import type { SurfaceDef } from '../src/surfaces';
import { FAKE_SDL, type FakeBff, startFakeBff } from './fake-bff';

/** What the registry logged, by level; the lines themselves are pino's business. */
function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (_fields: unknown, msg: string): void => {
      lines.push({ level, msg });
    };
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log: log as unknown as Logger, lines };
}

const queryFields = (schema: SurfaceSchema) =>
  Object.keys(schema.current().getQueryType()?.getFields() ?? {});

/** Polls run every 50 ms; a composition may take seconds on a loaded machine. */
const soon = (what: string, check: () => boolean) => waitUntil(what, check, 30_000, 20);

describe('surface schema: composed in a child process, polled, bad updates refused', () => {
  let bff: FakeBff;
  let dir: string;
  let composer: SchemaComposer;
  let schema: SurfaceSchema;
  const { log, lines } = recordingLogger();
  const logged = (level: string) => lines.filter((l) => l.level === level).length;
  const recoveries = () => lines.filter((l) => l.msg === 'schema poll answered again').length;

  beforeAll(async () => {
    bff = await startFakeBff();
    dir = mkdtempSync(join(tmpdir(), 'schema-updates-'));
    const sign = createInternalSigner(await loadOrCreateSigningKey(join(dir, 'edge.pem')));
    const surface: SurfaceDef = {
      name: 'web',
      path: '/web/graphql',
      auth: { kind: 'jwt', surface: 'web', audience: 'web' },
      upstream: new URL(`${bff.url}/graphql`),
      bff: 'web',
    };
    composer = createSchemaComposer({ cache: createCompositionCache(join(dir, 'cache')) });
    schema = await loadSurfaceSchema(surface, sign, log, 50, composer);
  });
  afterAll(async () => {
    await schema?.stop();
    composer?.stop();
    await bff?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API schema: the BFF fields, none of federation', () => {
    expect(queryFields(schema).sort()).toEqual(['me', 'orders', 'user']);
    expect(schema.current().getType('_Service')).toBeUndefined();
    expect(schema.generation()).toBe(1);
  });

  it('a changed SDL is composed and served without a restart', async () => {
    bff.setSdl(FAKE_SDL.replace('type Query {', 'type Query {\n  version: String'));
    await soon('the new field', () => queryFields(schema).includes('version'));
    expect(schema.generation()).toBe(2);
  });

  it('an SDL that does not compose is reported once and the previous schema stays', async () => {
    const errorsBefore = logged('error');
    bff.setSdl(`${FAKE_SDL}\ntype Broken { field: Missing }`);
    await soon('the refusal to be logged', () => logged('error') > errorsBefore);
    // Polls go on against the same broken SDL; none composes it again or logs it again.
    const polls = bff.schemaPolls();
    await soon('three more polls', () => bff.schemaPolls() >= polls + 3);
    expect(logged('error')).toBe(errorsBefore + 1);
    expect(queryFields(schema)).toContain('version');
    expect(schema.generation()).toBe(2);
  });

  it('a BFF that stops answering is warned about once; its schema stays; a valid SDL then applies', async () => {
    const warnsBefore = logged('warn');
    bff.setSdl(undefined);
    await soon('the warning', () => logged('warn') > warnsBefore);
    expect(queryFields(schema)).toContain('version');
    bff.setSdl(FAKE_SDL);
    await soon('the schema back to FAKE_SDL', () => !queryFields(schema).includes('version'));
    expect(logged('warn')).toBe(warnsBefore + 1);
    expect(recoveries()).toBeGreaterThan(0);
    expect(schema.generation()).toBe(3);
  });

  it('an SDL answer above the cap is a failing poll, not a buffered one; the schema stays', async () => {
    const warnsBefore = logged('warn');
    const recoveriesBefore = recoveries();
    const generation = schema.generation();
    bff.setSdl(`${FAKE_SDL}\n#${'x'.repeat(SDL_MAX_BYTES)}`);
    await soon('the warning', () => logged('warn') > warnsBefore);
    expect(schema.generation()).toBe(generation);
    bff.setSdl(FAKE_SDL);
    await soon('the poll answered again', () => recoveries() > recoveriesBefore);
    expect(schema.generation()).toBe(generation);
  });

  it('a composition that outlasts its deadline is abandoned with a clear error', async () => {
    const slow = createSchemaComposer({ timeoutMs: 1 });
    await expect(slow.compose({ surface: 'web', url: bff.url, sdl: FAKE_SDL })).rejects.toThrow(
      /schema composition failed: composer ended by SIGKILL/,
    );
    slow.stop();
  });

  it('an SDL composed before is read from the cache, by another gateway too; a cache others can write is not used', async () => {
    const request = { surface: 'web', url: bff.url, sdl: FAKE_SDL };
    const apiSdl = await composer.compose(request);
    // A composer whose child could never finish: only the cache can answer it.
    const cachedOnly = createSchemaComposer({
      cache: createCompositionCache(join(dir, 'cache')),
      timeoutMs: 1,
    });
    expect(await cachedOnly.compose(request)).toBe(apiSdl);
    await expect(cachedOnly.compose({ ...request, surface: 'mobile' })).rejects.toThrow(
      /composer ended by SIGKILL/,
    );
    cachedOnly.stop();

    chmodSync(join(dir, 'cache'), 0o777);
    const shared = createSchemaComposer({
      cache: createCompositionCache(join(dir, 'cache')),
      timeoutMs: 1,
    });
    await expect(shared.compose(request)).rejects.toThrow(/composer ended by SIGKILL/);
    shared.stop();
    chmodSync(join(dir, 'cache'), 0o700);
  });
});

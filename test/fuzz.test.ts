import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The fuzzer lives with the benchmarks (bench/src/fuzz.ts runs the full 10,000 cases); the test
// suite runs the same generator and seed, shorter. Bench is not a package the tests depend on.
import { type BenchStack, startBenchStack } from '../bench/src/lib/bench-stack';
import { DEFAULT_FUZZ_OPTIONS, FUZZ_STACK_ENV, runFuzz } from '../bench/src/lib/fuzz-run';

/** Enough to touch every generator family on every endpoint in a few seconds. */
const CASES = 500;

describe('hostile input (seeded fuzz, short)', () => {
  let bench: BenchStack;
  beforeAll(async () => {
    bench = await startBenchStack({ env: { ...FUZZ_STACK_ENV } });
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it(`${CASES} malformed requests: no 5xx, no hang, only documented codes, every process healthy`, async () => {
    const report = await runFuzz(bench, { ...DEFAULT_FUZZ_OPTIONS, cases: CASES });
    expect(report.failures).toEqual([]);
    expect(report.unhealthy).toEqual([]);
    // The run reached past authentication into parsing and validation, not only the front door.
    expect(report.codes['GRAPHQL_VALIDATION_FAILED'] ?? 0).toBeGreaterThan(0);
    expect(report.codes['GRAPHQL_PARSE_FAILED'] ?? 0).toBeGreaterThan(0);
    expect(report.statuses['200'] ?? 0).toBeGreaterThan(0);
    // The forms the budgets and input limits must hold against: variables, fragments, deep JSON
    // inside batches, aliased mutations.
    for (const kind of [
      'json/variables-page',
      'json/batch-deep-variables',
      'json/wide-variables',
      'json/aliased-mutations',
      'graphql/fragment-under-list',
      'graphql/inline-fragments',
    ]) {
      expect(report.kinds[kind] ?? 0, kind).toBeGreaterThan(0);
    }
    expect(report.codes['QUERY_TOO_COMPLEX'] ?? 0).toBeGreaterThan(0);
  });
});

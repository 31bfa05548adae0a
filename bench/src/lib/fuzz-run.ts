import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServerErrorCode, ApolloServerValidationErrorCode } from '@apollo/server/errors';
import { ErrorCode } from '@edge/common';
import type { RunningStack } from '@edge/stack';
import { type BenchStack, repoRoot } from './bench-stack';
import { type FuzzCase, type FuzzEndpoint, type FuzzProcess, generateCases } from './fuzz-cases';
import { OPERATIONS } from './operations';
import { type RawAnswer, rawExchange } from './raw-exchange';

export interface FuzzOptions {
  /** PRNG seed; the same seed generates the same cases. Default 7. */
  seed: number;
  /** Number of cases. Default 10,000. */
  cases: number;
  /** Cases in flight at once. Default 16. */
  concurrency: number;
  /** A case that neither answers nor closes within this is `hung`. Default 10 s. */
  timeoutMs: number;
}

export const DEFAULT_FUZZ_OPTIONS: Readonly<FuzzOptions> = Object.freeze({
  seed: 7,
  cases: 10_000,
  concurrency: 16,
  timeoutMs: 10_000,
});

/** How long an unanswered raw request waits before the fuzzer half-closes it. */
const HALF_CLOSE_AFTER_MS = 1000;

/** Rate limits far above what the fuzzer sends, so every case reaches the code it aims at. */
export const FUZZ_STACK_ENV: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_USER: '1000000000',
  RATE_LIMIT_ANONYMOUS: '1000000000',
  RATE_LIMIT_PARTNER_PRO: '1000000000',
  COST_BUDGET_PRO: '1000000000',
});

export interface FuzzFailure {
  index: number;
  kind: string;
  target: string;
  reason: string;
  /** The first bytes of the request, for replaying by hand. */
  request: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Error codes seen in answers. */
  codes: Record<string, number>;
  /** Cases by generator kind. */
  kinds: Record<string, number>;
  failures: FuzzFailure[];
  /** Processes that were not alive and healthy after the run. */
  unhealthy: string[];
}

/** Codes the edge documents (the table of docs/edge.md). */
function gatewayCodes(): Set<string> {
  const docs = readFileSync(join(repoRoot, 'docs', 'edge.md'), 'utf8');
  return new Set([...docs.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*\d{3}/gm)].map((m) => m[1] ?? ''));
}

/** BFFs answer our shared codes and Apollo Server's own (documented by Apollo). */
const BFF_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  ...Object.values(ApolloServerErrorCode),
  ...Object.values(ApolloServerValidationErrorCode),
]);

/** 503 codes the docs name; a fuzz run on a healthy stack must not see them either. */
const UNEXPECTED_503 = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.SHUTTING_DOWN]);

/** Every public endpoint of the gateway and the BFFs, with a legitimate caller's credentials. */
export function fuzzEndpoints(bench: BenchStack): FuzzEndpoint[] {
  const c = bench.credentials;
  const docs = (name: string) =>
    OPERATIONS.filter((o) => o.name.startsWith(name)).map((o) => o.query);
  const web = [
    ...docs('web'),
    '{ product(id: "p-1") { id name } }',
    '{ order(id: "o-1") { id status } }',
  ];
  const mobile = [...docs('mobile'), '{ orderSummaries(first: 3) { id status itemCount } }'];
  const partner = [...docs('partner'), '{ order(id: "o-1") { id status } }'];
  const gql = (
    process: FuzzProcess,
    path: string,
    auth: Record<string, string>,
    documents: string[],
  ) => ({
    process,
    path,
    graphql: true,
    auth,
    documents,
  });
  const plain = (process: FuzzProcess, path: string) => ({
    process,
    path,
    graphql: false,
    auth: {},
    documents: [],
  });
  const ops: FuzzEndpoint[] = [
    gql('gateway', '/web/graphql', { authorization: c.webBearer }, web),
    gql('gateway', '/mobile/graphql', { authorization: c.mobileBearer }, mobile),
    gql('gateway', '/partner/v1/graphql', { 'x-api-key': c.partnerKey }, [
      '{ orders(first: 3) { id status totalCents } }',
    ]),
    gql('gateway', '/partner/v2/graphql', { authorization: `Bearer ${c.partnerKey}` }, partner),
    gql('bff-web', '/graphql', { 'x-edge-identity': c.identity.web }, web),
    gql('bff-mobile', '/graphql', { 'x-edge-identity': c.identity.mobile }, mobile),
    gql('bff-partner', '/v2/graphql', { 'x-edge-identity': c.identity.partner }, partner),
  ];
  const rest: FuzzEndpoint[] = [];
  for (const process of ['gateway', 'bff-web', 'bff-mobile', 'bff-partner'] as const) {
    for (const path of ['/healthz', '/readyz', '/metrics']) rest.push(plain(process, path));
  }
  rest.push(plain('gateway', '/.well-known/jwks.json'));
  return [...ops, ...rest];
}

function codesOf(body: Buffer): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const codes: string[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const record = item as { errors?: unknown; error?: { code?: unknown } };
    if (Array.isArray(record.errors)) {
      for (const e of record.errors as { extensions?: { code?: unknown } }[]) {
        codes.push(typeof e?.extensions?.code === 'string' ? e.extensions.code : 'MISSING_CODE');
      }
    }
    if (typeof record.error?.code === 'string') codes.push(record.error.code);
  }
  return codes;
}

/** Why an answer breaks the contract, or undefined when it keeps it. */
function judge(c: FuzzCase, answer: RawAnswer, gateway: Set<string>): string | undefined {
  if (answer.kind === 'hung') return 'no answer and no close (hung connection)';
  if (answer.kind === 'refused') return `connection refused (${answer.code}): process down?`;
  if (answer.kind === 'closed') return `closed without a complete answer (${answer.bytes} bytes)`;
  const ok200 = answer.status >= 200 && answer.status < 300;
  // A 2xx GraphQL answer through the edge is the BFF's own (field errors included), so it is held
  // to the shared code table; refusals by the edge are held to the edge's documented table.
  const documented = c.endpoint.process === 'gateway' && !ok200 ? gateway : BFF_CODES;
  if (c.head) return answer.status >= 500 ? `HEAD answered ${answer.status}` : undefined;
  // A CORS preflight (OPTIONS on a GraphQL route) is answered 204 No Content, by design.
  if (answer.status === 204) return answer.body.length === 0 ? undefined : '204 with a body';
  const plainGet = !c.endpoint.graphql && ok200;
  if (plainGet) return undefined;
  const codes = codesOf(answer.body);
  if (codes === undefined) {
    return `status ${answer.status} without a JSON body: ${answer.body.subarray(0, 120).toString('utf8')}`;
  }
  const undocumented = codes.filter((code) => !documented.has(code));
  if (undocumented.length > 0) return `undocumented code(s) ${undocumented.join(',')}`;
  if (codes.includes(ErrorCode.INTERNAL_SERVER_ERROR))
    return `INTERNAL_SERVER_ERROR (${answer.status})`;
  if (answer.status >= 500) {
    const expected = codes.some((code) => UNEXPECTED_503.has(code));
    return `${answer.status} ${codes.join(',')}${expected ? ' (documented, but the stack is healthy)' : ''}`;
  }
  if (!ok200 && codes.length === 0) return `status ${answer.status} without an error code`;
  return undefined;
}

const portOf = (stack: RunningStack, process: FuzzProcess): number => {
  const port = stack.processes.get(process)?.ready['port'];
  if (typeof port !== 'number') throw new Error(`${process} has no port`);
  return port;
};

/** Alive (not exited) and answering /healthz 200. */
async function healthy(stack: RunningStack, process: FuzzProcess): Promise<boolean> {
  const proc = stack.processes.get(process);
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return false;
  const res = await fetch(`http://127.0.0.1:${portOf(stack, process)}/healthz`).catch(
    () => undefined,
  );
  return res?.status === 200;
}

/** Generate the cases for a seed and send them all; the report lists every broken answer. */
export async function runFuzz(bench: BenchStack, options: FuzzOptions): Promise<FuzzReport> {
  const gateway = gatewayCodes();
  const cases = generateCases(options.seed, options.cases, fuzzEndpoints(bench));
  const report: FuzzReport = {
    seed: options.seed,
    cases: cases.length,
    statuses: {},
    codes: {},
    kinds: {},
    failures: [],
    unhealthy: [],
  };
  const count = (table: Record<string, number>, key: string) => {
    table[key] = (table[key] ?? 0) + 1;
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i];
      if (!c) continue;
      const answer = await rawExchange(
        portOf(bench.stack, c.endpoint.process),
        c.bytes,
        options.timeoutMs,
        {
          head: c.head,
          ...(c.mayBeIncomplete ? { halfCloseAfterMs: HALF_CLOSE_AFTER_MS } : {}),
        },
      );
      count(report.kinds, c.kind);
      count(report.statuses, answer.kind === 'answered' ? String(answer.status) : answer.kind);
      if (answer.kind === 'answered')
        for (const code of codesOf(answer.body) ?? []) count(report.codes, code);
      const reason = judge(c, answer, gateway);
      if (reason) {
        report.failures.push({
          index: c.index,
          kind: c.kind,
          target: `${c.endpoint.process} ${c.endpoint.path}`,
          reason,
          request: c.bytes.subarray(0, 300).toString('latin1'),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  for (const process of ['gateway', 'bff-web', 'bff-mobile', 'bff-partner'] as const) {
    if (!(await healthy(bench.stack, process))) report.unhealthy.push(process);
  }
  report.failures.sort((a, b) => a.index - b.index);
  return report;
}

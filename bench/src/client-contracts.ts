/**
 * What per-version trusted documents cost the edge's hot path: the same mobile query through
 * the gateway, alternately without client headers (arbitrary documents, the path every request
 * took before) and as a registered client version (looked up in the in-memory registry and
 * counted for the uses flush), in one run, several rounds. Prints RPS per round and the ratio.
 *
 *   ./node_modules/.bin/tsx bench/src/client-contracts.ts [--rounds 3] [--duration 5] [--connections 20]
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFailFastRedis, unlinkKeysMatching } from '@edge/common';
import { createRedisDocumentStore, sha256Hex } from '@edge/contracts';
import { redisUrl, startBenchStack } from './lib/bench-stack';
import { type LoadResult, runLoad } from './lib/load';

const QUERY = 'query Orders { orderSummaries(first: 5) { id status itemCount } }';
const VERSION = { 'apollographql-client-name': 'mobile', 'apollographql-client-version': 'bench' };

export async function runClientContracts(options: {
  rounds: number;
  durationS: number;
  connections: number;
}): Promise<{ arbitrary: LoadResult; registered: LoadResult }[]> {
  const prefix = `bench:contracts:${randomUUID()}`;
  const bench = await startBenchStack({ env: { CONTRACTS_PREFIX: prefix } });
  const redis = createFailFastRedis(redisUrl, { enableOfflineQueue: true });
  const store = createRedisDocumentStore(redis, prefix);
  try {
    await store.push({ client: 'mobile', version: 'bench', surface: 'mobile' }, [
      { id: sha256Hex(QUERY), name: 'Orders', type: 'query', body: QUERY },
    ]);
    const url = `${bench.stack.urls.gateway}/mobile/graphql`;
    const auth = { authorization: bench.credentials.mobileBearer };
    const body = JSON.stringify({ query: QUERY });
    // The registry reloads within a second: wait until another document from it is refused.
    for (;;) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth, ...VERSION },
        body: JSON.stringify({ query: '{ home { userName } }' }),
      });
      await res.arrayBuffer();
      if (res.status === 403) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const load = (headers: Record<string, string>, durationS: number) =>
      runLoad({ url, headers, body, connections: options.connections, durationS });
    await load(auth, 2);
    const rounds: { arbitrary: LoadResult; registered: LoadResult }[] = [];
    // Alternating which goes first, so a machine warming up or cooling down favours neither.
    for (let i = 0; i < options.rounds; i++) {
      const registeredFirst = i % 2 === 1;
      const first = await load(registeredFirst ? { ...auth, ...VERSION } : auth, options.durationS);
      const second = await load(
        registeredFirst ? auth : { ...auth, ...VERSION },
        options.durationS,
      );
      rounds.push(
        registeredFirst
          ? { arbitrary: second, registered: first }
          : { arbitrary: first, registered: second },
      );
    }
    return rounds;
  } finally {
    await bench.stop();
    await unlinkKeysMatching(redis, `${prefix}*`);
    await store.close();
  }
}

function report(rounds: { arbitrary: LoadResult; registered: LoadResult }[]): string {
  const rows = rounds.map(
    ({ arbitrary: a, registered: r }, i) =>
      `| ${i + 1} | ${Math.round(a.rps)} | ${Math.round(r.rps)} | ${(r.rps / a.rps).toFixed(2)} | ${a.p50} / ${a.p99} | ${r.p50} / ${r.p99} | ${a.failures + r.failures} |`,
  );
  return [
    '| round | arbitrary RPS | registered RPS | registered/arbitrary | arbitrary p50/p99 ms | registered p50/p99 ms | failures |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
    },
    strict: false,
  });
  const rounds = await runClientContracts({
    rounds: Number(values['rounds'] ?? 3),
    durationS: Number(values['duration'] ?? 5),
    connections: Number(values['connections'] ?? 20),
  });
  process.stdout.write(`## client-contracts\n\n${report(rounds)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}

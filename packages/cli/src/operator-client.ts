import { parseArgs } from 'node:util';
import { createSagaClient, type SagaClient, SagaClientError } from '@edge/saga-client';
import { type CommandContext, ServiceRefused, UsageError } from './command.js';

/** `--token <jwt>`: every command that calls the saga or the consumers as an operator takes it. */
export const TOKEN_OPTION = { token: { type: 'string' } } as const;

/** The operator's token (`--token` or `OPERATOR_TOKEN`), for the saga and the consumers alike. */
export function operatorTokenOf(ctx: CommandContext): string {
  // Not strict: each action parses its own arguments strictly; this only picks the token out.
  const { values } = parseArgs({ args: ctx.args, options: TOKEN_OPTION, strict: false });
  const token = typeof values.token === 'string' ? values.token : ctx.config.operatorToken;
  if (!token) {
    throw new UsageError(
      'an operator token is needed: --token <jwt> or OPERATOR_TOKEN (dev: npm run -s cli -- token --role operator)',
    );
  }
  return token;
}

/** The stable code of a SAGA_URL that answers, but not with the operator API. */
export const NOT_OPERATOR_API = 'NOT_OPERATOR_API';

/**
 * Whether the orchestrator at the client's URL serves the operator API: its list route exists
 * (any answer but 404/405, a 401 included). The order port (compose and Kubernetes split the
 * operator API off to OPERATOR_PORT) answers 404 or 405 for every operator route.
 */
async function servesOperatorApi(client: SagaClient): Promise<boolean> {
  try {
    await client.list('dead_lettered', 1);
    return true;
  } catch (err) {
    return !(err instanceof SagaClientError && isMissingRoute(err));
  }
}

const isMissingRoute = (err: SagaClientError) => err.status === 404 || err.status === 405;

/**
 * Run `use` with a saga client carrying the operator's token (`--token` or `OPERATOR_TOKEN`);
 * the orchestrator's refusals (FORBIDDEN, CONFLICT, ...) become ServiceRefused with their code.
 * A 404 or 405 from a URL without the operator API (the order port) is NOT_OPERATOR_API, which
 * says where the operator API is, not a missing saga.
 */
export async function withOperatorClient(
  ctx: CommandContext,
  use: (client: SagaClient) => Promise<void>,
): Promise<void> {
  const { sagaUrl } = ctx.config;
  const client = createSagaClient({
    baseUrl: sagaUrl,
    headers: { authorization: `Bearer ${operatorTokenOf(ctx)}` },
  });
  try {
    await use(client);
  } catch (err) {
    if (!(err instanceof SagaClientError)) throw err;
    if (isMissingRoute(err) && !(await servesOperatorApi(client))) {
      throw new ServiceRefused(
        NOT_OPERATOR_API,
        `${sagaUrl} (SAGA_URL) has no operator API, it answered ${err.status}: set SAGA_URL to the saga's operator port (OPERATOR_PORT; compose and Kubernetes use 4021, e.g. SAGA_URL=http://127.0.0.1:4021)`,
      );
    }
    throw new ServiceRefused(err.code, err.message);
  } finally {
    await client.close();
  }
}

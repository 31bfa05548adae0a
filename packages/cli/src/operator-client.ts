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

/**
 * Run `use` with a saga client carrying the operator's token (`--token` or `OPERATOR_TOKEN`);
 * the orchestrator's refusals (FORBIDDEN, CONFLICT, ...) become ServiceRefused with their code.
 */
export async function withOperatorClient(
  ctx: CommandContext,
  use: (client: SagaClient) => Promise<void>,
): Promise<void> {
  const client = createSagaClient({
    baseUrl: ctx.config.sagaUrl,
    headers: { authorization: `Bearer ${operatorTokenOf(ctx)}` },
  });
  try {
    await use(client);
  } catch (err) {
    if (err instanceof SagaClientError) throw new ServiceRefused(err.code, err.message);
    throw err;
  } finally {
    await client.close();
  }
}

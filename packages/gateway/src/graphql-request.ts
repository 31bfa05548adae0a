import { AppError, ErrorCode } from '@edge/common';

/** The parts of a GraphQL-over-HTTP request the edge looks at. */
export interface GraphQLRequest {
  query: string;
  operationName: string | undefined;
}

/**
 * Check the request body's shape without trusting it. The raw body is what gets forwarded, so
 * only the fields the edge needs are read here.
 */
export function parseGraphQLBody(raw: Buffer): GraphQLRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body is not valid JSON');
  }
  if (Array.isArray(body)) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Batched requests are not accepted on this endpoint');
  }
  if (typeof body !== 'object' || body === null) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body must be a JSON object');
  }
  const { query, operationName, variables } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query.length === 0) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body must carry a "query" string');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw new AppError(ErrorCode.BAD_REQUEST, '"operationName" must be a string');
  }
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== 'object' || Array.isArray(variables))
  ) {
    throw new AppError(ErrorCode.BAD_REQUEST, '"variables" must be an object');
  }
  return { query, operationName: operationName ?? undefined };
}

import { AppError, ErrorCode } from '@edge/common';

/** How deep and how large one operation's `variables` may be. */
export interface VariablesLimits {
  /** Deepest nesting of objects and arrays, the `variables` object itself being 1. */
  maxVariablesDepth: number;
  /** Values (objects, arrays, scalars) in all of `variables`. */
  maxVariablesValues: number;
}

const refuse = (limit: string, max: number, actual: number) =>
  new AppError(ErrorCode.QUERY_TOO_COMPLEX, `Operation ${limit} ${actual} exceeds ${max}`, {
    details: { limit, max, actual },
  });

/**
 * Refuses variables nested or sized beyond the limits. Walks with its own stack, never by
 * recursion: variables 100,000 levels deep must be refused, not overflow this process's stack
 * (JSON.stringify of such a value throws RangeError, which surfaced as a 500).
 */
export function checkVariables(variables: unknown, limits: VariablesLimits): void {
  const stack: { value: unknown; depth: number }[] = [{ value: variables, depth: 1 }];
  let values = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    values++;
    if (values > limits.maxVariablesValues) {
      throw refuse('variablesValues', limits.maxVariablesValues, values);
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > limits.maxVariablesDepth) {
      throw refuse('variablesDepth', limits.maxVariablesDepth, depth);
    }
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
}

import type { BreakerState } from '@edge/upstream';

/**
 * How many times a process's breaker for `service` entered `to`, read from its own `/metrics`
 * (`upstream_breaker_transitions_total`). Tests bound what reached a service by the states its
 * breaker went through, instead of by how long something took.
 */
export async function breakerTransitions(
  baseUrl: string,
  service: string,
  to: BreakerState,
): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('upstream_breaker_transitions_total{')) continue;
    if (line.includes(`service="${service}"`) && line.includes(`to="${to}"`)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

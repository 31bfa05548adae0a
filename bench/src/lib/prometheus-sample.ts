/** Values of unlabelled-or-not samples of the named metrics in a Prometheus text answer. */
function metricValues(text: string, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
    if (!name || !names.includes(name) || name in out) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) out[name] = value;
  }
  return out;
}

/** Fetch a process's /metrics and pick the named values; empty when it does not answer. */
export async function scrape(
  base: string,
  names: readonly string[],
): Promise<Record<string, number>> {
  try {
    const res = await fetch(`${base}/metrics`);
    return metricValues(await res.text(), names);
  } catch {
    return {};
  }
}

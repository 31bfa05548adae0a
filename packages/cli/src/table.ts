/** Rows as aligned columns for a terminal; values are flattened to one line each. */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  const cell = (value: unknown): string =>
    value === undefined || value === null
      ? '-'
      : typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? value.join(',')
          : String(typeof value === 'object' ? JSON.stringify(value) : value);
  // Control and format characters (ESC, CSI, BEL, backspace, bidi overrides) would let a value
  // rewrite what the operator sees in the terminal: each is shown as `?`.
  const cells = rows.map((row) =>
    columns.map((c) =>
      cell(row[c])
        .replace(/\s+/g, ' ')
        .replace(/[\p{Cc}\p{Cf}]/gu, '?'),
    ),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/table';

describe('formatTable', () => {
  it('shows control and format characters as ?, so a value cannot rewrite the operator terminal', () => {
    const text = formatTable(
      [{ id: 's-1', error: 'refund failed\u001b[2K\r\u001b[32mrefunded\u0007\u202e' }],
      ['id', 'error'],
    );
    expect(text).toBe('ID   ERROR\ns-1  refund failed?[2K ?[32mrefunded??');
    for (const line of text.split('\n')) expect(line).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });
});

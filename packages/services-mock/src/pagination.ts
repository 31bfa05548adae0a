import { AppError, ErrorCode } from '@edge/common';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Cursors name the last item of the previous page rather than an offset, so a page stays
 * correct when new items arrive at the head of the list between two requests.
 */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function paginate<T extends { id: string }>(
  list: readonly T[],
  first: number,
  after: string | undefined,
): Page<T> {
  let start = 0;
  if (after !== undefined) {
    const lastId = decodeCursor(after);
    const index = list.findIndex((item) => item.id === lastId);
    if (index < 0) throw new AppError(ErrorCode.BAD_REQUEST, `Unknown cursor "${after}"`);
    start = index + 1;
  }
  const items = list.slice(start, start + first);
  const last = items.at(-1);
  const more = start + first < list.length;
  return { items, nextCursor: more && last ? encodeCursor(last.id) : null };
}

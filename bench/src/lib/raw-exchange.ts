import { connect } from 'node:net';

/** What came back on one raw connection. */
export type RawAnswer =
  | { kind: 'answered'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'closed'; bytes: number }
  | { kind: 'hung' }
  | { kind: 'refused'; code: string };

/**
 * Write bytes on a fresh connection and read the first HTTP answer. With `halfCloseAfterMs`, a
 * request still unanswered after that long is half-closed, so a server waiting for more of a
 * truncated request sees the end instead of waiting out its timeouts. Only for requests that
 * may be incomplete: Node's server aborts a request whose client half-closed before the answer.
 * `hung` means no answer and no close within `timeoutMs`.
 */
export function rawExchange(
  port: number,
  bytes: Buffer,
  timeoutMs: number,
  options: { head?: boolean; host?: string; halfCloseAfterMs?: number } = {},
): Promise<RawAnswer> {
  const head = options.head ?? false;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ port, host: options.host ?? '127.0.0.1' });
    const finish = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(halfClose);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => {
      const parsed = parseAnswer(Buffer.concat(chunks), true, head);
      finish(parsed ?? { kind: 'hung' });
    }, timeoutMs);
    let halfClose: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfCloseAfterMs !== undefined) {
        halfClose = setTimeout(() => socket.end(), options.halfCloseAfterMs);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseAnswer(Buffer.concat(chunks), false, head);
      if (parsed) finish(parsed);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (chunks.length === 0) finish({ kind: 'refused', code: err.code ?? err.message });
      else finish(parseAnswer(Buffer.concat(chunks), true, head) ?? { kind: 'closed', bytes: 0 });
    });
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      finish(parseAnswer(all, true, head) ?? { kind: 'closed', bytes: all.length });
    });
  });
}

/**
 * Parse one HTTP/1.1 answer (Content-Length, chunked, or until close). With `atEnd` false,
 * returns undefined until the answer is complete. A HEAD answer has headers only.
 */
function parseAnswer(raw: Buffer, atEnd = true, head = false): RawAnswer | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  if (Number.isNaN(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.subarray(headEnd + 4);
  if (head) return { kind: 'answered', status, headers, body: Buffer.alloc(0) };
  const length = headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (rest.length < n) return atEnd ? { kind: 'closed', bytes: raw.length } : undefined;
    return { kind: 'answered', status, headers, body: rest.subarray(0, n) };
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const body = dechunk(rest);
    if (!body) return atEnd ? { kind: 'closed', bytes: raw.length } : undefined;
    return { kind: 'answered', status, headers, body };
  }
  // No framing: the body runs to the close (or there is none, e.g. 204/304/HEAD).
  return atEnd || status === 204 || status === 304
    ? { kind: 'answered', status, headers, body: rest }
    : undefined;
}

/** The body of a complete chunked encoding, or undefined while it is incomplete. */
function dechunk(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (raw.length < start + size + 2) return undefined;
    parts.push(raw.subarray(start, start + size));
    at = start + size + 2;
  }
}

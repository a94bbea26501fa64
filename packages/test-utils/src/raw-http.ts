import { connect } from 'node:net';

/** A response read off a raw socket, and how the connection ended. */
export interface RawHttpResponse {
  /** 0 when no status line came back. */
  status: number;
  /** Lower-case names; a repeated header is an array. */
  headers: Record<string, string | string[]>;
  /** The body: `Content-Length` bytes when the header is there, else everything up to the close. */
  body: string;
  /** The error code of the client socket (`ECONNRESET` …), or `null` when it closed cleanly. */
  socketError: string | null;
}

/**
 * The text of one HTTP/1.1 request for `rawHttp`: the request line as given, `Host: <host>`,
 * `Connection: close`, the extra header lines as written, and a `Content-Length` for `body`.
 *
 * @example
 * rawHttp(port, rawRequestText('GET', '/%6cogin', ['Authorization: a', 'Authorization: b']));
 */
export function rawRequestText(
  method: string,
  target: string,
  headers: readonly string[] = [],
  body?: string,
  host = 'test',
): string {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headers];
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/**
 * Writes `text` exactly as given (`\r\n` line ends included) to `127.0.0.1:port` and reads until
 * the server closes. For what `node:http` and `fetch` will not send: a malformed request line,
 * an unknown method, a header repeated in a chosen order, a needless escape kept as sent. Send
 * `Connection: close` (or expect the server to close) or the promise waits for `timeoutMs`.
 */
export function rawHttp(port: number, text: string, timeoutMs = 5000): Promise<RawHttpResponse> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let socketError: string | null = null;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketError = error.code ?? error.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseResponse(Buffer.concat(chunks).toString('latin1')), socketError });
    });
    // Not end(): a server may drop a request whose client half-closed before the answer.
    socket.write(text, 'latin1');
  });
}

function parseResponse(raw: string): Omit<RawHttpResponse, 'socketError'> {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return { status: 0, headers: {}, body: raw };
  const [statusLine = '', ...lines] = raw.slice(0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  let body = raw.slice(headEnd + 4);
  const length = headers['content-length'];
  if (typeof length === 'string' && /^[0-9]+$/.test(length)) {
    body = Buffer.from(body, 'latin1').subarray(0, Number(length)).toString('latin1');
  }
  return {
    status: status === undefined ? 0 : Number(status),
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}

import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';

/** What the tests read back from a real server. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as written: fetch would normalise `/a/../b`. */
  path: string;
  headers?: OutgoingHttpHeaders;
  /** One buffer is sent with Content-Length (unless headers say otherwise); an array goes chunked. */
  body?: string | Buffer | Buffer[];
}

/**
 * A request over a real socket with node:http, which leaves the request target and the body
 * framing as given.
 */
export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ...options.headers };
    const body = options.body;
    if (
      (typeof body === 'string' || Buffer.isBuffer(body)) &&
      headers['content-length'] === undefined
    ) {
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    // The server may answer 413 and close before the whole body is written; the answer counts.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

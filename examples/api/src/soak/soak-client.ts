import { signRequest } from '@rampart/request-signing/client';

/** One answer of the app, as the soak counts it. */
export interface SoakAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** What one soak request sends besides its method and path. */
export interface SoakRequest {
  readonly body?: unknown;
  /** Sent as is instead of `JSON.stringify(body)` (a signed body must be the signed bytes). */
  readonly raw?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A small JSON client of the example app for the soak's traffic. */
export class SoakClient {
  constructor(
    readonly baseUrl: string,
    readonly signing: { readonly keyId: string; readonly secret: string },
  ) {}

  async send(
    method: string,
    path: string,
    options: {
      body?: unknown;
      raw?: string;
      token?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<SoakAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const text =
      options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: text,
      signal: AbortSignal.timeout(15_000),
    });
    const raw = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = {};
    }
    return { status: response.status, body };
  }

  /** The signature headers of a POST of `raw` to `path`, by the app's signing client. */
  signatureFor(path: string, raw: string): Promise<Record<string, string>> {
    return signRequest({
      method: 'POST',
      url: new URL(path, this.baseUrl),
      body: raw,
      keyId: this.signing.keyId,
      secret: this.signing.secret,
    });
  }
}

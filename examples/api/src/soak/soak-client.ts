import { signRequest } from '@rampart/request-signing/client';

/** One answer of the app, as the soak counts it. */
export interface SoakAnswer {
  /** 0 when no answer came (connection refused or reset, or none within 15 s). */
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/** What one soak request sends besides its method and path. */
export interface SoakRequest {
  readonly body?: unknown;
  /** Sent as is instead of `JSON.stringify(body)` (a signed body must be the signed bytes). */
  readonly raw?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The secret a signed request is made with: the app's configured client, or an API key's. */
export interface SigningIdentity {
  readonly keyId: string;
  readonly secret: string;
}

/** A request that got no answer fails no promise: the soak counts it as status 0. */
const NO_ANSWER_TIMEOUT_MS = 15_000;

/** A small JSON client of the example app for the soak's traffic. */
export class SoakClient {
  constructor(
    readonly baseUrl: string,
    readonly signing: SigningIdentity,
  ) {}

  async send(method: string, path: string, options: SoakRequest = {}): Promise<SoakAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const text =
      options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let response: Response;
    let raw: string;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: text,
        signal: AbortSignal.timeout(NO_ANSWER_TIMEOUT_MS),
      });
      raw = await response.text();
    } catch {
      return { status: 0, body: {}, headers: new Headers() };
    }
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
      // A list (GET …/records) is kept under `items`, so every body reads as an object.
      body = Array.isArray(parsed) ? { items: parsed } : (parsed as Record<string, unknown>);
    } catch {
      body = {};
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** The signature headers of a POST of `raw` to `path`, by `identity` (default: the app's client). */
  signatureFor(
    path: string,
    raw: string,
    identity: SigningIdentity = this.signing,
  ): Promise<Record<string, string>> {
    return signRequest({
      method: 'POST',
      url: new URL(path, this.baseUrl),
      body: raw,
      keyId: identity.keyId,
      secret: identity.secret,
    });
  }
}

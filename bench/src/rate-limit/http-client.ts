import { connect, type Socket } from 'node:net';

/**
 * A minimal keep-alive HTTP/1.1 client for load: one request at a time per connection, the
 * response read by Content-Length. Far cheaper per request than node:http, so on its own core it
 * outpaces a one-core server and the server is what gets measured.
 */
export class LoadClient {
  readonly #idle: Connection[] = [];

  private constructor(connections: Connection[]) {
    this.#idle.push(...connections);
  }

  /** `headers` go on every request, after `Host` and `Connection` (a session's `Cookie` …). */
  static async open(
    port: number,
    connections: number,
    path: string,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<LoadClient> {
    const list = await Promise.all(
      Array.from({ length: connections }, () => Connection.open(port, path, headers)),
    );
    return new LoadClient(list);
  }

  /** Sends one GET on an idle connection; resolves the status code. */
  async get(): Promise<number> {
    const connection = this.#idle.pop();
    if (connection === undefined)
      throw new Error('LoadClient: more requests in flight than connections');
    try {
      return await connection.get();
    } finally {
      this.#idle.push(connection);
    }
  }

  close(): void {
    for (const connection of this.#idle) connection.socket.destroy();
  }
}

class Connection {
  #buffer: Buffer = Buffer.alloc(0);
  #resolve: ((status: number) => void) | undefined;
  readonly #request: Buffer;

  private constructor(
    readonly socket: Socket,
    path: string,
    headers: Readonly<Record<string, string>>,
  ) {
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    this.#request = Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n${extra}\r\n`,
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static open(
    port: number,
    path: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        resolve(new Connection(socket, path, headers)),
      );
      socket.once('error', reject);
    });
  }

  get(): Promise<number> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.socket.write(this.#request);
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const headerEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return;
    const head = this.#buffer.toString('latin1', 0, headerEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < headerEnd + 4 + length) return;
    this.#buffer = this.#buffer.subarray(headerEnd + 4 + length);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(Number(head.slice(9, 12)));
  }
}

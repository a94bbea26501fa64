import { connect, type Socket } from 'node:net';

/**
 * A minimal keep-alive HTTP/1.1 load client for `POST /items/42` with a small JSON body and an
 * `Idempotency-Key`: a new key for every request (`'fresh'`, each a first request), one key for
 * all (`'same'`, each a replay after the first) or none. One request at a time per connection,
 * the response read by Content-Length, so on its own core it outpaces a one-core server.
 */
export type KeyMode = 'fresh' | 'same' | 'none';

const BODY = '{"data":{"item":"widget","quantity":2}}';
let keyCounter = 0;
const KEY_PREFIX = `bench-${process.pid}-${Date.now().toString(36)}`;

export class PostLoadClient {
  readonly #idle: PostConnection[] = [];

  private constructor(connections: PostConnection[]) {
    this.#idle.push(...connections);
  }

  static async open(port: number, connections: number, keys: KeyMode): Promise<PostLoadClient> {
    const list = await Promise.all(
      Array.from({ length: connections }, () => PostConnection.open(port, keys)),
    );
    return new PostLoadClient(list);
  }

  /** Sends one POST on an idle connection; resolves the status code. */
  async post(): Promise<number> {
    const connection = this.#idle.pop();
    if (connection === undefined) throw new Error('PostLoadClient: too many requests in flight');
    try {
      return await connection.post();
    } finally {
      this.#idle.push(connection);
    }
  }

  close(): void {
    for (const connection of this.#idle) connection.socket.destroy();
  }
}

class PostConnection {
  #buffer: Buffer = Buffer.alloc(0);
  #resolve: ((status: number) => void) | undefined;

  private constructor(
    readonly socket: Socket,
    readonly keys: KeyMode,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static open(port: number, keys: KeyMode): Promise<PostConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new PostConnection(socket, keys)));
      socket.once('error', reject);
    });
  }

  post(): Promise<number> {
    let key = '';
    if (this.keys === 'fresh') key = `Idempotency-Key: "${KEY_PREFIX}-${keyCounter++}"\r\n`;
    else if (this.keys === 'same') key = `Idempotency-Key: "${KEY_PREFIX}-same"\r\n`;
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.socket.write(
        `POST /items/42 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n${key}\r\n${BODY}`,
      );
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

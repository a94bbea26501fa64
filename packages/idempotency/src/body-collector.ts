/**
 * Collects the body of a response as the framework writes it, up to a cap: past it, the chunks
 * already held are dropped and the body is reported as not kept (`null`), while the response
 * itself goes on to the client untouched.
 */
export class BodyCollector {
  readonly #limit: number;
  #chunks: Array<string | Buffer> = [];
  #length = 0;
  #overflowed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds one chunk as written (`res.write`, `res.end`, a stream's data); strings in `encoding`. */
  add(chunk: unknown, encoding?: BufferEncoding): void {
    if (this.#overflowed || chunk === undefined || chunk === null) return;
    let part: string | Buffer;
    if (typeof chunk === 'string') {
      part = isUtf8Encoding(encoding) ? chunk : Buffer.from(chunk, encoding);
    }
    // A copy: the caller may reuse its buffer once the write returns.
    else if (chunk instanceof Uint8Array) part = Buffer.from(chunk);
    else return;
    this.#length += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
    if (this.#length > this.#limit) {
      this.#overflowed = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(part);
  }

  /**
   * The body received, or `null` when it passed the cap: the text itself when the framework wrote
   * it in one string (sent as UTF-8, as a serialised JSON payload is), else the bytes.
   */
  body(): string | Buffer | null {
    if (this.#overflowed) return null;
    if (this.#chunks.length === 1) return this.#chunks[0] as string | Buffer;
    // Several strings are joined as bytes: each was encoded on its own (a surrogate pair split
    // across two writes went out as two replacement characters).
    return Buffer.concat(
      this.#chunks.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)),
    );
  }
}

function isUtf8Encoding(encoding: BufferEncoding | undefined): boolean {
  return encoding === undefined || encoding === 'utf8' || encoding === 'utf-8';
}

/**
 * Collects the bytes of a response as the framework writes them, up to a cap: past it, the
 * chunks already held are dropped and the body is reported as not kept (`null`), while the
 * response itself goes on to the client untouched.
 */
export class BodyCollector {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #length = 0;
  #overflowed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds one chunk as written (`res.write`, `res.end`, a stream's data); strings in `encoding`. */
  add(chunk: unknown, encoding?: BufferEncoding): void {
    if (this.#overflowed || chunk === undefined || chunk === null) return;
    let bytes: Buffer;
    if (typeof chunk === 'string') bytes = Buffer.from(chunk, encoding ?? 'utf8');
    // A copy: the caller may reuse its buffer once the write returns.
    else if (chunk instanceof Uint8Array) bytes = Buffer.from(chunk);
    else return;
    this.#length += bytes.length;
    if (this.#length > this.#limit) {
      this.#overflowed = true;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(bytes);
  }

  /** The body received, or `null` when it passed the cap. */
  bytes(): Buffer | null {
    if (this.#overflowed) return null;
    return this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
  }
}

/**
 * Reads a chain page after page for `verify()`, with two reads in flight: the next page, and the
 * one after it on the guess that the next one is full and has no gap in its sequence numbers
 * (true unless records were removed, which verify() then names). A wrong guess is dropped and
 * read again, so the pages are the ones one read at a time would give. The second read keeps the
 * store at work while the process checks one page and decodes the next.
 */
export class ReadAhead<Row extends { readonly seq: number }> {
  readonly #read: (afterSeq: number) => Promise<readonly Row[]>;
  readonly #pageSize: number;
  #pending: Promise<readonly Row[]>;
  #guess: { readonly afterSeq: number; readonly page: Promise<readonly Row[]> } | undefined;

  /** `read(afterSeq)` gives up to `pageSize` rows after `afterSeq`, in sequence order. */
  constructor(read: (afterSeq: number) => Promise<readonly Row[]>, pageSize: number) {
    this.#read = read;
    this.#pageSize = pageSize;
    this.#pending = read(0);
  }

  /** The next page; empty once the chain is read. */
  async next(): Promise<readonly Row[]> {
    const page = await this.#pending;
    const last = page[page.length - 1];
    if (last === undefined) return page;
    const guess = this.#guess;
    if (guess !== undefined && guess.afterSeq === last.seq) {
      this.#pending = guess.page;
    } else {
      guess?.page.catch(() => {}); // a wrong guess: its rows are read again
      this.#pending = this.#read(last.seq);
    }
    const afterSeq = last.seq + this.#pageSize;
    this.#guess = { afterSeq, page: this.#read(afterSeq) };
    return page;
  }

  /** Lets go of the reads in flight: the caller stopped, their failures no longer matter. */
  abandon(): void {
    this.#pending.catch(() => {});
    this.#guess?.page.catch(() => {});
  }
}

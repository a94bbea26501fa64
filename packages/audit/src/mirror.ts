import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { toJsonLine } from './escape.js';
import type { AuditRow } from './store.js';

/**
 * A copy of every committed record, written after the store's commit (a mirror never holds the
 * trail up: its failures go to the trail's `onError`).
 */
export interface AuditMirror {
  write(rows: readonly AuditRow[]): void | Promise<void>;
  close?(): Promise<void>;
}

/** Options of {@link createJsonLinesSink}. */
export interface JsonLinesSinkOptions {
  /** Where to write: a stream (`process.stdout`) … */
  stream?: Writable | undefined;
  /** … or a file, appended to. */
  path?: string | undefined;
}

/**
 * A JSON-lines mirror: one line a record, `{"chain","seq","hash","body"}`, `body` being the
 * record's text exactly as chained (so the file verifies by hand, docs/audit.md), with control
 * characters, CR/LF, ANSI escapes and U+2028/2029 escaped: one record is one line whatever an
 * attacker put in a user agent. Personal fields stay sealed as in the store, so erasing a user
 * erases them here too.
 *
 * @example
 * createAuditTrail({ …, mirrors: [createJsonLinesSink({ path: 'audit.jsonl' })] });
 */
export function createJsonLinesSink(options: JsonLinesSinkOptions): AuditMirror {
  const owned = options.stream === undefined;
  const stream =
    options.stream ??
    (options.path !== undefined ? createWriteStream(options.path, { flags: 'a' }) : undefined);
  if (stream === undefined) throw new TypeError('createJsonLinesSink: give a stream or a path.');
  return {
    write(rows) {
      let text = '';
      for (const row of rows) {
        text += `${toJsonLine({ chain: row.chain, seq: row.seq, hash: row.hash, body: row.body })}\n`;
      }
      return new Promise<void>((resolve, reject) => {
        stream.write(text, (error) => (error ? reject(error) : resolve()));
      });
    },
    async close() {
      if (!owned) return;
      await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyCollector } from '../src/body-collector.js';
import {
  type CapturedResponse,
  DEFAULT_REPLAY_HEADERS,
  decodeResponse,
  encodeResponse,
} from '../src/response.js';

const KEEP = new Set(DEFAULT_REPLAY_HEADERS);
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': '11' };

function replayOf(body: CapturedResponse['body']) {
  const decoded = decodeResponse(encodeResponse({ status: 201, headers: HEADERS, body }, KEEP));
  if (!decoded.kept) throw new Error('not kept');
  return decoded.replay;
}

/** The bytes a body goes out as: text in UTF-8, as Node writes a string. */
function wireBytes(body: string | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
}

describe('stored responses', () => {
  it('keep a text body as text, replayed as the same string', () => {
    const replay = replayOf('{"id":"42"}');
    expect(replay.body).toBe('{"id":"42"}');
    expect(replay.headers).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['idempotency-replayed', 'true'],
    ]);
  });

  it('keep bytes as bytes', () => {
    const bytes = Uint8Array.of(0, 0xff, 0xc3, 0x28, 0x7b);
    expect(replayOf(bytes).body).toEqual(Buffer.from(bytes));
  });

  it('replay the bytes of any text body, whether kept as text or, escaped too long, in base64', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(wireBytes(replayOf(text).body)).toEqual(wireBytes(text));
      }),
    );
    // Mostly quotes: longer escaped than in base64, so kept as bytes.
    const quotes = '"""""""""""';
    expect(replayOf(quotes).body).toEqual(Buffer.from(quotes));
  });

  it('never make a record longer than base64 would', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const asText = encodeResponse({ status: 201, headers: {}, body: text }, KEEP);
        const asBytes = encodeResponse(
          { status: 201, headers: {}, body: Buffer.from(text, 'utf8') },
          KEEP,
        );
        expect(asText.length).toBeLessThanOrEqual(asBytes.length);
      }),
    );
  });

  it('note a body that was not kept', () => {
    const stored = encodeResponse({ status: 201, headers: HEADERS, body: null }, KEEP);
    expect(decodeResponse(stored)).toEqual({ kept: false });
  });

  it('refuse a record with both a text and a base64 body, or neither', () => {
    for (const body of ['"t":"a","b":"YQ=="', '"t":"a","b":null', '', '"t":1', '"b":"a*"']) {
      expect(() => decodeResponse(`{"s":201,"h":[]${body === '' ? '' : `,${body}`}}`)).toThrow(
        TypeError,
      );
    }
  });
});

describe('BodyCollector', () => {
  it('keeps one string written as UTF-8 as it is', () => {
    const collector = new BodyCollector(100);
    collector.add('{"id":"42"}', 'utf8');
    expect(collector.body()).toBe('{"id":"42"}');
  });

  it('joins several chunks as the bytes they went out as', () => {
    const collector = new BodyCollector(100);
    // A surrogate pair split across two writes goes out as two replacement characters.
    collector.add('a\ud83d');
    collector.add(Buffer.from('-'));
    collector.add('\ude00b');
    expect(collector.body()).toEqual(
      Buffer.concat([Buffer.from('a\ud83d'), Buffer.from('-'), Buffer.from('\ude00b')]),
    );
  });

  it('keeps a string in another encoding as its bytes', () => {
    const collector = new BodyCollector(100);
    collector.add('é', 'latin1');
    expect(collector.body()).toEqual(Buffer.from([0xe9]));
  });

  it('counts a string by its UTF-8 bytes against the cap', () => {
    const collector = new BodyCollector(3);
    collector.add('éé');
    expect(collector.body()).toBeNull();
  });
});

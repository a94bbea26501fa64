import { describe, expect, it } from 'vitest';
import { RedisScript, type RedisScriptClient } from './script.js';

/** A client whose EVALSHA answers as `evalsha` says and whose EVAL records what it was sent. */
function client(evalsha: RedisScriptClient['evalsha']) {
  const sent: unknown[][] = [];
  const redis: RedisScriptClient = {
    evalsha,
    async eval(...args) {
      sent.push(args);
      return 'from eval';
    },
  };
  return { redis, sent };
}

describe('RedisScript.run', () => {
  const script = new RedisScript(`return KEYS[1]`);

  it('sends EVALSHA with the keys, then the arguments', async () => {
    const calls: unknown[][] = [];
    const { redis, sent } = client(async (...args) => {
      calls.push(args);
      return 'from evalsha';
    });
    await expect(script.run(redis, ['k1', 'k2'], ['a', 2])).resolves.toBe('from evalsha');
    expect(calls).toEqual([[script.sha1, 2, 'k1', 'k2', 'a', 2]]);
    expect(sent).toEqual([]);
  });

  it('sends the source with EVAL once when the server does not know the script', async () => {
    const { redis, sent } = client(async () => {
      throw new Error('NOSCRIPT No matching script. Please use EVAL.');
    });
    await expect(script.run(redis, ['k1'], [7])).resolves.toBe('from eval');
    expect(sent).toEqual([[script.source, 1, 'k1', 7]]);
  });

  it('rejects with any other error, without EVAL', async () => {
    const failure = new Error('READONLY You cannot write against a read only replica.');
    const { redis, sent } = client(async () => {
      throw failure;
    });
    await expect(script.run(redis, ['k1'], [])).rejects.toBe(failure);
    expect(sent).toEqual([]);
  });

  it('rejects, never throws, when the client throws at once', async () => {
    const failure = new TypeError('connection is closed');
    const { redis } = client(() => {
      throw failure;
    });
    const answer = script.run(redis, ['k1'], []);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toBe(failure);
  });
});

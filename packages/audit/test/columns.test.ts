import { describe, expect, it } from 'vitest';
import { bodyStart, columnsMatchBody, writeBody } from '../src/body.js';
import { cleanEvent } from '../src/sanitize.js';

const event = cleanEvent(
  { type: 'LOGIN_FAILURE', severity: 'warning', at: 1_767_225_600_000, detail: { tries: 3 } },
  0,
);
const body = writeBody('api-1', 42, event, { subject: 'q7AbC', sealed: 'v1.x.y.z' }, undefined);
const columns = {
  seq: 42,
  at: 1_767_225_600_000,
  type: 'LOGIN_FAILURE',
  severity: 'warning',
  outcome: 'failure',
  subject: 'q7AbC' as string | null,
  count: 1,
};

describe("a row's filter columns against its text", () => {
  it('agree when they hold what the text holds', () => {
    expect(columnsMatchBody(body, bodyStart('api-1'), columns)).toBe(true);
  });

  it.each([
    ['seq', { seq: 43 }],
    ['seq (a prefix of the real one)', { seq: 4 }],
    ['time', { at: 1_767_225_600_001 }],
    ['type', { type: 'LOGIN_SUCCESS' }],
    ['type written with a JSON escape that reads as the real one', { type: 'LOGIN\\u005fFAILURE' }],
    ['type swallowing the next field', { type: 'LOGIN_FAILURE","severity":"warning' }],
    ['severity', { severity: 'info' }],
    ['outcome', { outcome: 'success' }],
    ['subject', { subject: 'q7AbD' }],
    ['subject removed', { subject: null }],
    ['count', { count: 10 }],
  ])('disagree when the %s column changed', (_name, change) => {
    expect(columnsMatchBody(body, bodyStart('api-1'), { ...columns, ...change })).toBe(false);
  });

  it('disagree when the text is of another chain', () => {
    expect(columnsMatchBody(body, bodyStart('api-2'), columns)).toBe(false);
  });

  it('disagree when a number in the text has a leading zero (JSON writes none)', () => {
    const padded = body.replace('"seq":42,', '"seq":042,');
    expect(padded).not.toBe(body);
    expect(columnsMatchBody(padded, bodyStart('api-1'), columns)).toBe(false);
  });

  it('compare a value with a quote or a backslash as JSON writes it', () => {
    const odd = cleanEvent({ type: 'APP_EVENT', severity: 'info', at: 5 }, 0);
    const text = writeBody('c', 1, odd, undefined, undefined);
    const anonymous = {
      ...columns,
      seq: 1,
      at: 5,
      type: 'APP_EVENT',
      severity: 'info',
      outcome: 'success',
      subject: null,
    };
    expect(columnsMatchBody(text, bodyStart('c'), anonymous)).toBe(true);
    const quoted = text.replace('"outcome":"success"', '"outcome":"su\\"ccess"');
    expect(columnsMatchBody(quoted, bodyStart('c'), { ...anonymous, outcome: 'su"ccess' })).toBe(
      true,
    );
    expect(columnsMatchBody(quoted, bodyStart('c'), { ...anonymous, outcome: 'su\\"ccess' })).toBe(
      false,
    );
  });
});

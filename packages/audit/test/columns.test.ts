import { describe, expect, it } from 'vitest';
import { bodyStart, columnsMatchBody, writeBody } from '../src/body.js';
import { cleanEvent } from '../src/sanitize.js';
import { body, COLUMN_CHANGES, columns } from './helpers/column-cases.js';

describe("a row's filter columns against its text", () => {
  it('agree when they hold what the text holds', () => {
    expect(columnsMatchBody(body, bodyStart('api-1'), columns)).toBe(true);
  });

  it.each(COLUMN_CHANGES)('disagree when the %s column changed', (_name, change) => {
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

import { writeBody } from '../../src/body.js';
import { cleanEvent } from '../../src/sanitize.js';

/** A record's text as the writer makes it (chain `api-1`, seq 42)… */
export const body = writeBody(
  'api-1',
  42,
  cleanEvent(
    { type: 'LOGIN_FAILURE', severity: 'warning', at: 1_767_225_600_000, detail: { tries: 3 } },
    0,
  ),
  { subject: 'q7AbC', sealed: 'v1.x.y.z' },
  undefined,
);

/** …and the filter columns stored beside it. */
export const columns = {
  seq: 42,
  at: 1_767_225_600_000,
  type: 'LOGIN_FAILURE',
  severity: 'warning',
  outcome: 'failure',
  subject: 'q7AbC' as string | null,
  count: 1,
};

/** One column changed in each way a tampered row could try to pass for its text. */
export const COLUMN_CHANGES: Array<[string, Partial<typeof columns>]> = [
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
];

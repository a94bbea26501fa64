/**
 * Characters a text sink (a log line, a terminal, a JSON-lines file read by a line-based tool)
 * must never receive raw: C0 controls (CR, LF, ESC of ANSI sequences …), DEL, C1 controls, and
 * the JavaScript line terminators U+2028 and U+2029.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeOne(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character, CR/LF, ANSI escape and U+2028/2029 written as `\uXXXX`,
 * so one record stays one line and cannot move a terminal's cursor or forge a log entry.
 *
 * @example
 * escapeControlCharacters('admin\r\n[INFO] fake entry'); // 'admin\\u000d\\u000a[INFO] fake entry'
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE_TEXT, escapeOne);
}

/**
 * `JSON.stringify(value)` safe for a line-based sink: JSON already escapes C0 controls; this also
 * escapes DEL, C1 controls and U+2028/2029, which JSON allows raw.
 */
export function toJsonLine(value: unknown): string {
  return escapeControlCharacters(JSON.stringify(value));
}

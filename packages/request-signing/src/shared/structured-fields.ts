/**
 * The subset of RFC 8941 structured fields that RFC 9421 and RFC 9530 need: serialising
 * (here, shared with the browser client) and strict parsing (`parseDictionary`). Imports nothing.
 */

/** A bare item. Decimals are not part of this subset: no field we read uses them. */
export type BareItem =
  | { type: 'string'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'token'; value: string }
  | { type: 'bytes'; value: string }
  | { type: 'boolean'; value: boolean };

export type Parameters = ReadonlyArray<readonly [string, BareItem]>;

export interface Item {
  kind: 'item';
  item: BareItem;
  params: Parameters;
}

export interface InnerList {
  kind: 'inner-list';
  items: readonly Item[];
  params: Parameters;
}

export type DictionaryMember = Item | InnerList;

/** Members in the order received; a key appears once (a repeated key is refused). */
export type Dictionary = ReadonlyArray<readonly [string, DictionaryMember]>;

/** Thrown by the parser; callers turn it into their own coded error. */
export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

const KEY = /[a-z*][a-z0-9_.*-]{0,63}/y;
const INTEGER = /-?[0-9]{1,15}/y;
const TOKEN = /[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]{0,511}/y;
const BYTES = /:([A-Za-z0-9+/=]{0,4096}):/y;
const STRING_CHARS = /^[\x20-\x7e]*$/;

/** Serialises a bare item (RFC 8941 §4.1.3). Strings must be printable ASCII. */
export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case 'string':
      if (!STRING_CHARS.test(item.value)) throw new TypeError('sf-string: printable ASCII only');
      return `"${item.value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    case 'integer':
      if (!Number.isSafeInteger(item.value) || Math.abs(item.value) > 999_999_999_999_999) {
        throw new TypeError('sf-integer: out of range');
      }
      return String(item.value);
    case 'token':
      return item.value;
    case 'bytes':
      return `:${item.value}:`;
    case 'boolean':
      return item.value ? '?1' : '?0';
  }
}

/** Serialises parameters; a boolean `true` is written as the bare key. */
export function serializeParameters(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    out += `;${key}`;
    if (!(value.type === 'boolean' && value.value)) out += `=${serializeBareItem(value)}`;
  }
  return out;
}

/** Serialises an inner list: `("a" "b");created=1`. */
export function serializeInnerList(list: InnerList): string {
  const items = list.items.map((i) => serializeBareItem(i.item) + serializeParameters(i.params));
  return `(${items.join(' ')})${serializeParameters(list.params)}`;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(): never {
    throw new StructuredFieldError(`invalid structured field at offset ${this.i}`);
  }

  match(pattern: RegExp): RegExpExecArray {
    pattern.lastIndex = this.i;
    const m = pattern.exec(this.s);
    if (m === null) this.fail();
    this.i = pattern.lastIndex;
    return m;
  }

  key(): string {
    return this.match(KEY)[0];
  }

  bareItem(): BareItem {
    const c = this.s[this.i];
    if (c === '"') return { type: 'string', value: this.string() };
    if (c === ':') return { type: 'bytes', value: this.match(BYTES)[1] as string };
    if (c === '?') {
      const v = this.s[this.i + 1];
      if (v !== '0' && v !== '1') this.fail();
      this.i += 2;
      return { type: 'boolean', value: v === '1' };
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const text = this.match(INTEGER)[0];
      // A decimal or a 16th digit is not an integer of this subset.
      const next = this.s[this.i];
      if (next === '.' || (next !== undefined && next >= '0' && next <= '9')) this.fail();
      return { type: 'integer', value: Number(text) };
    }
    return { type: 'token', value: this.match(TOKEN)[0] };
  }

  string(): string {
    let out = '';
    this.i++;
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail();
      if (c === '"') return out;
      if (c === '\\') {
        const next = this.s[this.i++];
        if (next !== '"' && next !== '\\') this.fail();
        out += next;
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail();
        out += c;
      }
      if (out.length > 4096) this.fail();
    }
  }

  params(): Parameters {
    const params: Array<readonly [string, BareItem]> = [];
    while (this.s[this.i] === ';') {
      this.i++;
      while (this.s[this.i] === ' ') this.i++;
      const key = this.key();
      let value: BareItem = { type: 'boolean', value: true };
      if (this.s[this.i] === '=') {
        this.i++;
        value = this.bareItem();
      }
      if (params.some(([k]) => k === key)) this.fail();
      params.push([key, value]);
    }
    return params;
  }

  item(): Item {
    const item = this.bareItem();
    return { kind: 'item', item, params: this.params() };
  }

  member(): DictionaryMember {
    if (this.s[this.i] !== '(') return this.item();
    this.i++;
    const items: Item[] = [];
    for (;;) {
      while (this.s[this.i] === ' ') this.i++;
      if (this.s[this.i] === ')') {
        this.i++;
        return { kind: 'inner-list', items, params: this.params() };
      }
      items.push(this.item());
      const next = this.s[this.i];
      if (next !== ' ' && next !== ')') this.fail();
      if (items.length > 64) this.fail();
    }
  }

  dictionary(): Dictionary {
    const members: Array<readonly [string, DictionaryMember]> = [];
    while (this.s[this.i] === ' ') this.i++;
    for (;;) {
      const key = this.key();
      let member: DictionaryMember;
      if (this.s[this.i] === '=') {
        this.i++;
        member = this.member();
      } else {
        member = { kind: 'item', item: { type: 'boolean', value: true }, params: this.params() };
      }
      if (members.some(([k]) => k === key)) this.fail();
      members.push([key, member]);
      while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
      if (this.i === this.s.length) return members;
      if (this.s[this.i] !== ',') this.fail();
      this.i++;
      while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
      if (this.i === this.s.length || members.length >= 16) this.fail();
    }
  }
}

/**
 * Parses an RFC 8941 dictionary. Stricter than the RFC where it costs nobody: a repeated key,
 * more than 16 members, decimals and over-long strings are refused. Throws only
 * `StructuredFieldError`.
 */
export function parseDictionary(text: string): Dictionary {
  try {
    return new Parser(text).dictionary();
  } catch (error) {
    if (error instanceof StructuredFieldError) throw error;
    throw new StructuredFieldError('invalid structured field');
  }
}

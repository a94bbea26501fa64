/** One changed setting: its dotted path and both values. */
export interface SettingChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The leaves that differ between two settings documents of one shape, in document order. Arrays
 * are leaves (an IP list changes as a whole), compared by their JSON.
 *
 * @example
 * diffSettings({ a: { b: 1, c: [1] } }, { a: { b: 2, c: [1] } }); // [{ path: 'a.b', from: 1, to: 2 }]
 */
export function diffSettings(before: unknown, after: unknown, prefix = ''): SettingChange[] {
  if (isRecord(before) && isRecord(after)) {
    const changes: SettingChange[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      changes.push(
        ...diffSettings(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`),
      );
    }
    return changes;
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path: prefix, from: before, to: after }];
}

/**
 * A patch applied over a settings document: objects merge, anything else (arrays too) replaces.
 * A key the document does not have is refused (`undefined` is answered with the path at fault),
 * which also keeps `__proto__` and friends from ever being assigned.
 */
export function applyPatch(
  target: unknown,
  patch: unknown,
  path = '',
):
  | { readonly value: unknown; readonly unknownPath?: undefined }
  | { readonly unknownPath: string } {
  if (!isRecord(target) || !isRecord(patch)) return { value: patch };
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (!Object.hasOwn(target, key)) return { unknownPath: here };
    const merged = applyPatch(target[key], value, here);
    if (merged.unknownPath !== undefined) return merged;
    result[key] = merged.value;
  }
  return { value: result };
}

/**
 * The `Vary` value with `field` added: unchanged when it is already listed (any case) or when
 * the response varies on everything (`*`). A Vary set by someone else is kept, never replaced.
 *
 * @example
 * appendVary('Accept-Encoding', 'Origin'); // 'Accept-Encoding, Origin'
 */
export function appendVary(
  existing: string | number | readonly string[] | undefined,
  field: string,
): string {
  if (existing === undefined) return field;
  const value = Array.isArray(existing) ? existing.join(', ') : String(existing);
  if (value.trim() === '') return field;
  const wanted = field.toLowerCase();
  for (const listed of value.split(',')) {
    const name = listed.trim().toLowerCase();
    if (name === '*' || name === wanted) return value;
  }
  return `${value}, ${field}`;
}

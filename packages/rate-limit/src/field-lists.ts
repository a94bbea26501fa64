/**
 * Several limiters on one route (per IP, then per (IP, email)) each write the `RateLimit-Policy`
 * and `RateLimit` fields. The draft (draft-ietf-httpapi-ratelimit-headers) makes both Structured
 * Field Lists of named policies, so a later limiter appends its items to the list already on the
 * response instead of replacing it; an item of the same name (the same limiter writing again) is
 * replaced, so a name appears once.
 */

/** The list `earlier` with `ours` (items named `names`) appended, `earlier`'s items of those names dropped. */
export function appendListItems(earlier: string, ours: string, names: readonly string[]): string {
  let kept = '';
  for (const item of topLevelItems(earlier)) {
    if (names.includes(itemName(item) as string)) continue;
    kept += `${item},`;
  }
  return kept + ours;
}

/** The items of a list field, split at top-level commas (a comma in a quoted string is kept). */
function topLevelItems(field: string): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < field.length; i++) {
    const char = field[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      items.push(field.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(field.slice(start).trim());
  return items.filter((item) => item !== '');
}

/** The policy name of an item (`"login";q=5;w=900` → `login`); `undefined` for another item. */
function itemName(item: string): string | undefined {
  if (item[0] !== '"') return undefined;
  const end = item.indexOf('"', 1);
  return end === -1 ? undefined : item.slice(1, end);
}

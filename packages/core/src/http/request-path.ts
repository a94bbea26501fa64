/**
 * The path of a request target without its query, for the `instance` member of a problem:
 * `/a/../b?token=…` → `/a/../b`. The query is dropped because it may carry secrets; the path is
 * kept as received, not normalised.
 */
export function requestPath(url: string | undefined): string {
  if (typeof url !== 'string') return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The path of a request target without its query, for the `instance` member of a problem:
 * `/a/../b?token=…` → `/a/../b`. The query is dropped because it may carry secrets; the path is
 * kept as received, not normalised. An absolute-form target (`http://user:pass@host/login`)
 * keeps only its path (`/login`): its authority may carry credentials.
 */
export function requestPath(url: string | undefined): string {
  if (typeof url !== 'string') return '/';
  const query = url.indexOf('?');
  const target = query === -1 ? url : url.slice(0, query);
  if (target.startsWith('/')) return target;
  const schemeEnd = target.indexOf('://');
  if (schemeEnd === -1) return target;
  const pathStart = target.indexOf('/', schemeEnd + 3);
  return pathStart === -1 ? '/' : target.slice(pathStart);
}

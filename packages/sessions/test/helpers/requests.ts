import type { SecurityRequest } from '@rampart/core';

export const FIREFOX_128 = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
export const FIREFOX_129 = 'Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0';
export const CHROME_126 =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A browser request: Firefox 128 on Linux from 203.0.113.7, English, unless told otherwise. */
export function browserRequest(
  overrides: {
    cookie?: string;
    userAgent?: string;
    ip?: string;
    language?: string;
    method?: string;
    headers?: Record<string, string>;
  } = {},
): SecurityRequest {
  const headers: Record<string, string> = {
    host: 'app.example.com',
    'user-agent': overrides.userAgent ?? FIREFOX_128,
    'accept-language': overrides.language ?? 'en-GB,en;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
    ...overrides.headers,
  };
  if (overrides.cookie !== undefined) headers.cookie = overrides.cookie;
  return {
    method: overrides.method ?? 'GET',
    url: '/api/v1/me',
    headers,
    ip: overrides.ip ?? '203.0.113.7',
  };
}

/** The `name=value` a browser sends back for a `Set-Cookie` value. */
export function cookieOf(setCookie: string): string {
  return setCookie.split(';')[0] as string;
}

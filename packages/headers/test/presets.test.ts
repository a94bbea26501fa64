import { describe, expect, it } from 'vitest';
import { createSecurityHeaders } from '../src/index.js';

describe('the api preset', () => {
  const api = createSecurityHeaders();

  it('sends what a JSON API needs, exactly', () => {
    expect(api.record).toMatchObject({
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    });
    expect(api.record['Permissions-Policy']).toMatch(/(^|, )camera=\(\)(,|$)/);
    expect(api.removed).toEqual(['X-Powered-By']);
    expect(api.policyWithNonce).toBeUndefined();
  });

  it('sends no X-XSS-Protection (the seed turned the old filter on)', () => {
    expect(Object.keys(api.record).map((name) => name.toLowerCase())).not.toContain(
      'x-xss-protection',
    );
  });
});

describe('the page preset', () => {
  const page = createSecurityHeaders({ preset: 'page' });

  it('puts the nonce in script-src and style-src and allows nothing inline without it', () => {
    const policy = page.policyWithNonce?.('n0nce') ?? '';
    expect(policy).toContain("script-src 'self' 'nonce-n0nce'");
    expect(policy).toContain("style-src 'self' 'nonce-n0nce'");
    expect(policy).toContain("script-src-attr 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("base-uri 'none'");
    expect(policy).not.toMatch(/unsafe|RAMPART-NONCE-SLOT/);
    expect(page.record['Content-Security-Policy']).toBeUndefined();
  });

  it('sets the same headers as the api preset, so a page route replaces every one', () => {
    const apiNames = Object.keys(createSecurityHeaders().record).sort();
    const pageNames = [...Object.keys(page.record), 'Content-Security-Policy'].sort();
    expect(pageNames).toEqual(apiNames);
  });

  it('adds or replaces directives the caller gives', () => {
    const custom = createSecurityHeaders({
      preset: 'page',
      contentSecurityPolicy: {
        'connect-src': ["'self'", 'https://api.example.com'],
        'img-src': ["'self'"],
      },
    });
    const policy = custom.policyWithNonce?.('x') ?? '';
    expect(policy).toContain("connect-src 'self' https://api.example.com");
    expect(policy).toContain("img-src 'self';");
    expect(policy).not.toContain('data:');
  });
});

describe('the other options', () => {
  it('writes a Permissions-Policy as a structured dictionary', () => {
    const set = createSecurityHeaders({
      permissionsPolicy: {
        camera: [],
        geolocation: ['self', 'https://maps.example.com'],
        fullscreen: ['*'],
      },
    });
    expect(set.record['Permissions-Policy']).toBe(
      'camera=(), geolocation=(self "https://maps.example.com"), fullscreen=*',
    );
  });

  it('leaves out what is switched off', () => {
    const set = createSecurityHeaders({
      permissionsPolicy: false,
      cacheControl: false,
      strictTransportSecurity: false,
    });
    for (const name of ['Permissions-Policy', 'Cache-Control', 'Strict-Transport-Security']) {
      expect(set.record[name], name).toBeUndefined();
    }
  });

  it('writes HSTS with preload when asked', () => {
    const set = createSecurityHeaders({
      strictTransportSecurity: { maxAgeSeconds: 63_072_000, preload: true },
    });
    expect(set.record['Strict-Transport-Security']).toBe(
      'max-age=63072000; includeSubDomains; preload',
    );
  });
});

import { RampartConfigError } from '@rampart/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { cors, securityHeaders } from '../src/express.js';
import { fastifyCors, fastifySecurityHeaders } from '../src/fastify.js';
import {
  type CorsOptions,
  createCors,
  createSecurityHeaders,
  type SecurityHeadersOptions,
} from '../src/index.js';

function configError(build: () => unknown): RampartConfigError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(RampartConfigError);
    return error as RampartConfigError;
  }
  throw new Error('expected a RampartConfigError, nothing was thrown');
}

describe('CORS misconfiguration throws at start-up, naming the option', () => {
  it("refuses origins: '*' with credentials on every entry point", async () => {
    const options = { origins: '*', credentials: true } as const;
    const direct = configError(() => createCors(options));
    expect(direct.code).toBe('ERR_CONFIG_CONFLICTING_OPTIONS');
    expect(direct.option).toBe('createCors.credentials');
    expect(configError(() => cors(options)).option).toBe('cors.credentials');
    const app = Fastify();
    app.register(fastifyCors, options);
    await expect(app.ready()).rejects.toMatchObject({
      code: 'ERR_CONFIG_CONFLICTING_OPTIONS',
      option: 'fastifyCors.credentials',
    });
  });

  it.each([
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['https://app.example.com/path', 'https://app.example.com'],
    ['app.example.com', undefined],
    ['*.example.com', undefined],
    ['https://*.example.com', undefined],
    ['null', undefined],
    ['*', undefined],
    ['', undefined],
  ])('refuses %j as an origin', (origin, suggestion) => {
    const error = configError(() => createCors({ origins: [origin] }));
    expect(error.option).toBe('createCors.origins.0');
    expect(error.code).toBe('ERR_CONFIG_INVALID_VALUE');
    if (suggestion !== undefined) expect(error.message).toContain(`did you mean "${suggestion}"`);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['no origins', {}, 'createCors.origins', 'ERR_CONFIG_MISSING_OPTION'],
    [
      'origins as a string',
      { origins: 'https://a.example' },
      'createCors.origins',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    [
      'a wildcard header',
      { origins: [], allowedHeaders: ['*'] },
      'createCors.allowedHeaders.0',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    [
      'a header that is no token',
      { origins: [], exposedHeaders: ['Rate Limit'] },
      'createCors.exposedHeaders.0',
      'ERR_CONFIG_INVALID_VALUE',
    ],
    ['no method', { origins: [], methods: [] }, 'createCors.methods', 'ERR_CONFIG_OUT_OF_RANGE'],
    [
      'a day and a second of max age',
      { origins: [], maxAgeSeconds: 86_401 },
      'createCors.maxAgeSeconds',
      'ERR_CONFIG_OUT_OF_RANGE',
    ],
    [
      'an unknown option',
      { origins: [], origin: '*' },
      'createCors.origin',
      'ERR_CONFIG_UNKNOWN_OPTION',
    ],
  ])('refuses %s', (_case, options, option, code) => {
    const error = configError(() => createCors(options as unknown as CorsOptions));
    expect(error.option).toBe(option);
    expect(error.code).toBe(code);
  });
});

describe('security header misconfiguration throws at start-up', () => {
  it.each<[string, SecurityHeadersOptions, string]>([
    [
      "'unsafe-inline'",
      { contentSecurityPolicy: { 'style-src': ["'self'", "'unsafe-inline'"] } },
      'style-src',
    ],
    [
      "'unsafe-eval'",
      { preset: 'page', contentSecurityPolicy: { 'script-src': ["'unsafe-eval'"] } },
      'script-src',
    ],
    [
      "'unsafe-hashes'",
      { contentSecurityPolicy: { 'script-src-attr': ["'unsafe-hashes'"] } },
      'script-src-attr',
    ],
    [
      'a fixed nonce',
      { preset: 'page', contentSecurityPolicy: { 'script-src': ["'nonce-abc'"] } },
      'script-src',
    ],
    ['any host in script-src', { contentSecurityPolicy: { 'script-src': ['*'] } }, 'script-src'],
    [
      'any https host in default-src',
      { contentSecurityPolicy: { 'default-src': ['https:'] } },
      'default-src',
    ],
  ])('refuses %s in a CSP', (_case, options, directive) => {
    const error = configError(() => createSecurityHeaders(options));
    expect(error.option).toBe(`createSecurityHeaders.contentSecurityPolicy.${directive}`);
    expect(error.code).toBe('ERR_CONFIG_INVALID_VALUE');
  });

  it('passes on what helmet itself refuses, named', () => {
    const error = configError(() =>
      createSecurityHeaders({ contentSecurityPolicy: { 'img-src': ['self'] } }),
    );
    expect(error.option).toBe('createSecurityHeaders.contentSecurityPolicy');
    expect(error.message).toContain('should be quoted');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown preset', { preset: 'html' }, 'createSecurityHeaders.preset'],
    [
      'a feature name that is no name',
      { permissionsPolicy: { 'Camera!': [] } },
      'createSecurityHeaders.permissionsPolicy.Camera!',
    ],
    [
      'an allowlist entry that is no origin',
      { permissionsPolicy: { camera: ['https://a.example/'] } },
      'createSecurityHeaders.permissionsPolicy.camera.0',
    ],
    [
      'a negative HSTS max-age',
      { strictTransportSecurity: { maxAgeSeconds: -1 } },
      'createSecurityHeaders.strictTransportSecurity.maxAgeSeconds',
    ],
    [
      'a Cache-Control with a line break',
      { cacheControl: 'no-store\r\nX-Evil: 1' },
      'createSecurityHeaders.cacheControl',
    ],
  ])('refuses %s', (_case, options, option) => {
    expect(configError(() => createSecurityHeaders(options as SecurityHeadersOptions)).option).toBe(
      option,
    );
  });

  it('names the adapter and, on Fastify, the route whose own options are wrong', async () => {
    const unsafe = { contentSecurityPolicy: { 'script-src': ["'unsafe-inline'"] } };
    expect(configError(() => securityHeaders(unsafe)).option).toBe(
      'securityHeaders.contentSecurityPolicy.script-src',
    );
    const app = Fastify();
    await app.register(fastifySecurityHeaders);
    expect(() =>
      app.get(
        '/page',
        { config: { securityHeaders: { preset: 'page', ...unsafe } } },
        async () => '',
      ),
    ).toThrow(/\/page: config\.securityHeaders\.contentSecurityPolicy\.script-src/);
  });
});

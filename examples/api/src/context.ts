import { type ClientIpResolver, createClientIpResolver } from '@rampart/core';
import type { AppConfig } from './config.js';
import { type AppServices, createServices } from './services.js';
import type { AppStores } from './stores/app-stores.js';

/** What an app factory is built from: the validated configuration and the open stores. */
export interface AppContext {
  readonly config: AppConfig;
  readonly stores: AppStores;
  /**
   * The client IP resolver of TRUSTED_PROXIES, for the rate limiter's `clientIp` option; the
   * request's IP itself is resolved once by `rampartCore` (Express middleware, Fastify plugin).
   */
  readonly clientIp: ClientIpResolver;
  /** Tokens, passwords, signatures and the routes' logic, on `stores`. */
  readonly services: AppServices;
}

/** The context of one app: built once, at start-up. */
export function createAppContext(config: AppConfig, stores: AppStores): AppContext {
  return {
    config,
    stores,
    clientIp: createClientIpResolver({ trustedProxies: [...config.trustedProxies] }),
    services: createServices(config, stores),
  };
}

/** Largest request body accepted (EXAMPLE-API.md): 1 MiB; one byte more is a 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** How long a client may take to send a whole request before the server drops it. */
export const REQUEST_TIMEOUT_MS = 30_000;

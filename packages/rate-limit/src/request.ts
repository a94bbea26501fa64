import type { SecurityRequest } from '@rampart/core';

/**
 * The request a limiter sees: core's `SecurityRequest`, plus the parsed body when the adapter
 * runs after body parsing (a key on the login email needs it). Never trust `body` blindly: it is
 * whatever the client sent.
 */
export interface RateLimitRequest extends SecurityRequest {
  body?: unknown;
}
